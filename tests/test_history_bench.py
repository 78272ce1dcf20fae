"""The history benchmark still runs (README's command): a tiny generated history, every planted
token found by ``scan --history``, peers taken from ``--peer-bin`` in turns. No timing is asserted.
It needs ``git`` (the generator writes with ``git fast-import``; mcpiam reads in-process)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
from bench_loading import load_bench_module

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="the generator writes with git fast-import")


def _bench():
    return load_bench_module("history_scan")


def test_the_history_bench_finds_every_planted_token_beside_stand_in_peers(tmp_path, monkeypatch, capsys) -> None:
    peers = tmp_path / "peers"
    peers.mkdir()
    for name in ("gitleaks", "kingfisher"):  # stand-ins that find nothing: the table still has their rows
        stand_in = peers / name
        stand_in.write_text("#!/bin/sh\nexit 0\n", encoding="utf-8")
        stand_in.chmod(0o755)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setattr(sys, "argv", ["history_scan.py", "--commits", "40", "--files", "80", "--configs", "6",
                                      "--tokens", "5", "--runs", "1", "--peer-bin", str(peers)])
    assert _bench().main() == 0
    table = capsys.readouterr().out
    assert "generated 40 commits, 80 files, 6 configs, 5 tokens planted then removed" in table
    rows = {line.split("|")[1].strip(): line.split("|")[-2].strip() for line in table.splitlines()
            if line.startswith("| ") and not line.startswith("| tool")}
    assert rows == {"mcpiam scan --history": "5/5", "gitleaks git": "0/5", "kingfisher --git-history full": "0/5"}
