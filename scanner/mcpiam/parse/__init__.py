"""Stage 2, parse: bytes on disk to ``mcpiam.core.document.Document``: located trees for every config format.

``read_source`` reads safely, ``parse_text`` parses one format, ``parse_file`` does both
(``parse_source`` also hands back the text of a file it could not fully read), ``sniff_format``
guesses the format and ``read_head`` gives it the first bytes without blocking on a FIFO. None of them raises: whatever goes wrong becomes a Problem.
Format parsers (and the tree-sitter grammars behind them) are imported on first use, so importing
this package stays cheap for a pre-commit hook.
"""

from __future__ import annotations

import importlib
from pathlib import Path

from mcpiam.core.document import Document, Problem, ProblemLevel
from mcpiam.core.lazy_pattern import lazy_compile
from mcpiam.core.safe_open import FileIdentity, Fence
from mcpiam.parse.common import gc_paused
from mcpiam.parse.sniff import sniff_format
from mcpiam.parse.source import SourceText, read_head
from mcpiam.parse.source import read_source as _read_source

__all__ = [
    "FORMATS", "MAX_BYTES", "SourceText",
    "parse_decoded", "parse_file", "parse_source", "parse_text", "read_head", "read_source", "sniff_format",
]

MAX_BYTES = 2 * 1024 * 1024

# format -> (module, function, extra arguments); "jsonc" documents report format "json".
_PARSERS: dict[str, tuple[str, str, tuple[object, ...]]] = {
    "json": ("mcpiam.parse.json_parser", "parse_json", (True,)),
    "jsonc": ("mcpiam.parse.json_parser", "parse_json", (False,)),
    "yaml": ("mcpiam.parse.yaml_parser", "parse_yaml", ()),
    "toml": ("mcpiam.parse.toml_parser", "parse_toml", ()),
    "markdown": ("mcpiam.parse.frontmatter", "parse_markdown", ()),
    "dotenv": ("mcpiam.parse.dotenv_parser", "parse_dotenv", ()),
}
FORMATS = tuple(_PARSERS)
_LONE_SURROGATE = lazy_compile("[\ud800-\udfff]")


def _document_format(fmt: str) -> str:
    return "json" if fmt == "jsonc" else fmt


def read_source(path: Path, max_bytes: int = MAX_BYTES, fence: Fence | None = None,
                expected: FileIdentity | None = None) -> SourceText:
    """The decoded text of ``path``, or None with a Problem saying why it was skipped; read only
    when inside ``fence`` and (when given) the very file discovery admitted."""
    return _read_source(path, max_bytes, fence, expected)


def parse_text(text: str, fmt: str) -> Document:
    """Parse ``text`` as ``fmt`` (json | jsonc | yaml | toml | markdown | dotenv)."""
    target = _PARSERS.get(fmt)
    if target is None:
        unknown = Problem(ProblemLevel.ERROR, "unknown-format", "no parser for this format")
        return Document(fmt, (), (unknown,))
    # A lone surrogate cannot be encoded for tree-sitter or libyaml; U+FFFD keeps every offset.
    text = _LONE_SURROGATE.sub("\ufffd", text)
    module_name, function_name, arguments = target
    try:
        parse = getattr(importlib.import_module(module_name), function_name)
        with gc_paused():
            document: Document = parse(text, *arguments)
        return document
    except Exception as error:  # never a traceback, and never the message: it may quote the file
        return Document(_document_format(fmt), (), (Problem(
            ProblemLevel.ERROR, "internal-parse-error", f"the parser failed ({type(error).__name__})",
        ),))


def parse_file(path: Path, fmt: str, max_bytes: int = MAX_BYTES, fence: Fence | None = None,
               expected: FileIdentity | None = None) -> Document:
    """Read and parse one file; the reader's problems come first."""
    return parse_source(path, fmt, max_bytes, fence, expected)[0]


def parse_source(path: Path, fmt: str, max_bytes: int = MAX_BYTES, fence: Fence | None = None,
                 expected: FileIdentity | None = None) -> tuple[Document, str | None]:
    """``parse_file``, and the text the parse could not fully read (a syntax error, or a file
    refused as binary) to be searched for secrets from the same single read; else None."""
    return parse_decoded(read_source(path, max_bytes, fence, expected), fmt)


def parse_decoded(source: SourceText, fmt: str) -> tuple[Document, str | None]:
    """``parse_source`` of text already read and decoded (a file, or a blob of git history)."""
    if source.text is None:
        return Document(_document_format(fmt), (), source.problems), source.binary_text
    document = parse_text(source.text, fmt)
    unread = source.text if document.errors else None
    return Document(document.format, document.roots, source.problems + document.problems,
                    document.comments, document.labels, text=source.text), unread
