"""A workstation sweep run: which machine and account, which homes, and the scan of what was found.

``run_sweep`` is to ``mcpiam.discover.homes`` what ``scan_paths`` is to ``mcpiam.discover.walk``: it feeds the
swept candidates through the one engine, so a sweep reports exactly what a scan of the same files
would, plus the host identity that lets ``mcpiam merge`` tell machines and users apart.
"""

from __future__ import annotations

import getpass
import os
import platform as platform_module
import socket
import sys
from collections.abc import Callable, Mapping
from mcpiam.core.valuetype import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path

from mcpiam import __version__
from mcpiam.catalogue import Catalogue, default_catalogue
from mcpiam.engine.scan import ScanSettings, scan_paths
from mcpiam.core.notes import Note
from mcpiam.engine.result import ScanResult
from mcpiam.discover.homes import Home, Progress, SweepPlan, all_user_homes, sweep, user_of

# sys.platform prefix -> catalogue platform
HOST_PLATFORMS = (("linux", "linux"), ("darwin", "macos"), ("win32", "windows"), ("cygwin", "windows"),
                  ("freebsd", "linux"), ("openbsd", "linux"))


@dataclass(frozen=True, slots=True)
class HostIdentity:
    hostname: str
    user: str  # the account that ran the sweep
    os: str  # what mcpiam ran on
    platform: str  # the layout swept
    tool_version: str
    time: str  # UTC, ISO 8601
    homes: tuple[Home, ...]

    def data(self) -> dict[str, object]:
        return {
            "hostname": self.hostname,
            "user": self.user,
            "os": self.os,
            "platform": self.platform,
            "tool_version": self.tool_version,
            "time": self.time,
            "homes": [{"prefix": home.prefix, "user": home.user} for home in self.homes],
        }

    def user_of(self, path: str) -> str:
        """Whose file this displayed path is: by its ~ or ~name prefix; managed files are everyone's."""
        return user_of(path, tuple((home.prefix, home.user) for home in self.homes))

    def users_of(self) -> Callable[[str], str]:
        """``user_of`` for many paths: the homes' prefixes are looked up in a table made once, so
        a report of a sweep of N homes costs linear time in N, not N times the files."""
        pairs = tuple((home.prefix, home.user) for home in self.homes)
        by_prefix: dict[str, str] = {}
        for prefix, user in pairs:
            by_prefix.setdefault(prefix, user)  # the first home with a prefix wins, as in user_of

        def resolve(path: str) -> str:
            user = by_prefix.get(path.split("/", 1)[0])
            return user if user is not None else user_of(path, pairs)
        return resolve


@dataclass(frozen=True, slots=True)
class SweepResult:
    scan: ScanResult
    host: HostIdentity


def host_platform() -> str:
    for prefix, name in HOST_PLATFORMS:
        if sys.platform.startswith(prefix):
            return name
    return "linux"


def current_user() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError, ImportError):
        return os.environ.get("USERNAME") or os.environ.get("USER") or "unknown"


def default_system_root() -> Path:
    if host_platform() == "windows":
        return Path((os.environ.get("SystemDrive") or "C:") + "\\")
    return Path("/")


def overrides(environ: Mapping[str, str], catalogue: Catalogue) -> tuple[tuple[str, str], ...]:
    """The path-variable overrides set in ``environ`` (XDG_CONFIG_HOME, APPDATA, CLAUDE_CONFIG_DIR...)."""
    names = sorted({variable.strip("$%") for variable in catalogue.path_variables})
    return tuple((name, environ[name]) for name in names if environ.get(name))


def make_plan(*, home: Path | None, platform: str | None, all_users: bool, projects: bool,
              system_root: Path | None, environ: Mapping[str, str],
              catalogue: Catalogue, user: str | None = None) -> tuple[SweepPlan, list[Note]]:
    """What to sweep. Without ``home`` this machine's own user (with its environment's overrides
    and the system's managed files); with it, a mounted home or backup (no overrides, managed
    files only under an explicit ``system_root``), whose user is ``user`` when given (a backup's
    folder is rarely named after its owner), else the folder's name."""
    chosen = platform or host_platform()
    notes: list[Note] = []
    if all_users:
        root = system_root or default_system_root()
        homes, notes = all_user_homes(root, chosen)
        if not homes:
            notes.append(Note(str(root), "warning", "no-homes",
                              f"no user home found under {root} for the {chosen} layout; only "
                              "managed locations were swept"))
        return SweepPlan(chosen, tuple(homes), root, projects), notes
    if home is None:
        me = Home(Path.home(), current_user(), "~", overrides(environ, catalogue))
        return SweepPlan(chosen, (me,), system_root or default_system_root(), projects), notes
    target = Home(Path(os.path.abspath(home)), user or Path(os.path.abspath(home)).name or current_user(), "~")
    return SweepPlan(chosen, (target,), system_root, projects), notes


def operating_system() -> str:
    """"Linux 6.8.0 x86_64": read without running anything (platform.platform() may run uname -p)."""
    return " ".join(part for part in (platform_module.system(), platform_module.release(),
                                      platform_module.machine()) if part)


def sweep_time(environ: Mapping[str, str] = os.environ) -> datetime:
    """Now, or ``SOURCE_DATE_EPOCH`` (seconds since 1970, the reproducible-builds convention)
    when set to an integer: the one time field a sweep report has, fixed for byte-identical runs."""
    fixed = environ.get("SOURCE_DATE_EPOCH", "").strip()
    if fixed.isdigit():
        return datetime.fromtimestamp(int(fixed), timezone.utc)
    return datetime.now(timezone.utc)


def identify(plan: SweepPlan, hostname: str | None = None, now: datetime | None = None) -> HostIdentity:
    moment = (now or sweep_time()).astimezone(timezone.utc)
    return HostIdentity(
        hostname=hostname or socket.gethostname(),
        user=current_user(),
        os=operating_system(),
        platform=plan.platform,
        tool_version=__version__,
        time=moment.replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        homes=plan.homes,
    )


def run_sweep(plan: SweepPlan, settings: ScanSettings = ScanSettings(), *,
              catalogue: Catalogue | None = None, hostname: str | None = None,
              progress: Progress | None = None, extra_notes: tuple[Note, ...] = (),
              now: datetime | None = None, activity: bool = False,
              since: datetime | None = None) -> SweepResult:
    """Sweep the plan's homes; with ``activity``, also read the clients' records of what was used
    (from ``since`` on), for the usage view and the rules that judge it."""
    catalogue = catalogue or default_catalogue()
    found = sweep(plan, catalogue, progress)
    if extra_notes:
        found = type(found)(found.root, found.candidates, found.notes + extra_notes, found.files_considered)
    baseline = settings.triage.baseline
    if baseline is not None:
        # A sweep's baseline (sweep --write-baseline) records the paths as a sweep shows them
        # (~/.cursor/mcp.json), whose fingerprints rebasing onto the baseline's folder would change.
        settings = replace(settings, triage=replace(settings.triage, baseline=replace(baseline, directory=found.root)))
    host = identify(plan, hostname, now)
    records = None
    if activity:
        from mcpiam.activity.read import read_activity
        from mcpiam.secrets.families import load_families

        if progress:
            progress("reading activity records")
        families = load_families(settings.rules_dirs, check_examples=bool(settings.rules_dirs))
        moment = datetime.fromisoformat(host.time.replace("Z", "+00:00"))
        records = read_activity(plan, catalogue, families, settings.options.fingerprint_key,
                                now=moment, since=since)
    result = scan_paths([], settings, catalogue, discovery=found, progress=progress,
                         activity=records)
    return SweepResult(result, host)
