"""JSON and JSONC: exact spans, JSONC leniency, fragments, syntax errors, embedded JSON strings."""

from __future__ import annotations

from mcpiam.core.document import Document, Mapping, ProblemLevel, Scalar, Sequence, lookup, plain, walk
from mcpiam.parse import parse_text
from mcpiam.parse.common import MAX_DEPTH
from parse_helpers import span, key_span, codes








SERVERS = """\
{
  "mcpServers": {
    "github": {"command": "npx", "args": ["-y", 1.5, true, null]}
  }
}
"""


def test_keys_and_values_have_exact_spans() -> None:
    document = parse_text(SERVERS, "json")
    assert document.problems == ()
    assert document.format == "json"
    assert span(document) == (1, 1, 5, 2)
    assert key_span(document, "mcpServers") == (2, 3, 2, 15)
    assert span(document, "mcpServers") == (2, 17, 4, 4)
    assert key_span(document, "mcpServers", "github") == (3, 5, 3, 13)
    assert span(document, "mcpServers", "github", "command") == (3, 27, 3, 32)
    assert span(document, "mcpServers", "github", "args") == (3, 42, 3, 65)
    assert span(document, "mcpServers", "github", "args", 0) == (3, 43, 3, 47)
    assert span(document, "mcpServers", "github", "args", 3) == (3, 60, 3, 64)
    assert plain(document.root) == {"mcpServers": {"github": {"command": "npx", "args": ["-y", 1.5, True, None]}}}


def test_columns_count_code_points_not_bytes() -> None:
    # "日本" is 6 bytes and 2 code points; "😀" is 4 bytes, 1 code point.
    document = parse_text('{"日本": "😀", "token": "fake-token-123"}', "json")
    assert key_span(document, "日本") == (1, 2, 1, 6)
    assert span(document, "日本") == (1, 8, 1, 11)
    assert key_span(document, "token") == (1, 13, 1, 20)
    assert span(document, "token") == (1, 22, 1, 38)


def test_crlf_line_endings_keep_columns() -> None:
    document = parse_text('{\r\n  "a": "b",\r\n  "c": 1\r\n}\r\n', "json")
    assert span(document, "a") == (2, 8, 2, 11)
    assert span(document, "c") == (3, 8, 3, 9)


JSONC = """\
// user settings
{
  "servers": {
    /* the one server */
    "x": {"args": ["a", "b",],},
  },
}
"""


def test_jsonc_comments_and_trailing_commas_are_read() -> None:
    document = parse_text(JSONC, "jsonc")
    assert document.problems == ()
    assert plain(document.root) == {"servers": {"x": {"args": ["a", "b"]}}}
    assert span(document, "servers", "x", "args", 1) == (5, 25, 5, 28)
    assert [(comment.text, comment.span.start_line, comment.span.start_column) for comment in document.comments] == [
        ("// user settings", 1, 1),
        ("/* the one server */", 4, 5),
    ]
    assert document.comments[1].span.end_column == 25


def test_jsonc_syntax_in_strict_json_is_noted_once() -> None:
    document = parse_text(JSONC, "json")
    assert codes(document) == [("info", "jsonc-syntax")]
    assert document.problems[0].span.start_line == 1
    assert plain(document.root) == {"servers": {"x": {"args": ["a", "b"]}}}


def test_trailing_comma_alone_is_noted_where_it_is() -> None:
    document = parse_text('{"a": [1, 2,]}', "json")
    assert codes(document) == [("info", "jsonc-syntax")]
    assert (document.problems[0].span.start_line, document.problems[0].span.start_column) == (1, 12)
    assert plain(document.root) == {"a": [1, 2]}


def test_strings_are_decoded_exactly() -> None:
    document = parse_text(r'{"a": "caf\u00e9", "b": "\ud83d\ude00", "c": "tab\there\n", "d": "q\"\\/", "e": "\ud800x"}', "json")
    assert plain(document.root) == {"a": "café", "b": "😀", "c": "tab\there\n", "d": 'q"\\/', "e": "\ufffdx"}


def test_numbers_and_constants() -> None:
    document = parse_text('[0, -12, 1.5, 1e3, 1e400, 123456789012345678901234567890, true, false, null]', "json")
    values = plain(document.root)
    assert values == [0, -12, 1.5, 1000.0, float("inf"), 123456789012345678901234567890, True, False, None]
    assert [type(value) for value in values[:4]] == [int, int, float, float]


def test_syntax_error_points_at_the_first_error_and_keeps_what_was_read() -> None:
    document = parse_text('{\n  "a": 1,\n  "b" 2,\n  "c": {"d": "fake-token-123"}\n}\n', "json")
    assert codes(document) == [("error", "syntax")]
    problem = document.problems[0]
    assert problem.message == "Expecting ':' delimiter"
    assert (problem.span.start_line, problem.span.start_column) == (3, 7)
    assert plain(document.root) == {"a": 1, "c": {"d": "fake-token-123"}}
    assert span(document, "c", "d") == (4, 14, 4, 30)


def test_missing_value_and_unclosed_document_are_errors() -> None:
    missing = parse_text('{"a": }', "json")
    assert codes(missing) == [("error", "syntax")]
    assert missing.problems[0].message == "Expecting value"
    assert (missing.problems[0].span.start_line, missing.problems[0].span.start_column) == (1, 7)

    unclosed = parse_text('{"a": [1, 2', "json")
    assert codes(unclosed) == [("error", "syntax")]
    assert plain(unclosed.root) == {"a": [1, 2]}


def test_error_messages_do_not_quote_file_content() -> None:
    document = parse_text('{"a": fake-token-123}', "json")
    assert document.errors
    assert all("fake" not in problem.message for problem in document.problems)


def test_readme_fragment_without_braces_is_read_as_a_mapping() -> None:
    text = '"mcp": {\n  "context7": {"url": "https://example.test/mcp"}\n},\n"other": 2\n'
    document = parse_text(text, "json")
    assert codes(document) == [("info", "fragment")]
    assert plain(document.root) == {"mcp": {"context7": {"url": "https://example.test/mcp"}}, "other": 2}
    assert key_span(document, "mcp") == (1, 1, 1, 6)
    assert span(document, "mcp", "context7", "url") == (2, 23, 2, 49)
    assert key_span(document, "other") == (4, 1, 4, 8)
    assert span(document) == (1, 1, 5, 1)


def test_a_lone_top_level_string_is_not_a_fragment() -> None:
    document = parse_text('"just a string"', "json")
    assert document.problems == ()
    assert plain(document.root) == "just a string"


def test_several_top_level_values_are_an_error_but_all_are_kept() -> None:
    document = parse_text('{"a": 1}\n{"b": 2}\n', "json")
    assert codes(document) == [("error", "syntax")]
    assert (document.problems[0].span.start_line, document.problems[0].span.start_column) == (2, 1)
    assert [plain(root) for root in document.roots] == [{"a": 1}, {"b": 2}]


def test_duplicate_keys_are_all_kept_and_the_last_wins() -> None:
    document = parse_text('{"a": 1, "a": 2}', "json")
    assert isinstance(document.root, Mapping)
    assert document.root.keys() == ["a", "a"]
    assert plain(document.root) == {"a": 2}


def test_empty_and_comment_only_documents_have_no_root() -> None:
    for text in ("", "   \n", "// nothing here\n"):
        document = parse_text(text, "jsonc")
        assert document.roots == ()
        assert document.errors == ()


EMBEDDED = r'{"env": {"OPENAPI_MCP_HEADERS": "{\"Authorization\": \"Bearer fake-token-123\", \"n\": [1]}"}}'


def test_embedded_json_in_a_string_is_parsed_with_file_spans() -> None:
    document = parse_text(EMBEDDED, "json")
    holder = lookup(document.root, ("env", "OPENAPI_MCP_HEADERS"))
    assert isinstance(holder, Scalar) and isinstance(holder.embedded, Mapping)
    assert holder.value == '{"Authorization": "Bearer fake-token-123", "n": [1]}'
    assert span(document, "env", "OPENAPI_MCP_HEADERS") == (1, 33, 1, 93)
    # The escaped quotes count: \"Authorization\" is 17 characters in the file.
    assert key_span(document, "env", "OPENAPI_MCP_HEADERS", "Authorization") == (1, 35, 1, 52)
    assert span(document, "env", "OPENAPI_MCP_HEADERS", "Authorization") == (1, 54, 1, 79)
    assert span(document, "env", "OPENAPI_MCP_HEADERS", "n", 0) == (1, 89, 1, 90)


def test_embedded_json_two_levels_deep_maps_back_through_both_escapings() -> None:
    inner = r'"{\"a\": \"{\\\"b\\\": 7}\"}"'
    document = parse_text('{"x": ' + inner + "}", "json")
    assert plain(lookup(document.root, ("x", "a", "b"))) == 7
    # File columns: \\\"b\\\" (the key, escaped twice) spans 19-27, the 7 is at 30.
    assert span(document, "x", "a", "b") == (1, 30, 1, 31)
    assert key_span(document, "x", "a", "b") == (1, 19, 1, 28)


def test_strings_that_only_look_like_json_stay_strings() -> None:
    document = parse_text('{"a": "[INFO] started]", "b": "{not json}", "c": "{}"}', "json")
    assert isinstance(document.root, Mapping)
    embedded = {entry.key: getattr(entry.value, "embedded", None) for entry in document.root.entries}
    assert embedded["a"] is None and embedded["b"] is None
    assert isinstance(embedded["c"], Mapping)


def test_embedded_json_stops_after_three_levels() -> None:
    level = '{"v": 1}'
    for _ in range(4):
        level = '{"v": ' + __import__("json").dumps(level) + "}"
    document = parse_text(level, "json")
    depth = 0
    node = document.root
    while isinstance(node, Mapping):
        child = node.get("v")
        if isinstance(child, Scalar) and child.embedded is not None:
            depth += 1
            node = child.embedded
        else:
            node = child
    assert depth == 3


def test_deep_nesting_is_bounded_without_recursion_errors() -> None:
    document = parse_text("[" * 5000 + "]" * 5000, "json")
    assert ("error", "too-deep") in codes(document)
    assert isinstance(document.root, Sequence)
    # The model stops at the depth limit: the work done never grows with the input's depth.
    assert max(len(route) for route, _ in walk(document.root)) <= MAX_DEPTH


def test_truncated_file_keeps_every_value_it_holds() -> None:
    document = parse_text('{"servers": {"a": {"env": {"TOKEN": "fake-token-123"}}, "b": ["x", "y', "json")
    assert codes(document) == [("error", "syntax")]
    assert plain(document.root) == {"servers": {"a": {"env": {"TOKEN": "fake-token-123"}}, "b": ["x", "y"]}}
    assert span(document, "servers", "b", 1) == (1, 68, 1, 70)
    assert span(document) == (1, 1, 1, 70)  # the added closers are clamped to the end of the file


def test_unclosed_deep_nesting_is_an_error_not_a_crash() -> None:
    # 100,000 levels: tree-sitter's sibling lookups would crash the interpreter on this tree.
    document = parse_text('{"a":' * 100_000, "json")
    assert document.errors
    assert all(problem.code != "internal-parse-error" for problem in document.problems)


def test_errors_have_error_level() -> None:
    document = parse_text('{"a" "b"}', "json")
    assert document.errors and all(problem.level is ProblemLevel.ERROR for problem in document.errors)


def test_error_recovery_that_would_take_minutes_is_abandoned() -> None:
    # Each line's comma sits inside its comment: tree-sitter's recovery grows quadratically.
    text = "{\n" + ",\n".join(f'  "k{i}": "https://example.test/{i}" // c' for i in range(30_000)) + "\n}"
    document = parse_text(text, "jsonc")
    assert codes(document) == [("error", "parse-timeout")]  # the deadline stopped the recovery


def test_error_recovery_in_a_file_under_128_kb_is_abandoned_too() -> None:
    # 126 KB, small enough that it was once parsed from bytes, without a deadline: about ten
    # seconds of recovery. Every size now goes through the deadline.
    text = "{\n" + '"k":1//,\n' * 14_000
    assert len(text) < 128 * 1024
    assert codes(parse_text(text, "json")) == [("error", "parse-timeout")]


def _straddling_window_edges(window: int) -> str:
    """JSON whose k-th window edge falls on the second byte of a 2-, 3- and 4-byte character."""
    parts, size = ["{"], 1
    for k, character in enumerate("é日😀", start=1):
        prefix = f'"p{k}": "'
        member = prefix + "a" * (k * window - 1 - size - len(prefix)) + character + '", '
        parts.append(member)
        size += len(member.encode())
    return "".join(parts) + '"end": 0}'


def test_the_windowed_read_gives_the_tree_of_a_direct_parse() -> None:
    # Sizes around the read window (64 KB), and characters cut in two by its edges.
    from tree_sitter import Parser

    from mcpiam.parse import treesitter

    window = 1 << 16
    straddling = _straddling_window_edges(window).encode()
    assert all(straddling[k * window] & 0xC0 == 0x80 for k in (1, 2, 3))  # a continuation byte
    rows = ['{' + "".join(f'"é-日-😀-{n}": [1, "x"],\n' for n in range(count)) + '"end": 0}'
            for count in (0, 1, 2_000, 3_000, 12_000)]
    for source in [straddling, *(text.encode() for text in rows)]:
        direct = Parser(treesitter.language("json")).parse(source)
        windowed = treesitter.parse("json", source)
        assert str(windowed.root_node) == str(direct.root_node), len(source)
        assert windowed.root_node.end_byte == direct.root_node.end_byte == len(source)
        assert not windowed.root_node.has_error


def test_parses_running_at_once_in_threads_each_read_their_own_source() -> None:
    # Each parse borrows its own read window; threads switch inside the read and progress
    # callbacks, so a shared window would hand one parse another's bytes.
    import sys
    import threading

    from tree_sitter import Parser

    from mcpiam.parse import treesitter

    sources = [("[" + ",\n".join(f'{{"id": "{n}-{i}", "v": [{i}, "{"x" * n}"]}}' for i in range(4_000)) + "]")
               .encode() for n in range(6)]
    expected = [str(Parser(treesitter.language("json")).parse(source).root_node) for source in sources]
    treesitter.parse("json", b"[]")  # a window waits in the pool, as after any first parse
    got: dict[int, str] = {}

    def work(n: int) -> None:
        got[n] = str(treesitter.parse("json", sources[n]).root_node)

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        threads = [threading.Thread(target=work, args=(n,)) for n in range(len(sources))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(interval)
    assert [got.get(n) for n in range(len(sources))] == expected
