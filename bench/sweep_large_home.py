"""Benchmark: `mcpiam sweep` of a large generated home.

The home holds a config file at every catalogue location of the platform, more at every
wildcard location (VS Code profiles, extension hosts, plugins, agents, backups) up to
``--configs`` files, and ``--unrelated`` other files: source trees the sweep must never walk, and
noise inside the folders it does list (other apps under ~/.config, plugin caches). It prints
the median of several runs of discovery alone and of the whole sweep (discovery, parsing,
credential detection, every rule):

    python bench/sweep_large_home.py                       # 500 configs, 20,000 other files
    python bench/sweep_large_home.py --runs 9 --platform macos
    python bench/sweep_large_home.py --homes 200 --runs 3   # many homes: per-home cost, JSON output

With ``--homes N`` it builds N homes (a config at every catalogue location, ``--unrelated``
divided among them), sweeps a quarter of them and then all of them as one root sweep does
(``--all-users``), and prints the milliseconds per home of each (flat when the sweep is linear)
and the time to write the JSON report.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "scanner"), str(ROOT / "tests")]

import fake_homes  # noqa: E402  (tests/fake_homes.py: the catalogue-driven fixture builder)

from mcpiam.catalogue import Catalogue, default_catalogue  # noqa: E402
from mcpiam.engine.sweep import run_sweep  # noqa: E402
from mcpiam.parse import FORMATS  # noqa: E402
from mcpiam.discover.homes import Home, SweepPlan, sweep  # noqa: E402
from mcpiam.report.sweep import render_sweep  # noqa: E402

# Where unrelated files go (home-relative folder patterns; {i} numbers the folder): most in
# trees no catalogue location reaches, some inside folders the sweep lists or walks.
NOISE_FOLDERS = (
    ("src/project-{i}/lib", 0.70),
    (".config/app-{i}", 0.10),
    (".claude/plugins/cache/pkg-{i}", 0.10),
    (".cache/tool-{i}", 0.10),
)
FILES_PER_FOLDER = 20


@dataclass(frozen=True)
class LargeHome:
    home: Path
    system_root: Path
    configs: int  # config files written that mcpiam parses
    unrelated: int


def build_large_home(base: Path, platform: str = "linux", configs: int = 500, unrelated: int = 20_000,
                     catalogue: Catalogue | None = None) -> LargeHome:
    catalogue = catalogue or default_catalogue()
    home, system_root = base / "home" / "bench", base / "system"
    files = fake_homes.locations(catalogue, platform, home, system_root)
    round_number = 1
    while len(files) < configs:
        extra = fake_homes.locations(catalogue, platform, home, system_root, star=f"extra-{round_number}",
                                     wildcards_only=True)
        if not extra:
            break
        for display, fixture in extra.items():
            if len(files) >= configs:
                break
            files.setdefault(display, fixture)
        round_number += 1
    for fixture in files.values():
        fake_homes.write(fixture)
    written = 0
    for folder, share in NOISE_FOLDERS:
        count = int(unrelated * share)
        for n in range(count):
            directory = home / folder.format(i=n // FILES_PER_FOLDER)
            directory.mkdir(parents=True, exist_ok=True)
            (directory / f"file-{n % FILES_PER_FOLDER}.json").write_text('{"unrelated": true}\n', encoding="utf-8")
            written += 1
    readable = sum(1 for f in files.values() if f.kinds[0].format in FORMATS)
    return LargeHome(home, system_root, readable, written)


def _median_seconds(action, runs: int) -> float:
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def measure(large: LargeHome, platform: str = "linux", runs: int = 5) -> list[tuple[str, int, float]]:
    """(stage, config files found, median seconds) for discovery alone and the whole sweep."""
    catalogue = default_catalogue()
    plan = SweepPlan(platform, (Home(large.home, "bench"),), large.system_root)
    found = sweep(plan, catalogue)
    result = run_sweep(plan, catalogue=catalogue, hostname="bench")
    return [
        ("discovery", len(found.candidates), _median_seconds(lambda: sweep(plan, catalogue), runs)),
        ("sweep (all rules)", len(result.scan.configs),
         _median_seconds(lambda: run_sweep(plan, catalogue=catalogue, hostname="bench"), runs)),
    ]


@dataclass(frozen=True)
class ManyHomesRow:
    homes: int
    configs_found: int
    sweep_seconds: float  # median, discovery through every rule
    json_seconds: float  # median, writing the JSON report of that sweep

    @property
    def ms_per_home(self) -> float:
        return self.sweep_seconds * 1000 / self.homes


def build_homes(base: Path, count: int, platform: str = "linux", unrelated: int = 100,
                catalogue: Catalogue | None = None) -> tuple[Home, ...]:
    """``count`` homes under ``base``, each with a config at every catalogue location."""
    catalogue = catalogue or default_catalogue()
    homes = []
    for index in range(count):
        home = base / "home" / f"user{index}"
        for fixture in fake_homes.locations(catalogue, platform, home, base / "system").values():
            if fixture.path.is_relative_to(home):  # the shared system files belong to no home
                fake_homes.write(fixture)
        for n in range(unrelated):
            folder = home / "src" / f"project-{n // FILES_PER_FOLDER}"
            folder.mkdir(parents=True, exist_ok=True)
            (folder / f"file-{n}.json").write_text('{"unrelated": true}\n', encoding="utf-8")
        homes.append(Home(home, f"user{index}", prefix=f"~user{index}"))
    return tuple(homes)


def measure_homes(homes: tuple[Home, ...], platform: str = "linux", runs: int = 3) -> list[ManyHomesRow]:
    """A quarter of the homes, then all: per-home time should stay flat."""
    catalogue = default_catalogue()
    rows = []
    for count in sorted({max(1, len(homes) // 4), len(homes)}):
        plan = SweepPlan(platform, homes[:count], None)
        result = run_sweep(plan, catalogue=catalogue, hostname="bench")
        rows.append(ManyHomesRow(
            count, len(result.scan.configs),
            _median_seconds(lambda: run_sweep(plan, catalogue=catalogue, hostname="bench"), runs),
            _median_seconds(lambda: render_sweep(result, "json"), runs)))
    return rows


def homes_table(rows: list[ManyHomesRow], runs: int) -> str:
    lines = [f"Sweep of many homes, in process, median of {runs} runs", "",
             "| homes | configs found | whole sweep | per home | JSON report |",
             "| ---: | ---: | ---: | ---: | ---: |"]
    for row in rows:
        lines.append(f"| {row.homes} | {row.configs_found:,} | {row.sweep_seconds:.2f} s | {row.ms_per_home:.1f} ms "
                     f"| {row.json_seconds:.2f} s |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--platform", choices=["linux", "macos", "windows"], default="linux")
    parser.add_argument("--configs", type=int, default=500)
    parser.add_argument("--unrelated", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--homes", type=int, default=0, help="sweep this many small homes instead of one large")
    args = parser.parse_args(argv)
    if args.homes:
        with tempfile.TemporaryDirectory(prefix="mcpiam-bench-") as tmp:
            homes = build_homes(Path(tmp), args.homes, args.platform, max(0, args.unrelated // args.homes))
            print(homes_table(measure_homes(homes, args.platform, args.runs), args.runs))
        return 0
    with tempfile.TemporaryDirectory(prefix="mcpiam-bench-") as tmp:
        large = build_large_home(Path(tmp), args.platform, args.configs, args.unrelated)
        rows = measure(large, args.platform, args.runs)
    print(f"home: {large.configs} config files mcpiam parses, {large.unrelated} unrelated files "
          f"({args.platform} layout); median of {args.runs} runs")
    print(f"{'stage':<20} {'configs':>8} {'seconds':>9}")
    for stage, found, seconds in rows:
        print(f"{stage:<20} {found:>8} {seconds:>9.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
