"""The sweep side of a fleet: --user with --home, --policy (owners on laptops), --select/--ignore,
--baseline (made by --write-baseline) and --exit-zero, as scan has them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mcpiam.cli.main import main
from mcpiam.fleet.merge import merge_files

from fleet_helpers import classic_pat, github_server, write_home


@pytest.fixture
def home(tmp_path: Path) -> Path:
    write_home(tmp_path / "backup-0042", {"github": github_server(classic_pat("options")),
                                          "time": {"command": "uvx", "args": ["mcp-server-time"]}})
    return tmp_path / "backup-0042"


def sweep_json(capsys, home: Path, *options: str) -> tuple[int, dict]:
    code = main(["sweep", "--home", str(home), "--platform", "linux", "--hostname", "lap-7",
                 "--fingerprint-key", "acme", "-f", "json", *options])
    return code, json.loads(capsys.readouterr().out)


def test_user_names_whose_home_a_backup_is(home: Path, capsys) -> None:
    code, data = sweep_json(capsys, home, "--user", "alice")
    assert data["host"]["homes"] == [{"prefix": "~", "user": "alice"}]
    assert {server["user"] for client in data["clients"] for server in client["servers"]} == {"alice"}
    _, default = sweep_json(capsys, home)
    assert default["host"]["homes"][0]["user"] == "backup-0042"


def test_user_without_home_is_a_usage_error(capsys) -> None:
    assert main(["sweep", "--user", "alice"]) == 2
    assert "--user names whose --home" in capsys.readouterr().err


def test_a_policy_gives_laptops_owners_and_the_fleet_coverage(home: Path, tmp_path: Path, capsys) -> None:
    policy = tmp_path / "org-policy.yaml"
    policy.write_text("owners:\n  - {match: {package: '@modelcontextprotocol/server-github'}, owner: '@acme/dev-tools'}\n",
                      encoding="utf-8")
    _, data = sweep_json(capsys, home, "--policy", str(policy))
    owners = {server["server"]: server["owner"] for config in data["configs"] for server in config["servers"]}
    assert owners == {"github": "@acme/dev-tools", "time": None}
    out = tmp_path / "lap-7.json"
    out.write_text(json.dumps(data), encoding="utf-8")
    report = merge_files([out])
    assert report.coverage == (1, 2) and [(o.owner, o.servers) for o in report.owners] == [("@acme/dev-tools", 1)]


def test_an_invalid_policy_is_a_usage_error_naming_the_file(home: Path, tmp_path: Path, capsys) -> None:
    policy = tmp_path / "bad.yaml"
    policy.write_text("owners: 5\n", encoding="utf-8")
    assert main(["sweep", "--home", str(home), "--policy", str(policy)]) == 2
    assert "bad.yaml" in capsys.readouterr().err


def test_select_and_ignore_choose_the_rules(home: Path, capsys) -> None:
    _, selected = sweep_json(capsys, home, "--select", "embedded-secret")
    assert {f["rule_id"] for f in selected["findings"]} == {"embedded-secret"}
    _, ignored = sweep_json(capsys, home, "--ignore", "missing-owner,unpinned-server")
    rules = {f["rule_id"] for f in ignored["findings"]}
    assert "embedded-secret" in rules and not rules & {"missing-owner", "unpinned-server"}


def test_a_sweep_baseline_sets_known_findings_aside(home: Path, tmp_path: Path, capsys) -> None:
    baseline = tmp_path / "lap-7.baseline.json"
    code, first = sweep_json(capsys, home, "--write-baseline", str(baseline))
    assert code == 1 and first["findings"]
    code, second = sweep_json(capsys, home, "--baseline", str(baseline))
    assert code == 0 and second["findings"] == [] and second["triage"]["baselined"] == len(first["findings"])
    assert classic_pat("options") not in baseline.read_text()


def test_exit_zero_keeps_the_report_and_exits_0(home: Path, capsys) -> None:
    code, data = sweep_json(capsys, home, "--exit-zero")
    assert code == 0 and data["summary"]["failing"] > 0
