"""File and folder names that are not UTF-8 (``mkdir $'\\xff'``) never stop scan, sweep or baseline
create: the name is carried as ``os.fsdecode`` gives it, shown as ``\\xff`` in every format, hashed as
its bytes, and the scan goes on. Names are arbitrary bytes, drawn by hypothesis."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import jsonschema
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from mcpiam.cli.main import main
from mcpiam.core.findings import Finding, Location, Severity
from mcpiam.core.document import Span
from mcpiam.core.redact import shown

SCHEMA = json.loads((Path(__file__).parent.parent / "testdata" / "sarif-schema-2.1.0.json").read_text("utf-8"))
CONFIG = json.dumps({"mcpServers": {"files": {"command": "npx", "args": ["-y", "pkg@1.0.0"]}}})

# One path component: any bytes but "/" and NUL, not "." or "..", within the usual 255-byte limit.
names = st.binary(min_size=1, max_size=40).filter(lambda b: b"/" not in b and b"\0" not in b
                                                  and b not in (b".", b".."))


def run(capsys: pytest.CaptureFixture[str], args: list[str]) -> tuple[int, str]:
    code = main(args)
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err and "internal error" not in captured.err, captured.err
    (captured.out + captured.err).encode("utf-8")  # valid UTF-8: no lone surrogate reaches output
    return code, captured.out


def build(base: Path, folder: bytes, file: bytes) -> tuple[Path, Path]:
    """A repository with a config under an odd folder and one with an odd file name, and a home
    whose VS Code profile folder has the odd name."""
    repo, home = base / "repo", base / "home"
    odd_folder = Path(os.fsdecode(os.fsencode(repo) + b"/" + folder))
    odd_folder.mkdir(parents=True)
    (odd_folder / ".mcp.json").write_text(CONFIG, encoding="utf-8")
    (Path(os.fsdecode(os.fsencode(repo) + b"/" + file + b".mcp.json"))).write_text(CONFIG, encoding="utf-8")
    continue_folder = repo / ".continue" / "mcpServers"  # found by the walk, whatever the file's name
    continue_folder.mkdir(parents=True)
    Path(os.fsdecode(os.fsencode(continue_folder) + b"/" + file + b".yaml")).write_text(
        "name: t\nversion: 0.0.1\nschema: v1\nmcpServers:\n  - name: files\n    command: npx\n"
        "    args: [-y, pkg@1.0.0]\n", encoding="utf-8")
    profile = Path(os.fsdecode(os.fsencode(home) + b"/.config/Code/User/profiles/" + folder))
    profile.mkdir(parents=True)
    (profile / "mcp.json").write_text(json.dumps({"servers": {"files": {"command": "npx",
                                                                        "args": ["-y", "pkg@1.0.0"]}}}))
    return repo, home


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(folder=names, file=names)
@example(folder=b"\xff", file=b"\xfe\x80")
@example(folder=b"\xed\xa0\x80", file=b"\x1b[31m")  # an encoded surrogate; a terminal escape
def test_scan_sweep_and_baseline_go_on_past_byte_names(capsys, monkeypatch, folder, file) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    with tempfile.TemporaryDirectory() as temporary:
        repo, home = build(Path(temporary), folder, file)
        explicit = str(Path(os.fsdecode(os.fsencode(repo) + b"/" + file + b".mcp.json")))
        code, text = run(capsys, ["scan", str(repo), explicit])
        assert code in (0, 1) and "3 servers have no owner" in text  # no policy: one summary line
        fingerprints = []
        for _ in range(2):
            code, out = run(capsys, ["scan", "--format", "json", "--select", "missing-owner", str(repo), explicit])
            report = json.loads(out)
            assert len({f["path"] for f in report["findings"]}) == 3, "every odd config was scanned"
            fingerprints.append(sorted(f["fingerprint"] for f in report["findings"]))
        assert fingerprints[0] == fingerprints[1]
        code, out = run(capsys, ["scan", "--format", "sarif", str(repo), explicit])
        jsonschema.Draft4Validator(SCHEMA).validate(json.loads(out))
        for fmt in ("text", "json", "sarif"):
            code, out = run(capsys, ["sweep", "--home", str(home), "--platform", "linux", "--hostname", "h",
                                     "--format", fmt])
            assert code in (0, 1) and "1 server has no owner" in out
            if fmt != "text":
                json.loads(out)
        baseline = Path(temporary) / "baseline.json"
        written = []
        for _ in range(2):
            code, _ = run(capsys, ["baseline", "create", "--force", "--baseline", str(baseline), str(repo)])
            assert code == 0
            written.append(baseline.read_bytes())
        assert written[0] == written[1], "the same names give the same baseline"
        assert json.loads(written[0].decode("utf-8"))["findings"], "the odd folder's config was recorded"


def test_an_undecodable_byte_is_shown_as_its_escape() -> None:
    name = os.fsdecode(b"caf\xe9/\xff.json")
    assert shown(name) == "caf\\xe9/\\xff.json"
    assert shown("\ud800") == "\\ud800"  # a lone surrogate from a JSON escape, not a file-name byte


def test_the_fingerprint_hashes_the_name_as_its_bytes() -> None:
    def finding(path: str) -> Finding:
        return Finding("missing-owner", Severity.MEDIUM, "m", Location(path, Span.point(1, 1), ("a",)))

    latin, undecodable = finding("caf\u00ff/.mcp.json"), finding(os.fsdecode(b"caf\xff/.mcp.json"))
    assert len(undecodable.fingerprint) == 32
    assert undecodable.fingerprint != latin.fingerprint  # different bytes on disk, different identity
    assert undecodable.fingerprint == finding(os.fsdecode(b"caf\xff/.mcp.json")).fingerprint


def test_the_fingerprint_is_kept_once_made_and_takes_no_part_in_identity() -> None:
    """``Finding.fingerprint`` is computed once per finding (sorting, triage and reports ask again);
    a changed copy computes its own; equality, hash and repr do not see the memo."""
    from mcpiam.core.valuetype import replace

    first = Finding("missing-owner", Severity.MEDIUM, "m", Location("a/.mcp.json", Span.point(1, 1), ("a",)))
    twin = Finding("missing-owner", Severity.MEDIUM, "m", Location("a/.mcp.json", Span.point(1, 1), ("a",)))
    made = first.fingerprint
    assert first.fingerprint is made and first.fingerprint_memo == made and twin.fingerprint_memo == ""
    assert first == twin and hash(first) == hash(twin) and repr(first) == repr(twin)
    moved = replace(first, location=Location("b/.mcp.json", Span.point(1, 1), ("a",)))
    assert moved.fingerprint_memo == "" and moved.fingerprint != made and twin.fingerprint == made

def test_a_baseline_entry_of_an_odd_name_goes_stale_like_any_other(tmp_path, capsys, monkeypatch) -> None:
    """Entry paths are written escaped; the scanned paths are compared escaped too."""
    repo, _ = build(tmp_path, b"\xff", b"x")
    baseline = tmp_path / "baseline.json"
    assert main(["baseline", "create", "--baseline", str(baseline), str(repo)]) == 0
    odd = Path(os.fsdecode(os.fsencode(repo) + b"/\xff/.mcp.json"))
    odd.write_text(CONFIG.replace('"files"', '"renamed"'), encoding="utf-8")
    capsys.readouterr()
    assert main(["baseline", "update", "--baseline", str(baseline), str(repo)]) == 0
    assert ": 1 added, 1 stale removed," in capsys.readouterr().out


def test_a_lone_surrogate_in_a_route_still_fingerprints() -> None:
    finding = Finding("missing-owner", Severity.MEDIUM, "m", Location("a.json", Span.point(1, 1), ("\ud800",)))
    assert len(finding.fingerprint) == 32


def test_a_fingerprint_key_that_is_not_utf8_is_a_key_like_any_other(tmp_path, capsys, monkeypatch) -> None:
    (tmp_path / ".mcp.json").write_text(CONFIG, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    code, out = run(capsys, ["scan", "--format", "json", "--select", "missing-owner", "--fingerprint-key",
                             os.fsdecode(b"key-\xff")])
    assert code in (0, 1) and json.loads(out)["findings"]
