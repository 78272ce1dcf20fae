"""Hostile input through the whole pipeline (discover, parse, model, every rule, every report):
mutated fixtures, deep nesting and huge strings never raise, and every file that fails to parse
is reported as a config-parse-error at a position inside the file."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mcpiam.engine.scan import ScanSettings, scan_paths
from mcpiam.report import InventoryFormat, OutputFormat, render, render_inventory

ROOT = Path(__file__).resolve().parents[1]
FIXTURE_FILES = sorted(
    path for base in (ROOT / "testdata" / "rules", ROOT / "testdata" / "clients")
    for path in base.rglob("*") if path.is_file() and not path.name.endswith((".expected", ".modes"))
    and path.name not in ("expected.json", ".mcpiam.yaml")  # a broken policy is a usage error,
)  # fuzzed in tests/test_policy.py


def fixture_relative(path: Path) -> str:
    parts = path.relative_to(ROOT / "testdata").parts
    # testdata/rules/<rule>/<bad|good>/<repo path>, testdata/clients/<client>/<repo path>
    return "/".join(parts[3:] if parts[0] == "rules" else parts[2:])


def run_everything(root: Path) -> None:
    result = scan_paths([root], ScanSettings(), root=root)
    for fmt in OutputFormat:
        render(result, fmt, color=False, verbose=True)
    for fmt in InventoryFormat:
        render_inventory(result.configs, fmt)
    failed = {c.path for c in result.configs if c.document.errors}
    reported = {f.location.path for f in result.findings if f.rule_id == "config-parse-error"}
    assert failed <= reported, f"parse errors without a finding: {failed - reported}"
    for finding in result.findings:
        span = finding.location.span
        assert span.start_line >= 1 and span.start_column >= 1, finding


def mutate(data: bytes, chooser: random.Random, edits: int) -> bytes:
    buffer = bytearray(data)
    for _ in range(edits):
        action = chooser.choice(("insert", "delete", "replace", "duplicate"))
        position = chooser.randrange(len(buffer) + 1) if buffer else 0
        if action == "insert" or not buffer:
            buffer[position:position] = chooser.choice(
                [b"{", b"}", b"[", b"]", b'"', b",", b":", b"\n", b"\x00", b"\xff", b"#", b"- ",
                 b"&a", b"*a", b"<<: *a", b"${", b"\\u", b"\xe2\x80\xae", b"\t", b"'''"])
        elif action == "delete":
            end = min(len(buffer), position + chooser.randint(1, 8))
            del buffer[position:end]
        elif action == "replace" and position < len(buffer):
            buffer[position] = chooser.randrange(256)
        else:
            end = min(len(buffer), position + chooser.randint(1, 40))
            buffer[position:position] = buffer[position:end]
    return bytes(buffer)


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(index=st.integers(min_value=0, max_value=max(len(FIXTURE_FILES) - 1, 0)),
       seed=st.integers(min_value=0, max_value=2**32), edits=st.integers(min_value=1, max_value=12))
def test_mutated_fixtures_never_break_the_pipeline(tmp_path_factory, index: int, seed: int,
                                                   edits: int) -> None:
    source = FIXTURE_FILES[index]
    root = tmp_path_factory.mktemp("mutant")
    target = root / fixture_relative(source)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(mutate(source.read_bytes(), random.Random(seed), edits))
    run_everything(root)


def test_there_are_fixtures_to_mutate() -> None:
    assert len(FIXTURE_FILES) > 40


@pytest.mark.parametrize("name, text", [
    (".cursor/mcp.json", '{"mcpServers": ' + "[" * 50_000 + "]" * 50_000 + "}"),
    (".cursor/mcp.json", '{"mcpServers": {"a": ' + '{"x": ' * 20_000 + "1" + "}" * 20_000 + "}}"),
    (".continue/mcpServers/deep.yaml", "mcpServers:\n" + "".join("  " * i + "- \n" for i in range(3_000))),
    (".codex/config.toml", "[mcp_servers.a]\nargs = " + "[" * 20_000 + "]" * 20_000 + "\n"),
    (".cursor/mcp.json", json.dumps({"mcpServers": {"a": {"command": "x", "env": {"K": "A" * 1_500_000}}}})),
    (".cursor/mcp.json", json.dumps({"mcpServers": {f"s{i}": {"command": "npx", "args": ["-y", f"p{i}"],
                                                              "env": {"TOKEN": "x" * 60}} for i in range(5_000)}})),
])
def test_deep_nesting_and_huge_values(tmp_path: Path, name: str, text: str) -> None:
    target = tmp_path / name
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    run_everything(tmp_path)
