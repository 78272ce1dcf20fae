"""CODEOWNERS as an owner source: GitHub's file locations and gitignore-like patterns, last match wins."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from mcpiam.core.document import Span
from mcpiam.core.globs import CODEOWNERS_SYNTAX, covering_regex, read_path_rule
from mcpiam.core.safe_open import Fence
from mcpiam.parse import read_source
from mcpiam.policy.loader import PolicyError, PolicyProblem
from mcpiam.policy.model import CodeOwnersRule

# GitHub reads the first of these that exists.
CODEOWNERS_LOCATIONS = (".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS")


def find_codeowners(root: Path) -> Path | None:
    for relative in CODEOWNERS_LOCATIONS:
        candidate = root / relative
        if candidate.is_file():
            return candidate
    return None


def parse_codeowners(text: str) -> tuple[CodeOwnersRule, ...]:
    """Every ``pattern owner...`` line; comments, blank lines and escaped-``#`` subtleties aside."""
    rules = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        pattern, *owners = line.split()
        rules.append(CodeOwnersRule(pattern, tuple(owners), number))
    return tuple(rules)


def load_codeowners(root: Path) -> tuple[str | None, tuple[CodeOwnersRule, ...]]:
    """(the CODEOWNERS path relative to ``root``, its rules), or (None, ()) when there is none."""
    path = find_codeowners(root)
    if path is None:
        return None, ()
    source = read_source(path, fence=Fence.around(root))
    refused = [problem for problem in source.problems if problem.code in _REFUSED_AS_UNTRUSTED]
    if refused:  # owners read through a link out of the tree would be someone else's: say so, loudly
        shown = path.relative_to(root).as_posix()
        raise PolicyError([PolicyProblem(shown, Span(1, 1, 1, 2), "",
                                         f"cannot read {shown}: {refused[0].message}")])
    if source.text is None:
        return None, ()
    return path.relative_to(root).as_posix(), parse_codeowners(source.text)


_REFUSED_AS_UNTRUSTED = frozenset({"link-outside-tree", "foreign-owner", "foreign-hard-link"})


@lru_cache(maxsize=512)
def _pattern_regex(pattern: str) -> re.Pattern[str]:
    """gitignore semantics as GitHub applies them (``mcpiam.core.globs``: no ``!`` negation, no ``[]``
    classes); a match on a directory covers everything inside it."""
    return covering_regex(read_path_rule(pattern, negation=False), CODEOWNERS_SYNTAX)


def codeowners_match(pattern: str, path: str) -> bool:
    return _pattern_regex(pattern).match(path) is not None


def codeowners_of(rules: tuple[CodeOwnersRule, ...], path: str) -> CodeOwnersRule | None:
    """The last rule matching ``path`` (relative, POSIX); its owners may be empty (unowned)."""
    found = None
    for rule in rules:
        if codeowners_match(rule.pattern, path):
            found = rule
    return found
