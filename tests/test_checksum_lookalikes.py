"""Never silent on a token shape: a checksummed family's shape whose checksum fails is reported
(embedded-secret, low; or as the key name or entropy judge it), once, in JSON, YAML and TOML."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mcpiam.cli.main import main
from mcpiam.engine.scan import ScanSettings, scan_paths
from mcpiam.secrets.families import expand_example
from mcpiam.secrets.validators import VALIDATORS

SETTINGS = ScanSettings(ignore=("missing-owner", "world-readable-secrets"))
CHECKSUMMED = {"ghp_": "github-classic-pat", "gho_": "github-oauth-token", "npm_": "npm-access-token"}


def bad_checksum(prefix: str) -> str:
    """A token of the family's shape (prefix, 36 base62) whose CRC32 tail does not match."""
    good = expand_example(prefix + "{github_crc:30}")
    last = good[-1]
    token = good[:-1] + ("A" if last != "A" else "B")
    assert VALIDATORS["github-crc32"](good) and not VALIDATORS["github-crc32"](token)
    return token


def write(root: Path, fmt: str, key: str, value: str, where: str = "env") -> tuple[Path, str]:
    """One server holding ``value`` under env ``key`` (or as its last argument), in ``fmt``."""
    quoted = json.dumps(value)
    if fmt == "json":
        server: dict[str, object] = {"command": "npx", "args": ["-y", "svc-mcp@1.0.0"]}
        if where == "env":
            server["env"] = {key: value}
        else:
            server["args"] = ["-y", "svc-mcp@1.0.0", value]
        path, text = ".cursor/mcp.json", json.dumps({"mcpServers": {"svc": server}}, indent=2)
    elif fmt == "yaml":
        body = f"    env:\n      {key}: {quoted}\n" if where == "env" else f"      - {quoted}\n"
        path = ".continue/mcpServers/svc.yaml"
        text = ("mcpServers:\n  - name: svc\n    command: npx\n    args:\n      - \"-y\"\n"
                "      - svc-mcp@1.0.0\n" + body)
    else:
        args = '["-y", "svc-mcp@1.0.0"' + (f", {quoted}]" if where == "arg" else "]")
        path = ".codex/config.toml"
        text = f'[mcp_servers.svc]\ncommand = "npx"\nargs = {args}\n'
        if where == "env":
            text += f"env = {{ {key} = {quoted} }}\n"
    file = root / path
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text(text + "\n", encoding="utf-8")
    return file, text


def _position(text: str, value: str) -> tuple[int, int]:
    before = text[:text.index(value)]
    return before.count("\n") + 1, len(before) - (before.rfind("\n") + 1) + 1


@pytest.mark.parametrize("fmt", ["json", "yaml", "toml"])
@pytest.mark.parametrize("prefix", sorted(CHECKSUMMED))
def test_a_failing_checksum_in_an_argument_is_reported_low(tmp_path: Path, fmt: str, prefix: str) -> None:
    token = bad_checksum(prefix)
    _, text = write(tmp_path, fmt, "", token, where="arg")
    result = scan_paths([tmp_path], SETTINGS, root=tmp_path)
    assert [(f.rule_id, f.severity.value) for f in result.findings] == [("embedded-secret", "low")]
    finding = result.findings[0]
    assert (finding.location.span.start_line, finding.location.span.start_column) == _position(text, token)
    properties = dict(finding.properties)
    assert properties["checksum"] == "failed"
    assert properties["shape"] == CHECKSUMMED[prefix]
    assert "checksum fails" in finding.message and "damaged real token" in finding.message
    assert token[len(prefix):-4] not in finding.message + json.dumps(properties)


@pytest.mark.parametrize("fmt", ["json", "yaml", "toml"])
def test_a_failing_checksum_under_a_credential_key_keeps_the_key_name_verdict(tmp_path: Path, fmt: str) -> None:
    # The new user's first try: a random ghp_ body under GITHUB_TOKEN. The key name alone makes
    # any such value a credential (high); the failing checksum neither hides it nor adds a second.
    token = bad_checksum("ghp_")
    _, text = write(tmp_path, fmt, "GITHUB_TOKEN", token)
    result = scan_paths([tmp_path], SETTINGS, root=tmp_path)
    assert [(f.rule_id, f.severity.value) for f in result.findings] == [("embedded-secret", "high")]
    finding = result.findings[0]
    assert (finding.location.span.start_line, finding.location.span.start_column) == _position(text, token)
    properties = dict(finding.properties)
    assert properties["family"] == "generic-keyword"
    assert (properties["checksum"], properties["shape"]) == ("failed", "github-classic-pat")
    assert "checksum fails" in finding.message


def test_a_token_whose_checksum_passes_is_reported_as_its_family(tmp_path: Path) -> None:
    token = expand_example("ghp_{github_crc:30}")
    write(tmp_path, "json", "", token, where="arg")
    result = scan_paths([tmp_path], ScanSettings(select=("embedded-secret",)), root=tmp_path)
    assert len(result.findings) == 1
    properties = dict(result.findings[0].properties)
    assert properties["family"] == "github-classic-pat"
    assert "checksum" not in properties
    assert "checksum fails" not in result.findings[0].message


def test_a_look_alike_is_not_called_unscoped(tmp_path: Path) -> None:
    write(tmp_path, "json", "", bad_checksum("ghp_"), where="arg")
    result = scan_paths([tmp_path], ScanSettings(select=("embedded-secret", "unscoped-token")), root=tmp_path)
    assert [f.rule_id for f in result.findings] == ["embedded-secret"]


def test_explain_says_how_checksums_are_used(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", "embedded-secret"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "checksum fails" in out and "low severity" in out and "CRC32" in out
