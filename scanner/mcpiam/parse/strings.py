"""Decoding quoted strings while remembering where each decoded character came from.

A decoder returns the string and, for each character, its offset in the raw source (plus the end
offset), so JSON found inside the string can be located in the file. Callers compare the decoded
text with the value their parser produced and fall back to a coarser span when they differ.
"""

from __future__ import annotations

import re
from mcpiam.core.lazy_pattern import LazyPattern, lazy_compile
from mcpiam.core.valuetype import dataclass

_REPLACEMENT = "\ufffd"
_LONE_SURROGATE = lazy_compile("[\ud800-\udfff]")


@dataclass(frozen=True, slots=True)
class EscapeRules:
    simple: dict[str, str]
    hex_lengths: dict[str, int]  # escape letter -> number of hex digits (\uXXXX -> 4)
    pattern: LazyPattern  # compiled on first use (a format's first string)
    # JSON writes astral characters as a \uD83D\uDE00 pair; other formats use \U or raw text.
    joins_surrogates: bool = False
    # TOML multi-line basic strings: a backslash at a line end swallows the break and indentation.
    line_continuation: bool = False


def _rules(simple: dict[str, str], hex_lengths: dict[str, int], **options: bool) -> EscapeRules:
    alternatives = [re.escape(letter) + "[0-9A-Fa-f]{%d}" % count for letter, count in hex_lengths.items()]
    if options.get("line_continuation"):
        alternatives.append(r"[ \t]*\r?\n[ \t\r\n]*")
    alternatives.append(".")
    pattern = lazy_compile(r"\\(" + "|".join(alternatives) + ")", re.DOTALL)
    return EscapeRules(simple, hex_lengths, pattern, **options)


_COMMON = {'"': '"', "\\": "\\", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}

JSON_RULES = _rules({**_COMMON, "/": "/"}, {"u": 4}, joins_surrogates=True)
TOML_RULES = _rules({**_COMMON, "e": "\x1b"}, {"x": 2, "u": 4, "U": 8})
TOML_MULTILINE_RULES = _rules({**_COMMON, "e": "\x1b"}, {"x": 2, "u": 4, "U": 8}, line_continuation=True)
YAML_DOUBLE_RULES = _rules(
    {
        **_COMMON,
        "/": "/", "0": "\0", "a": "\a", "v": "\v", "e": "\x1b", " ": " ", "\t": "\t",
        "N": "\x85", "_": "\xa0", "L": "\u2028", "P": "\u2029",
    },
    {"x": 2, "u": 4, "U": 8},
)
DOTENV_DOUBLE_RULES = _rules({'"': '"', "\\": "\\", "n": "\n", "r": "\r", "t": "\t", "$": "$", "`": "`"}, {})


@dataclass(frozen=True, slots=True)
class Decoded:
    text: str
    # offsets[i]: start of character i in the raw text; offsets[len(text)]: end of the raw text.
    offsets: list[int] | None
    valid: bool  # False if an unknown escape was met (kept as written)


def without_lone_surrogates(text: str) -> str:
    """Surrogate pairs joined, unpaired ones (``"\\ud800"``) as U+FFFD: the text can always be encoded."""
    if _LONE_SURROGATE.search(text) is None:
        return text
    joined = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    return _LONE_SURROGATE.sub(_REPLACEMENT, joined)


def _code_point(digits: str) -> str:
    value = int(digits, 16)
    if value > 0x10FFFF:
        return _REPLACEMENT
    return chr(value)


def decode(raw: str, rules: EscapeRules, base: int = 0, with_offsets: bool = False) -> Decoded:
    """Decode backslash escapes in ``raw`` (the string without its quotes) starting at ``base``."""
    if "\\" not in raw:
        text = _LONE_SURROGATE.sub(_REPLACEMENT, raw)
        offsets = list(range(base, base + len(raw) + 1)) if with_offsets else None
        return Decoded(text, offsets, True)
    pieces: list[str] = []
    offsets: list[int] | None = [] if with_offsets else None
    valid = True
    position = 0
    pending_high: tuple[int, int] | None = None  # (index in pieces, raw start) of a \uD8xx escape
    for match in rules.pattern.finditer(raw):
        start, end = match.span()
        if start > position:
            pieces.append(raw[position:start])
            if offsets is not None:
                offsets.extend(range(base + position, base + start))
            pending_high = None
        body = match.group(1)
        letter = body[0]
        if letter in rules.hex_lengths and len(body) == rules.hex_lengths[letter] + 1:
            char = _code_point(body[1:])
            if rules.joins_surrogates and "\udc00" <= char <= "\udfff" and pending_high is not None:
                index, _ = pending_high
                high = ord(pieces[index])
                pieces[index] = chr(0x10000 + ((high - 0xD800) << 10) + (ord(char) - 0xDC00))
                pending_high = None
                position = end
                continue
            if "\ud800" <= char <= "\udbff" and rules.joins_surrogates:
                pending_high = (len(pieces), start)
            else:
                pending_high = None
            pieces.append(char)
            if offsets is not None:
                offsets.append(base + start)
        elif letter in rules.simple and len(body) == 1:
            pieces.append(rules.simple[letter])
            if offsets is not None:
                offsets.append(base + start)
            pending_high = None
        elif rules.line_continuation and letter in " \t\r\n":
            pending_high = None  # the break and the indentation after it vanish
        else:
            valid = False
            pieces.append(match.group(0))
            if offsets is not None:
                offsets.extend(range(base + start, base + end))
            pending_high = None
        position = end
    if position < len(raw):
        pieces.append(raw[position:])
        if offsets is not None:
            offsets.extend(range(base + position, base + len(raw)))
    if offsets is not None:
        offsets.append(base + len(raw))
    text = _LONE_SURROGATE.sub(_REPLACEMENT, "".join(pieces))
    if offsets is not None and len(offsets) != len(text) + 1:
        offsets = None  # a surrogate pair joined after a gap would misalign; be safe
    return Decoded(text, offsets, valid)


def decode_yaml_single(raw: str, base: int = 0) -> Decoded:
    """A single-line single-quoted YAML scalar body: ``''`` stands for one quote."""
    pieces: list[str] = []
    offsets: list[int] = []
    index = 0
    while index < len(raw):
        quote = raw.find("''", index)
        if quote < 0:
            pieces.append(raw[index:])
            offsets.extend(range(base + index, base + len(raw)))
            break
        pieces.append(raw[index:quote + 1])
        offsets.extend(range(base + index, base + quote + 1))
        index = quote + 2
    offsets.append(base + len(raw))
    return Decoded("".join(pieces), offsets, True)


def identity(raw: str, base: int = 0) -> Decoded:
    return Decoded(raw, list(range(base, base + len(raw) + 1)), True)
