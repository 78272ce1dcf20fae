"""Privacy of the activity reading: no prompt, reply, tool argument or tool result text reaches any
output of any command, in any format, nor a note, a warning or an error; no planted credential does
either (only its redacted preview).

``CANARY`` is written into every text field of every supported format (tests/activity_records.py),
including a malformed line and a partly written last line; the token is pasted into prompts, tool
results and logs. A middle slice of the token is searched too: a preview never shows the middle.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from activity_records import CANARY, build_home
from mcpiam.cli.main import EXIT_INTERNAL, main
from mcpiam.secrets.families import expand_example

EPOCH_2026_10_31 = "1793404800"


@pytest.fixture(scope="module")
def token() -> str:
    return expand_example("ghp_{github_crc:30}")


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory, token: str) -> Path:
    path = tmp_path_factory.mktemp("privacy") / "u"
    path.mkdir()
    build_home(path, token)
    # A policy, so unapproved-server judges the servers seen in use (its messages name calls).
    (path / ".mcpiam.yaml").write_text("approved_servers:\n  - match: {name: github}\n", encoding="utf-8")
    return path


def assert_private(text: str, token: str, where: str) -> None:
    assert CANARY not in text, f"record text reached {where}"
    assert CANARY[:8] not in text, f"a fragment of record text reached {where}"
    assert token not in text and token[6:-6] not in text, f"the planted credential reached {where}"


def run(argv: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> tuple[int, str]:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH_2026_10_31)
    monkeypatch.setenv("NO_COLOR", "1")
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out + captured.err


COMMANDS = [
    ["activity"], ["activity", "-f", "json"], ["activity", "--since", "2026-10-05"],
    ["sweep", "--activity"], ["sweep", "--activity", "-v"], ["sweep", "--activity", "-f", "json"],
    ["sweep", "--activity", "-f", "sarif"], ["sweep", "--activity", "--since", "2026-10-05", "-f", "json"],
    ["sweep", "--activity", "-f", "ndjson"],
    *(["inventory", "--activity", "-f", fmt] for fmt in ("table", "json", "csv", "cyclonedx", "review", "review-md")),
]


@pytest.mark.parametrize("argv", COMMANDS, ids=" ".join)
def test_no_record_text_in_any_output(home: Path, token: str, argv: list[str], capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    code, out = run([*argv, "--home", str(home), "--platform", "linux"], capsys, monkeypatch)
    assert code in (0, 1)
    assert_private(out, token, " ".join(argv))


def test_the_records_were_really_read(home: Path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    _, out = run(["sweep", "--activity", "-v", "-f", "json", "--home", str(home), "--platform", "linux"],
                 capsys, monkeypatch)
    report = json.loads(out)
    rules = {finding["rule_id"] for finding in report["findings"]}
    assert {"credential-in-agent-history", "dormant-server", "unconfigured-server-use", "unapproved-server"} <= rules
    assert {note["code"] for note in report["notes"]} >= {"malformed-record-line", "partial-record-line"}
    hop = [f for f in report["findings"] if "second hop" in f["message"]]
    assert hop and all("approved server 'github'" in f["message"] for f in hop)


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "csv", "markdown"])
def test_no_record_text_in_a_merge_of_activity_sweeps(home: Path, token: str, tmp_path: Path, fmt: str,
                                                      capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    result = tmp_path / "sweep.json"
    run(["sweep", "--activity", "-f", "json", "-o", str(result), "--home", str(home), "--platform", "linux"],
        capsys, monkeypatch)
    assert_private(result.read_text(encoding="utf-8"), token, "the -o file")
    _, out = run(["merge", "-f", fmt, str(result)], capsys, monkeypatch)
    assert_private(out, token, f"merge -f {fmt}")


def test_no_record_text_in_an_ndjson_sweep_nor_in_the_fleet_it_feeds(home: Path, token: str, tmp_path: Path,
                                                                     capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    result, db = tmp_path / "sweep.ndjson", tmp_path / "fleet.duckdb"
    run(["sweep", "--activity", "-f", "ndjson", "-o", str(result), "--home", str(home), "--platform", "linux"],
        capsys, monkeypatch)
    written = result.read_text(encoding="utf-8")
    assert '"type":"activity_tool"' in written and '"type":"activity_server"' in written
    assert_private(written, token, "the NDJSON -o file")
    code, out = run(["fleet", "ingest", str(result), "--db", str(db)], capsys, monkeypatch)
    assert code == 0, out
    for table in ("activity_tools", "activity_servers", "activity_windows"):
        code, out = run(["fleet", "query", "--db", str(db), f"SELECT * FROM {table};"], capsys, monkeypatch)
        assert code == 0 and out.strip(), table
        assert_private(out, token, f"the fleet's {table}")


def test_a_reader_crash_quoting_the_record_prints_neither(home: Path, token: str, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from mcpiam.activity.readers import claude_code

    def explode(lines, context):  # type: ignore[no-untyped-def]
        for line in lines:
            raise ValueError(f"cannot read {line.text}")
        yield from ()

    monkeypatch.setattr(claude_code, "read", explode)
    code, out = run(["activity", "--home", str(home), "--platform", "linux"], capsys, monkeypatch)
    assert code == EXIT_INTERNAL
    assert "internal error: ValueError" in out
    assert_private(out, token, "an internal error")


def test_token_shaped_names_in_records_are_withheld(tmp_path: Path, token: str, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    home = tmp_path / "u"
    (home / ".claude/projects/-p").mkdir(parents=True)
    name = f"mcp__{token}__do"
    (home / ".claude/projects/-p/s.jsonl").write_text(json.dumps(
        {"type": "assistant", "sessionId": "s", "cwd": f"/home/{token}", "timestamp": "2026-10-20T09:00:00Z",
         "message": {"id": "m", "content": [{"type": "tool_use", "id": "t", "name": name, "input": {}}]}}) + "\n",
        encoding="utf-8")
    for argv in (["activity"], ["activity", "-f", "json"], ["sweep", "--activity", "-f", "json"],
                 ["sweep", "--activity", "-f", "sarif"], ["sweep", "--activity", "-f", "ndjson"],
                 ["sweep", "--activity"]):
        code, out = run([*argv, "--home", str(home), "--platform", "linux"], capsys, monkeypatch)
        assert code in (0, 1)
        assert token not in out and token[6:-6] not in out, argv
