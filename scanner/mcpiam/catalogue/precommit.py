"""The pre-commit hook manifest, generated from the client catalogue so the two cannot drift.

``.pre-commit-hooks.yaml`` at the repository root is this module's output (``mcpiam
generate-hooks`` rewrites it; a test fails when it is stale). Its ``files`` regex matches exactly
the repository paths a catalogue project glob claims, as pre-commit sees them: POSIX paths
relative to the repository root, tested with ``re.search``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from mcpiam.catalogue import Catalogue

HOOKS_FILE = ".pre-commit-hooks.yaml"


def _segment(glob: str) -> str:
    """A glob without "**" as a regex: "*" and "?" stay inside one path segment."""
    out = []
    for char in glob:
        if char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        else:
            out.append(re.escape(char))
    return "".join(out)


def glob_to_regex(glob: str) -> str:
    """One catalogue project glob as an unanchored-search regex over repository-relative paths.

    A glob without "/" matches the file name in any directory; "**/" matches zero or more
    directories; a glob with "/" is anchored at the repository root.
    """
    if "/" not in glob:
        return f"(?:^|/){_segment(glob)}$"
    parts = []
    rest = glob
    anchor = "^"
    if rest.startswith("**/"):
        anchor, rest = "(?:^|/)", rest[3:]
    for index, piece in enumerate(rest.split("**/")):
        if index:
            parts.append("(?:[^/]+/)*")
        parts.append(_segment(piece))
    return anchor + "".join(parts) + "$"


def project_globs(catalogue: Catalogue) -> tuple[str, ...]:
    """Every project glob of the catalogue, sibling-conditional ones included, sorted and unique."""
    globs: set[str] = set()
    for kind in catalogue.file_kinds():
        globs.update(kind.project)
        globs.update(rule.glob for rule in kind.project_if_sibling)
    return tuple(sorted(globs))


def files_regex(catalogue: Catalogue) -> str:
    """The hook's ``files`` pattern: one alternative per catalogue glob, in verbose mode."""
    alternatives = sorted({glob_to_regex(glob) for glob in project_globs(catalogue)})
    return "(?x)\n" + "\n|".join(alternatives) + "\n"


def _indented(text: str, spaces: int) -> Iterable[str]:
    for line in text.splitlines():
        yield " " * spaces + line


def hooks_manifest(catalogue: Catalogue) -> str:
    """The text of ``.pre-commit-hooks.yaml``."""
    lines = [
        "# Generated from scanner/mcpiam/catalogue/clients.yaml by `mcpiam generate-hooks`; do not edit.",
        "# A test fails when this file and the catalogue drift apart.",
        "- id: mcpiam",
        "  name: mcpiam (MCP config scanner)",
        "  description: Blocks commits that put secrets, unscoped tokens or shared accounts in MCP configs.",
        "  entry: mcpiam scan",
        "  language: python",
        "  # All staged configs in one run: shared-credential compares files with each other.",
        "  require_serial: true",
        "  minimum_pre_commit_version: 3.2.0",
        "  files: |",
        *_indented(files_regex(catalogue), 4),
    ]
    return "\n".join(lines) + "\n"
