"""What every format parser shares: size limits, the node budget and safe problem messages."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator
from mcpiam.core.lazy_pattern import lazy_compile
from mcpiam.core.valuetype import dataclass, field

from mcpiam.core.document import Problem, ProblemLevel, Span

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing on the hook's path
if TYPE_CHECKING:
    from mcpiam.parse.positions import Locator

# Real configs nest a dozen levels at most; the bound keeps recursion far below Python's limit.
MAX_DEPTH = 128
# Values built per document (embedded JSON and expanded YAML aliases included).
MAX_NODES = 100_000
# Nodes that YAML aliases may add by expansion before it is treated as a "billion laughs" attack.
MAX_ALIAS_EXPANSION = 100_000
# Levels of JSON-in-a-string-in-JSON that are decoded.
MAX_EMBEDDED_DEPTH = 3

_QUOTED_RUN = lazy_compile(r"""(['"]).{4,}?\1""")


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cycle collector while a tree is built.

    A parse allocates up to MAX_NODES objects that all stay alive; the collector would re-scan
    them again and again (doubling parse time) and find nothing, since node trees hold no cycles.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def point(locator: "Locator", offset: int) -> Span:
    """A one-character span at ``offset``, for problems (a line break counts as one character)."""
    span = locator.span(offset, offset)
    return Span.point(span.start_line, span.start_column)


def safe_message(message: str, limit: int = 120) -> str:
    """A parser's error text without file content: quoted runs longer than a token are elided.

    Messages like "found character '\\t'" keep their token; "Cannot declare ('servers', 'x') twice"
    loses the key names, which could be anything the file holds.
    """
    cleaned = "\n".join(_elide_parentheses(line) for line in message.split("\n"))
    cleaned = _QUOTED_RUN.sub(lambda match: match.group(1) + "…" + match.group(1), cleaned)
    cleaned = " ".join(cleaned.split())
    return cleaned if len(cleaned) <= limit else cleaned[: limit - 1] + "…"


def _elide_parentheses(line: str) -> str:
    """From a line's first "(" to its last ")" as "(…)". (The regular expression ``\\(.*\\)``
    does the same but rescans the line from every "(" when no ")" follows: quadratic.)"""
    opening, closing = line.find("("), line.rfind(")")
    return line[:opening] + "(…)" + line[closing + 1:] if 0 <= opening < closing else line


def describe_token(token: str) -> str:
    """A token for a message: punctuation as itself, anything longer by its kind only."""
    if not token:
        return "end of input"
    if len(token) == 1 and not token.isalnum():
        return repr(token)
    if token[0] in "\"'":
        return "a string"
    if token[0].isdigit() or token[0] in "+-.":
        return "a number"
    return "a word"


@dataclass(slots=True)
class Budget:
    """Per-parse counters (one instance per call, never shared): nodes built, problems met once."""

    nodes: int = 0
    exhausted: bool = False
    reported: set[str] = field(default_factory=set)
    problems: list[Problem] = field(default_factory=list)

    def take(self, count: int = 1) -> bool:
        """Count ``count`` new nodes; False once the document holds more than MAX_NODES."""
        if self.exhausted:
            return False
        self.nodes += count
        if self.nodes > MAX_NODES:
            self.exhausted = True
            self.report_once(
                ProblemLevel.ERROR,
                "too-many-nodes",
                f"more than {MAX_NODES} values; the rest of the file was not read",
                Span(1, 1, 1, 1),
            )
            return False
        return True

    def report_once(self, level: ProblemLevel, code: str, message: str, span: Span) -> None:
        if code not in self.reported:
            self.reported.add(code)
            self.problems.append(Problem(level, code, message, span))

    def too_deep(self, span: Span) -> None:
        self.report_once(
            ProblemLevel.ERROR,
            "too-deep",
            f"nested more than {MAX_DEPTH} levels deep; deeper values were not read",
            Span.point(span.start_line, span.start_column),
        )
