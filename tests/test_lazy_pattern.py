"""Module-level patterns compile on first use and then behave as the compiled pattern itself."""

from __future__ import annotations

import re

import pytest

from mcpiam.core import lazy_pattern
from mcpiam.core.lazy_pattern import FORWARDED, LazyPattern, compile_ahead, lazy_compile


def test_nothing_is_compiled_until_a_method_is_used() -> None:
    pattern = lazy_compile(r"(?P<word>[a-z]+)-(\d+)", re.IGNORECASE)
    assert pattern._compiled is None
    assert pattern.pattern == r"(?P<word>[a-z]+)-(\d+)"
    found = pattern.search("x ABC-12 y")
    assert found is not None and found.group("word") == "ABC"
    assert pattern.compiled == re.compile(r"(?P<word>[a-z]+)-(\d+)", re.IGNORECASE)


def test_after_compiling_the_methods_are_the_compiled_patterns_own() -> None:
    pattern = lazy_compile(r"\d+")
    compiled = pattern.compiled
    for name in FORWARDED:
        method = getattr(pattern, name)
        assert method.__self__ is compiled and method.__name__ == getattr(compiled, name).__name__


@pytest.mark.parametrize("call", [
    lambda p: p.match("12ab"), lambda p: p.fullmatch("12"), lambda p: list(p.finditer("1a22b333")),
    lambda p: p.findall("1a22b333"), lambda p: p.sub("#", "1a22"), lambda p: p.subn("#", "1a22"),
    lambda p: p.split("a1b22c"), lambda p: (p.flags, p.groups, dict(p.groupindex)),
])
def test_every_method_gives_what_the_compiled_pattern_gives(call) -> None:
    fresh = lazy_compile(r"(?P<n>\d)+")
    expected = call(re.compile(r"(?P<n>\d)+"))
    got = call(fresh)
    if isinstance(expected, list) and expected and isinstance(expected[0], re.Match):
        assert [m.span() for m in got] == [m.span() for m in expected]
    elif isinstance(expected, re.Match):
        assert got.span() == expected.span()
    else:
        assert got == expected


def test_bytes_patterns_and_unknown_attributes() -> None:
    pattern = lazy_compile(rb"mcp[A-Z]\w+")
    assert pattern.search(b'{"mcpServers": {}}').group() == b"mcpServers"
    with pytest.raises(AttributeError, match="no attribute 'nonsense'"):
        pattern.nonsense  # noqa: B018
    assert isinstance(pattern, LazyPattern)


def test_an_invalid_pattern_fails_when_first_used_as_re_compile_would() -> None:
    broken = lazy_compile(r"(unclosed")
    with pytest.raises(re.error):
        broken.search("x")


def test_every_pattern_compiled_ahead_is_what_re_compile_makes() -> None:
    """Pattern equality compares flags, source and the engine's code; groups are compared too."""
    from mcpiam.core import pattern_code

    if pattern_code.ENGINE != lazy_pattern._engine():
        pytest.skip(f"stored for {pattern_code.ENGINE}, this interpreter is {lazy_pattern._engine()}")
    assert len(pattern_code.CODE) > 300  # module patterns, token families, reference syntaxes
    for pattern, flags in pattern_code.CODE:
        ahead, fresh = compile_ahead(pattern, flags), re.compile(pattern, flags)
        assert ahead is not fresh and ahead == fresh, pattern
        assert (ahead.flags, ahead.groups, dict(ahead.groupindex)) == (
            fresh.flags, fresh.groups, dict(fresh.groupindex)), pattern


def test_a_pattern_not_stored_or_another_engine_compiles_with_re(monkeypatch) -> None:
    assert compile_ahead(r"not(?P<stored>\d+)anywhere", re.I) == re.compile(r"not(?P<stored>\d+)anywhere", re.I)
    from mcpiam.core import pattern_code

    pattern, flags = next(iter(pattern_code.CODE))
    monkeypatch.setattr(lazy_pattern, "_engine", lambda: ("other-interpreter", 0, 4))
    assert lazy_pattern._stored_code() == {}
    assert compile_ahead(pattern, flags) is re.compile(pattern, flags)  # re's own cache: compiled by re


def test_the_module_text_round_trips(tmp_path) -> None:
    text = lazy_pattern.pattern_code_module_text([(r"(?P<a>x)|y", 0), (r"z+", re.IGNORECASE)])
    scope: dict = {}
    exec(compile(text, "pattern_code.py", "exec"), scope)  # noqa: S102 - the generated module
    assert scope["ENGINE"] == lazy_pattern._engine()
    assert set(scope["CODE"]) == {(r"(?P<a>x)|y", 0), (r"z+", 2)}
