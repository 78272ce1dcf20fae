"""The one glob translation (scanner.globs) against the three it replaces, on random patterns and
paths: the catalogue's (tests/legacy_globs.py, a copy), CODEOWNERS' and gitignore's (still in
their modules as ``_legacy_*``). Removed with the old code once they agree."""

from __future__ import annotations

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from scanner import globs
from scanner.gitfiles import _is_ignored, _legacy_parse_ignore_line, parse_ignore_line
from scanner.policy.codeowners import _legacy_pattern_regex, _pattern_regex
from tests import legacy_globs

catalogue_pieces = st.sampled_from(["a", "b", ".", "/", "*", "**", "**/", "?", "a/", "[a]", "-", "\\", "***"])
weird_path_pieces = st.sampled_from(["a", "b", ".", "/", "ab", "[a]", "-", "\n", "\\", "*"])
catalogue_globs = st.lists(catalogue_pieces, max_size=8).map("".join)
weird_paths = st.lists(weird_path_pieces, max_size=10).map("".join)

rule_pieces = st.sampled_from([
    "a", "b", "ab", "/", "*", "**", "**/", "/**", "?", "!", "[", "]", "[a]", "[!a]", "[a-b]", "\\",
    "\\*", "\\ ", " ", "#", "-", "***", ".", "[[:alpha:]]",
])
rules = st.lists(rule_pieces, min_size=1, max_size=7).map("".join)
segment = st.lists(st.sampled_from(["a", "b", "ab", "[", "]", "!", "*", " ", "\\", "#", "-", "."]),
                   min_size=1, max_size=3).map("".join)
real_paths = st.lists(segment, min_size=1, max_size=5).map("/".join)


def near_misses(pattern: str, path: str) -> list[str]:
    """Paths spelled from the pattern itself, so that matches are common, and the random one."""
    out = [path]
    for deep, star, one in (("", "", "a"), ("a/", "ab", "b"), ("a/b/", "a", "["), ("x", "/", "!")):
        text = pattern.replace("**", deep).replace("*", star).replace("?", one).replace("\\", "")
        for variant in (text, text.replace("[", "").replace("]", ""), path + "/" + text, text + "/" + path):
            variant = "/".join(part for part in variant.split("/") if part)  # real paths only
            if variant:
                out.append(variant)
    return out


@settings(max_examples=4000, deadline=None)
@given(glob=catalogue_globs, path=weird_paths)
def test_catalogue_globs_translate_as_before(glob: str, path: str) -> None:
    assert (globs.glob_regex(glob).match(path) is None) == (legacy_globs.glob_regex(glob).match(path) is None)
    assert globs.glob_regex(glob).pattern == legacy_globs.glob_regex(glob).pattern
    assert globs.anchored_glob_match(path, glob) == legacy_globs.anchored_glob_match(path, glob)
    assert globs.glob_match(path, glob) == legacy_globs.glob_match(path, glob)
    for candidate in near_misses(glob, path):
        assert globs.anchored_glob_match(candidate, glob) == legacy_globs.anchored_glob_match(candidate, glob)


def _odd_trailing_backslashes(text: str) -> bool:
    return (len(text) - len(text.rstrip("\\"))) % 2 == 1


@settings(max_examples=4000, deadline=None)
@given(pattern=rules, path=real_paths)
def test_codeowners_patterns_match_as_before(pattern: str, path: str) -> None:
    # Two deliberate changes, each tested in test_policy.py: a pattern ending in a lone "\" (or
    # "\/") now matches nothing, as git's does; "**" now spans a newline in a file name.
    assume(not _odd_trailing_backslashes(pattern.rstrip("/")))
    assume("\n" not in path)
    for candidate in near_misses(pattern, path):
        new = _pattern_regex(pattern).match(candidate) is not None
        assert new == (_legacy_pattern_regex(pattern).match(candidate) is not None), candidate


@settings(max_examples=4000, deadline=None)
@given(line=rules, path=real_paths, is_dir=st.booleans(), base=st.sampled_from(["", "a", "a/b"]))
def test_gitignore_lines_match_as_before(line: str, path: str, is_dir: bool, base: str) -> None:
    new = parse_ignore_line(line, base)
    old = _legacy_parse_ignore_line(line, base)
    assert (new is None) == (old is None)
    if new is not None and old is not None:
        assert (new.pattern.negated, new.pattern.directory_only, new.pattern.anchored) == (
            old.pattern.negated, old.pattern.directory_only, old.pattern.anchored)
        for candidate in near_misses(line.strip(), path):
            candidate = f"{base}/{candidate}" if base else candidate
            assert _is_ignored(candidate, is_dir, [new]) == _is_ignored(candidate, is_dir, [old]), candidate
