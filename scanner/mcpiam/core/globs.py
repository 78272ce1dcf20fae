"""Globs, and the one translation of their syntax to regular expressions.

Three families of globs share ``*`` (any text within one path segment) and ``?`` (one character
other than ``/``) and differ in a few explicit options (``GlobSyntax``):

- the client catalogue and the policy file (``CATALOGUE_SYNTAX``): ``**/`` stands for zero or
  more whole directories, ``**`` elsewhere for any text; everything else is literal (the
  catalogue's schema keeps ``[``, ``]`` and ``\\`` out of its globs);
- CODEOWNERS (``CODEOWNERS_SYNTAX``): the same, plus ``\\`` escapes; GitHub documents no ``[]``;
- gitignore (``GITIGNORE_SYNTAX``): ``[]`` classes and ``\\`` escapes, and ``**`` spans folders
  only as a whole segment (``**/x``, ``a/**/b``, ``a/**``); elsewhere it is a plain ``*``.

Catalogue globs have two matchers with the same meaning: ``glob_match`` / ``anchored_glob_match``
walk the pattern directly, so judging a few paths (the files a pre-commit hook names, a policy's
ignored paths) compiles nothing; ``glob_regex`` translates a glob for the combined pattern that
filters a repository walk of many thousands of files. tests/test_globs.py holds them to the same
answers.

gitignore and CODEOWNERS lines also share their pattern rules (``PathRule``): ``!`` negates, a
trailing ``/`` names directories only, a slash at the start or in the middle anchors the
pattern at the root, and a pattern without one matches at any depth, as if it began with ``**/``.
"""

from __future__ import annotations

import re
from mcpiam.core.valuetype import dataclass
from enum import Enum
from functools import lru_cache


@dataclass(frozen=True, slots=True)
class GlobSyntax:
    """What a family of globs spells beyond ``*`` and ``?``."""

    brackets: bool = False  # "[a-z]", "[!a]" are character classes; otherwise "[" is literal
    escapes: bool = False  # "\x" is a literal x, a last lone "\" matches nothing; otherwise "\" is literal
    # "**" spans folders only as a whole segment, as git's wildmatch reads it: after a "/", at the
    # start, or where the pattern's literal start ends (git compares that part before wildmatching
    # the rest); "**/" is then any text ending in "/", or none. Otherwise any "**" spans folders
    # and "**/" is zero or more whole directories.
    double_star_whole_segments: bool = False


CATALOGUE_SYNTAX = GlobSyntax()
CODEOWNERS_SYNTAX = GlobSyntax(escapes=True)
GITIGNORE_SYNTAX = GlobSyntax(brackets=True, escapes=True, double_star_whole_segments=True)


class _Wild(Enum):
    DIRECTORIES = "**/"  # zero or more non-empty segments, each with its "/"
    ANYTHING = "**"
    SEGMENT = "*"
    ONE = "?"


@dataclass(frozen=True, slots=True)
class _Class:
    regex: str  # a regular expression for one character


_Token = _Wild | _Class | str
_NEVER = _Class("(?!)")  # git: an unclosed class, an unknown [:name:], a last lone "\\"

_WILD_REGEX = {
    _Wild.DIRECTORIES: "(?:[^/]+/)*",
    _Wild.ANYTHING: ".*",
    _Wild.SEGMENT: "[^/]*",
    _Wild.ONE: "[^/]",
}
_GIT_DIRECTORIES = "(?:.*/)?"


def _literal_length(pattern: str) -> int:
    return next((i for i, char in enumerate(pattern) if char in "*?[\\"), len(pattern))


def _stars(pattern: str, i: int, syntax: GlobSyntax) -> tuple[_Wild, int]:
    """The wildcard that the stars at ``pattern[i]`` spell, and how many characters it takes."""
    if not syntax.double_star_whole_segments:
        if not pattern.startswith("**", i):
            return _Wild.SEGMENT, 1
        return (_Wild.DIRECTORIES, 3) if pattern.startswith("**/", i) else (_Wild.ANYTHING, 2)
    run = pattern[i:]
    stars = len(run) - len(run.lstrip("*"))
    after = run[stars:]
    whole = stars >= 2 and (i == 0 or pattern[i - 1] == "/" or i == _literal_length(pattern))
    if whole and after.startswith("/"):
        return _Wild.DIRECTORIES, stars + 1
    if whole and (not after or after.startswith("\\/")):
        return _Wild.ANYTHING, stars
    return _Wild.SEGMENT, stars  # "a**b" is "a*b"


# git's wildmatch with WM_PATHNAME: a class never matches "/". Classes are ASCII, as git's ctype is.
_POSIX_CLASSES = {
    "alnum": "a-zA-Z0-9", "alpha": "a-zA-Z", "blank": r" \t", "cntrl": r"\x00-\x1f\x7f",
    "digit": "0-9", "graph": "!-~", "lower": "a-z", "print": " -~",
    "punct": r"!-/:-@\[-`{-~", "space": r" \t\n\r", "upper": "A-Z", "xdigit": "0-9a-fA-F",
}


def _bracket(pattern: str, start: int) -> tuple[_Class, int]:
    """The class opening at ``pattern[start]`` ("[") and the index after it (git's wildmatch:
    "!" or "^" negates, a first "]" is a member, "\\" escapes, "a-z" ranges, "[:digit:]")."""
    index = start + 1
    negated = pattern[index: index + 1] in ("!", "^")
    index += negated
    members: list[str] = []
    previous = ""  # the last single character, which a "-" may extend into a range
    first = True
    while True:
        if index >= len(pattern):
            return _NEVER, len(pattern)
        char = pattern[index]
        if char == "]" and not first:
            break
        first = False
        if char == "\\":
            index += 1
            if index >= len(pattern):
                return _NEVER, len(pattern)
            char = pattern[index]
            members.append(re.escape(char))
            previous = char
        elif char == "-" and previous and index + 1 < len(pattern) and pattern[index + 1] != "]":
            index += 1
            high = pattern[index]
            if high == "\\":
                index += 1
                if index >= len(pattern):
                    return _NEVER, len(pattern)
                high = pattern[index]
            if previous <= high:
                members.append(f"{re.escape(previous)}-{re.escape(high)}")
            previous = ""
        elif char == "[" and pattern[index + 1: index + 2] == ":":
            close = pattern.find("]", index + 2)
            if close < 0:
                return _NEVER, len(pattern)
            name = pattern[index + 2: close - 1] if pattern[close - 1] == ":" and close > index + 2 else None
            if name is None:  # no ":]": the "[" is a member like any other
                members.append(re.escape(char))
                previous = char
            elif name in _POSIX_CLASSES:
                members.append(_POSIX_CLASSES[name])
                previous = ""
                index = close
            else:
                return _NEVER, len(pattern)
        else:
            members.append(re.escape(char))
            previous = char
        index += 1
    body = "".join(members)
    if negated:
        return _Class(f"[^/{body}]"), index + 1
    return (_Class(f"(?!/)[{body}]") if body else _NEVER), index + 1


@lru_cache(maxsize=1024)
def _tokens(pattern: str, syntax: GlobSyntax = CATALOGUE_SYNTAX) -> tuple[_Token, ...]:
    tokens: list[_Token] = []
    literal = ""

    def flush() -> None:
        nonlocal literal
        if literal:
            tokens.append(literal)
            literal = ""

    i = 0
    while i < len(pattern):
        char = pattern[i]
        if syntax.escapes and char == "\\":
            if i + 1 == len(pattern):  # a last, lone "\\" escapes nothing: no match (git)
                flush()
                tokens.append(_NEVER)
            else:
                literal += pattern[i + 1]
            i += 2
            continue
        if char == "*":
            wild, taken = _stars(pattern, i, syntax)
        elif char == "?":
            wild, taken = _Wild.ONE, 1
        elif syntax.brackets and char == "[":
            flush()
            found, i = _bracket(pattern, i)
            tokens.append(found)
            continue
        else:
            literal += char
            i += 1
            continue
        flush()
        tokens.append(wild)
        i += taken
    flush()
    return tuple(tokens)


def glob_regex_text(pattern: str, syntax: GlobSyntax = CATALOGUE_SYNTAX) -> str:
    """The glob as the text of a regular expression (not anchored; use with re.DOTALL)."""
    out = []
    for token in _tokens(pattern, syntax):
        if token is _Wild.DIRECTORIES and syntax.double_star_whole_segments:
            out.append(_GIT_DIRECTORIES)
        elif isinstance(token, _Wild):
            out.append(_WILD_REGEX[token])
        elif isinstance(token, _Class):
            out.append(token.regex)
        else:
            out.append(re.escape(token))
    return "".join(out)


@lru_cache(maxsize=512)
def glob_regex(pattern: str) -> re.Pattern[str]:
    """A catalogue glob as a regular expression over a whole path (use with ``match``)."""
    return re.compile(glob_regex_text(pattern) + r"\Z", re.DOTALL)


# --- the direct matcher (catalogue globs) ---------------------------------------------------


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
    """Whether a whole POSIX relative path matches a catalogue glob, even one without "/"."""
    tokens = _tokens(pattern)
    # Most globs start or end with literal text: a cheap rejection for the many paths that differ.
    if tokens and isinstance(tokens[-1], str) and not path.endswith(tokens[-1]):
        return False
    if tokens and isinstance(tokens[0], str) and not path.startswith(tokens[0]):
        return False
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
            assert isinstance(current, _Wild)  # catalogue globs have no classes
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


# --- gitignore and CODEOWNERS pattern rules -------------------------------------------------


@dataclass(frozen=True, slots=True)
class PathRule:
    """A gitignore-style pattern with its marks read; ``glob`` is what remains to match."""

    glob: str
    negated: bool  # a leading "!" (gitignore only: CODEOWNERS has no negation)
    directory_only: bool  # a trailing "/" (not an escaped one)
    # A "/" at the start or in the middle: the glob matches the path from the root. Otherwise it
    # matches at any depth: gitignore tests it on the file name, CODEOWNERS as if it began "**/".
    anchored: bool


def read_path_rule(pattern: str, *, negation: bool) -> PathRule:
    """The rules gitignore and CODEOWNERS share. (``\\!`` and ``\\#`` need none here: the glob's
    escapes make them literal.)"""
    negated = negation and pattern.startswith("!")
    if negated:
        pattern = pattern[1:]
    # One trailing slash marks a directory and one leading slash anchors, as git strips them:
    # any further slash stays in the glob (``a//`` and ``//a`` then match nothing, as in git).
    directory_only = pattern.endswith("/") and not pattern.endswith("\\/")
    body = pattern[:-1] if directory_only else pattern
    anchored = pattern.startswith("/") or "/" in body
    return PathRule(body[1:] if body.startswith("/") else body, negated, directory_only, anchored)


def covering_regex(rule: PathRule, syntax: GlobSyntax) -> re.Pattern[str]:
    """The rule over a whole relative path where a match on a directory covers every path below
    it (CODEOWNERS): an unanchored rule matches at any depth, a directory-only rule only below.
    A last segment that is a lone ``*`` names the files of its directory, not what is below them
    (GitHub's docs: ``docs/*`` owns ``docs/getting-started.md``, not ``docs/build-app/x.md``)."""
    prefix = "" if rule.anchored else _WILD_REGEX[_Wild.DIRECTORIES]
    if rule.directory_only:
        suffix = "/.*"
    elif rule.glob == "*" or rule.glob.endswith("/*"):
        suffix = ""
    else:
        suffix = "(?:/.*)?"
    return re.compile(prefix + glob_regex_text(rule.glob, syntax) + suffix + r"\Z", re.DOTALL)
