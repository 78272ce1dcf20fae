"""``scan --rules DIR`` (a user's own token families) and ``--fingerprint-key`` (organisation-wide
credential fingerprints), with their environment variables and their usage errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mcpiam.cli.main import main
from mcpiam.secrets.families import expand_example, load_families

USER_FAMILY = """\
provider: acme
families:
  - id: acme-internal-token
    provider: acme
    name: Acme internal API token
    pattern: '(?<![a-z0-9_])acmetok_[a-z0-9]{32}(?![a-z0-9])'
    grants: admin
    lifetime: no-expiry
    severity: high
    description: An Acme internal API token with administrative rights.
    remediation: Use a per-service Acme token from the vault.
    references:
      - https://wiki.acme.example/tokens
    examples:
      positive:
        - 'acmetok_{lower_alnum:32}'
      negative:
        - 'acmetok_{lower_alnum:8}'
"""


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def scan_json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict]:
    code = main(["scan", "--format", "json", *args])
    out = capsys.readouterr().out
    return code, json.loads(out) if out.strip() else {}


@pytest.fixture()
def acme_dir(tmp_path: Path) -> Path:
    write(tmp_path / "families" / "acme.yaml", USER_FAMILY)
    return tmp_path / "families"


@pytest.fixture()
def acme_token(acme_dir: Path) -> str:
    family = next(f for f in load_families([acme_dir]) if f.id == "acme-internal-token")
    return expand_example(family.examples.positive[0].template)


def project_with(root: Path, key: str, value: str) -> Path:
    write(root / ".cursor" / "mcp.json", json.dumps(
        {"mcpServers": {"acme": {"command": "acme-mcp", "env": {key: value}}}}, indent=2))
    return root


def families_found(report: dict, rule: str) -> list[str]:
    return [f["properties"].get("family", "") for f in report["findings"] if f["rule_id"] == rule]


def test_user_family_is_recognised_only_with_rules_dir(tmp_path, acme_dir, acme_token, capsys) -> None:
    project = project_with(tmp_path / "repo", "ACME_SETTING", acme_token)
    _, plain = scan_json(capsys, str(project))
    assert "acme-internal-token" not in families_found(plain, "embedded-secret")
    code, report = scan_json(capsys, "--rules", str(acme_dir), str(project))
    assert families_found(report, "embedded-secret") == ["acme-internal-token"]
    # The family's metadata drives unscoped-token as for the shipped families.
    assert families_found(report, "unscoped-token") == ["acme-internal-token"]
    assert code == 1
    message = next(f["message"] for f in report["findings"] if f["rule_id"] == "unscoped-token")
    assert "Acme internal API token" in message and "administrative" in message
    assert acme_token not in json.dumps(report)


def test_rules_dirs_from_the_environment(tmp_path, acme_dir, acme_token, capsys, monkeypatch) -> None:
    project = project_with(tmp_path / "repo", "ACME_SETTING", acme_token)
    empty = tmp_path / "empty-families"
    empty.mkdir()
    monkeypatch.setenv("MCPIAM_RULES", f"{empty}:{acme_dir}")
    _, report = scan_json(capsys, str(project))
    assert families_found(report, "embedded-secret") == ["acme-internal-token"]


@pytest.mark.parametrize("content, where", [
    ("families: [\n  {id: 3}\n", "acme.yaml:"),  # malformed YAML
    (USER_FAMILY.replace("grants: admin", "grants: everything"), "acme.yaml:"),  # schema
    (USER_FAMILY.replace("'acmetok_{lower_alnum:8}'", "'acmetok_{lower_alnum:32}'"), "acme.yaml:"),
])
def test_an_unusable_family_file_is_a_usage_error_naming_the_file(tmp_path, content, where,
                                                                  capsys) -> None:
    write(tmp_path / "families" / "acme.yaml", content)
    project = project_with(tmp_path / "repo", "ACME_SETTING", "nothing-secret")
    code = main(["scan", "--rules", str(tmp_path / "families"), str(project)])
    err = capsys.readouterr().err
    assert code == 2
    assert where in err and "Traceback" not in err


def test_a_missing_rules_dir_is_a_usage_error(tmp_path, capsys) -> None:
    code = main(["scan", "--rules", str(tmp_path / "nowhere"), str(tmp_path)])
    assert code == 2
    assert "nowhere" in capsys.readouterr().err


def github_token() -> str:
    family = next(f for f in load_families() if f.id == "github-classic-pat")
    return expand_example(family.examples.positive[0].template)


def fingerprints(report: dict) -> set[str]:
    return {f["properties"]["fingerprint"] for f in report["findings"]
            if f["rule_id"] == "embedded-secret"}


def test_fingerprint_key_changes_fingerprints_and_keeps_them_stable(tmp_path, capsys,
                                                                    monkeypatch) -> None:
    token = github_token()
    laptop = project_with(tmp_path / "laptop", "GITHUB_TOKEN", token)
    server = project_with(tmp_path / "server", "GH", token)
    _, default_a = scan_json(capsys, str(laptop))
    _, keyed_a = scan_json(capsys, "--fingerprint-key", "acme-org-key", str(laptop))
    _, keyed_b = scan_json(capsys, "--fingerprint-key", "acme-org-key", str(server))
    monkeypatch.setenv("MCPIAM_FINGERPRINT_KEY", "acme-org-key")
    _, from_env = scan_json(capsys, str(server))
    assert len(fingerprints(default_a)) == 1
    assert fingerprints(keyed_a) == fingerprints(keyed_b) == fingerprints(from_env)
    assert fingerprints(keyed_a) != fingerprints(default_a)
    assert token not in json.dumps([default_a, keyed_a, keyed_b, from_env])


def test_an_empty_fingerprint_key_is_a_usage_error(tmp_path, capsys) -> None:
    code = main(["scan", "--fingerprint-key", " ", str(tmp_path)])
    assert code == 2
    assert "fingerprint key" in capsys.readouterr().err
