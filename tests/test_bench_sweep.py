"""The sweep benchmark's core runs on a tiny home: it builds what it says and the sweep finds it
all (no timing is asserted)."""

from __future__ import annotations

from pathlib import Path
from bench_loading import load_bench_module

ROOT = Path(__file__).resolve().parents[1]


def load_bench():
    return load_bench_module("sweep_large_home")


def test_bench_core_on_a_tiny_home(tmp_path: Path, capsys) -> None:
    bench = load_bench()
    large = bench.build_large_home(tmp_path, "linux", configs=120, unrelated=200)
    assert large.unrelated == 200
    files = [p for p in tmp_path.rglob("*") if p.is_file()]  # the home and the managed files
    assert len(files) == 200 + 120  # every config location plus extra profiles/plugins, and the noise
    rows = bench.measure(large, "linux", runs=1)
    assert [(stage, found) for stage, found, _ in rows] == [("discovery", 120), ("sweep (all rules)", large.configs)]
    assert large.configs == 119  # crushrc is catalogued but not parsed (Bash)
    assert bench.main(["--configs", "100", "--unrelated", "50", "--runs", "1"]) == 0
    assert "sweep (all rules)" in capsys.readouterr().out


def test_many_homes_are_swept_and_reported_per_home(tmp_path: Path) -> None:
    bench = load_bench()
    homes = bench.build_homes(tmp_path, 4, unrelated=5)
    rows = bench.measure_homes(homes, runs=1)
    assert [row.homes for row in rows] == [1, 4]
    assert rows[1].configs_found == 4 * rows[0].configs_found > 0  # every home's configs, alike
    assert "| 4 |" in bench.homes_table(rows, 1)
