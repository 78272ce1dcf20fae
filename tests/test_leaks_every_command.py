"""No planted secret value reaches stdout, stderr or any file written, across every command, every
output format and the error paths (an invalid policy with the secret pasted in it, an output file
that cannot be written, an internal error whose exception message quotes the secret).

The secrets are built at test time from the token families' example templates (never stored).
Besides the whole value, a middle slice is searched too: a redacted preview shows the family's
prefix and the last four characters, never the middle.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mcpiam.cli.main import EXIT_INTERNAL, EXIT_USAGE, main
from mcpiam.secrets.families import expand_example, expand_example_with_span

GITHUB_PAT = "ghp_{github_crc:30}"
STRIPE_KEY = "sk_live_{alnum:24}"


@pytest.fixture
def planted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict:
    """A repository and a fake home, each holding a secret in a config; cwd is the repository."""
    repo_secret, home_secret = expand_example(GITHUB_PAT), expand_example(STRIPE_KEY)
    repo, home = tmp_path / "repo", tmp_path / "home" / "dev"
    config = {"mcpServers": {"gh": {"command": "npx", "args": ["-y", "pkg@1.0.0", f"--token={repo_secret}"],
                                    "env": {"GITHUB_TOKEN": repo_secret}},
                             "pay": {"url": "https://pay.example.com/mcp",
                                     "headers": {"Authorization": f"Bearer {repo_secret}"}}}}
    (repo / ".cursor").mkdir(parents=True)
    (repo / ".cursor" / "mcp.json").write_text(json.dumps(config, indent=2), encoding="utf-8")
    (home / ".cursor").mkdir(parents=True)
    (home / ".cursor" / "mcp.json").write_text(json.dumps(
        {"mcpServers": {"stripe": {"command": "npx", "args": ["-y", "stripe-mcp@1.0.0"],
                                   "env": {"STRIPE_SECRET_KEY": home_secret}}}}), encoding="utf-8")
    (home / ".cursor" / "mcp.json").chmod(0o644)
    out = tmp_path / "out"
    out.mkdir()
    monkeypatch.chdir(repo)
    monkeypatch.setenv("NO_COLOR", "1")
    return {"secrets": (repo_secret, home_secret), "repo": repo, "home": home, "out": out,
            "inputs": {repo / ".cursor" / "mcp.json", home / ".cursor" / "mcp.json"}}


def fragments(secrets: tuple[str, ...]) -> list[str]:
    return [piece for secret in secrets for piece in (secret, secret[6:-6])]


def assert_nothing_leaked(planted: dict, text: str, where: str) -> None:
    leaked = [index for index, piece in enumerate(fragments(planted["secrets"])) if piece in text]
    assert leaked == [], f"a planted secret reached {where}"  # indexes only: never print a value


def assert_no_file_leaks(planted: dict) -> None:
    root = planted["repo"].parent
    for path in root.rglob("*"):
        if path.is_file() and path not in planted["inputs"]:
            assert_nothing_leaked(planted, path.read_text(encoding="utf-8", errors="replace"), str(path))


def run(planted: dict, capsys: pytest.CaptureFixture[str], args: list[str]) -> int:
    code = main(args)
    captured = capsys.readouterr()
    assert_nothing_leaked(planted, captured.out, f"stdout of {args}")
    assert_nothing_leaked(planted, captured.err, f"stderr of {args}")
    return code


def sweep_args(planted: dict, fmt: str, output: Path | None = None) -> list[str]:
    args = ["sweep", "--home", str(planted["home"]), "--platform", "linux", "--hostname", "host-a",
            "--format", fmt]
    return args + (["--output", str(output)] if output else [])


SCAN_VARIANTS = [
    ["scan"], ["scan", "-v"], ["scan", "--format", "json"], ["scan", "--format", "sarif"],
    ["scan", "--summary", "frameworks"], ["scan", "--summary", "frameworks", "--format", "json"],
    ["scan", "--no-ignores", "--format", "json"], ["scan", "--format", "concise"],
    ["scan", "--suggest-allowlist"], ["scan", "--select", "missing-owner"],
    ["scan", "--ignore", "embedded-secret,shared-credential"],
    ["inventory"], ["inventory", "--format", "json"], ["inventory", "--format", "csv"],
    ["inventory", "--format", "cyclonedx"], ["inventory", "--format", "review"],
    ["inventory", "--format", "review-md"], ["inventory", "--format", "csv", "--spreadsheet-safe"],
]


@pytest.mark.parametrize("args", SCAN_VARIANTS, ids=" ".join)
def test_scan_and_inventory_to_stdout_and_to_a_file(planted, capsys, args) -> None:
    assert run(planted, capsys, args) in (0, 1)
    assert run(planted, capsys, [*args, "--output", str(planted["out"] / "report")]) in (0, 1)
    assert (planted["out"] / "report").stat().st_size > 0
    assert_no_file_leaks(planted)


def test_the_secrets_are_really_found(planted, capsys) -> None:
    """The tree is a real test: both secrets are reported (redacted) by scan and sweep."""
    main(["scan", "--format", "json"])
    scan = json.loads(capsys.readouterr().out)
    main(sweep_args(planted, "json"))
    sweep = json.loads(capsys.readouterr().out)
    families = {f["properties"].get("family") for f in scan["findings"] + sweep["findings"]
                if f["rule_id"] == "embedded-secret"}
    assert {"github-classic-pat", "stripe-live-secret-key"} <= families


@pytest.mark.parametrize("fmt", ["text", "json", "sarif"])
def test_sweep_of_a_home_with_a_secret(planted, capsys, fmt) -> None:
    assert run(planted, capsys, sweep_args(planted, fmt)) in (0, 1)
    assert run(planted, capsys, sweep_args(planted, fmt, planted["out"] / f"sweep.{fmt}")) in (0, 1)
    assert_no_file_leaks(planted)


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "csv", "markdown"])
def test_merge_of_sweeps_and_scans(planted, capsys, fmt) -> None:
    sweep_file, scan_file = planted["out"] / "host-a.json", planted["out"] / "scan.json"
    run(planted, capsys, sweep_args(planted, "json", sweep_file))
    run(planted, capsys, ["scan", "--format", "json", "--output", str(scan_file)])
    code = run(planted, capsys, ["merge", str(sweep_file), str(scan_file), "--format", fmt,
                                 "--output", str(planted["out"] / f"merged.{fmt}")])
    assert code in (0, 1)
    assert run(planted, capsys, ["merge", str(sweep_file), str(scan_file), "--format", fmt]) in (0, 1)
    assert_no_file_leaks(planted)


def test_baseline_create_and_update_record_no_value(planted, capsys) -> None:
    baseline = planted["out"] / "baseline.json"
    assert run(planted, capsys, ["baseline", "create", "--baseline", str(baseline)]) == 0
    recorded = json.loads(baseline.read_text(encoding="utf-8"))
    assert recorded  # it did record the findings
    assert "embedded-secret" in baseline.read_text(encoding="utf-8")
    assert run(planted, capsys, ["baseline", "update", "--baseline", str(baseline)]) == 0
    assert run(planted, capsys, ["scan", "--baseline", str(baseline), "--format", "json"]) in (0, 1)
    assert_no_file_leaks(planted)


def test_an_invalid_policy_quoting_the_secret(planted, capsys) -> None:
    secret = planted["secrets"][0]
    policy = planted["repo"] / ".mcpiam.yaml"
    planted["inputs"].add(policy)
    for text in (f"version: 1\nowners: {secret}\n", f"version: 1\n{secret}: true\n",
                 f"version: 1\nallowlist:\n  - fingerprint: {secret}\n    reason: [unclosed\n",
                 f"version: 1\nservers:\n  gh:\n    owner: [{secret}\n"):
        policy.write_text(text, encoding="utf-8")
        assert run(planted, capsys, ["policy", "check", str(policy)]) == EXIT_USAGE
        assert run(planted, capsys, ["scan"]) == EXIT_USAGE
        assert run(planted, capsys, ["inventory", "--format", "json"]) == EXIT_USAGE
        assert run(planted, capsys, ["baseline", "create", "--baseline", str(planted["out"] / "b.json"),
                                     "--force"]) == EXIT_USAGE
    assert_no_file_leaks(planted)


def test_an_output_file_that_cannot_be_written(planted, capsys) -> None:
    unwritable = planted["out"] / "missing-dir" / "report.json"
    for args in (["scan", "--format", "json"], ["inventory", "--format", "csv"],
                 ["sweep", "--home", str(planted["home"]), "--platform", "linux", "--hostname", "h"]):
        assert run(planted, capsys, [*args, "--output", str(unwritable)]) == EXIT_USAGE
    assert not unwritable.exists()


@pytest.mark.parametrize("target", ["mcpiam.engine.scan.collect_findings", "mcpiam.model.extract.extract_claim",
                                    "mcpiam.secrets.detect.find_credentials"])
def test_an_internal_error_quoting_the_secret(planted, capsys, monkeypatch, target) -> None:
    secret = planted["secrets"][0]

    def explode(*args, **kwargs):
        raise RuntimeError(f"cannot handle value {secret!r} in {args[:1]!r}")

    module, _, name = target.rpartition(".")
    monkeypatch.setattr(f"{module}.{name}", explode)
    if target.endswith("extract_claim"):
        monkeypatch.setattr("mcpiam.engine.scan.extract_claim", explode)
    for args in (["scan"], ["scan", "--format", "sarif"], ["inventory", "--format", "json"],
                 sweep_args(planted, "json"), ["baseline", "create", "--baseline",
                                               str(planted["out"] / "b.json"), "--force"]):
        code = main(args)
        captured = capsys.readouterr()
        assert code == EXIT_INTERNAL, (args, captured.err)  # the inventory looks for credentials too
        assert "internal error: RuntimeError" in captured.err
        assert_nothing_leaked(planted, captured.out + captured.err, f"the crash report of {args}")
    assert_no_file_leaks(planted)


# --- credentials written where a name belongs ------------------------------------------------------

NAME_PLACES = ("server name", "env key", "header key", "TOML table name", "YAML anchor")


@pytest.fixture
def named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict:
    """A repository and a home whose configs carry a token as a server name, an env key, a header
    key, a TOML table name and a YAML anchor (one fresh token each, built at test time)."""
    tokens = {place: expand_example_with_span(GITHUB_PAT, salt=place)[0] for place in NAME_PLACES}
    assert len(set(tokens.values())) == len(NAME_PLACES)
    repo, home = tmp_path / "repo", tmp_path / "home" / "dev"
    json_config = json.dumps({"mcpServers": {
        tokens["server name"]: {"command": "npx", "args": ["-y", "pkg@1.0.0"]},
        "gh": {"command": "npx", "args": ["-y", "gh-mcp@1.0.0"], "env": {tokens["env key"]: "${env:GH}"}},
        "pay": {"url": "https://pay.example.com/mcp", "headers": {tokens["header key"]: "${env:PAY}"}},
    }}, indent=2)
    toml_config = f'[mcp_servers.{tokens["TOML table name"]}]\ncommand = "npx"\nargs = ["-y", "pkg@1.0.0"]\n'
    yaml_config = ("name: tools\nversion: 0.0.1\nschema: v1\nmcpServers:\n"
                   f'  - &{tokens["YAML anchor"]}\n    name: files\n    command: npx\n    args: ["-y", "pkg@1.0.0"]\n'
                   f'  - *{tokens["YAML anchor"]}\n')
    files = {".cursor/mcp.json": json_config, ".codex/config.toml": toml_config,
             ".continue/mcpServers/tools.yaml": yaml_config}
    for base in (repo, home):
        for relative, text in files.items():
            (base / relative).parent.mkdir(parents=True, exist_ok=True)
            (base / relative).write_text(text, encoding="utf-8")
            (base / relative).chmod(0o600)
    where = {}
    for place, token in tokens.items():
        relative, text = next((r, t) for r, t in files.items() if token in t)
        offset = text.index(token)
        where[place] = (relative, text.count("\n", 0, offset) + 1, offset - text.rfind("\n", 0, offset))
    out = tmp_path / "out"
    out.mkdir()
    monkeypatch.chdir(repo)
    monkeypatch.setenv("NO_COLOR", "1")
    inputs = {base / relative for base in (repo, home) for relative in files}
    return {"secrets": tuple(tokens.values()), "tokens": tokens, "where": where, "repo": repo,
            "home": home, "out": out, "inputs": inputs}


@pytest.mark.parametrize("place", NAME_PLACES)
def test_a_token_written_as_a_name_is_an_embedded_secret_at_its_place(named, capsys, place) -> None:
    assert main(["scan", "--format", "json"]) == 1
    findings = json.loads(capsys.readouterr().out)["findings"]
    path, line, column = named["where"][place]
    at = [f for f in findings if f["rule_id"] == "embedded-secret" and f["path"] == path
          and (f["line"], f["column"]) == (line, column)]
    assert len(at) == 1, (place, path, line, column)
    assert at[0]["properties"]["family"] == "github-classic-pat"
    if place == "YAML anchor":  # and where the alias names it
        aliases = [f for f in findings if f["rule_id"] == "embedded-secret" and f["path"] == path
                   and (f["line"], f["column"]) == (line + 4, column)]
        assert len(aliases) == 1


def test_ordinary_names_are_not_secrets(tmp_path, capsys, monkeypatch) -> None:
    """Upper-snake env names, header names and ordinary server names stay unflagged."""
    config = {"mcpServers": {"github-enterprise-2024": {
        "command": "npx", "args": ["-y", "pkg@1.0.0"],
        "env": {"GITHUB_PERSONAL_ACCESS_TOKEN": "${env:GH}", "AWS_SECRET_ACCESS_KEY": "${env:AWS}",
                "OPENAI_API_KEY": "${env:OPENAI}", "SK_LIVE_MODE": "1"},
        "headers": {"X-Api-Key": "${env:K}", "Authorization": "${env:AUTH}"}}}}
    (tmp_path / ".mcp.json").write_text(json.dumps(config), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    main(["scan", "--format", "json"])
    findings = json.loads(capsys.readouterr().out)["findings"]
    assert [f for f in findings if f["rule_id"] == "embedded-secret"] == []


@pytest.mark.parametrize("args", [*SCAN_VARIANTS, ["baseline", "create", "--force"]], ids=" ".join)
def test_a_token_written_as_a_name_reaches_no_output(named, capsys, args) -> None:
    run(named, capsys, args)
    if args[0] != "baseline":
        run(named, capsys, [*args, "--output", str(named["out"] / "report")])
    assert_no_file_leaks(named)


@pytest.mark.parametrize("fmt", ["text", "json", "sarif"])
def test_a_token_written_as_a_name_reaches_no_sweep_or_merge(named, capsys, fmt) -> None:
    sweep_file, scan_file = named["out"] / "host-a.json", named["out"] / "scan.json"
    assert run(named, capsys, sweep_args(named, fmt)) == 1
    run(named, capsys, sweep_args(named, "json", sweep_file))
    run(named, capsys, ["scan", "--format", "json", "--output", str(scan_file)])
    for merged in ("text", "json", "sarif", "csv", "markdown"):
        run(named, capsys, ["merge", str(sweep_file), str(scan_file), "--format", merged])
    assert_no_file_leaks(named)


@pytest.mark.parametrize("args", [["scan", "--format", "{token}"], ["scan", "--fail-on={token}"],
                                  ["scan", "--ignore", "{token}"], ["inventory", "--format", "{token}"],
                                  ["scan", "--{token}"]])
def test_a_token_given_as_an_option_value_is_not_echoed(planted, capsys, args) -> None:
    token = planted["secrets"][0]
    assert run(planted, capsys, [a.replace("{token}", token) for a in args]) == EXIT_USAGE


def test_a_token_in_an_mcpiam_variable_is_not_echoed(planted, capsys, monkeypatch) -> None:
    monkeypatch.setenv("MCPIAM_FAIL_ON", planted["secrets"][0])
    assert run(planted, capsys, ["scan"]) == EXIT_USAGE


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "csv", "markdown"])
def test_merge_gates_names_from_an_older_result(named, capsys, fmt) -> None:
    """Results written before the gate (a token as server name, file path and route) are merged
    and rendered through the gate as well: the path of a credential reused across the two inputs,
    and the name of a server with no package or URL, are shown."""
    token = named["tokens"]["server name"]
    inputs = []
    for host in ("a", "b"):
        older = named["out"] / f"older-{host}.json"
        run(named, capsys, ["scan", "--format", "json", "--output", str(older)])
        data = json.loads(older.read_text(encoding="utf-8"))
        for finding in data["findings"]:
            finding.update(path=f"{token}/mcp.json", route=f"/mcpServers/{token}")
        for config in data["configs"]:
            for server in config["servers"]:
                server.update(server=token, command=None, url=None)
        older.write_text(json.dumps(data), encoding="utf-8")
        named["inputs"].add(older)
        inputs.append(str(older))
    run(named, capsys, ["merge", *inputs, "--format", fmt, "--output", str(named["out"] / f"m.{fmt}")])
    assert_no_file_leaks(named)
