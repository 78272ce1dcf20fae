"""Shell words with offsets: the same words as ``shlex`` on any string, each character located."""

from __future__ import annotations

import re
import shlex

from hypothesis import example, given, strategies as st

from mcpiam.model.shell_words import shell_words

# Quotes, escapes, operators and white space are what the grammar turns on; a few letters between.
SHELL_TEXT = st.text(alphabet="ab=$ \t\n'\"\\;&|()<>-", max_size=24)


def shlex_words(text: str, operators: bool) -> list[str] | None:
    """What the standard library reads, or None where it raises."""
    try:
        if not operators:
            return shlex.split(text)
        lexer = shlex.shlex(text, posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        lexer.commenters = ""
        return list(lexer)
    except ValueError:
        return None


@given(SHELL_TEXT, st.booleans())
@example('A="x\\"y" B=\'z\' c', False)
@example("export A=1&&b|c;d", True)
def test_words_are_shlex_words_and_each_character_is_located(text: str, operators: bool) -> None:
    expected = shlex_words(text, operators)
    words = shell_words(text, operators=operators)
    if expected is None:  # unbalanced quoting: the words between white space, as written
        assert [w.text for w in words] == [part for part in re.split(r"[ \t\r\n]+", text) if part]
        assert all(text[w.start:w.end] == w.text for w in words)
        return
    assert [w.text for w in words] == expected
    for word in words:
        assert len(word.offsets) == len(word.text)
        assert all(text[offset] == char for offset, char in zip(word.offsets, word.text))
        assert list(word.offsets) == sorted(set(word.offsets))
        assert all(word.start <= offset < word.end for offset in word.offsets)


def test_quoted_and_escaped_words_keep_exact_offsets() -> None:
    text = 'A="s e" B=\'q\' C=x\\ y'
    words = shell_words(text)
    assert [w.text for w in words] == ["A=s e", "B=q", "C=x y"]
    first = words[0]
    assert first.offsets == (0, 1, 3, 4, 5) and (first.start, first.end) == (0, 7)
    assert first.is_verbatim(2) and not first.is_verbatim(0)
    assert not words[2].is_verbatim(2)  # the escape sits between "x" and " y"


def test_operators_are_words_of_their_own() -> None:
    words = shell_words("export A=1&&npm test;B=2", operators=True)
    assert [(w.text, w.operator) for w in words] == [
        ("export", False), ("A=1", False), ("&&", True), ("npm", False), ("test", False), (";", True),
        ("B=2", False)]


def test_unbalanced_quotes_fall_back_to_white_space_words() -> None:
    text = 'FOO="open BAR=baz'
    words = shell_words(text)
    assert [(w.text, w.start) for w in words] == [('FOO="open', 0), ("BAR=baz", 10)]
    assert words[1].offsets == tuple(range(10, 17))
    assert shell_words("trailing\\") == shell_words("trailing\\", operators=True)
