"""TOML: tables, dotted keys, inline tables, arrays of tables, tomli values, errors, embedded JSON."""

from __future__ import annotations

import pathlib

import pytest
import tomli

from mcpiam.core.document import Document, Mapping, Scalar, Sequence, lookup, plain
from mcpiam.parse import parse_text
from corpus_location import CORPUS_MISSING
from parse_helpers import span, key_span, codes

# The shared corpus sits beside the repository (in CI too); absent, the corpus cases are skipped.
CORPUS = pathlib.Path(__file__).resolve().parents[2] / "shared" / "corpus" / "codex"








CODEX = """\
model = "o3"

[mcp_servers.github]
command = "npx"
args = ["-y", "server"]
startup_timeout_ms = 20_000
env = { GITHUB_TOKEN = "fake-token-123", "X.Y" = 'lit' }

[mcp_servers.github.env2]
A = 1
"""


def test_table_headers_make_nested_mappings_with_segment_key_spans() -> None:
    document = parse_text(CODEX, "toml")
    assert document.problems == ()
    assert plain(document.root) == tomli.loads(CODEX)
    assert key_span(document, "mcp_servers") == (3, 2, 3, 13)
    assert key_span(document, "mcp_servers", "github") == (3, 14, 3, 20)
    # The implicit [mcp_servers] table is placed on the header that created it.
    assert span(document, "mcp_servers") == (3, 1, 3, 21)
    assert span(document, "mcp_servers", "github") == (3, 1, 7, 57)
    assert key_span(document, "mcp_servers", "github", "command") == (4, 1, 4, 8)
    assert span(document, "mcp_servers", "github", "command") == (4, 11, 4, 16)
    assert span(document, "mcp_servers", "github", "args", 1) == (5, 15, 5, 23)
    assert span(document, "mcp_servers", "github", "startup_timeout_ms") == (6, 22, 6, 28)
    assert plain(lookup(document.root, ("mcp_servers", "github", "startup_timeout_ms"))) == 20000


def test_inline_tables_and_quoted_keys() -> None:
    document = parse_text(CODEX, "toml")
    assert span(document, "mcp_servers", "github", "env") == (7, 7, 7, 57)
    assert key_span(document, "mcp_servers", "github", "env", "GITHUB_TOKEN") == (7, 9, 7, 21)
    assert span(document, "mcp_servers", "github", "env", "GITHUB_TOKEN") == (7, 24, 7, 40)
    assert key_span(document, "mcp_servers", "github", "env", "X.Y") == (7, 42, 7, 47)
    assert span(document, "mcp_servers", "github", "env", "X.Y") == (7, 50, 7, 55)


def test_sub_table_header_adds_to_an_existing_table() -> None:
    document = parse_text(CODEX, "toml")
    github = lookup(document.root, ("mcp_servers", "github"))
    assert isinstance(github, Mapping)
    assert github.keys() == ["command", "args", "startup_timeout_ms", "env", "env2"]
    assert key_span(document, "mcp_servers", "github", "env2") == (9, 21, 9, 25)
    assert span(document, "mcp_servers", "github", "env2", "A") == (10, 5, 10, 6)


def test_dotted_keys_give_each_segment_its_span() -> None:
    document = parse_text('a.b.c = 1\n"q.x".\'y\' = "v"\n', "toml")
    assert plain(document.root) == {"a": {"b": {"c": 1}}, "q.x": {"y": "v"}}
    assert key_span(document, "a") == (1, 1, 1, 2)
    assert key_span(document, "a", "b") == (1, 3, 1, 4)
    assert key_span(document, "a", "b", "c") == (1, 5, 1, 6)
    assert span(document, "a", "b", "c") == (1, 9, 1, 10)
    assert key_span(document, "q.x") == (2, 1, 2, 6)
    assert key_span(document, "q.x", "y") == (2, 7, 2, 10)


def test_arrays_of_tables() -> None:
    text = "[[servers]]\nname = \"a\"\n\n[[servers]]\nname = \"b\"\n[servers.env]\nK = \"v\"\n"
    document = parse_text(text, "toml")
    assert plain(document.root) == tomli.loads(text)
    servers = lookup(document.root, ("servers",))
    assert isinstance(servers, Sequence) and len(servers.items) == 2
    assert span(document, "servers") == (1, 1, 5, 11)  # first to last [[servers]] element
    assert span(document, "servers", 0) == (1, 1, 2, 11)
    assert span(document, "servers", 1, "name") == (5, 8, 5, 11)
    assert span(document, "servers", 1, "env", "K") == (7, 5, 7, 8)


def test_values_come_from_tomli() -> None:
    text = (
        'a = 0x1F\nb = 1e3\nc = inf\nd = true\ne = 1979-05-27T07:32:00Z\nf = 07:32:00\n'
        'g = "tab\\tand \\u00e9"\nh = """\nline\\\n   joined"""\ni = \'C:\\path\'\n'
    )
    values = plain(parse_text(text, "toml").root)
    assert values == {
        "a": 31, "b": 1000.0, "c": float("inf"), "d": True, "e": "1979-05-27T07:32:00Z", "f": "07:32:00",
        "g": "tab\tand é", "h": "linejoined", "i": "C:\\path",
    }


def test_columns_count_code_points() -> None:
    document = parse_text('"名前" = "値"\nk = "v"\n', "toml")
    assert key_span(document, "名前") == (1, 1, 1, 5)
    assert span(document, "名前") == (1, 8, 1, 11)


@pytest.mark.parametrize("path", sorted(CORPUS.glob("*.toml")) or [
    pytest.param(None, marks=pytest.mark.skip(reason=CORPUS_MISSING))], ids=lambda path: getattr(path, "name", "corpus"))
def test_corpus_values_match_tomli(path: pathlib.Path) -> None:
    text = path.read_text()
    document = parse_text(text, "toml")
    assert document.errors == ()
    assert plain(document.root) == tomli.loads(text)


def test_syntax_error_reports_tomli_position_and_keeps_other_values() -> None:
    text = 'a = 1\nb = \n[c]\nd = "fake-token-123"\n'
    document = parse_text(text, "toml")
    assert codes(document) == [("error", "syntax")]
    problem = document.problems[0]
    assert problem.message == "Invalid value"
    assert (problem.span.start_line, problem.span.start_column) == (2, 5)
    assert plain(document.root) == {"a": 1, "c": {"d": "fake-token-123"}}
    assert span(document, "c", "d") == (4, 5, 4, 21)


def test_error_messages_do_not_quote_keys() -> None:
    document = parse_text("[secret_name]\n[secret_name]\n", "toml")
    assert codes(document) == [("error", "syntax")]
    assert "secret_name" not in document.problems[0].message


def test_embedded_json_in_basic_and_literal_strings() -> None:
    text = 'H = "{\\"Authorization\\": \\"Bearer fake-token-123\\"}"\nL = \'{"k": [1]}\'\nM = \'\'\'\n{"m": 2}\'\'\'\n'
    document = parse_text(text, "toml")
    assert key_span(document, "H", "Authorization") == (1, 7, 1, 24)
    assert span(document, "H", "Authorization") == (1, 26, 1, 51)
    assert span(document, "L", "k", 0) == (2, 13, 2, 14)
    assert span(document, "M", "m") == (4, 7, 4, 8)


def test_comments_are_collected() -> None:
    document = parse_text('# top\na = "#not" # tail\n', "toml")
    assert [(comment.text, comment.span.start_line, comment.span.start_column) for comment in document.comments] == [
        ("# top", 1, 1),
        ("# tail", 2, 12),
    ]


def test_empty_document_is_an_empty_table() -> None:
    document = parse_text("", "toml")
    assert plain(document.root) == {}
    assert document.problems == ()


def test_deep_arrays_are_bounded() -> None:
    document = parse_text("a = " + "[" * 3000 + "]" * 3000, "toml")
    assert ("error", "too-deep") in codes(document)
