"""``mcpiam policy init --from-scan PATH``: a starter policy with one owners entry per server
found (by package, else URL, else name and path), owners to fill in, approved_servers commented;
it passes ``policy check`` once the owners are filled and then owns every server it listed."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from inventory_repo import write_inventory_repo
from mcpiam.cli.main import EXIT_CLEAN, EXIT_USAGE, main


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture()
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    write_inventory_repo(tmp_path, policy=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def fill_owners(text: str) -> str:
    return text.replace('owner: ""', 'owner: "@acme/platform"')


def test_one_owners_entry_per_server_matched_by_package_url_or_name(repo: Path, capsys) -> None:
    code, out, _ = run(capsys, "policy", "init", "--from-scan", ".")
    assert code == EXIT_CLEAN and "wrote .mcpiam.yaml" in out
    policy = yaml.safe_load((repo / ".mcpiam.yaml").read_text(encoding="utf-8"))
    assert [entry["match"] for entry in policy["owners"]] == [
        {"package": "npm:@modelcontextprotocol/server-github"},
        {"package": "npm:@acme/payments-mcp"},
        {"package": "pypi:mcp-server-postgres"},
        {"url": "mcp.example.com/mcp"},
        {"package": "docker:ghcr.io/github/github-mcp-server"},
        {"name": "notes", "path": ".mcp.json"},  # `node tools/...`: a program name says too little
    ]
    assert all(entry["owner"] == "" for entry in policy["owners"])
    assert policy["approved_servers"] == []  # listed, but commented out until the team opts in
    text = (repo / ".mcpiam.yaml").read_text(encoding="utf-8")
    assert '#  - match: {package: "npm:@acme/payments-mcp"}' in text
    assert "  # payments in .mcp.json:16" in text


def test_the_starter_fails_policy_check_until_owners_are_filled_then_owns_every_server(repo: Path, capsys) -> None:
    run(capsys, "policy", "init", "--from-scan", ".")
    code, _, err = run(capsys, "policy", "check")
    assert code == EXIT_USAGE
    assert len(re.findall(r"\.mcpiam\.yaml:\d+:12: owners\[\d\]\.owner: must not be empty", err)) == 6
    policy = repo / ".mcpiam.yaml"
    policy.write_text(fill_owners(policy.read_text(encoding="utf-8")), encoding="utf-8")
    code, out, _ = run(capsys, "policy", "check")
    assert code == EXIT_CLEAN and "6 owners entries" in out
    code, out, _ = run(capsys, "scan", "--select", "missing-owner", "--format", "json")
    assert json.loads(out)["findings"] == []
    code, out, _ = run(capsys, "inventory", "--format", "json")
    assert {record["owner"] for record in json.loads(out)["servers"]} == {"@acme/platform"}
    # Uncommenting approved_servers approves exactly the servers found.
    text = policy.read_text(encoding="utf-8").replace("approved_servers: []", "approved_servers:")
    policy.write_text(text.replace("#  - match:", "  - match:"), encoding="utf-8")
    assert run(capsys, "policy", "check")[0] == EXIT_CLEAN
    code, out, _ = run(capsys, "scan", "--select", "unapproved-server", "--format", "json")
    assert json.loads(out)["findings"] == []


def test_refuses_to_overwrite_without_force(repo: Path, capsys) -> None:
    (repo / ".mcpiam.yaml").write_text("version: 1\n", encoding="utf-8")
    code, _, err = run(capsys, "policy", "init", "--from-scan", ".")
    assert code == EXIT_USAGE and "already exists; use --force" in err
    assert (repo / ".mcpiam.yaml").read_text(encoding="utf-8") == "version: 1\n"
    assert run(capsys, "policy", "init", "--from-scan", ".", "--force")[0] == EXIT_CLEAN
    assert "owners:" in (repo / ".mcpiam.yaml").read_text(encoding="utf-8")


def test_lists_every_server_whatever_an_existing_policy_ignores(repo: Path, capsys) -> None:
    (repo / ".mcpiam.yaml").write_text("version: 1\nignore_paths: ['.mcp.json']\n", encoding="utf-8")
    assert run(capsys, "policy", "init", "new-policy.yaml", "--from-scan", ".")[0] == EXIT_CLEAN
    assert len(yaml.safe_load((repo / "new-policy.yaml").read_text(encoding="utf-8"))["owners"]) == 6


def test_hostile_names_stay_data_and_match_themselves(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    names = ["a[1]*", 'quote" and\nnew: line', "svc?"]
    (tmp_path / ".mcp.json").write_text(json.dumps({"mcpServers": {
        name: {"command": "./run.sh"} for name in names}}), encoding="utf-8")
    assert run(capsys, "policy", "init", "--from-scan", ".")[0] == EXIT_CLEAN
    text = (tmp_path / ".mcpiam.yaml").read_text(encoding="utf-8")
    policy = yaml.safe_load(text)
    assert "new" not in policy  # the line break in a name wrote no key
    (tmp_path / ".mcpiam.yaml").write_text(fill_owners(text), encoding="utf-8")
    code, out, _ = run(capsys, "inventory", "--format", "json")
    assert code == EXIT_CLEAN
    assert {r["server"]: r["owner"] for r in json.loads(out)["servers"]} == {name: "@acme/platform" for name in names}


def test_an_unreadable_scan_path_is_a_usage_error(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, err = run(capsys, "policy", "init", "--from-scan", "missing-dir")
    assert code == EXIT_USAGE and "missing-dir" in err
    assert not (tmp_path / ".mcpiam.yaml").exists()


def test_no_server_found_writes_an_empty_registry(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert run(capsys, "policy", "init", "--from-scan", ".")[0] == EXIT_CLEAN
    assert yaml.safe_load((tmp_path / ".mcpiam.yaml").read_text(encoding="utf-8"))["owners"] == []
    assert run(capsys, "policy", "check")[0] == EXIT_CLEAN
