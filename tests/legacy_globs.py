"""Globs as the client catalogue and the policy file write them.

``**/`` stands for zero or more whole directories, ``**`` elsewhere for any text, ``*`` for any
text within one path segment, ``?`` for one character other than ``/``; everything else is
literal (the catalogue's schema keeps ``[`` and ``]`` out of its globs).

Two matchers with the same meaning: ``glob_match`` / ``anchored_glob_match`` walk the pattern
directly, so judging a few paths (the files a pre-commit hook names, a policy's ignored paths)
compiles nothing; ``glob_regex`` translates a glob for the combined pattern that filters a
repository walk of many thousands of files. tests/test_globs.py holds them to the same answers.
"""

from __future__ import annotations

import re
from enum import Enum
from functools import lru_cache


class _Wild(Enum):
    DIRECTORIES = "**/"  # zero or more non-empty segments, each with its "/"
    ANYTHING = "**"
    SEGMENT = "*"
    ONE = "?"


_Token = _Wild | str


@lru_cache(maxsize=1024)
def _tokens(pattern: str) -> tuple[_Token, ...]:
    tokens: list[_Token] = []
    literal = ""
    i = 0
    while i < len(pattern):
        wild = None
        for candidate in _Wild:  # declared longest first
            if pattern.startswith(candidate.value, i):
                wild = candidate
                break
        if wild is None:
            literal += pattern[i]
            i += 1
            continue
        if literal:
            tokens.append(literal)
            literal = ""
        tokens.append(wild)
        i += len(wild.value)
    if literal:
        tokens.append(literal)
    return tuple(tokens)


def _ends(wild: _Wild, text: str, start: int) -> list[int]:
    """Where a wildcard starting at ``start`` may end."""
    if wild is _Wild.ANYTHING:
        return list(range(start, len(text) + 1))
    if wild is _Wild.SEGMENT:
        slash = text.find("/", start)
        return list(range(start, (len(text) if slash < 0 else slash) + 1))
    if wild is _Wild.ONE:
        return [start + 1] if start < len(text) and text[start] != "/" else []
    ends = [start]  # DIRECTORIES: after each following "/" that closes a non-empty segment
    position = start
    while (slash := text.find("/", position)) > position:
        position = slash + 1
        ends.append(position)
    return ends


def anchored_glob_match(path: str, pattern: str) -> bool:
    """Whether a whole POSIX relative path matches a glob, even one without "/"."""
    tokens = _tokens(pattern)
    failed: set[tuple[int, int]] = set()  # (token, position) pairs known not to lead to a match

    def match(token: int, position: int) -> bool:
        while token < len(tokens):
            current = tokens[token]
            if isinstance(current, str):
                if not path.startswith(current, position):
                    return False
                position += len(current)
                token += 1
                continue
            if (token, position) in failed:
                return False
            if any(match(token + 1, end) for end in _ends(current, path, position)):
                return True
            failed.add((token, position))
            return False
        return position == len(path)

    return match(0, 0)


def glob_match(path: str, pattern: str) -> bool:
    """A catalogue glob: one without "/" matches the file name, any other the whole path."""
    if "/" not in pattern:
        return anchored_glob_match(path.rsplit("/", 1)[-1], pattern)
    return anchored_glob_match(path, pattern)


@lru_cache(maxsize=512)
def glob_regex(pattern: str) -> re.Pattern[str]:
    """The glob as a regular expression over a whole path (use with ``match``)."""
    out = []
    for token in _tokens(pattern):
        if token is _Wild.DIRECTORIES:
            out.append("(?:[^/]+/)*")
        elif token is _Wild.ANYTHING:
            out.append(".*")
        elif token is _Wild.SEGMENT:
            out.append("[^/]*")
        elif token is _Wild.ONE:
            out.append("[^/]")
        else:
            out.append(re.escape(token))
    return re.compile("".join(out) + r"\Z", re.DOTALL)
