"""Module-level regular expressions compiled on first use, not at import.

Python compiles a pattern slowly (~0.1 ms, more for a long one), and a one-file scan imports
modules holding ~130 of them, half of which that scan never runs: compiling those at import was
~6 ms of a pre-commit hook's run. ``lazy_compile`` takes the same arguments as ``re.compile``
and returns a stand-in whose matching methods compile the pattern the first time one of them is
looked up; from then on they are the compiled pattern's own bound methods (no extra call).
"""

from __future__ import annotations

import re
from typing import Any

# The methods of re.Pattern a caller may use; each is the compiled pattern's own once compiled.
FORWARDED = ("search", "match", "fullmatch", "finditer", "findall", "sub", "subn", "split",
             "scanner")


class LazyPattern:
    """``re.compile(pattern, flags)``, compiled when first used.

    ``pattern`` is the source as given; ``compiled`` (and ``flags``, ``groups``, ``groupindex``,
    which are read from it) compile it. Compiling is pure, so the compiled pattern is a memo.
    """

    __slots__ = ("pattern", "_flags", "_compiled", *FORWARDED)

    def __init__(self, pattern: str | bytes, flags: int = 0) -> None:
        self.pattern = pattern
        self._flags = flags
        self._compiled: re.Pattern[Any] | None = None

    @property
    def compiled(self) -> re.Pattern[Any]:
        if self._compiled is None:
            compiled = re.compile(self.pattern, self._flags)
            for name in FORWARDED:
                setattr(self, name, getattr(compiled, name))
            self._compiled = compiled
        return self._compiled

    def __getattr__(self, name: str) -> Any:
        # Reached only while a forwarded method's slot is still empty, i.e. before compiling.
        if name in FORWARDED:
            return getattr(self.compiled, name)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    @property
    def flags(self) -> int:
        return self.compiled.flags

    @property
    def groups(self) -> int:
        return self.compiled.groups

    @property
    def groupindex(self) -> Any:
        return self.compiled.groupindex

    def __repr__(self) -> str:
        return f"lazy_compile({self.pattern!r}, {self._flags})"


def lazy_compile(pattern: str | bytes, flags: int = 0) -> LazyPattern:
    """A module-level pattern: ``re.compile``'s arguments, compiled on first use."""
    return LazyPattern(pattern, flags)
