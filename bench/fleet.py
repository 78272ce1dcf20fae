"""Benchmark: a fleet of sweeps ingested into the fleet database and reported, beside the plain
DuckDB reference (``read_json`` + ``GROUP BY``, which computes only the credential reuse groups).

The synthetic fleet (issue 17): one real sweep (mcpiam's own, of a generated home with 7 config
files and 17 credentials) copied to N hosts, its credentials renamed per host so that 3 are
organisation-wide, 4 are shared by each team of 20 hosts, and 10 are the host's own. Both tools
read the same files; the reuse groups they find are checked identical.

Each measured run is a child process (CPU user+sys and peak RSS from ``wait4``, wall clock); ours
and the reference alternate in one loop and the medians are printed:

    python bench/fleet.py                       # 1,000 and 10,000 hosts, 3 runs each
    python bench/fleet.py --hosts 1000 --runs 5
    python bench/fleet.py --hosts 100000 --runs 1   # ~10 GB of sweeps under --work
    python bench/fleet.py --hosts 10000 --incremental 1000   # re-ingest 1,000 changed sweeps

``--incremental K`` also re-ingests K changed sweeps (newer, one credential rotated) into a copy
of the N-host database, beside an ingest of K hosts into an empty one.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "scanner")]

from mcpiam.checks.base import ScanOptions  # noqa: E402
from mcpiam.discover.homes import Home, SweepPlan  # noqa: E402
from mcpiam.engine.scan import ScanSettings  # noqa: E402
from mcpiam.engine.sweep import run_sweep  # noqa: E402
from mcpiam.report.sweep import render_sweep  # noqa: E402
from mcpiam.secrets.families import expand_example_with_span  # noqa: E402

ORG_TOKENS, TEAM_TOKENS, OWN_TOKENS, TEAM_SIZE = 3, 4, 10, 20
TOKENS = ORG_TOKENS + TEAM_TOKENS + OWN_TOKENS
KEY = b"bench-organisation-key"
SWEPT_AT = datetime(2026, 11, 2, 9, 0, tzinfo=timezone.utc)
RESWEPT_AT = datetime(2026, 11, 9, 9, 0, tzinfo=timezone.utc)
TEMPLATE_HOST, TEMPLATE_USER = "template-host-0000", "template-user-0000"

# The 7 config files of the template home: (path, root key, servers).
CONFIGS = (
    (".cursor/mcp.json", "mcpServers", 3),
    (".claude.json", "mcpServers", 3),
    (".config/Code/User/mcp.json", "servers", 3),
    (".codeium/windsurf/mcp_config.json", "mcpServers", 2),
    (".kiro/settings/mcp.json", "mcpServers", 2),
    (".gemini/settings.json", "mcpServers", 2),
    (".codex/config.toml", "mcp_servers", 2),
)
PACKAGES = ("@modelcontextprotocol/server-github", "@acme/jira-mcp", "@acme/warehouse-mcp", "mcp-server-time")


def token(slot: int) -> str:
    return expand_example_with_span("ghp_{github_crc:30}", f"bench-slot-{slot}")[0]


def build_template_home(home: Path) -> None:
    """7 configs, 17 servers, one credential each: slot i is the i-th server."""
    slot = 0
    for path, root_key, count in CONFIGS:
        servers = {}
        for index in range(count):
            servers[f"srv{slot}"] = {"command": "npx", "args": ["-y", PACKAGES[slot % len(PACKAGES)]],
                                     "env": {"GITHUB_PERSONAL_ACCESS_TOKEN": token(slot)}}
            slot += 1
        target = home / path
        target.parent.mkdir(parents=True, exist_ok=True)
        if path.endswith(".toml"):
            lines = []
            for name, server in servers.items():
                lines += [f"[mcp_servers.{name}]", 'command = "npx"', f'args = {json.dumps(server["args"])}',
                          f"[mcp_servers.{name}.env]",
                          f'GITHUB_PERSONAL_ACCESS_TOKEN = "{server["env"]["GITHUB_PERSONAL_ACCESS_TOKEN"]}"']
            target.write_text("\n".join(lines) + "\n", encoding="utf-8")
        else:
            target.write_text(json.dumps({root_key: servers}, indent=2), encoding="utf-8")
        target.chmod(0o600)
    assert slot == TOKENS, slot


def template_sweep(work: Path, when: datetime) -> str:
    """The template's JSON sweep, with its host, user and credential fingerprints as placeholders."""
    home = work / "template" / TEMPLATE_USER
    if not home.exists():
        build_template_home(home)
    settings = ScanSettings(options=ScanOptions(fingerprint_key=KEY))
    result = run_sweep(SweepPlan("linux", (Home(home, TEMPLATE_USER),)), settings, hostname=TEMPLATE_HOST, now=when)
    text = render_sweep(result, "json")
    data = json.loads(text)
    assert data["summary"]["configs"] == len(CONFIGS), data["summary"]["configs"]
    fingerprints = sorted({f["properties"]["fingerprint"] for f in data["findings"]
                           if f["properties"].get("fingerprint")})
    assert len(fingerprints) == TOKENS, len(fingerprints)
    # Slots by the server the credential is configured on (srvN).
    by_slot = {}
    for finding in data["findings"]:
        fingerprint = finding["properties"].get("fingerprint")
        if fingerprint and finding["server"]:
            by_slot[int(finding["server"][3:])] = fingerprint
    for slot, fingerprint in by_slot.items():
        text = text.replace(fingerprint, f"@@SLOT{slot:02d}@@")
    return text.replace(TEMPLATE_HOST, "@@HOST@@").replace(TEMPLATE_USER, "@@USER@@")


def fingerprint(*parts: object) -> str:
    return hashlib.sha256("/".join(map(str, parts)).encode()).hexdigest()


def host_text(template: str, host: int, rotated: bool = False) -> str:
    text = template.replace("@@HOST@@", f"host-{host:06d}").replace("@@USER@@", f"user-{host:06d}")
    team = host // TEAM_SIZE
    for slot in range(TOKENS):
        if slot < ORG_TOKENS:
            value = fingerprint("org", slot)
        elif slot < ORG_TOKENS + TEAM_TOKENS:
            value = fingerprint("team", team, slot)
        else:
            value = fingerprint("own", host, slot, "rotated" if rotated and slot == TOKENS - 1 else "")
        text = text.replace(f"@@SLOT{slot:02d}@@", value)
    return text


def write_fleet(work: Path, hosts: int) -> Path:
    """N sweeps under work/fleet-N (reused when present) and a list of their paths."""
    folder = work / f"fleet-{hosts}"
    listing = work / f"fleet-{hosts}.list"
    if listing.exists():
        return listing
    template = template_sweep(work, SWEPT_AT)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for host in range(hosts):
        path = folder / f"host-{host:06d}.json"
        path.write_text(host_text(template, host), encoding="utf-8")
        paths.append(str(path))
    listing.write_text("\n".join(paths) + "\n", encoding="utf-8")
    return listing


def write_changed(work: Path, count: int) -> Path:
    """``count`` newer sweeps of the first hosts, each with one credential rotated."""
    folder = work / f"changed-{count}"
    listing = work / f"changed-{count}.list"
    if listing.exists():
        return listing
    template = template_sweep(work, RESWEPT_AT)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for host in range(count):
        path = folder / f"host-{host:06d}.json"
        path.write_text(host_text(template, host, rotated=True), encoding="utf-8")
        paths.append(str(path))
    listing.write_text("\n".join(paths) + "\n", encoding="utf-8")
    return listing


# --- measuring -------------------------------------------------------------------------------------


@dataclass
class Run:
    cpu: float  # user + sys seconds of the children
    wall: float
    rss_mib: float  # the largest child's peak


def measure(commands: list[list[str]]) -> Run:
    cpu = 0.0
    rss = 0
    start = time.perf_counter()
    for command in commands:
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        error = process.stderr.read().decode(errors="replace") if process.stderr else ""
        if process.returncode not in (0, 1):
            raise SystemExit(f"{command[:4]} failed ({process.returncode}): {error[-2000:]}")
        cpu += usage.ru_utime + usage.ru_stime
        rss = max(rss, usage.ru_maxrss)
    return Run(cpu, time.perf_counter() - start, rss / 1024)


REFERENCE = """
import duckdb, json, sys
files = [line for line in open(sys.argv[1]).read().splitlines() if line]
rows = duckdb.sql('''
    WITH uses AS (
        SELECT j.host.hostname AS host, j.host.homes[1].user AS "user",
               unnest(j.findings).properties.fingerprint AS fingerprint
        FROM read_json($files, maximum_object_size=268435456) j)
    SELECT fingerprint, list(DISTINCT host ORDER BY host)
    FROM uses WHERE fingerprint IS NOT NULL
    GROUP BY fingerprint HAVING count(DISTINCT (host, "user")) >= 2''', params={"files": files}).fetchall()
json.dump({fingerprint: hosts for fingerprint, hosts in rows}, open(sys.argv[2], "w"))
"""


def ours(listing: Path, db: Path, report: Path) -> list[list[str]]:
    """Ingest into a database file and report from it, in one process (``merge --db``)."""
    return [[sys.executable, "-m", "mcpiam", "merge", f"@{listing}", "--db", str(db), "-f", "json", "-o", str(report)]]


COMPARE = """
import json, sys
data = json.load(open(sys.argv[1], encoding="utf-8"))
found = {f["properties"]["fingerprint"]: sorted({f["host"], *(r["host"] for r in f["related"])})
         for f in data["findings"]}
expected = json.load(open(sys.argv[2]))
if found != expected:
    sys.exit(f"reuse groups differ: {len(found)} against {len(expected)}")
print(len(found))
"""


def same_groups(report: Path, groups: Path) -> int:
    """The reuse groups of our report against the reference's, compared in a child process: a
    child forked from a parent that parsed a 290 MB report inherits its peak RSS (Linux keeps the
    high-water mark across fork and exec), which then showed as every later child's peak."""
    done = subprocess.run([sys.executable, "-c", COMPARE, str(report), str(groups)], capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(done.stderr.strip())
    return int(done.stdout)


def median(runs: list[Run], field: str) -> float:
    return statistics.median(getattr(run, field) for run in runs)


def bench(work: Path, hosts: int, runs: int) -> tuple[list[Run], list[Run]]:
    listing = write_fleet(work, hosts)
    size = sum(os.path.getsize(line) for line in listing.read_text().splitlines()[:100]) / 100
    print(f"\n{hosts:,} hosts ({size / 1024:.0f} KiB a sweep, {hosts * size / 2**30:.2f} GiB)", flush=True)
    mine, reference = [], []
    env_path = f"{ROOT / 'scanner'}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"
    os.environ["PYTHONPATH"] = env_path
    for _ in range(runs):
        db, report, groups = work / "bench.duckdb", work / "report.json", work / "reference.json"
        for leftover in (db, Path(f"{db}.wal")):
            leftover.unlink(missing_ok=True)
        mine.append(measure(ours(listing, db, report)))
        reference.append(measure([[sys.executable, "-c", REFERENCE, str(listing), str(groups)]]))
        found = same_groups(report, groups)
    # The last run's database is the one --incremental re-ingests into (building it again costs
    # as much as the run: minutes at 100,000 hosts).
    os.replace(db, work / f"big-{hosts}.duckdb")
    print(f"  reuse groups identical: {found} (3 org-wide, {TEAM_TOKENS} a team of {TEAM_SIZE})")
    for name, measured in (("mcpiam merge --db (ingest+report)", mine), ("DuckDB read_json + GROUP BY", reference)):
        print(f"  {name:<34} CPU {median(measured, 'cpu'):8.1f} s   wall {median(measured, 'wall'):8.1f} s   "
              f"peak RSS {median(measured, 'rss_mib'):7.0f} MiB")
    print(f"  CPU ratio: {median(mine, 'cpu') / median(reference, 'cpu'):.2f}x the reference")
    return mine, reference


def bench_incremental(work: Path, hosts: int, changed: int, runs: int) -> None:
    big = work / f"big-{hosts}.duckdb"
    if not big.exists():
        measure(ours(write_fleet(work, hosts), big, work / "unused.json"))
    changes = write_changed(work, changed)
    mcpiam = [sys.executable, "-m", "mcpiam"]
    into_big, into_empty = [], []
    for _ in range(runs):
        copy, empty = work / "copy.duckdb", work / "empty.duckdb"
        shutil.copyfile(big, copy)
        empty.unlink(missing_ok=True)
        into_big.append(measure([[*mcpiam, "fleet", "ingest", f"@{changes}", "--db", str(copy)]]))
        into_empty.append(measure([[*mcpiam, "fleet", "ingest", f"@{changes}", "--db", str(empty)]]))
    print(f"\nre-ingest {changed:,} changed sweeps (fleet ingest, without --skip-invalid: into a copy of the file)")
    for name, measured in ((f"into the {hosts:,}-host database", into_big), ("into an empty database", into_empty)):
        print(f"  {name:<32} CPU {median(measured, 'cpu'):8.1f} s   wall {median(measured, 'wall'):8.1f} s   "
              f"peak RSS {median(measured, 'rss_mib'):7.0f} MiB")
    print(f"  CPU ratio: {median(into_big, 'cpu') / median(into_empty, 'cpu'):.2f}x an ingest of {changed:,} hosts")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--hosts", type=int, action="append", help="fleet sizes (default: 1000 and 10000)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--incremental", type=int, default=0, metavar="K",
                        help="also re-ingest K changed sweeps into the largest fleet's database")
    parser.add_argument("--work", type=Path, default=None, help="where the sweeps are written (kept for reuse)")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="mcpiam-fleet-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    sizes = args.hosts or [1000, 10000]
    print(f"machine: {os.cpu_count()} CPUs; other work may run at the same time (prefer the CPU figures)")
    for hosts in sizes:
        bench(work, hosts, args.runs)
    if args.incremental:
        bench_incremental(work, max(sizes), args.incremental, args.runs)
    if args.work is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
