"""Reading git's file list without running git: compared with ``git ls-files`` itself (the test
may start git; mcpiam never does) on repositories with tricky ignore rules and index formats."""

from __future__ import annotations

import os
import random
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mcpiam.discover.gitfiles import listing, parse_ignore_line, _is_ignored

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is needed as the oracle")


@pytest.fixture()
def git_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """A HOME without the developer's global git config or excludes."""
    home = tmp_path / "home"
    home.mkdir()
    env = {"HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"),
           "GIT_CONFIG_NOSYSTEM": "1", "PATH": os.environ.get("PATH", "")}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return env


def git(repo: Path, *args: str, env: dict[str, str]) -> str:
    done = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, env=env, check=True)
    return done.stdout.decode("utf-8", "surrogateescape")


def oracle(repo: Path, env: dict[str, str], sub: str = ".") -> list[str]:
    out = git(repo, "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", sub, env=env)
    return sorted({name for name in out.split("\0") if name})


def make_repo(root: Path, env: dict[str, str], *init: str) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    git(root, "init", "-q", *init, env=env)
    git(root, "config", "user.email", "t@example.com", env=env)
    git(root, "config", "user.name", "t", env=env)
    return root


def touch(root: Path, *names: str) -> None:
    for name in names:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(name, encoding="utf-8")


IGNORES = """\
# comment
*.log
!keep.log
build/
/top-only.txt
docs/**/draft-*.md
**/cache
secret[0-9].json
\\#literal-hash
trailing-space.txt\\ \x20
node_modules
a/**/z
!a/b/z
*.tmp/
"""
FILES = [
    "app.log", "keep.log", "sub/app.log", "sub/keep.log", "build/out.json", "sub/build/x.json",
    "top-only.txt", "sub/top-only.txt", "docs/draft-a.md", "docs/x/draft-b.md", "docs/x/y/final.md",
    "cache/c.json", "deep/er/cache/c.json", "secret1.json", "secret10.json", "#literal-hash",
    "trailing-space.txt ", "node_modules/pkg/mcp.json", "a/b/z", "a/c/z", "a/z", "dir.tmp/f",
    "file.tmp", ".cursor/mcp.json", ".vscode/mcp.json", "src/main.py", "sub/.gitignore",
    "sub/ignored-here.json", "sub/deeper/ignored-here.json", "sub/deeper/kept.json",
]


def test_ignore_rules_match_git(tmp_path: Path, git_env) -> None:
    repo = make_repo(tmp_path / "repo", git_env)
    touch(repo, *FILES)
    (repo / ".gitignore").write_text(IGNORES, encoding="utf-8")
    (repo / "sub" / ".gitignore").write_text("ignored-here.json\n!deeper/ignored-here.json\n",
                                             encoding="utf-8")
    (repo / ".git" / "info").mkdir(exist_ok=True)
    (repo / ".git" / "info" / "exclude").write_text("src/\n", encoding="utf-8")
    assert listing(repo, repo, git_env) == oracle(repo, git_env)
    assert listing(repo, repo / "sub", git_env) == oracle(repo, git_env, "sub")


def test_tracked_files_are_listed_even_when_ignored(tmp_path: Path, git_env) -> None:
    repo = make_repo(tmp_path / "repo", git_env)
    touch(repo, "build/tracked.json", "notes.log", ".cursor/mcp.json")
    git(repo, "add", "-A", env=git_env)
    git(repo, "commit", "-qm", "init", env=git_env)
    (repo / ".gitignore").write_text("build/\n*.log\n", encoding="utf-8")
    touch(repo, "build/untracked.json", "new.log", "new.json")
    assert listing(repo, repo, git_env) == oracle(repo, git_env)
    assert "build/tracked.json" in listing(repo, repo, git_env)


def test_global_excludes_file_from_git_config(tmp_path: Path, git_env) -> None:
    repo = make_repo(tmp_path / "repo", git_env)
    excludes = tmp_path / "my-excludes"
    excludes.write_text("*.local.json\n", encoding="utf-8")
    Path(git_env["HOME"], ".gitconfig").write_text(f"[core]\n\texcludesFile = {excludes}\n",
                                                   encoding="utf-8")
    touch(repo, "a.local.json", "a.json")
    assert listing(repo, repo, git_env) == oracle(repo, git_env) == ["a.json"]


@pytest.mark.parametrize("version", ["2", "3", "4"])
def test_every_index_version(tmp_path: Path, git_env, version: str) -> None:
    repo = make_repo(tmp_path / "repo", git_env)
    names = [f"dir{i % 7}/sub{i % 3}/file-{i}.json" for i in range(60)] + ["x" * 120 + ".json"]
    touch(repo, *names)
    git(repo, "add", "-A", env=git_env)
    git(repo, "update-index", "--index-version", version, env=git_env)
    if version == "3":  # an extended-flag entry
        git(repo, "update-index", "--skip-worktree", names[0], env=git_env)
    git(repo, "commit", "-qm", "files", env=git_env)
    for name in names[:10]:
        (repo / name).unlink()  # deleted from disk, still in the index: listed, like git does
    assert listing(repo, repo, git_env) == oracle(repo, git_env)


def test_sha256_repository(tmp_path: Path, git_env) -> None:
    try:
        repo = make_repo(tmp_path / "repo", git_env, "--object-format=sha256")
    except subprocess.CalledProcessError:
        pytest.skip("this git cannot create sha256 repositories")
    touch(repo, "a.json", "b/c.json")
    git(repo, "add", "-A", env=git_env)
    assert listing(repo, repo, git_env) == oracle(repo, git_env)


def test_nested_repository_and_gitlink_are_not_descended(tmp_path: Path, git_env) -> None:
    repo = make_repo(tmp_path / "repo", git_env)
    inner = make_repo(repo / "vendor" / "inner", git_env)
    touch(inner, "inner.json")
    touch(repo, "outer.json")
    git(inner, "add", "-A", env=git_env)
    git(inner, "commit", "-qm", "inner", env=git_env)
    head = git(inner, "rev-parse", "HEAD", env=git_env).strip()
    git(repo, "update-index", "--add", "--cacheinfo", f"160000,{head},vendor/inner", env=git_env)
    got = listing(repo, repo, git_env)
    assert got == ["outer.json"]
    assert [n for n in oracle(repo, git_env) if not n.startswith("vendor/inner")] == got


def test_linked_worktree(tmp_path: Path, git_env) -> None:
    repo = make_repo(tmp_path / "repo", git_env)
    touch(repo, "a.json", ".gitignore")
    (repo / ".gitignore").write_text("*.tmp\n", encoding="utf-8")
    git(repo, "add", "-A", env=git_env)
    git(repo, "commit", "-qm", "init", env=git_env)
    (repo / ".git" / "info").mkdir(exist_ok=True)
    (repo / ".git" / "info" / "exclude").write_text("*.excluded\n", encoding="utf-8")
    tree = tmp_path / "wt"
    git(repo, "worktree", "add", "-q", str(tree), env=git_env)
    touch(tree, "b.json", "c.tmp", "d.excluded")
    assert listing(tree, tree, git_env) == oracle(tree, git_env) == [".gitignore", "a.json", "b.json"]


def test_random_trees_match_git(tmp_path: Path, git_env) -> None:
    chooser = random.Random(20261121)
    patterns = ["*.json", "!keep*.json", "d1/", "/d2", "**/d3/*.yaml", "x?.toml", "[ab]*.md",
                "d1/**", "!d4/", "*.y*ml", "d5/*/deep", "**/node_modules"]
    for trial in range(12):
        repo = make_repo(tmp_path / f"repo{trial}", git_env)
        names = {
            "/".join(chooser.choice(["d1", "d2", "d3", "d4", "d5", "node_modules", "e"])
                     for _ in range(chooser.randint(0, 3))
                     ) + "/" + chooser.choice(["a.json", "keep1.json", "x1.toml", "b.md", "c.yaml",
                                              "deep", "f.yml", "g.txt"])
            for _ in range(40)
        }
        touch(repo, *[name.lstrip("/") for name in names])
        rules = chooser.sample(patterns, chooser.randint(1, len(patterns)))
        (repo / ".gitignore").write_text("\n".join(rules) + "\n", encoding="utf-8")
        assert listing(repo, repo, git_env) == oracle(repo, git_env), rules


def test_rule_parsing_details() -> None:
    assert parse_ignore_line("# comment", "") is None
    assert parse_ignore_line("   ", "") is None
    rule = parse_ignore_line("!important.log", "sub")
    assert rule is not None and rule.pattern.negated and rule.base == "sub"
    directory = parse_ignore_line("build/", "")
    assert directory is not None and directory.pattern.directory_only and not directory.pattern.anchored
    rules = [r for r in (parse_ignore_line(line, "") for line in ["*.log", "!keep.log"]) if r]
    assert _is_ignored("a/b.log", False, rules) and not _is_ignored("a/keep.log", False, rules)


def test_not_a_repository(tmp_path: Path) -> None:
    assert listing(tmp_path, tmp_path) is None


# --- random patterns against git itself ---------------------------------------------------------

ignore_pieces = st.sampled_from([
    "a", "b", "c", "*", "**", "?", "/", "[ab]", "[!a]", "[^b]", "[a-c]", "[]a]", "[!]", "[", "]",
    "\\", "\\*", "!", "-", "[[:alpha:]]", "[[:bogus:]]", "[[]", "[/]", " ", "\\ ", ".", "***",
])
ignore_lines = st.lists(ignore_pieces, min_size=1, max_size=6).map("".join)
name_pieces = st.sampled_from(["a", "b", "c", "ab", "ba", "[", "]", "!", "-", "*", " ", "\\", ".x"])
file_names = st.lists(name_pieces, min_size=1, max_size=3).map("".join).filter(lambda n: n not in (".", ".."))
file_paths = st.lists(file_names, min_size=1, max_size=4).map("/".join)


@pytest.fixture(scope="module")
def scratch_repo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    root = tmp_path_factory.mktemp("random-ignores")
    home = root / "home"
    home.mkdir()
    env = {"HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"), "GIT_CONFIG_NOSYSTEM": "1",
           "PATH": os.environ.get("PATH", "")}
    return make_repo(root / "repo", env), env


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=st.lists(ignore_lines, min_size=1, max_size=3), paths=st.lists(file_paths, min_size=1, max_size=8))
def test_random_ignore_patterns_match_git(scratch_repo, lines: list[str], paths: list[str]) -> None:
    repo, env = scratch_repo
    for entry in repo.iterdir():
        if entry.name != ".git":
            shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
    for path in paths:
        target = repo / path
        if any(parent.is_file() for parent in target.parents):
            continue  # "a" and "a/b" cannot both be files
        if target.is_dir():
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text("x", encoding="utf-8")
    (repo / ".gitignore").write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert listing(repo, repo, env) == oracle(repo, env), lines


@pytest.mark.parametrize(("line", "ignored", "kept"), [
    ("/a[!x]b", ["acb"], ["a/b"]),  # a class never matches "/"
    ("/a[/]b", [], ["a/b"]),
    ("a[b", [], ["a[b", "ab"]),  # an unclosed class matches nothing
    ("[!]", [], ["!", "]"]),  # ... even one that reads like a negated "]"
    ("[!]]", ["x"], ["]"]),
    ("[\\]]", ["]"], ["\\"]),
    ("[[:digit:]]x", ["1x"], ["ax"]),
    ("[[:bogus:]]x", [], ["1x", "ax"]),
    ("foo**/bar", ["foo/x/bar", "foox/bar"], ["foo/x/baz"]),  # "**" right after the literal start
    ("x/***/y", ["x/y", "x/a/b/y"], ["x/a/z"]),
    ("x/**\\/y", ["x/a/y"], ["x/y"]),
    ("x\\\\  ", ["x\\"], []),  # an escaped backslash does not escape the trailing spaces
    ("\ufeffbom", ["bom"], []),  # a byte order mark starts the file
    ("a\\", [], ["a\\", "a"]),  # a last, lone backslash matches nothing
    ("a//", [], ["a/a"]),  # git strips one trailing slash: "a/" is left, matching nothing
    ("//a", [], ["a", "b/a"]),  # ... and one leading slash: "/a" is left
    ("a/", ["a/a"], ["b"]),
    ("/a", ["a"], ["b/a"]),
    ("/", [], ["a", "b/a"]),
    ("//", [], ["a", "b/a"]),
])
def test_ignore_pattern_corners_match_git(tmp_path: Path, git_env, line: str, ignored: list[str],
                                          kept: list[str]) -> None:
    repo = make_repo(tmp_path / "repo", git_env)
    touch(repo, *ignored, *kept)
    (repo / ".gitignore").write_text(line + "\n", encoding="utf-8")
    listed = listing(repo, repo, git_env)
    assert listed == oracle(repo, git_env)
    assert not set(ignored) & set(listed) and set(kept) <= set(listed)


def test_an_untracked_folder_that_cannot_be_listed_is_a_note_not_a_silent_skip(
        tmp_path: Path, git_env, monkeypatch: pytest.MonkeyPatch) -> None:
    from mcpiam.catalogue import default_catalogue
    from mcpiam.discover.walk import discover

    repo = make_repo(tmp_path / "repo", git_env)
    touch(repo, "README.md", "locked/.cursor/mcp.json")
    git(repo, "add", "README.md", env=git_env)
    real_scandir = os.scandir

    def refusing(path):  # root may list anything, so the refusal is simulated
        if os.fspath(path).endswith("locked"):
            raise PermissionError(13, "Permission denied")
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", refusing)
    found = discover([repo], default_catalogue(), root=repo)
    assert [(n.path, n.code, n.message) for n in found.notes] == [
        ("locked", "unreadable-directory", "directory skipped: Permission denied")]
