"""YAML: exact spans, SafeLoader types, anchors and merges, multi-document, limits, comments."""

from __future__ import annotations

import yaml

from mcpiam.core.document import Document, Mapping, Scalar, Sequence, lookup, plain, walk
from mcpiam.parse import parse_text
from mcpiam.parse.common import MAX_ALIAS_EXPANSION, MAX_DEPTH
from parse_helpers import span, key_span, codes








CONFIG = """\
mcpServers:
  github:
    command: npx
    args: ["-y", "@modelcontextprotocol/server-github"]
    env:
      GITHUB_TOKEN: 'fake-token-123'
"""


def test_block_and_flow_spans() -> None:
    document = parse_text(CONFIG, "yaml")
    assert document.problems == ()
    assert key_span(document, "mcpServers") == (1, 1, 1, 11)
    assert key_span(document, "mcpServers", "github") == (2, 3, 2, 9)
    assert span(document, "mcpServers", "github", "command") == (3, 14, 3, 17)
    assert span(document, "mcpServers", "github", "args") == (4, 11, 4, 56)
    assert span(document, "mcpServers", "github", "args", 1) == (4, 18, 4, 55)
    assert key_span(document, "mcpServers", "github", "env", "GITHUB_TOKEN") == (6, 7, 6, 19)
    assert span(document, "mcpServers", "github", "env", "GITHUB_TOKEN") == (6, 21, 6, 37)
    # A block collection ends with its last value, not where the next token starts.
    assert span(document, "mcpServers", "github", "env") == (6, 7, 6, 37)
    assert span(document) == (1, 1, 6, 37)


def test_columns_count_code_points() -> None:
    document = parse_text("名前: 値\nkey: \"😀x\"\nnext: 1\n", "yaml")
    assert span(document, "名前") == (1, 5, 1, 6)
    assert span(document, "key") == (2, 6, 2, 10)
    assert key_span(document, "next") == (3, 1, 3, 5)


def test_scalars_get_safeloader_types_and_strings_stay_strings() -> None:
    text = "a: 1\nb: 0x1F\nc: 1_000\nd: 1.5\ne: .inf\nf: on\ng: ~\nh: '1'\ni: 2001-12-14\nj: !!str 7\nk: !Ref x\nl: !!int abc\n"
    values = plain(parse_text(text, "yaml").root)
    assert values == {
        "a": 1, "b": 31, "c": 1000, "d": 1.5, "e": float("inf"), "f": True, "g": None, "h": "1",
        "i": "2001-12-14", "j": "7", "k": "x", "l": "abc",
    }


def test_keys_keep_their_text() -> None:
    document = parse_text("1: one\ntrue: yes\nnull: x\n? [a, b]\n: list\n", "yaml")
    assert isinstance(document.root, Mapping)
    assert document.root.keys() == ["1", "true", "null", "[a, b]"]
    assert key_span(document, "[a, b]") == (4, 3, 4, 9)


def test_nested_collection_keys_do_not_blow_up() -> None:
    document = parse_text("{" * 900 + "}" * 899, "yaml")
    assert document.errors
    assert all(len(entry.key) <= 200 for _, node in walk(document.root) if isinstance(node, Mapping) for entry in node.entries)


def test_several_documents_are_several_roots() -> None:
    document = parse_text("a: 1\n---\nb: 2\n---\n- x\n", "yaml")
    assert [plain(root) for root in document.roots] == [{"a": 1}, {"b": 2}, ["x"]]
    assert span(document, "b", root=1) == (3, 4, 3, 5)
    assert span(document, 0, root=2) == (5, 3, 5, 4)


ANCHORS = """\
defaults: &defaults
  command: npx
  env: {TOKEN: fake-token-123}
servers:
  one: *defaults
  two:
    <<: *defaults
    command: uvx
"""


def test_an_alias_is_the_anchored_node_with_its_spans() -> None:
    document = parse_text(ANCHORS, "yaml")
    assert document.problems == ()
    assert plain(document.root) == yaml.safe_load(ANCHORS)
    assert key_span(document, "servers", "one") == (5, 3, 5, 6)
    assert span(document, "servers", "one", "env", "TOKEN") == (3, 16, 3, 30)
    assert lookup(document.root, ("servers", "one")) is lookup(document.root, ("defaults",))


def test_merge_keys_resolve_like_safeloader() -> None:
    document = parse_text(ANCHORS, "yaml")
    two = lookup(document.root, ("servers", "two"))
    assert isinstance(two, Mapping)
    assert plain(two) == {"command": "uvx", "env": {"TOKEN": "fake-token-123"}}
    assert sorted(two.keys()) == ["command", "env"]  # the overridden merged "command" is gone
    assert span(document, "servers", "two", "command") == (8, 14, 8, 17)
    assert key_span(document, "servers", "two", "env") == (3, 3, 3, 6)  # where the anchor has it


def test_merge_of_several_mappings_first_listed_wins() -> None:
    text = "a: &a {x: 1, y: 1}\nb: &b {x: 2, z: 2}\nc:\n  <<: [*a, *b]\n"
    assert plain(parse_text(text, "yaml").root) == yaml.safe_load(text)


def test_block_scalars_keep_pyyaml_values_and_span_start_to_end_mark() -> None:
    text = "lit: |\n  line one\n  line two\nfold: >-\n  a\n  b\nafter: 1\n"
    document = parse_text(text, "yaml")
    assert plain(document.root) == {"lit": "line one\nline two\n", "fold": "a b", "after": 1}
    assert span(document, "lit") == (1, 6, 4, 1)
    assert span(document, "fold") == (4, 7, 7, 1)


def test_syntax_error_at_the_problem_mark_with_pyyaml_text() -> None:
    document = parse_text("a: 1\nb: c: d\ne: 2\n", "yaml")
    assert codes(document) == [("error", "syntax")]
    problem = document.problems[0]
    assert problem.message == "mapping values are not allowed here"
    assert (problem.span.start_line, problem.span.start_column) == (2, 5)
    # What was read before the error is kept, and what follows it is recovered (issue 13).
    assert plain(document.root) == {"a": 1, "b": "c", "e": 2}


def test_tab_indentation_is_an_error_with_a_hint() -> None:
    document = parse_text("servers:\n\tgithub: {}\n", "yaml")
    assert codes(document) == [("error", "syntax"), ("info", "tabs")]
    assert (document.problems[0].span.start_line, document.problems[0].span.start_column) == (2, 1)


def test_billion_laughs_is_stopped_before_it_expands() -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in range(1, 10):
        name, previous = chr(ord("a") + level), chr(ord("a") + level - 1)
        lines.append(f"{name}: &{name} [" + ",".join([f"*{previous}"] * 9) + "]")
    document = parse_text("\n".join(lines) + "\n", "yaml")
    assert ("error", "alias-bomb") in codes(document)
    # Nine levels of nine aliases would be 9**10 nodes; expansion stops at its budget.
    assert sum(1 for _ in walk(document.root, budget=10 * MAX_ALIAS_EXPANSION)) <= MAX_ALIAS_EXPANSION + 100
    assert plain(lookup(document.root, ("a",))) == ["lol"] * 9


def test_recursive_and_undefined_aliases_are_errors() -> None:
    recursive = parse_text("a: &a [1, *a]\n", "yaml")
    assert codes(recursive) == [("error", "recursive-alias")]
    assert plain(recursive.root) == {"a": [1, None]}
    undefined = parse_text("a: *nowhere\nb: 2\n", "yaml")
    assert codes(undefined) == [("error", "syntax")]
    assert plain(undefined.root) == {"a": None, "b": 2}


def test_deep_nesting_is_bounded() -> None:
    for text in ("[" * 20000 + "]" * 20000, "".join(" " * level + "k:\n" for level in range(600))):
        document = parse_text(text, "yaml")
        assert ("error", "too-deep") in codes(document)
        routes = [route for route, _ in walk(document.root)] if document.root is not None else [()]
        assert max(len(route) for route in routes) <= MAX_DEPTH


def test_comments_are_collected_but_not_hashes_inside_values() -> None:
    text = "# head\na: 'x # not a comment' # tail\nb: |\n  # block text\nc: d#e\n"
    document = parse_text(text, "yaml")
    found = [(comment.text, comment.span.start_line, comment.span.start_column) for comment in document.comments]
    assert found == [("# head", 1, 1), ("# tail", 2, 24)]
    assert document.comments[1].span.end_column == 30


def test_embedded_json_in_quoted_plain_and_literal_scalars() -> None:
    text = (
        'single: \'{"k": "v"}\'\n'
        'double: "{\\"k\\": \\"v\\"}"\n'
        'plain: {"k": "v"}\n'
        'inline: x\n'
        'literal: |\n'
        '  {"k":\n'
        '    "v"}\n'
    )
    document = parse_text(text, "yaml")
    assert span(document, "single", "k") == (1, 16, 1, 19)
    assert span(document, "double", "k") == (2, 18, 2, 23)
    assert key_span(document, "double", "k") == (2, 11, 2, 16)
    assert span(document, "literal", "k") == (7, 5, 7, 8)
    assert key_span(document, "literal", "k") == (6, 4, 6, 7)
    assert isinstance(lookup(document.root, ("plain",)), Mapping)  # a flow mapping, not a string


def test_embedded_json_in_a_folded_scalar_falls_back_to_the_scalar_span() -> None:
    text = 'headers: >\n  {"Authorization":\n  "Bearer fake-token-123"}\n'
    document = parse_text(text, "yaml")
    holder = lookup(document.root, ("headers",))
    assert isinstance(holder, Scalar) and isinstance(holder.embedded, Mapping)
    assert span(document, "headers", "Authorization") == span(document, "headers") == (1, 10, 4, 1)


def test_special_characters_are_reported_and_the_rest_is_read() -> None:
    document = parse_text("a: 1\nb: x\x07y\n", "yaml")
    assert codes(document) == [("error", "syntax")]
    assert (document.problems[0].span.start_line, document.problems[0].span.start_column) == (2, 5)
    assert plain(document.root) == {"a": 1, "b": "x\ufffdy"}


def test_surrogate_escapes_rejected_by_libyaml_are_read_like_pyyaml() -> None:
    document = parse_text('a: "\\ud83d\\ude00"\n', "yaml")
    assert document.problems == ()
    assert plain(document.root) == {"a": "😀"}


def test_a_byte_order_mark_does_not_shift_positions() -> None:
    document = parse_text("\ufeffa: 1\n", "yaml")
    assert span(document, "a") == (1, 5, 1, 6)


def test_empty_stream_has_no_roots_and_an_empty_document_is_null() -> None:
    assert parse_text("", "yaml").roots == ()
    assert parse_text("# only a comment\n", "yaml").roots == ()
    assert [plain(root) for root in parse_text("---\n", "yaml").roots] == [None]


def test_sequences_of_mappings() -> None:
    document = parse_text("servers:\n  - name: a\n    url: https://example.test\n  - github\n", "yaml")
    servers = lookup(document.root, ("servers",))
    assert isinstance(servers, Sequence) and len(servers.items) == 2
    assert span(document, "servers", 0, "url") == (3, 10, 3, 30)
    assert span(document, "servers", 1) == (4, 5, 4, 11)


def test_what_follows_a_syntax_error_is_recovered_with_its_positions() -> None:
    text = "servers:\n  bad: [unclosed\n  gh:\n    env:\n      TOKEN: value\n"
    document = parse_text(text, "yaml")
    assert codes(document) == [("error", "syntax")]  # only the first error, at its own place
    assert (document.problems[0].span.start_line, document.problems[0].span.start_column) == (3, 5)
    assert plain(document.root) == {"servers": {"bad": None, "gh": {"env": {"TOKEN": "value"}}}}
    assert span(document, "servers", "gh", "env", "TOKEN") == (5, 14, 5, 19)


def test_an_unterminated_quote_or_a_bad_escape_loses_only_its_own_value() -> None:
    for broken in ('"npx', '"C:\\Users\\npx"', "'npx"):
        text = f"servers:\n  gh:\n    command: {broken}\n    env:\n      TOKEN: value\n  other:\n    url: u\n"
        document = parse_text(text, "yaml")
        assert codes(document)[0] == ("error", "syntax"), broken
        assert plain(document.root) == {"servers": {"gh": {"command": None, "env": {"TOKEN": "value"}},
                                                    "other": {"url": "u"}}}, broken
        assert span(document, "servers", "other", "url") == (7, 10, 7, 11)


def test_recovery_reads_past_a_bounded_number_of_errors() -> None:
    # Each error costs one more reading of the file: past 32 of them, the rest is not recovered.
    few = parse_text("a: [\n" * 20 + "z: 1\n", "yaml")
    many = parse_text("a: [\n" * 40 + "z: 1\n", "yaml")
    assert codes(few) == codes(many) == [("error", "syntax")]
    assert plain(few.root) == {"a": None, "z": 1}
    assert "z" not in plain(many.root)


def test_a_large_file_is_read_again_fewer_times() -> None:
    # At most 4 MiB are read again in all: a 1.5 MiB file gets two more readings, not 32.
    errors = "a: [\n" * 3 + "z: 1\n"
    padding = "#" + "x" * (1536 * 1024) + "\n"
    assert "z" in plain(parse_text(errors, "yaml").root)
    assert "z" not in plain(parse_text(errors + padding, "yaml").root)
