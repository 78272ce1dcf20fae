"""Which result files a fleet command reads: files, folders (their ``*.json`` and ``*.ndjson``
files, recursively, no link followed), glob patterns, ``@list`` files and ``-`` (standard input),
both listing one path a line. A fleet of 100,000 hosts does not fit on a command line (ARG_MAX);
a list does.
"""

from __future__ import annotations

import glob
import os
from collections.abc import Iterable, Iterator
from typing import TextIO

from mcpiam.core.redact import shown
from mcpiam.core.safe_open import Refusal, read_prefix
from mcpiam.core.valuetype import dataclass

MAX_LIST_BYTES = 1024 * 1024 * 1024
RESULT_SUFFIXES = (".json", ".ndjson")
_GLOB_MAGIC = ("*", "?", "[")


@dataclass(frozen=True, slots=True)
class Inputs:
    files: tuple[str, ...]  # as named (joined with their folder), in the order given
    problems: tuple[str, ...]  # an argument naming nothing readable: "name: why"


def _listed(text: str) -> Iterator[str]:
    for line in text.splitlines():
        line = line.strip()
        if line:
            yield line


def _folder(folder: str) -> Iterator[str]:
    found = []
    for directory, subfolders, files in os.walk(folder, followlinks=False):
        subfolders.sort()
        found += [os.path.join(directory, name) for name in files if name.endswith(RESULT_SUFFIXES)]
    return iter(sorted(found))


def expand_inputs(arguments: Iterable[str], stdin: TextIO | None = None) -> Inputs:
    """Every result file the arguments name, and every argument that names none."""
    files: list[str] = []
    problems: list[str] = []

    def add(argument: str, origin: str | None) -> None:
        where = f" (listed in {origin})" if origin else ""
        if os.path.isdir(argument) and not os.path.islink(argument):
            found = list(_folder(argument))
            if not found:
                problems.append(f"{shown(argument)}{where}: a folder without *.json or *.ndjson results")
            files.extend(found)
        elif os.path.lexists(argument):
            files.append(argument)
        elif any(magic in argument for magic in _GLOB_MAGIC):
            matched = sorted(glob.glob(argument, recursive=True))
            if not matched:
                problems.append(f"{shown(argument)}{where}: the pattern matches no file")
            for match in matched:
                add(match, origin)
        else:
            problems.append(f"{shown(argument)}{where}: file not found")

    for argument in arguments:
        if argument == "-":
            if stdin is None:
                problems.append("-: standard input is not available")
                continue
            for line in _listed(stdin.read()):
                add(line, "standard input")
        elif argument.startswith("@") and len(argument) > 1:
            listing = read_prefix(argument[1:], MAX_LIST_BYTES, whole=True)
            if isinstance(listing, Refusal):
                problems.append(f"{shown(argument)}: the list cannot be read: {listing.message}")
                continue
            for line in _listed(listing.decode("utf-8", "surrogateescape")):
                add(line, shown(argument))
        else:
            add(argument, None)
    return Inputs(tuple(files), tuple(problems))
