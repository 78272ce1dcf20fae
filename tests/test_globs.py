"""scanner/mcpiam/core/globs.py: the direct matcher and the regular expression mean the same thing."""

from __future__ import annotations

import fnmatch
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mcpiam.catalogue import default_catalogue
from mcpiam.core.globs import (
    CATALOGUE_SYNTAX,
    CODEOWNERS_SYNTAX,
    GITIGNORE_SYNTAX,
    PathRule,
    anchored_glob_match,
    glob_match,
    glob_regex,
    glob_regex_text,
    read_path_rule,
)

CATALOGUE_GLOBS = sorted({
    glob
    for kind in default_catalogue().file_kinds()
    for glob in (*kind.project, *(rule.glob for rule in kind.project_if_sibling))
})

glob_pieces = st.sampled_from(["a", "b", ".", "/", "*", "**", "**/", "?", "a/", "[a]", "-"])
path_pieces = st.sampled_from(["a", "b", ".", "/", "ab", "[a]", "-", "\n"])
globs = st.lists(glob_pieces, max_size=8).map("".join)
paths = st.lists(path_pieces, max_size=10).map("".join)


@settings(max_examples=3000, deadline=None)
@given(glob=globs, path=paths)
def test_direct_matcher_agrees_with_the_regex(glob: str, path: str) -> None:
    assert anchored_glob_match(path, glob) == (glob_regex(glob).match(path) is not None)


@settings(max_examples=1500, deadline=None)
@given(glob=st.sampled_from(CATALOGUE_GLOBS), path=paths, prefix=st.sampled_from(["", "x/", "x/y/"]))
def test_catalogue_globs_agree_with_the_regex_on_near_misses(glob: str, path: str, prefix: str) -> None:
    # Paths built from the glob itself, so that matches are common, plus random tails.
    for candidate in (prefix + glob.replace("**/", "").replace("*", "ab").replace("?", "b") + path,
                      prefix + glob.replace("**/", "d/e/").replace("*", "").replace("?", "."),
                      path):
        assert anchored_glob_match(candidate, glob) == (glob_regex(glob).match(candidate) is not None)


def test_name_globs_keep_their_fnmatch_meaning_on_file_names() -> None:
    names = [glob for glob in CATALOGUE_GLOBS if "/" not in glob]
    assert names
    samples = {"mcp.json", ".mcp.json", "x.mcp.json", "servers.yaml", "a.b", "", "mcp_config.json"}
    samples |= {name.replace("*", "z").replace("?", "q") for name in names}
    for glob in names:
        for name in samples:
            assert glob_match(f"dir/{name}", glob) == fnmatch.fnmatchcase(name, glob), (glob, name)


def test_wildcards() -> None:
    assert anchored_glob_match(".cursor/mcp.json", "**/.cursor/mcp.json")
    assert anchored_glob_match("a/b/.cursor/mcp.json", "**/.cursor/mcp.json")
    assert not anchored_glob_match("x.cursor/mcp.json", "**/.cursor/mcp.json")
    assert not anchored_glob_match("a//.cursor/mcp.json", "**/.cursor/mcp.json")  # empty segment
    assert anchored_glob_match("a/b/c", "a/**")
    assert not anchored_glob_match("a/b/c", "a/*")
    assert anchored_glob_match("a/bc", "a/?c")
    assert not anchored_glob_match("a//c", "a/?c")
    assert anchored_glob_match("[x].json", "[x].json")  # brackets are literal
    assert not anchored_glob_match("x.json", "[x].json")
    assert glob_match("deep/dir/.mcp.json", ".mcp.json")
    assert not glob_match("deep/dir/.mcp.json", "dir/.mcp.json")


def test_a_long_path_against_many_wildcards_stays_linear() -> None:
    # Backtracking without the memo would try every split: 2**40 here.
    path = "a/" * 40 + "b"
    assert not anchored_glob_match(path, "**/" * 20 + "c")
    assert anchored_glob_match(path, "**/" * 20 + "b")


def test_the_catalogue_schema_keeps_brackets_out_of_globs() -> None:
    from mcpiam.catalogue import load_schema

    pattern = load_schema()["$defs"]["projectGlob"]["pattern"]
    assert re.search(pattern, "**/.cursor/mcp.json")
    assert not re.search(pattern, "**/[ab]/mcp.json")
    assert not re.search(pattern, "mcp].json")


@pytest.mark.parametrize(
    ("pattern", "path", "catalogue", "codeowners", "gitignore"),
    [
        ("[ab].json", "a.json", False, False, True),  # brackets: gitignore only
        ("[ab].json", "[ab].json", True, True, False),
        ("a\\*b", "a*b", False, True, True),  # escapes: not in the catalogue
        ("a\\*b", "a\\xb", True, False, False),
        ("a**b", "a/x/b", True, True, False),  # "**" within a segment: git reads "*"
        ("a/**/b", "a/b", True, True, True),
        ("a/**/b", "a/x/y/b", True, True, True),
        ("**", "a/b", True, True, True),
    ],
)
def test_the_syntax_options_of_the_three_families(pattern: str, path: str, catalogue: bool, codeowners: bool,
                                                  gitignore: bool) -> None:
    for syntax, expected in ((CATALOGUE_SYNTAX, catalogue), (CODEOWNERS_SYNTAX, codeowners),
                             (GITIGNORE_SYNTAX, gitignore)):
        found = re.fullmatch(glob_regex_text(pattern, syntax), path, re.DOTALL) is not None
        assert found is expected, (syntax, pattern, path)


def test_path_rules_read_the_marks_once() -> None:
    assert read_path_rule("!/a/b/", negation=True) == PathRule("a/b", True, True, True)
    assert read_path_rule("!a", negation=False) == PathRule("!a", False, False, False)
    assert read_path_rule("a/b", negation=True).anchored  # a middle slash anchors
    assert not read_path_rule("a/", negation=True).anchored  # a trailing one does not
    assert read_path_rule("a\\/", negation=True).directory_only is False  # an escaped one is text
