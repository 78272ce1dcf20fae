"""``mcpiam activity`` and ``mcpiam sweep --activity``: the usage view in text and JSON, the JSON
contract of the issue (validated against the report schema), --since, and usage errors."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from activity_records import EXPECTED_SERVERS, EXPECTED_TOOLS, build_home
from docs_blocks import check_or_update
from mcpiam.cli.main import main
from mcpiam.secrets.families import expand_example

ROOT = Path(__file__).resolve().parents[1]
EPOCH_2026_10_31 = "1793404800"


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("activity") / "u"
    path.mkdir()
    return build_home(path, expand_example("ghp_{github_crc:30}"))


def run(argv: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> tuple[int, str, str]:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH_2026_10_31)
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def schema() -> dict:
    return json.loads((ROOT / "scanner/mcpiam/report/json-report.schema.json").read_text(encoding="utf-8"))


def test_activity_json_is_the_contract(home: Path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run(["activity", "--home", str(home), "--platform", "linux", "-f", "json"], capsys, monkeypatch)
    assert code == 0
    activity = json.loads(out)["activity"]
    full = schema()
    jsonschema.validate(activity, {**full["$defs"]["activity"], "$defs": full["$defs"]})
    assert activity["window"] == {"from": "2026-10-01T10:00:02Z", "to": "2026-10-31T00:00:00Z"}
    tools = {(t["client"], t["server"], t["tool"]): (t["calls"], t["projects"], t["sessions"], t["outcomes"])
             for t in activity["tools"]}
    assert tools == EXPECTED_TOOLS
    servers = {(s["client"], s["server"]): (s["status"], s["calls"], s["config_file"]) for s in activity["servers"]}
    assert servers == EXPECTED_SERVERS
    github = next(t for t in activity["tools"] if t["tool"] == "create_pull_request")
    assert (github["first_seen"], github["last_seen"]) == ("2026-10-20T09:00:01Z", "2026-10-21T10:00:00Z")


def test_activity_text_is_the_usage_view(home: Path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    code, out, err = run(["activity", "--home", str(home), "--platform", "linux"], capsys, monkeypatch)
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "Activity from 2026-10-01T10:00:02Z to 2026-10-31T00:00:00Z: 16 servers, 24 MCP tool calls"
    assert lines[2].split() == ["CLIENT", "SERVER", "STATUS", "CALLS", "30", "D", "LAST", "SEEN", "CONFIG"]
    rows = {tuple(line.split()[:4]) for line in lines[3:]}
    assert ("claude-code", "slack", "dormant", "0") in rows
    assert ("codex", "removed_srv", "unknown", "1") in rows
    assert ("claude-code", "github", "create_pull_request", "2") in rows
    # The malformed line is said by path and line on standard error, never by its content.
    assert "sess-1.jsonl:14: not a JSON record; skipped" in err


def test_sweep_activity_adds_the_object_to_a_valid_report(home: Path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run(["sweep", "--home", str(home), "--platform", "linux", "--hostname", "h", "--activity",
                        "-f", "json"], capsys, monkeypatch)
    assert code in (0, 1)
    report = json.loads(out)
    jsonschema.validate(report, schema())
    assert {(s["client"], s["server"]) for s in report["activity"]["servers"]} == set(EXPECTED_SERVERS)


def test_sweep_without_activity_has_no_activity_object(home: Path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run(["sweep", "--home", str(home), "--platform", "linux", "-f", "json"], capsys, monkeypatch)
    assert "activity" not in json.loads(out)
    assert not any(f["rule_id"] in ("dormant-server", "unconfigured-server-use", "credential-in-agent-history")
                   for f in json.loads(out)["findings"])


def test_since_sets_the_window(home: Path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run(["activity", "--home", str(home), "--platform", "linux", "--since", "2026-10-20",
                        "-f", "json"], capsys, monkeypatch)
    window = json.loads(out)["activity"]["window"]
    assert window == {"from": "2026-10-20T00:00:00Z", "to": "2026-10-31T00:00:00Z"}


@pytest.mark.parametrize("argv", [["sweep", "--since", "2026-10-20"], ["activity", "--since", "yesterday"]])
def test_usage_errors_exit_2(argv: list[str], capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    code, _, err = run(argv, capsys, monkeypatch)
    assert code == 2
    assert "since" in err


def test_an_empty_home_says_so(tmp_path: Path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = run(["activity", "--home", str(tmp_path), "--platform", "linux"], capsys, monkeypatch)
    assert code == 0
    assert out.splitlines()[1] == "No activity record with an MCP tool call was found."


def test_the_readme_shows_the_usage_view_as_given(home: Path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """README's usage-view block: the servers part of ``mcpiam activity`` on the generated home,
    exactly as printed (``UPDATE=1`` rewrites it)."""
    code, out, _ = run(["activity", "--home", str(home), "--platform", "linux"], capsys, monkeypatch)
    servers = out.split("\n\n")[:2]
    assert code == 0 and servers[1].splitlines()[0].startswith("CLIENT")
    check_or_update(ROOT / "README.md", "usage-view", "```console\n$ mcpiam activity\n" + "\n\n".join(servers) + "\n```\n")
