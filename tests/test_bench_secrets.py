"""The secrets benchmark still runs: both tools score on a tiny corpus (no timing asserted)."""

from __future__ import annotations

from pathlib import Path

from mcpiam.secrets.families import load_families
from bench_loading import load_bench_module

BENCH = Path(__file__).resolve().parents[1] / "bench" / "secrets_vs_detect_secrets.py"


def load_bench():
    return load_bench_module("secrets_vs_detect_secrets")


def test_the_benchmark_scores_both_tools_on_a_tiny_corpus(tmp_path: Path) -> None:
    bench = load_bench()
    families = [f for f in load_families() if f.id in ("github-classic-pat", "stripe-secret-key")]
    corpus, rows = bench.compare(tmp_path, runs=1, families=families)
    assert [row.tool for row in rows] == ["mcpiam", "detect-secrets"]
    assert len(corpus.plants) > 20
    for row in rows:
        assert row.planted == len(corpus.plants)
        assert 0 <= row.found <= row.planted
        assert row.median_seconds > 0
    mcpiam, detect_secrets = rows
    assert mcpiam.found == mcpiam.exact == mcpiam.planted
    assert mcpiam.false_positives == 0
    assert detect_secrets.exact is None  # it reports lines only
    assert detect_secrets.found > 0  # its CLI ran and was parsed
    table = bench.table(rows, "tiny corpus")
    assert "mcpiam" in table and "detect-secrets" in table
