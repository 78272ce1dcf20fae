"""The pre-commit hook: its manifest matches the catalogue, and the real pre-commit tool blocks a
commit that adds a secret to an MCP config.

The end-to-end test builds the hook's environment the way pre-commit does for any user (a virtual
environment with this checkout pip-installed), so it needs a package index, and nothing else.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from mcpiam.catalogue import default_catalogue
from mcpiam.core.globs import glob_match
from mcpiam.catalogue.precommit import HOOKS_FILE, files_regex, glob_to_regex, hooks_manifest, project_globs
from mcpiam.secrets.families import expand_example

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"
CATALOGUE = default_catalogue()


def manifest() -> dict:
    [hook] = yaml.safe_load((ROOT / HOOKS_FILE).read_text(encoding="utf-8"))
    return hook


def hook_regex() -> re.Pattern[str]:
    return re.compile(manifest()["files"])


def claimed(path: str) -> bool:
    """Whether any catalogue project glob (sibling-conditional ones included) names this path."""
    return any(glob_match(path, glob) for glob in project_globs(CATALOGUE))


def examples(glob: str) -> list[str]:
    """Paths a glob must match: "**/" as no directory and as two, "*" and "?" filled in."""
    outs = []
    for prefix in ("", "apps/web/"):
        text = glob.replace("**/", prefix, 1).replace("**/", "deep/er/").replace("*", "x").replace("?", "y")
        if "/" not in glob:
            text = prefix + text
        outs.append(text)
    return outs


def test_committed_manifest_is_generated_from_the_catalogue() -> None:
    assert (ROOT / HOOKS_FILE).read_text(encoding="utf-8") == hooks_manifest(CATALOGUE), (
        "the hook manifest is stale: run `python -m mcpiam generate-hooks`"
    )


def test_manifest_declares_a_python_hook_running_the_console_script() -> None:
    hook = manifest()
    assert hook["id"] == "mcpiam" and hook["language"] == "python"
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    script = hook["entry"].split()[0]
    assert re.search(rf'^{script} = "mcpiam\.cli\.entry:console_main"$', pyproject, re.MULTILINE)
    assert hook["require_serial"] is True  # shared-credential needs every staged file in one run
    assert hook["files"] == files_regex(CATALOGUE)


@pytest.mark.parametrize("glob", project_globs(CATALOGUE))
def test_every_catalogue_project_path_matches_the_hook_pattern(glob: str) -> None:
    pattern = re.compile(glob_to_regex(glob))
    for path in examples(glob):
        assert glob_match(path, glob), path  # the example really is one the catalogue names
        assert pattern.search(path), (glob, path)
        assert hook_regex().search(path), (glob, path)


def test_hook_pattern_and_catalogue_agree_on_real_paths() -> None:
    """Every path under testdata and the corpus, plus near misses: matched exactly when claimed."""
    paths = {p.relative_to(ROOT / "testdata").as_posix() for p in (ROOT / "testdata").rglob("*") if p.is_file()}
    if CORPUS.is_dir():
        paths |= {p.relative_to(CORPUS).as_posix() for p in CORPUS.rglob("*") if p.is_file()}
    for glob in project_globs(CATALOGUE):
        for path in examples(glob):
            paths |= {path + ".bak", "x" + path, path.replace("/", "/nested/", 1), path.upper()}
    regex = hook_regex()
    disagree = sorted(p for p in paths if bool(regex.search(p)) != claimed(p))
    assert disagree == []
    assert sum(claimed(p) for p in paths) > 100


def _git(cwd: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def _snapshot_of_this_checkout(destination: Path, env: dict[str, str]) -> str:
    """This checkout's files (tracked and untracked, not ignored) committed in a fresh repository.

    What ``pre-commit try-repo`` does for a work tree with changes: the hook is tested exactly as
    the files stand, committed or not.
    """
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            cwd=ROOT, capture_output=True, check=True, timeout=60).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file():
            target = destination / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    for args in (("init", "-q"), ("add", "-A"), ("commit", "-q", "-m", "snapshot")):
        assert _git(destination, *args, env=env).returncode == 0
    return _git(destination, "rev-parse", "HEAD", env=env).stdout.strip()


def test_real_pre_commit_blocks_a_secret_and_passes_a_clean_config(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
        "GIT_AUTHOR_NAME": "mcpiam test", "GIT_AUTHOR_EMAIL": "test@example.com",
        "GIT_COMMITTER_NAME": "mcpiam test", "GIT_COMMITTER_EMAIL": "test@example.com",
        "GIT_CONFIG_NOSYSTEM": "1", "HOME": str(tmp_path / "home"),
    }
    env.pop("PRE_COMMIT", None)
    (tmp_path / "home").mkdir()
    hook_repo = tmp_path / "hook-repo"
    hook_repo.mkdir()
    rev = _snapshot_of_this_checkout(hook_repo, env)

    project = tmp_path / "project"
    project.mkdir()
    assert _git(project, "init", "-q", env=env).returncode == 0
    # The three lines a team adds (with the repository and revision of this checkout).
    (project / ".pre-commit-config.yaml").write_text(
        f"repos:\n- repo: {hook_repo.as_uri()}\n  rev: {rev}\n  hooks: [{{id: mcpiam}}]\n", encoding="utf-8"
    )
    installed = subprocess.run([sys.executable, "-m", "pre_commit", "install"], cwd=project, env=env,
                               capture_output=True, text=True, timeout=120)
    assert installed.returncode == 0, installed.stdout + installed.stderr

    secret = expand_example("ghp_{github_crc:30}")
    config = {"mcpServers": {"github": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-github"],
                                        "env": {"GITHUB_PERSONAL_ACCESS_TOKEN": secret}}}}
    (project / ".cursor").mkdir()
    (project / ".cursor" / "mcp.json").write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
    (project / "README.md").write_text("project\n", encoding="utf-8")
    _git(project, "add", ".", env=env)
    blocked = _git(project, "commit", "-m", "add github server", env=env)
    output = blocked.stdout + blocked.stderr
    assert blocked.returncode != 0, output
    assert "mcpiam" in output and "Failed" in output
    assert re.search(r"\.cursor/mcp\.json:\d+:\d+: critical embedded-secret", output), output
    assert secret not in output
    assert _git(project, "rev-parse", "--verify", "HEAD", env=env).returncode != 0  # nothing committed

    config["mcpServers"]["github"]["env"]["GITHUB_PERSONAL_ACCESS_TOKEN"] = "${env:GITHUB_TOKEN}"
    (project / ".cursor" / "mcp.json").write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
    _git(project, "add", ".", env=env)
    passed = _git(project, "commit", "-m", "add github server", env=env)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "mcpiam" in passed.stdout + passed.stderr and "Passed" in passed.stdout + passed.stderr
