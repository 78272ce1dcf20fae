"""A static check that a regular expression cannot backtrack super-linearly (ReDoS) in Python's ``re``.

Python's matcher backtracks: work grows with the input times the number of ways a part of the
pattern can be split between two quantifiers. This module reads ``re``'s own parse of a pattern
and reports the shapes that make that number grow with the input, in the spirit of regexploit
(which only reports cubic or worse, and so misses the quadratic ``(.+?)\\s*$``):

- *adjacent overlapping quantifiers*: a long quantifier R1 is followed, through elements that can
  match the same characters or nothing, by another long quantifier R2 over a shared character,
  and something after R2 can fail (``\\s*(.+?)\\s*$``, ``a+a+b``): quadratic;
- *nested quantifiers*: a long quantifier whose body can end and restart on a shared character
  (``(a+)+``, ``(?:x?\\s+)*``): exponential. This is the case above with R1 and R2 in two
  iterations of the outer quantifier;
- *overlapping alternatives under a long quantifier* (``(a|ab)*``, ``(\\w|\\d)+``): exponential;
- the same with the search loop itself as R1: an unanchored pattern tried at every position
  (``search``, ``finditer``) whose first long quantifier runs over the input and then can fail
  (``\\s+x``; a lookahead such as ``(?=[^/]*[a-z])`` at the start does the same).

A quantifier is long when its maximum exceeds ``LONG_REPEAT`` (``{0,63}`` costs at most a
constant factor). Possessive quantifiers (``a*+``) and atomic groups (``(?>...)``), which give
nothing back, end a walk, as do lookarounds (Python makes them atomic). The check is
conservative: it can flag a pattern that is in fact linear (a later alternative that always
succeeds, for instance); rewrite such a pattern with a possessive quantifier or an atomic group.
Characters are judged over a sample alphabet (ASCII and a few non-ASCII letters, digits and
spaces), enough to tell the character classes patterns use apart.
"""

from __future__ import annotations

import re
from mcpiam.core.valuetype import dataclass
from functools import lru_cache
from re import _constants as sre  # type: ignore[attr-defined]
from re import _parser as sre_parser  # type: ignore[attr-defined]
from typing import Any

LONG_REPEAT = 100
# Every ASCII character and a few others that character classes tell apart: a non-breaking and
# an ideographic space, a line separator, accented and non-Latin letters, a non-ASCII digit.
SAMPLE = frozenset(chr(code) for code in range(128)) | frozenset(
    "\x85\xa0\u2028\u3000\u00e9\u00df\u03a9\u4e2d\u0663\U0001f600"
)
NOTHING: frozenset[str] = frozenset()
_START_OF_INPUT = (str(sre.AT_BEGINNING_STRING),)


@dataclass(frozen=True, slots=True)
class Backtracking:
    """Why a pattern may take super-linear time: the shape and the two parts that compete."""

    shape: str  # "overlapping quantifiers", "nested quantifiers", "overlapping alternatives",
    # "quantifier under search"
    first: str  # the first part, rendered from the pattern (never from input)
    second: str
    # Which quantifiers compete, counted from 1 in the order they are written (0: the search
    # loop, or an alternative): lets a message point at them without echoing the pattern.
    first_index: int = 0
    second_index: int = 0

    def __str__(self) -> str:
        return f"{self.shape}: {self.first} then {self.second} can match the same characters"

    def describe(self) -> str:
        """The problem without any text of the pattern (rule-file errors never echo values)."""
        if self.shape == "quantifier under search":
            return (f"{self.shape}: the {_ordinal(self.second_index)} quantifier can run over the "
                    "same characters from every start position; anchor the start with a "
                    "look-behind such as (?<![A-Za-z0-9])")
        if self.shape == "overlapping alternatives":
            return f"{self.shape}: two alternatives of a repeated group can start alike"
        if not self.first_index and not self.second_index:
            return self.shape  # nothing to point at (a pattern too deep to analyse)
        if self.first_index == self.second_index:
            return (f"{self.shape}: the {_ordinal(self.first_index)} quantifier, repeated by an "
                    "enclosing one, can split the same characters many ways; make it possessive "
                    "(*+, ++) or atomic (?>...)")
        return (f"{self.shape}: the {_ordinal(self.first_index)} and "
                f"{_ordinal(self.second_index)} quantifiers can match the same characters; make "
                "one of them possessive (*+, ++) or atomic (?>...)")


def _ordinal(number: int) -> str:
    suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


# --- the pattern as a tree ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, eq=False)
class _Node:
    kind: str  # char | seq | alt | repeat | atomic | look | anchor | backref
    chars: frozenset[str] = NOTHING  # char: what it matches
    items: tuple[_Node, ...] = ()  # seq items, alt branches, or the one body
    low: int = 0  # repeat bounds
    high: int = 0
    possessive: bool = False
    text: str = ""  # a short rendering for messages


def _category(category: Any, char: str, ascii_only: bool) -> bool:
    if ascii_only and not char.isascii():
        return category in (sre.CATEGORY_NOT_DIGIT, sre.CATEGORY_NOT_SPACE, sre.CATEGORY_NOT_WORD)
    tests = {
        sre.CATEGORY_DIGIT: lambda c: c.isdecimal(),
        sre.CATEGORY_SPACE: lambda c: c.isspace(),
        sre.CATEGORY_WORD: lambda c: c.isalnum() or c == "_",
        sre.CATEGORY_LINEBREAK: lambda c: c == "\n",
    }
    negated = {sre.CATEGORY_NOT_DIGIT: sre.CATEGORY_DIGIT, sre.CATEGORY_NOT_SPACE: sre.CATEGORY_SPACE,
               sre.CATEGORY_NOT_WORD: sre.CATEGORY_WORD,
               sre.CATEGORY_NOT_LINEBREAK: sre.CATEGORY_LINEBREAK}
    if category in negated:
        return not tests[negated[category]](char)
    return tests[category](char)


def _folded(chars: frozenset[str], flags: int) -> frozenset[str]:
    if not flags & re.IGNORECASE:
        return chars
    return frozenset(c for c in SAMPLE if {c, c.lower(), c.upper(), c.casefold()} & chars)


def _class(items: list[tuple[Any, Any]], flags: int) -> frozenset[str]:
    ascii_only = bool(flags & re.ASCII)
    negate = False
    chars: set[str] = set()
    for op, arg in items:
        if op is sre.NEGATE:
            negate = True
        elif op is sre.LITERAL:
            chars.add(chr(arg))
        elif op is sre.RANGE:
            chars.update(c for c in SAMPLE if arg[0] <= ord(c) <= arg[1])
        elif op is sre.CATEGORY:
            chars.update(c for c in SAMPLE if _category(arg, c, ascii_only))
        else:  # CHARSET/BIGCHARSET only appear after compilation; be safe: anything
            chars.update(SAMPLE)
    found = _folded(frozenset(chars), flags)
    return SAMPLE - found if negate else found


def _tree(parsed: Any, flags: int) -> _Node:
    items = tuple(_element(op, arg, flags) for op, arg in parsed)
    return items[0] if len(items) == 1 else _Node("seq", items=items)


def _element(op: Any, arg: Any, flags: int) -> _Node:  # noqa: PLR0911 - one case per opcode
    if op is sre.LITERAL:
        return _Node("char", _folded(frozenset(chr(arg)), flags), text=re.escape(chr(arg)))
    if op is sre.NOT_LITERAL:
        return _Node("char", SAMPLE - _folded(frozenset(chr(arg)), flags), text="[^…]")
    if op is sre.ANY:
        return _Node("char", SAMPLE if flags & re.DOTALL else SAMPLE - {"\n"}, text=".")
    if op is sre.IN:
        return _Node("char", _class(arg, flags), text="[…]")
    if op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT):
        low, high, body = arg
        inner = _tree(body, flags)
        suffix = "?" if op is sre.MIN_REPEAT else "+" if op is sre.POSSESSIVE_REPEAT else ""
        bound = {(0, sre.MAXREPEAT): "*", (1, sre.MAXREPEAT): "+", (0, 1): "?"}.get(
            (low, high), f"{{{low},{'' if high == sre.MAXREPEAT else high}}}")
        return _Node("repeat", items=(inner,), low=low, high=high,
                     possessive=op is sre.POSSESSIVE_REPEAT, text=f"{_render(inner)}{bound}{suffix}")
    if op is sre.SUBPATTERN:
        _group, add, remove, body = arg
        return _tree(body, (flags | add) & ~remove)
    if op is sre.BRANCH:
        return _Node("alt", items=tuple(_tree(branch, flags) for branch in arg[1]))
    if op is sre.ATOMIC_GROUP:
        return _Node("atomic", items=(_tree(arg, flags),))
    if op in (sre.ASSERT, sre.ASSERT_NOT):
        direction, body = arg
        text = ("(?=" if direction == 1 else "(?<=") if op is sre.ASSERT else (
            "(?!" if direction == 1 else "(?<!")
        return _Node("look", items=(_tree(body, flags),), text=text)
    if op is sre.AT:
        if arg is sre.AT_BEGINNING and not flags & re.MULTILINE:
            arg = sre.AT_BEGINNING_STRING  # "^" is "\\A" without MULTILINE
        return _Node("anchor", text=str(arg))
    if op is sre.GROUPREF_EXISTS:
        _group, yes, no = arg
        branches = (_tree(yes, flags),) + ((_tree(no, flags),) if no else (_Node("seq"),))
        return _Node("alt", items=branches)
    return _Node("backref", text="\\N")  # GROUPREF and anything unknown: matches who knows what


def _render(node: _Node) -> str:
    if node.kind in ("char", "repeat", "backref"):
        return node.text
    if node.kind == "seq":
        return "(" + "".join(_render(item) for item in node.items) + ")"
    if node.kind == "alt":
        return "(" + "|".join(_render(item) for item in node.items) + ")"
    return "(…)"


# --- properties of a node -------------------------------------------------------------------------


def _long(node: _Node) -> bool:
    return node.kind == "repeat" and node.high > LONG_REPEAT


def _nullable(node: _Node) -> bool:
    if node.kind == "char":
        return False
    if node.kind == "seq":
        return all(_nullable(item) for item in node.items)
    if node.kind == "alt":
        return any(_nullable(item) for item in node.items)
    if node.kind == "repeat":
        return node.low == 0 or _nullable(node.items[0])
    if node.kind == "atomic":
        return _nullable(node.items[0])
    return True  # look, anchor (zero-width), backref (may be empty)


def _empty_inside_a_run(node: _Node) -> bool:
    """Whether the node can match nothing in the middle of the input (``^`` and ``\\A`` cannot)."""
    if node.kind == "anchor":
        return node.text not in _START_OF_INPUT
    if node.kind == "seq":
        return all(_empty_inside_a_run(item) for item in node.items)
    if node.kind == "alt":
        return any(_empty_inside_a_run(item) for item in node.items)
    if node.kind in ("repeat", "atomic"):
        return (node.kind == "repeat" and node.low == 0) or _empty_inside_a_run(node.items[0])
    return _nullable(node)


def _can_fail(node: _Node) -> bool:
    """Whether matching this node, once reached, can fail (and so make the matcher backtrack)."""
    if node.kind in ("char", "look", "anchor", "backref"):
        return True
    if node.kind == "seq":
        return any(_can_fail(item) for item in node.items)
    if node.kind == "alt":
        return all(_can_fail(item) for item in node.items)
    if node.kind == "repeat":
        return node.low > 0 and _can_fail(node.items[0])
    return _can_fail(node.items[0])


def _letters(node: _Node) -> frozenset[str]:
    """Every character the node can consume."""
    if node.kind == "char":
        return node.chars
    if node.kind == "backref":
        return SAMPLE
    if node.kind in ("look", "anchor"):
        return NOTHING
    return frozenset().union(*(_letters(item) for item in node.items))


def _first(node: _Node) -> frozenset[str]:
    """The characters a non-empty match of the node can start with."""
    if node.kind == "char":
        return node.chars
    if node.kind == "backref":
        return SAMPLE
    if node.kind in ("look", "anchor"):
        return NOTHING
    if node.kind == "seq":
        found: frozenset[str] = NOTHING
        for item in node.items:
            found |= _first(item)
            if not _nullable(item):
                break
        return found
    return frozenset().union(*(_first(item) for item in node.items))


# --- the walk -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Frame:
    """Where the walk goes when a node ends: the rest of a sequence, or the next iteration."""

    rest: tuple[_Node, ...]
    again: _Node | None = None  # a repeat whose body may start over (max > 1)
    stop: bool = False  # leaving an atomic group or lookaround: nothing backtracks into it


WORD = frozenset(c for c in SAMPLE if c.isalnum() or c == "_")


def _mixed(chars: frozenset[str]) -> bool:
    """Whether a run of these characters can hold a word boundary inside it."""
    return bool(chars & WORD) and bool(chars - WORD)


def _walk(nodes: tuple[_Node, ...], frames: tuple[_Frame, ...], live: frozenset[str],
          seen: set[tuple[int, frozenset[str], bool]], boundary: bool = False) -> _Node | None:
    """From just after a long quantifier whose run is made of ``live`` characters: the first long
    quantifier reachable through nodes that can match those characters or nothing, and that has
    something after it that can fail; None when there is none.

    ``boundary``: a ``\\b`` was passed, so a run that stays all word or all non-word characters
    (where ``\\b`` cannot hold inside it) cannot be split many ways.
    """
    for index, node in enumerate(nodes):
        key = (id(node), live, boundary)
        if key in seen:
            return None
        seen.add(key)
        rest = (_Frame(nodes[index + 1:]),) + frames
        shared = _first(node.items[0]) & live if _long(node) else NOTHING
        if shared and (not boundary or _mixed(shared)) and _something_can_fail_after(rest):
            return node
        if node.kind in ("seq", "alt", "repeat", "atomic", "look"):
            hit = _walk_into(node, rest, live, seen, boundary)
            if hit is not None:
                return hit
        if node.kind == "look" and node.text in ("(?<!", "(?<=") and _single(node.items[0]):
            # Inside a run the character before is a run character: (?<![S]) takes S out of
            # what the run can be made of, (?<=[S]) keeps only S.
            before = _letters(node.items[0])
            live = live - before if node.text == "(?<!" else live & before
            if not live:
                return None
            continue
        if node.kind == "anchor":
            if node.text in _START_OF_INPUT:
                return None  # holds at one position only, never inside a run
            if node.text == str(sre.AT_BEGINNING):  # "^" with MULTILINE: just after a newline
                live = live & {"\n"}
                if not live:
                    return None
            boundary = boundary or node.text == str(sre.AT_BOUNDARY)
            continue
        if node.kind == "look":
            continue  # zero-width
        if _empty_inside_a_run(node):
            continue
        through = _letters(node) & live
        if node.kind != "char" or not through:
            return None  # must consume something the run cannot provide: the walk ends here
        live = through
    return _walk_frames(frames, live, seen, boundary)


def _single(node: _Node) -> bool:
    return node.kind == "char"


def _walk_into(node: _Node, rest: tuple[_Frame, ...], live: frozenset[str],
               seen: set[tuple[int, frozenset[str], bool]], boundary: bool) -> _Node | None:
    if node.kind == "seq":
        return _walk(node.items, rest, live, seen, boundary)
    if node.kind == "alt":
        for branch in node.items:
            hit = _walk((branch,), rest, live, seen, boundary)
            if hit is not None:
                return hit
        return None
    body = node.items[0]
    if node.kind == "repeat":
        frame = _Frame((), again=node if node.high > 1 else None)
        return _walk((body,), (frame,) + rest, live, seen, boundary)
    # atomic and look: walk inside (a quantifier there runs again at each position) but not out
    return _walk((body,), (_Frame((), stop=True),), live, seen, boundary)


def _walk_frames(frames: tuple[_Frame, ...], live: frozenset[str],
                 seen: set[tuple[int, frozenset[str], bool]], boundary: bool) -> _Node | None:
    for position, frame in enumerate(frames):
        if frame.stop:
            return None
        outer = frames[position + 1:]
        if frame.again is not None:
            hit = _walk((frame.again.items[0],), (_Frame((), again=frame.again),) + outer, live,
                        seen, boundary)
            if hit is not None:
                return hit
        if frame.rest:
            return _walk(frame.rest, outer, live, seen, boundary)
    return None


def _something_can_fail_after(frames: tuple[_Frame, ...]) -> bool:
    for frame in frames:
        if frame.stop:
            return True  # the end of a lookaround's or atomic group's body decides nothing here
        if any(_can_fail(node) for node in frame.rest):
            return True
    return False


def _quantifiers(node: _Node, frames: tuple[_Frame, ...]) -> list[tuple[_Node, tuple[_Frame, ...]]]:
    """Every long, giving-back quantifier with the frames that follow it."""
    found = []
    if _long(node) and not node.possessive:
        found.append((node, frames))
    if node.kind == "seq":
        for index, item in enumerate(node.items):
            found.extend(_quantifiers(item, (_Frame(node.items[index + 1:]),) + frames))
    elif node.kind == "alt":
        for item in node.items:
            found.extend(_quantifiers(item, frames))
    elif node.kind == "repeat":
        again = node if node.high > 1 else None
        found.extend(_quantifiers(node.items[0], (_Frame((), again=again),) + frames))
    elif node.kind in ("atomic", "look"):
        found.extend(_quantifiers(node.items[0], (_Frame((), stop=True),)))
    return found


def _overlapping_alternatives(node: _Node, repeated: bool = False) -> Backtracking | None:
    """An alternation inside a long quantifier whose branches can start alike: each repetition
    can be matched two ways, so a failing match tries every combination."""
    if node.kind == "alt" and repeated:
        for index, left in enumerate(node.items):
            for right in node.items[index + 1:]:
                if _first(left) & _first(right):
                    return Backtracking("overlapping alternatives", _render(left), _render(right))
    if node.kind in ("atomic", "look") or (node.kind == "repeat" and node.possessive):
        repeated = False  # nothing inside is tried again once it matched
    elif _long(node):
        repeated = True
    for item in node.items:
        found = _overlapping_alternatives(item, repeated)
        if found is not None:
            return found
    return None


@lru_cache(maxsize=None)
def backtracking_risk(pattern: str, flags: int = 0, *, searched: bool = True) -> Backtracking | None:
    """The first shape in ``pattern`` that can make matching take super-linear time, or None.

    ``searched``: the pattern is run with ``search``, ``finditer``, ``findall``, ``sub`` or
    ``split``, which try it at every position; False for ``match`` and ``fullmatch`` only.
    Raises ``re.error`` when the pattern does not compile.
    """
    try:
        parsed = sre_parser.parse(pattern, flags)
        return _risk(_tree(parsed, parsed.state.flags), searched)
    except RecursionError:  # hundreds of nested groups: refused rather than trusted
        return Backtracking("too deeply nested to analyse", "", "")


def _risk(root: _Node, searched: bool) -> Backtracking | None:
    found = _overlapping_alternatives(root)
    if found is not None:
        return found
    order = {id(node): index for index, node in enumerate(_repeats(root), start=1)}
    for quantifier, frames in _quantifiers(root, ()):
        body = quantifier.items[0]
        hit = _walk((), frames, _letters(body), set())
        if hit is not None:
            shape = "nested quantifiers" if hit is quantifier or _contains(hit, quantifier) or \
                _contains(quantifier, hit) else "overlapping quantifiers"
            return Backtracking(shape, quantifier.text, hit.text, order[id(quantifier)],
                                order[id(hit)])
    if searched:
        hit = _walk((root,), (), SAMPLE, set())
        if hit is not None:
            return Backtracking("quantifier under search", "the search for a start", hit.text, 0,
                                order[id(hit)])
    return None


def _repeats(node: _Node) -> list[_Node]:
    """Every quantifier, in the order the pattern writes them."""
    found = [node] if node.kind == "repeat" else []
    for item in node.items:
        found.extend(_repeats(item))
    return found


def _contains(outer: _Node, inner: _Node) -> bool:
    return any(item is inner or _contains(item, inner) for item in outer.items)
