"""The fleet benchmark on a tiny fleet: its generator makes the fleet it describes, ours and the
reference find the same reuse groups (the bench asserts it), and the re-ingest case runs (no
timing is asserted)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_fleet_bench_runs_on_a_tiny_fleet(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "fleet.py"), "--hosts", "40", "--runs", "1",
                           "--incremental", "5", "--work", str(tmp_path)],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    # 40 hosts: 3 org-wide credentials and 4 per team of 20 (2 teams) are held by several accounts.
    assert "reuse groups identical: 11 (3 org-wide, 4 a team of 20)" in done.stdout
    assert "into the 40-host database" in done.stdout and "into an empty database" in done.stdout
    assert len(list((tmp_path / "fleet-40").glob("*.json"))) == 40
    assert len(list((tmp_path / "changed-5").glob("*.json"))) == 5
