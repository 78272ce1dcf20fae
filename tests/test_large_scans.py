"""A scan of many files keeps each file's config and findings packed as soon as the file is judged
(``mcpiam.engine.packed``) and writes its JSON report item by item: every report is byte for byte
what the same scan gives with everything in memory, and what it keeps per config is a small
fraction of the parsed model.
"""

from __future__ import annotations

import gc
import json
import pickle
import zlib
import tracemalloc
from pathlib import Path

import pytest

import mcpiam.engine.scan as engine_scan
from mcpiam.cli.main import main
from mcpiam.engine.packed import Packed, Packer
from mcpiam.engine.scan import ScanSettings, scan_paths
from mcpiam.report.json_report import render, render_chunks
from test_pool import build

REPORTS = (["scan", "--format", "json"], ["scan", "--format", "sarif"], ["scan", "--format", "text", "-v"],
           ["inventory", "--format", "json"])


def reports(root: Path, capsys: pytest.CaptureFixture[str], threshold: int, monkeypatch) -> list[tuple[int, str]]:
    monkeypatch.setattr(engine_scan, "PACK_THRESHOLD", threshold)
    out = []
    for args in REPORTS:
        code = main([*args, "--jobs", "1", str(root)] if args[0] == "scan" else [*args, str(root)])
        captured = capsys.readouterr()
        assert "internal error" not in captured.err, captured.err
        out.append((code, captured.out))
    return out


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("large"))


def test_packed_scans_report_exactly_what_scans_in_memory_report(tree: Path, capsys, monkeypatch) -> None:
    in_memory = reports(tree, capsys, 10**9, monkeypatch)
    packed = reports(tree, capsys, 1, monkeypatch)
    assert [code for code, _ in packed] == [code for code, _ in in_memory]
    for args, (_, expected), (_, got) in zip(REPORTS, in_memory, packed):
        assert got == expected, args
    assert json.loads(packed[0][1])["summary"]["findings"] > 1000
    # read in each file's stage, though a packed scan keeps no unexpanded reference
    assert '"rule_id": "unexpanded-reference"' in packed[0][1]


def test_a_large_scan_result_is_packed_and_reads_like_a_tuple(tree: Path, monkeypatch) -> None:
    monkeypatch.setattr(engine_scan, "PACK_THRESHOLD", 10**9)
    plain = scan_paths([tree], ScanSettings(jobs=1), root=tree)
    monkeypatch.setattr(engine_scan, "PACK_THRESHOLD", 1)
    packed = scan_paths([tree], ScanSettings(jobs=1), root=tree)
    assert isinstance(packed.findings, Packed) and isinstance(packed.configs, Packed)
    assert isinstance(plain.findings, tuple)
    assert packed.findings == plain.findings and packed.configs == plain.configs
    assert len(packed.findings) == len(plain.findings)
    assert packed.findings[0] == plain.findings[0] and packed.findings[-1] == plain.findings[-1]
    assert packed.findings[10:20] == plain.findings[10:20]
    assert len(packed.failing) == len(plain.failing) and bool(packed.failing)
    assert tuple(packed.failing) == plain.failing
    assert packed.triage == plain.triage and packed.notes == plain.notes
    with pytest.raises(IndexError):
        packed.findings[len(plain.findings)]


def test_the_streamed_json_report_is_the_rendered_one(tree: Path, monkeypatch) -> None:
    monkeypatch.setattr(engine_scan, "PACK_THRESHOLD", 1)
    result = scan_paths([tree], ScanSettings(jobs=1), root=tree)
    pieces = list(render_chunks(result))
    assert len(pieces) > len(result.findings)  # one piece per finding at least: never the whole report
    assert "".join(pieces) == render(result)


def test_a_baseline_or_an_allow_list_keeps_the_scan_in_memory(tree: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(engine_scan, "PACK_THRESHOLD", 1)
    policy = tmp_path / "policy.yaml"
    policy.write_text("version: 1\nallowlist:\n  - fingerprint: " + "0123456789abcdef" * 2 + "\n    reason: accepted\n", encoding="utf-8")
    result = scan_paths([tree], ScanSettings(jobs=1, policy_path=policy), root=tree)
    assert isinstance(result.findings, tuple) and len(result.findings) > 1000


def test_packed_chunks_share_one_dictionary() -> None:
    packer = Packer()
    items = [{"message": f"server {n} is unpinned: pin a version", "line": n, "padding": "x" * (n % 7)}
             for n in range(4000)]
    chunks = [packer.pack(items[n:n + 4]) for n in range(0, 4000, 4)]
    first = [chunk for chunk in chunks if chunk[:1] == b"\x80"]  # kept pickled, to make the dictionary
    assert 0 < len(first) < 400 and chunks[:len(first)] == first
    alone = zlib.compress(pickle.dumps(tuple(items[-4:]), protocol=pickle.HIGHEST_PROTOCOL), 6)
    assert len(chunks[-1]) < len(alone) / 2  # the first chunks are the dictionary of the others
    assert list(Packed(packer, chunks, [4] * 1000)) == items
    assert list(Packed(packer, chunks, [4] * 1000, [999, 0]).in_report_order() or ()) == items[3996:] + items[:4]
    assert Packed(packer, chunks, [4] * 1000)[3999] == items[3999]


def _kept(root: Path, threshold: int, monkeypatch) -> tuple[int, int]:
    """Bytes a scan's result holds on to, and its number of configs."""
    monkeypatch.setattr(engine_scan, "PACK_THRESHOLD", threshold)
    scan_paths([root], ScanSettings(jobs=1), root=root)  # caches warmed
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        result = scan_paths([root], ScanSettings(jobs=1), root=root)
        gc.collect()
        kept = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    return kept, len(result.configs)


def _kept_per_config(small: Path, large: Path, threshold: int, monkeypatch) -> float:
    """What each config adds to what a result holds: the difference between two trees' results
    (a scan also keeps what is not per config: the token families a cache holds)."""
    kept_small, configs_small = _kept(small, threshold, monkeypatch)
    kept_large, configs_large = _kept(large, threshold, monkeypatch)
    return (kept_large - kept_small) / (configs_large - configs_small)


def test_a_packed_result_keeps_a_fraction_of_the_model(tmp_path: Path, monkeypatch) -> None:
    from test_memory_bounds import build as build_configs

    build_configs(tmp_path / "small", 0, configs=100)
    build_configs(tmp_path / "large", 0, configs=300)
    in_memory = _kept_per_config(tmp_path / "small", tmp_path / "large", 10**9, monkeypatch)
    packed = _kept_per_config(tmp_path / "small", tmp_path / "large", 1, monkeypatch)
    assert packed < in_memory / 3, (packed, in_memory)
    assert packed < 640, packed  # measured 456 B (748 B with the first chunk as the only dictionary)


def test_an_env_file_read_last_is_reported_in_its_place(tmp_path: Path, capsys, monkeypatch) -> None:
    """A file an envFile names is read after every config, so a packed scan's configs then arrive
    out of report order: the reports still list them where an in-memory scan does."""
    from mcpiam.secrets.families import expand_example

    token = expand_example("ghp_{github_crc:30}")
    for n in range(6):
        app = tmp_path / "apps" / f"app-{n}" / ".vscode"
        app.mkdir(parents=True)
        servers = {"gh": {"command": "npx", "args": ["-y", "github-mcp"]}}
        if n == 3:
            servers["gh"]["envFile"] = "${workspaceFolder}/../../a.env"
        app.joinpath("mcp.json").write_text(json.dumps({"servers": servers}), encoding="utf-8")
    (tmp_path / "a.env").write_text(f"GITHUB_TOKEN={token}\n", encoding="utf-8")
    in_memory = reports(tmp_path, capsys, 10**9, monkeypatch)
    packed = reports(tmp_path, capsys, 1, monkeypatch)
    assert packed == in_memory
    configs = [config["path"] for config in json.loads(packed[0][1])["configs"]]
    assert configs == sorted(configs) and any(path.endswith("a.env") for path in configs)


def test_only_the_unexpanded_reference_rule_reads_what_a_packed_scan_drops() -> None:
    """A packed scan keeps the unexpanded references only when that rule runs in the parent: a
    new reader of ``ScanInput.unexpanded_references`` must be known to ``_judged_packed`` too."""
    checks = Path(engine_scan.__file__).parents[1] / "checks"
    readers = sorted(path.stem for path in checks.rglob("*.py")
                     if ".unexpanded_references" in path.read_text(encoding="utf-8"))
    assert readers == ["unexpanded_reference"]
