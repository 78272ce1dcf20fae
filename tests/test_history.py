"""``scan --history``: credentials that left the config but not the repository.

Repositories are built in-process (tests/git_repos.py, dulwich); no ``git`` process runs.
"""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from git_repos import RepoBuilder
from mcpiam.cli.main import main
from mcpiam.secrets.families import expand_example, load_families

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = json.loads((ROOT / "scanner/mcpiam/report/json-report.schema.json").read_text())
SARIF_SCHEMA = ROOT.parent / "shared/schemas/sarif/sarif-schema-2.1.0.json"


def _token(family_id: str) -> str:
    family = next(f for f in load_families(check_examples=False) if f.id == family_id)
    return expand_example(family.examples.positive[0].template)


@pytest.fixture(scope="module")
def token() -> str:
    return _token("github-classic-pat")


@pytest.fixture(scope="module")
def other_token() -> str:
    return _token("slack-bot-token")


def config(value: str, server: str = "gh") -> str:
    return json.dumps({"mcpServers": {server: {
        "command": "npx", "args": ["-y", "@modelcontextprotocol/server-github@1.0.0"],
        "env": {"GITHUB_TOKEN": value}}}}, indent=2) + "\n"


CLEAN = config("${GITHUB_TOKEN}")


def scan_json(repo: Path, capsys, *extra: str) -> tuple[int, dict]:
    code = main(["scan", "--history", "-f", "json", *extra, str(repo)])
    out = capsys.readouterr().out
    report = json.loads(out)
    jsonschema.validate(report, SCHEMA)
    return code, report


def history_findings(report: dict, rule: str = "embedded-secret") -> list[dict]:
    return [f for f in report["findings"] if f["rule_id"] == rule and "history" in f]


def test_a_token_added_then_removed_is_reported_at_the_commit_that_added_it(tmp_path, capsys, token) -> None:
    repo = RepoBuilder(tmp_path / "repo")
    repo.commit({"README.md": "hello\n"})
    added = repo.commit({".mcp.json": config(token)})
    removed = repo.commit({".mcp.json": CLEAN})
    repo.checkout()
    code, report = scan_json(repo.path, capsys)
    assert code == 1
    [finding] = history_findings(report)
    assert finding["path"].endswith(".mcp.json")
    assert (finding["line"], finding["column"]) == (10, 26)  # where the commit wrote it
    mark = finding["history"]
    assert mark["commit"] == added.decode() and mark["commit_date"] == "2026-01-02T00:00:00Z"
    assert mark["present_at_head"] is False
    assert mark["removed_commit"] == removed.decode() and mark["removed_date"] == "2026-01-03T00:00:00Z"
    assert f"removed in {removed.decode()[:7]} on 2026-01-03" in finding["message"]
    assert "rotate" in finding["message"]
    assert report["history"] == {"commits": 3, "blobs": 2, "shallow": False, "range": None, "since": None,
                                 "missing_objects": 0}
    assert token not in json.dumps(report)


def test_a_token_still_at_head_is_reported_once_with_its_history(tmp_path, capsys, token) -> None:
    repo = RepoBuilder(tmp_path / "repo")
    added = repo.commit({".mcp.json": config(token)})
    repo.commit({"README.md": "docs\n"})
    repo.checkout()
    _, report = scan_json(repo.path, capsys)
    secrets = [f for f in report["findings"] if f["rule_id"] == "embedded-secret"]
    assert len(secrets) == 1  # the working tree's finding, with its history attached
    assert secrets[0]["history"]["commit"] == added.decode()
    assert secrets[0]["history"]["present_at_head"] is True
    assert secrets[0]["history"]["removed_commit"] is None


def test_without_history_nothing_of_the_past_is_reported(tmp_path, capsys, token) -> None:
    repo = RepoBuilder(tmp_path / "repo")
    repo.commit({".mcp.json": config(token)})
    repo.commit({".mcp.json": CLEAN})
    repo.checkout()
    code = main(["scan", "-f", "json", "--select", "embedded-secret", str(repo.path)])
    report = json.loads(capsys.readouterr().out)
    assert code == 0 and report["findings"] == [] and "history" not in report


def test_the_same_token_in_two_paths_and_two_branches(tmp_path, capsys, token) -> None:
    repo = RepoBuilder(tmp_path / "repo")
    repo.commit({"README.md": "x\n"})
    repo.branch("feature")
    first = repo.commit({".mcp.json": config(token)}, branch="feature")
    second = repo.commit({".cursor/mcp.json": config(token)}, branch="feature")
    repo.commit({".vscode/notes.md": "main moves on\n"})
    repo.checkout()
    _, report = scan_json(repo.path, capsys)
    found = {f["path"].rsplit("/repo/", 1)[-1]: f["history"] for f in history_findings(report)}
    assert set(found) == {".mcp.json", ".cursor/mcp.json"}
    assert found[".mcp.json"]["commit"] == first.decode()
    assert found[".cursor/mcp.json"]["commit"] == second.decode()
    assert all(mark["paths"] == 2 and mark["commits"] == 2 for mark in found.values())
    assert all(mark["present_at_head"] is False for mark in found.values())  # only on the branch
    [shared] = history_findings(report, "shared-credential")
    assert shared["history"]["commit"] in {first.decode(), second.decode()}


def test_a_renamed_config_is_one_credential_per_path_and_not_shared(tmp_path, capsys, token) -> None:
    repo = RepoBuilder(tmp_path / "repo")
    added = repo.commit({"mcp.json": config(token)})
    moved = repo.commit({"mcp.json": None, ".mcp.json": config(token)})
    repo.checkout()
    _, report = scan_json(repo.path, capsys)
    found = {f["path"].rsplit("/repo/", 1)[-1]: f["history"] for f in report["findings"]
             if f["rule_id"] == "embedded-secret"}
    assert found["mcp.json"]["commit"] == added.decode()
    assert found["mcp.json"]["removed_commit"] == moved.decode()
    assert found[".mcp.json"]["present_at_head"] is True
    assert not [f for f in report["findings"] if f["rule_id"] == "shared-credential"]


def test_a_merge_commit_brings_a_branch_token_into_main(tmp_path, capsys, token) -> None:
    repo = RepoBuilder(tmp_path / "repo")
    base = repo.commit({"README.md": "x\n"})
    repo.branch("feature")
    on_branch = repo.commit({".mcp.json": config(token)}, branch="feature")
    main_tip = repo.commit({"CHANGELOG.md": "y\n"})
    repo.files["main"][".mcp.json"] = repo.files["feature"][".mcp.json"]
    merge = repo.commit({}, parents=[main_tip, on_branch], message="merge")
    repo.checkout()
    _, report = scan_json(repo.path, capsys)
    secrets = [f for f in report["findings"] if f["rule_id"] == "embedded-secret"]
    assert len(secrets) == 1
    # The merge wrote the blob into main, but the branch commit wrote it first.
    assert secrets[0]["history"]["commit"] == on_branch.decode()
    assert secrets[0]["history"]["present_at_head"] is True
    assert base and merge


def test_a_packed_repository_reads_the_same(tmp_path, capsys, token) -> None:
    repo = RepoBuilder(tmp_path / "repo")
    repo.commit({".mcp.json": config(token)})
    repo.commit({".mcp.json": CLEAN})
    repo.checkout()
    _, loose = scan_json(repo.path, capsys)
    repo.repo.object_store.pack_loose_objects()
    assert not any((repo.path / ".git/objects").glob("[0-9a-f][0-9a-f]/*"))
    _, packed = scan_json(repo.path, capsys)
    assert history_findings(packed) == history_findings(loose)


def test_a_shallow_clone_is_said_and_read_as_far_as_it_goes(tmp_path, capsys, token) -> None:
    repo = RepoBuilder(tmp_path / "repo")
    repo.commit({".mcp.json": config(token)})
    boundary = repo.commit({".mcp.json": CLEAN})
    repo.commit({"README.md": "z\n"})
    repo.checkout()
    repo.repo.update_shallow([boundary], [])
    _, report = scan_json(repo.path, capsys)
    assert report["history"]["shallow"] is True and report["history"]["commits"] == 2
    [note] = [n for n in report["notes"] if n["code"] == "shallow-history"]
    assert "2 commits scanned" in note["message"] and "fetch-depth: 0" in note["message"]
    assert history_findings(report) == []  # the commit holding the token is beyond the boundary


def test_range_reads_only_the_pull_requests_commits(tmp_path, capsys, token, other_token) -> None:
    repo = RepoBuilder(tmp_path / "repo")
    repo.commit({".mcp.json": config(token)})
    base = repo.commit({".mcp.json": CLEAN})
    repo.commit({".cursor/mcp.json": config(other_token, "slack")})
    tip = repo.commit({".cursor/mcp.json": config("${SLACK_TOKEN}", "slack")})
    repo.checkout()
    _, report = scan_json(repo.path, capsys, "--range", f"{base.decode()}..{tip.decode()}")
    assert [f["path"].rsplit("/repo/", 1)[-1] for f in history_findings(report)] == [".cursor/mcp.json"]
    assert report["history"]["commits"] == 2 and report["history"]["range"].startswith(base.decode())
    _, by_name = scan_json(repo.path, capsys, "--range", f"{base.decode()[:10]}..main")
    assert history_findings(by_name) == history_findings(report)


def test_since_bounds_the_walk_by_date(tmp_path, capsys, token) -> None:
    repo = RepoBuilder(tmp_path / "repo")
    repo.commit({".mcp.json": config(token)})
    repo.commit({".mcp.json": CLEAN})
    repo.commit({"README.md": "later\n"})
    repo.checkout()
    _, report = scan_json(repo.path, capsys, "--since", "2026-01-02")
    assert report["history"]["commits"] == 2 and history_findings(report) == []


def test_a_baseline_accepts_a_historical_finding(tmp_path, capsys, token) -> None:
    repo = RepoBuilder(tmp_path / "repo")
    repo.commit({".mcp.json": config(token)})
    repo.commit({".mcp.json": CLEAN})
    repo.checkout()
    baseline = tmp_path / "baseline.json"
    assert main(["baseline", "create", "--history", "-b", str(baseline), str(repo.path)]) == 0
    capsys.readouterr()
    code, report = scan_json(repo.path, capsys, "--baseline", str(baseline))
    assert history_findings(report) == []
    assert report["triage"]["baselined"] >= 2 and report["triage"]["stale_baseline_entries"] == []
    assert token not in baseline.read_text()
    assert code == 0 or all("history" not in f for f in report["findings"] if f["failing"])


def test_sarif_points_a_removed_token_at_its_file_with_the_commit(tmp_path, capsys, token) -> None:
    repo = RepoBuilder(tmp_path / "repo")
    added = repo.commit({".mcp.json": config(token)})
    repo.commit({".mcp.json": CLEAN})
    repo.checkout()
    main(["scan", "--history", "-f", "sarif", "--select", "embedded-secret", str(repo.path)])
    log = json.loads(capsys.readouterr().out)
    if SARIF_SCHEMA.is_file():
        jsonschema.validate(log, json.loads(SARIF_SCHEMA.read_text()))
    [result] = log["runs"][0]["results"]
    assert result["locations"][0]["physicalLocation"]["region"] == {"startLine": 1}
    exact = result["relatedLocations"][0]["physicalLocation"]
    assert exact["region"]["startLine"] == 10 and exact["properties"]["commit"] == added.decode()
    assert result["partialFingerprints"]["commitSha"] == added.decode()
    assert result["properties"]["presentAtHead"] is False
    assert token not in json.dumps(log)


def test_text_output_names_the_commit_and_never_the_token(tmp_path, capsys, token) -> None:
    repo = RepoBuilder(tmp_path / "repo")
    added = repo.commit({".mcp.json": config(token)})
    repo.commit({".mcp.json": CLEAN})
    repo.checkout()
    code = main(["scan", "--history", "--color", "never", str(repo.path)])
    out = capsys.readouterr().out
    assert code == 1 and added.decode()[:7] in out and token not in out


def test_history_outside_a_repository_is_a_usage_error(tmp_path, capsys) -> None:
    (tmp_path / "plain").mkdir()
    assert main(["scan", "--history", str(tmp_path / "plain")]) == 2
    assert "git repository" in capsys.readouterr().err


@pytest.mark.parametrize("bad", ["nosuchbranch..main", "main", "main...", "..main"])
def test_an_unknown_or_malformed_range_is_a_usage_error(tmp_path, capsys, bad) -> None:
    repo = RepoBuilder(tmp_path / "repo")
    repo.commit({"README.md": "x\n"})
    assert main(["scan", "--range", bad, str(repo.path)]) == 2
    err = capsys.readouterr().err
    assert "--range" in err and "Traceback" not in err


def test_a_bad_since_date_is_a_usage_error(tmp_path, capsys) -> None:
    repo = RepoBuilder(tmp_path / "repo")
    repo.commit({"README.md": "x\n"})
    assert main(["scan", "--since", "last tuesday", str(repo.path)]) == 2
    assert "--since" in capsys.readouterr().err


def test_dependency_folders_and_unrelated_json_are_not_read_from_history(tmp_path, capsys, token) -> None:
    repo = RepoBuilder(tmp_path / "repo")
    files = {"node_modules/pkg/servers.json": config(token), "data/fixtures.json": json.dumps({"value": token}),
             "tools/servers.json": config(token, "other")}
    repo.commit(files)
    repo.commit(dict.fromkeys(files))  # all gone from HEAD: only history can report them
    repo.checkout()
    _, report = scan_json(repo.path, capsys)
    assert {f["path"].rsplit("/repo/", 1)[-1] for f in history_findings(report)} == {"tools/servers.json"}


def test_every_command_in_docs_history_runs(tmp_path, capsys, monkeypatch, token) -> None:
    """docs/history.md's commands, as written, in a repository with a remote branch and history."""
    repo = RepoBuilder(tmp_path / "repo")
    base = repo.commit({".mcp.json": config(token)})
    repo.commit({".mcp.json": CLEAN})
    repo.repo.refs[b"refs/remotes/origin/main"] = base
    repo.checkout()
    monkeypatch.chdir(repo.path)
    page = (ROOT / "docs" / "history.md").read_text(encoding="utf-8")
    commands = [line.split("#")[0].split() for line in page.splitlines() if line.startswith("mcpiam ")]
    assert len(commands) == 4
    for command in commands:
        code = main(command[1:])
        out = capsys.readouterr()
        assert code in (0, 1), (command, out.err)
        assert "Traceback" not in out.err and token not in out.out + out.err


def test_text_groups_what_only_history_holds_under_history_without_a_source_line(tmp_path, capsys, token) -> None:
    repo = RepoBuilder(tmp_path / "repo")
    repo.commit({".mcp.json": config(token)})
    repo.commit({".mcp.json": CLEAN})
    repo.checkout()
    main(["scan", "--history", "--color", "never", "--select", "embedded-secret", str(repo.path)])
    out = capsys.readouterr().out
    head, _, rest = out.partition("history (2 commits read)\n")
    assert rest, out
    assert ".mcp.json:10:26: critical embedded-secret" in rest.splitlines()[0]
    assert "10 |" not in out  # no line of today's file under a place the commit wrote
    assert "embedded-secret" not in head and token not in out
