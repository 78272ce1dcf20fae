"""Front matter, dotenv, format sniffing, the public API's guarantees, golden files, robustness.

Golden files: each ``testdata/parse/<file>`` is parsed with the format ``sniff_format`` picks and
dumped (problems, comments, every node with its route, spans and value) next to it as
``<file>.out``. Run with ``UPDATE=1`` to regenerate them after a deliberate change.
"""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mcpiam.core.document import Document, Mapping, Node, Scalar, Sequence, Span, format_route, lookup, plain, walk
from mcpiam.parse import FORMATS, json_parser, parse_file, parse_text, read_source, sniff_format
from parse_helpers import span, codes

TESTDATA = pathlib.Path(__file__).resolve().parent.parent / "testdata" / "parse"
ROOT = pathlib.Path(__file__).resolve().parent.parent






# --- Markdown front matter -------------------------------------------------------------------


def test_front_matter_is_yaml_placed_in_the_markdown_file() -> None:
    text = "---\nname: a\nmcpServers:\n  - github: {url: 'https://example.test'}\n---\n# Body: not: config\n"
    document = parse_text(text, "markdown")
    assert document.format == "markdown"
    assert document.problems == ()
    assert plain(document.root) == {"name": "a", "mcpServers": [{"github": {"url": "https://example.test"}}]}
    assert span(document, "name") == (2, 7, 2, 8)
    assert span(document, "mcpServers", 0, "github", "url") == (4, 19, 4, 41)


def test_markdown_without_front_matter_has_no_roots() -> None:
    for text in ("# Title\n\nkey: value\n", "", "text\n---\nname: x\n---\n"):
        document = parse_text(text, "markdown")
        assert document.roots == () and document.problems == ()


def test_unclosed_front_matter_is_a_warning() -> None:
    document = parse_text("---\nname: a\n", "markdown")
    assert document.roots == ()
    assert codes(document) == [("warning", "unclosed-frontmatter")]


def test_front_matter_syntax_errors_are_located_in_the_file() -> None:
    document = parse_text("---\na: 1\nb: c: d\n---\n", "markdown")
    assert codes(document) == [("error", "syntax")]
    assert (document.problems[0].span.start_line, document.problems[0].span.start_column) == (3, 5)


# --- dotenv ----------------------------------------------------------------------------------


def test_dotenv_values_keys_and_comments() -> None:
    text = "# c\nexport A=1 # note\nB = 'x # kept'\nC=\"a\\nb\"\nD=\n\nE=multi word  \n"
    document = parse_text(text, "dotenv")
    assert document.problems == ()
    assert plain(document.root) == {"A": "1", "B": "x # kept", "C": "a\nb", "D": "", "E": "multi word"}
    assert span(document, "A") == (2, 10, 2, 11)
    assert span(document, "B") == (3, 5, 3, 15)  # quotes included
    assert span(document, "E") == (7, 3, 7, 13)
    assert [(comment.text, comment.span.start_line, comment.span.start_column) for comment in document.comments] == [
        ("# c", 1, 1),
        ("# note", 2, 12),
    ]


def test_dotenv_multiline_quoted_value_and_following_lines() -> None:
    document = parse_text('A="line one\nline two"\nB=2\n', "dotenv")
    assert plain(document.root) == {"A": "line one\nline two", "B": "2"}
    assert span(document, "A") == (1, 3, 2, 10)
    assert span(document, "B") == (3, 3, 3, 4)


def test_dotenv_errors_point_at_the_first_bad_line() -> None:
    document = parse_text("A=1\nnot an assignment\nB='unclosed\nC=3\n", "dotenv")
    assert codes(document) == [("error", "syntax")]
    assert (document.problems[0].span.start_line, document.problems[0].span.start_column) == (2, 1)
    assert plain(document.root) == {"A": "1", "B": "'unclosed", "C": "3"}


def test_dotenv_embedded_json() -> None:
    document = parse_text('H=\'{"Authorization": "Bearer fake-token-123"}\'\n', "dotenv")
    assert span(document, "H", "Authorization") == (1, 22, 1, 45)


# --- sniff_format ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "head", "expected"),
    [
        ("mcp.json", b"", "json"),
        ("settings.JSON", b"", "json"),
        ("kilo.jsonc", b"", "jsonc"),
        ("x.code-workspace", b"", "jsonc"),
        ("config.yaml", b"", "yaml"),
        ("server.yml", b"", "yaml"),
        ("config.toml", b"", "toml"),
        ("agent.md", b"", "markdown"),
        ("rule.mdc", b"", "markdown"),
        (".env", b"", "dotenv"),
        (".env.local", b"", "dotenv"),
        ("prod.env", b"", "dotenv"),
        ("dir/sub/.env.production", b"", "dotenv"),
        ("config", b'  {"mcpServers": {}}', "json"),
        ("config", b'// comment\n["a"]', "json"),
        ("config", b'"mcp": {\n', "json"),
        ("config", b"[mcp_servers.github]\nurl = 'x'\n", "toml"),
        ("config", b"# comment\nmodel = \"o3\"\n", "toml"),
        ("config", b"mcpServers:\n  a: {}\n", "yaml"),
        ("config", b"---\na: 1\n", "yaml"),
        ("config", b"TOKEN=abc\n", "dotenv"),
        ("crushrc", b"# crushrc\nmcp add github --type http\n", None),
        ("notes.txt", b"Just some prose, nothing else.\n", None),
        ("blob", b"\x00\x01\x02binary", None),
        ("empty", b"", None),
    ],
)
def test_sniff_format(name: str, head: bytes, expected: str | None) -> None:
    assert sniff_format(name, head) == expected


# --- the API's guarantees --------------------------------------------------------------------


def test_unknown_format_is_an_error_not_an_exception() -> None:
    document = parse_text("{}", "xml")
    assert codes(document) == [("error", "unknown-format")]


def test_an_unexpected_parser_failure_reports_only_the_exception_type(monkeypatch: pytest.MonkeyPatch) -> None:
    def explode(text: str, strict: bool) -> Document:
        raise ValueError("fake-token-123 leaked from the file")

    monkeypatch.setattr(json_parser, "parse_json", explode)
    document = parse_text('{"a": "fake-token-123"}', "json")
    assert codes(document) == [("error", "internal-parse-error")]
    assert document.problems[0].message == "the parser failed (ValueError)"


def test_importing_the_package_does_not_load_parsers() -> None:
    code = (
        "import sys, mcpiam.parse\n"
        "heavy = [m for m in ('tree_sitter', 'yaml', 'tomli', 'mcpiam.parse.json_parser') if m in sys.modules]\n"
        "print(','.join(heavy))"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""


def test_format_of_jsonc_documents_is_json() -> None:
    assert parse_text("{}", "jsonc").format == "json"
    assert {fmt: parse_text("", fmt).format for fmt in FORMATS} == {
        "json": "json", "jsonc": "json", "yaml": "yaml", "toml": "toml", "markdown": "markdown", "dotenv": "dotenv",
    }


# --- robustness ------------------------------------------------------------------------------

NASTY = [
    "\x00" * 10,
    "{\x00}",
    "a: \x00\n",
    "\ud800\udfff{\"a\": \"\ud800\"}",
    "[" * 1000,
    "]" * 1000,
    "{" * 1000 + "}" * 999,
    "- " * 1000,
    "a:\n" + "  " * 500 + "b",
    '"' * 999,
    "'''" + "x" * 100,
    "[[[a.b]]]\n[[]]\n=\n",
    "---\n" * 100,
    "&a [*a, *a]",
    "\r\r\r\n\n\r",
    "\ufeff\ufeff",
]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("text", NASTY, ids=range(len(NASTY)))
def test_nasty_inputs_return_documents(fmt: str, text: str) -> None:
    document = parse_text(text, fmt)
    assert isinstance(document, Document)
    assert all(problem.code != "internal-parse-error" for problem in document.problems)


@pytest.mark.parametrize("fmt", ["json", "yaml", "toml", "dotenv"])
def test_a_megabyte_single_line_string_is_read_whole(fmt: str) -> None:
    secret = "x" * 1_000_000
    text = {
        "json": '{"a": "' + secret + '"}',
        "yaml": 'a: "' + secret + '"\n',
        "toml": 'a = "' + secret + '"\n',
        "dotenv": "A=" + secret + "\n",
    }[fmt]
    document = parse_text(text, fmt)
    value = lookup(document.root, ("a",)) or lookup(document.root, ("A",))
    assert isinstance(value, Scalar) and value.value == secret


def test_node_budget_truncates_huge_documents() -> None:
    document = parse_text("[" + ",".join(["1"] * 120_000) + "]", "json")
    assert ("error", "too-many-nodes") in codes(document)
    assert isinstance(document.root, Sequence) and 90_000 < len(document.root.items) < 120_000


def _assert_sane(document: Document, text: str) -> None:
    lines = text.split("\n")

    def inside(found: Span) -> bool:
        if (found.start_line, found.start_column) > (found.end_line, found.end_column):
            return False
        for line, column in ((found.start_line, found.start_column), (found.end_line, found.end_column)):
            if not 1 <= line <= len(lines) or not 1 <= column <= len(lines[line - 1]) + 2:
                return False
        return True

    for root in document.roots:
        for _, node in walk(root):
            assert inside(node.span)
            if isinstance(node, Mapping):
                assert all(inside(entry.key_span) for entry in node.entries)
    for comment in document.comments:
        assert inside(comment.span)
    assert all(problem.code != "internal-parse-error" for problem in document.problems)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.text(max_size=300), fmt=st.sampled_from(FORMATS))
def test_any_text_parses_to_a_document_with_spans_inside_it(text: str, fmt: str) -> None:
    _assert_sane(parse_text(text, fmt), text)


TOKENS = list('{}[]:,"\'\\/#*-=.\n\r\t &|>!?~ax1é日') + ["---\n", "<<", "//", '"""', "[[", "\\u00e9", "&a ", "*a"]
STRUCTURED = st.lists(st.sampled_from(TOKENS), max_size=120).map("".join)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=STRUCTURED, fmt=st.sampled_from(FORMATS))
def test_syntax_soup_parses_to_a_document(text: str, fmt: str) -> None:
    _assert_sane(parse_text(text, fmt), text)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=300), fmt=st.sampled_from(FORMATS))
def test_any_bytes_on_disk_parse_to_a_document(tmp_path: pathlib.Path, data: bytes, fmt: str) -> None:
    path = tmp_path / "fuzz.bin"
    path.write_bytes(data)
    document = parse_file(path, fmt)
    assert isinstance(document, Document)
    source = read_source(path)
    if source.text is not None:
        _assert_sane(document, source.text)


# --- golden files ----------------------------------------------------------------------------


def _where(found: Span) -> str:
    return f"{found.start_line}:{found.start_column}-{found.end_line}:{found.end_column}"


def _describe(node: Node) -> str:
    if isinstance(node, Mapping):
        return f"mapping {_where(node.span)}"
    if isinstance(node, Sequence):
        return f"sequence {_where(node.span)}"
    value = node.value
    shown = repr(value) if not isinstance(value, str) or len(value) <= 40 else repr(value[:37] + "...")
    return f"{type(value).__name__} {_where(node.span)} {shown}" + (" +embedded" if node.embedded else "")


def dump(document: Document) -> str:
    lines = [f"format {document.format}"]
    lines += [f"problem {p.level.value} {p.code} {_where(p.span)} {p.message}" for p in document.problems]
    lines += [f"comment {_where(c.span)} {c.text}" for c in document.comments]
    for index, root in enumerate(document.roots):
        lines.append(f"root {index}")
        keys: dict[tuple[object, ...], Span] = {}
        for route, node in walk(root):
            if isinstance(node, Mapping):
                for entry in node.entries:
                    keys[route + (entry.key,)] = entry.key_span
            key = keys.get(route)
            key_text = f" key {_where(key)}" if key is not None else ""
            embedded = "  (in string)" if isinstance(node, (Mapping, Sequence)) and _is_embedded(root, route, node) else ""
            lines.append(f"  {format_route(route) or '/'}{key_text} {_describe(node)}{embedded}")
    return "\n".join(lines) + "\n"


def _is_embedded(root: Node, route: tuple[object, ...], node: Node) -> bool:
    holder = lookup(root, route)  # lookup stops at the string that holds embedded JSON
    return isinstance(holder, Scalar) or (route and isinstance(lookup(root, route[:-1]), Scalar))


GOLDEN = sorted(path for path in TESTDATA.iterdir() if path.is_file() and path.suffix != ".out")


@pytest.mark.parametrize("path", GOLDEN, ids=lambda path: path.name)
def test_golden(path: pathlib.Path) -> None:
    fmt = sniff_format(path.name, path.read_bytes()[:4096])
    assert fmt is not None
    actual = dump(parse_file(path, fmt))
    expected_path = path.with_name(path.name + ".out")
    if os.environ.get("UPDATE"):
        expected_path.write_text(actual)
    assert expected_path.exists(), f"run with UPDATE=1 to create {expected_path.name}"
    assert actual == expected_path.read_text()
