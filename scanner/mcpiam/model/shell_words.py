"""Shell words of a command string, each knowing where its characters sit in the string.

POSIX quoting exactly as ``shlex`` reads it (``shlex.split``, or with ``punctuation_chars`` for
operators such as ``&&`` and ``;``); ``shlex`` gives no offsets, so this reads the same grammar and
keeps one per character. A string ``shlex`` rejects (an unclosed quote) falls back to white space.
"""

from __future__ import annotations

from mcpiam.core.valuetype import dataclass

# shlex's defaults: the characters it splits at, quotes, escape, and operator characters.
WHITESPACE = " \t\r\n"
QUOTES = "'\""
ESCAPE = "\\"
ESCAPED_IN_DOUBLE_QUOTES = '"'
OPERATOR_CHARS = "();<>|&"


@dataclass(frozen=True, slots=True)
class ShellWord:
    """One word as the shell passes it (quotes taken out, escapes resolved), located.

    ``offsets[i]`` is where the word's ``text[i]`` is written in the string; ``start``/``end``
    bound the word as written (its quotes included). ``operator`` marks a run of operator
    characters (``&&``, ``|``, ``;``) read when operators are asked for.
    """

    text: str
    offsets: tuple[int, ...]
    start: int
    end: int
    operator: bool = False

    def raw_start(self, index: int) -> int:
        """Where the word's character ``index`` is written (``end`` just past the last one)."""
        return self.offsets[index] if index < len(self.offsets) else self.end

    def is_verbatim(self, begin: int = 0, stop: int | None = None) -> bool:
        """Whether ``text[begin:stop]`` is written as one unbroken run in the string (no quote
        or escape inside it), so an offset plus a length locates it exactly."""
        stop = len(self.text) if stop is None else stop
        run = self.offsets[begin:stop]
        return all(later == earlier + 1 for earlier, later in zip(run, run[1:]))


@dataclass(slots=True)
class _Builder:
    """The word being read: characters and their offsets so far (mutable, local to one read)."""

    chars: list[str]
    offsets: list[int]
    start: int = -1
    quoted: bool = False

    def add(self, char: str, offset: int) -> None:
        if self.start < 0:
            self.start = offset
        self.chars.append(char)
        self.offsets.append(offset)

    def begin(self, offset: int) -> None:
        if self.start < 0:
            self.start = offset

    def word(self, end: int, operator: bool = False) -> ShellWord | None:
        if not self.chars and not self.quoted:
            return None
        return ShellWord("".join(self.chars), tuple(self.offsets), self.start, end, operator)


class UnbalancedQuoting(ValueError):
    """An unclosed quote or a trailing escape: the string is not one shlex can split."""


def _posix_words(text: str, operators: bool) -> list[ShellWord]:
    """The words ``shlex`` would read, or UnbalancedQuoting where it would raise."""
    words: list[ShellWord] = []
    current = _Builder([], [])
    index = 0
    length = len(text)

    def finish(end: int, operator: bool = False) -> None:
        nonlocal current
        word = current.word(end, operator)
        if word is not None:
            words.append(word)
        current = _Builder([], [])

    in_operator = False
    while index < length:
        char = text[index]
        if in_operator:
            if char in OPERATOR_CHARS:
                current.add(char, index)
                index += 1
                continue
            finish(index, operator=True)
            in_operator = False
        if char in WHITESPACE:
            finish(index)
            index += 1
        elif char == ESCAPE:
            if index + 1 >= length:
                raise UnbalancedQuoting("no escaped character")
            current.begin(index)
            current.add(text[index + 1], index + 1)
            index += 2
        elif char in QUOTES:
            current.begin(index)
            current.quoted = True
            index = _read_quoted(text, index, current)
        elif operators and char in OPERATOR_CHARS:
            finish(index)
            current.add(char, index)
            in_operator = True
            index += 1
        else:
            current.add(char, index)
            index += 1
    finish(length, operator=in_operator)
    return words


def _read_quoted(text: str, opening: int, current: _Builder) -> int:
    """Read a quoted part starting at its opening quote; returns the offset after the closing one."""
    quote = text[opening]
    index = opening + 1
    while index < len(text):
        char = text[index]
        if char == quote:
            return index + 1
        if quote == '"' and char == ESCAPE:
            if index + 1 >= len(text):
                raise UnbalancedQuoting("no closing quotation")
            following = text[index + 1]
            # Inside double quotes a backslash escapes only '"' and itself (shlex's rule).
            if following not in ESCAPED_IN_DOUBLE_QUOTES and following != ESCAPE:
                current.add(char, index)
            current.add(following, index + 1)
            index += 2
            continue
        current.add(char, index)
        index += 1
    raise UnbalancedQuoting("no closing quotation")


def _whitespace_words(text: str) -> list[ShellWord]:
    """Words between runs of white space, as written (the fallback for unbalanced quoting)."""
    words: list[ShellWord] = []
    index = 0
    while index < len(text):
        if text[index] in WHITESPACE:
            index += 1
            continue
        start = index
        while index < len(text) and text[index] not in WHITESPACE:
            index += 1
        words.append(ShellWord(text[start:index], tuple(range(start, index)), start, index))
    return words


def shell_words(text: str, *, operators: bool = False) -> tuple[ShellWord, ...]:
    """The words of ``text`` as a POSIX shell reads them (``shlex.split``); with ``operators``,
    runs of ``();<>|&`` are words of their own (shlex's ``punctuation_chars``). Never raises:
    unbalanced quoting gives the words between white space, as written."""
    try:
        return tuple(_posix_words(text, operators))
    except UnbalancedQuoting:
        return tuple(_whitespace_words(text))
