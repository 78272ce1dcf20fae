"""Guessing a file's format from its name, then from its first bytes."""

from __future__ import annotations

import re

from mcpiam.core.lazy_pattern import lazy_compile

_BY_SUFFIX = {
    ".json": "json",
    ".jsonc": "jsonc",
    ".json5": "jsonc",
    ".code-workspace": "jsonc",
    ".yaml": "yaml",
    ".yml": "yaml",
    ".toml": "toml",
    ".md": "markdown",
    ".mdc": "markdown",  # Cursor rules: Markdown with front matter
    ".markdown": "markdown",
}
_COMMENT_LINE = lazy_compile(r"(?:#|//)[^\n]*")
_TOML_TABLE = lazy_compile(r"\[\[?[ \t]*[A-Za-z0-9_\-\"'][^\],\n]*\]\]?[ \t]*(?:#[^\n]*)?(?:\n|$)")
_TOML_PAIR = lazy_compile(
    # The key run is possessive: a lazy one ahead of "[ \t]*" splits a run of spaces every way.
    r"""[A-Za-z0-9_\-"'][A-Za-z0-9_\-."' ]*+[ \t]*=[ \t]*(?:["'\[{0-9+\-]|true\b|false\b|inf\b|nan\b)"""
)
_YAML_KEY = lazy_compile(r"""(?:-[ \t]+)?[A-Za-z0-9_\-"'.$/][^:\n]*:(?:[ \t]|\n|$)""")
_DOTENV_PAIR = lazy_compile(r"(?:export[ \t]+)?[A-Za-z_][A-Za-z0-9_]*=")


def _dotenv_name(name: str) -> bool:
    return name == ".env" or name.startswith(".env.") or name.endswith(".env")


def sniff_format(path_name: str, head: bytes) -> str | None:
    """The format to parse a file with, or None when it does not look like a structured config."""
    name = path_name.replace("\\", "/").rsplit("/", 1)[-1].lower()
    if _dotenv_name(name):
        return "dotenv"
    for suffix, fmt in _BY_SUFFIX.items():
        if name.endswith(suffix):
            return fmt
    return _sniff_content(head)


def _sniff_content(head: bytes) -> str | None:
    if b"\x00" in head[:1024] and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None
    text = head.decode("utf-8", "replace").lstrip("\ufeff").replace("\r\n", "\n")
    lines = [line.strip() for line in text.split("\n")]
    significant = [line for line in lines if line and not _COMMENT_LINE.fullmatch(line)]
    if not significant:
        return None
    first = significant[0]
    if first == "---":
        return "yaml"
    if first[0] == "{":
        return "json"
    if first[0] == "[":
        # `[name]` opens a TOML table, `["a", 1]` is a JSON array; a `//` comment settles it.
        slash_comments = any(line.startswith("//") for line in lines)
        return "toml" if _TOML_TABLE.match(first + "\n") and not slash_comments else "json"
    if first.startswith('"') and re.match(r'"(?:[^"\\]|\\.)*"\s*:', first):
        return "json"  # a "key": value fragment
    if _TOML_PAIR.match(first):
        return "toml"
    if _DOTENV_PAIR.match(first):
        return "dotenv"
    if _YAML_KEY.match(first):
        return "yaml"
    return None
