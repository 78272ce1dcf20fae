"""Baselines: the findings a repository already had, recorded by fingerprint, so only new ones show.

``.mcpiam-baseline.json`` lists one entry per known finding, keyed by the finding's fingerprint
(rule, path, route and subject: for a credential, the keyed hash of the value; never a line number
and never a value), so edits elsewhere in a file do not resurface it. Paths are relative to the
directory holding the baseline file. Output is sorted and carries no timestamp, so re-writing an
unchanged baseline gives the same bytes and reviews show only real changes.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from mcpiam.core.digest import hmac_sha256
from mcpiam.core.valuetype import dataclass, replace
from pathlib import Path

from mcpiam.core.json_text import dumps_indented
from mcpiam.core.findings import Finding, Location
from mcpiam.core.safe_open import Refusal, read_prefix
from mcpiam.core.redact import shown_data

BASELINE_VERSION = 1
DEFAULT_BASELINE = ".mcpiam-baseline.json"
MAX_BASELINE_BYTES = 256 * 1024 * 1024  # read through the one primitive: no FIFO, no device, capped
_KEY_CHECK = b"mcpiam baseline key check v1"


class BaselineError(Exception):
    """A baseline file that cannot be read or does not have the expected shape (message is safe)."""


@dataclass(frozen=True, slots=True)
class BaselineEntry:
    """One finding a baseline records as already known."""

    fingerprint: str
    rule_id: str
    path: str  # relative to the baseline's directory, POSIX
    route: str
    severity: str
    server: str | None = None

    def as_data(self) -> dict[str, object]:
        return {
            "fingerprint": self.fingerprint,
            "rule_id": self.rule_id,
            "path": self.path,
            "route": self.route,
            "severity": self.severity,
            "server": self.server,
        }


@dataclass(frozen=True, slots=True)
class Baseline:
    """A baseline file as read: the findings a repository already had."""

    directory: Path  # absolute; entry paths are relative to it
    entries: tuple[BaselineEntry, ...]
    key_id: str = ""  # identifies the fingerprint key the entries were made with
    source: str = ""  # the file it was read from, as given

    def fingerprints(self) -> frozenset[str]:
        return frozenset(entry.fingerprint for entry in self.entries)


def key_id(fingerprint_key: bytes) -> str:
    """A short check value for the fingerprint key: shows a mismatch, reveals nothing about the key."""
    return hmac_sha256(fingerprint_key, _KEY_CHECK).hexdigest()[:16]


def rebase_path(path: str, scan_root: Path, directory: Path) -> str:
    """A finding path (relative to the scan root, or absolute) made relative to ``directory``."""
    full = Path(path) if Path(path).is_absolute() else scan_root / path
    try:
        return full.relative_to(directory).as_posix()
    except ValueError:
        return full.as_posix()


def rebased(finding: Finding, scan_root: Path, directory: Path) -> Finding:
    """The finding with its path relative to ``directory``: its fingerprint as a baseline there sees it."""
    if scan_root == directory:
        return finding
    location = finding.location
    return replace(finding, location=Location(rebase_path(location.path, scan_root, directory),
                                              location.span, location.route))


def entry_for(finding: Finding) -> BaselineEntry:
    """A baseline entry for a finding whose path is already relative to the baseline's directory."""
    return BaselineEntry(
        fingerprint=finding.fingerprint,
        rule_id=finding.rule_id,
        path=finding.location.path,
        route=finding.location.pointer,
        severity=finding.severity.value,
        server=finding.server,
    )


def build(directory: Path, entries: Iterable[BaselineEntry], fingerprint_key: bytes) -> Baseline:
    unique = {entry.fingerprint: entry for entry in entries}
    ordered = sorted(unique.values(), key=lambda e: (e.path, e.rule_id, e.route, e.fingerprint))
    return Baseline(directory=directory, entries=tuple(ordered), key_id=key_id(fingerprint_key))


def dumps(baseline: Baseline) -> str:
    data = {
        "version": BASELINE_VERSION,
        "tool": "mcpiam",
        "fingerprint_key_id": baseline.key_id,
        "findings": [entry.as_data() for entry in baseline.entries],
    }
    return dumps_indented(shown_data(data)) + "\n"


def _text(item: dict, key: str, optional: bool = False) -> str | None:
    value = item.get(key)
    if value is None and optional:
        return None
    if not isinstance(value, str):
        raise BaselineError(f"entry field '{key}' must be a string")
    return value


def load(file: Path) -> Baseline:
    """Read a baseline file; a missing, unreadable or malformed file raises BaselineError."""
    raw = read_prefix(file, MAX_BASELINE_BYTES, whole=True)
    if isinstance(raw, Refusal):
        if raw.code == "not-found" and not file.is_symlink():
            raise BaselineError(f"{file}: no such file (create one with `mcpiam baseline create`)")
        raise BaselineError(f"{file}: {raw.message}")
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        where = f" at line {error.lineno}" if isinstance(error, json.JSONDecodeError) else ""
        raise BaselineError(f"{file}: not a JSON baseline file{where}") from None
    if not isinstance(data, dict) or data.get("tool") != "mcpiam" or not isinstance(data.get("findings"), list):
        raise BaselineError(f"{file}: not an mcpiam baseline (expected \"tool\": \"mcpiam\" and a findings list)")
    if data.get("version") != BASELINE_VERSION:
        raise BaselineError(f"{file}: baseline version {data.get('version')!r} is not supported "
                            f"(this mcpiam reads version {BASELINE_VERSION})")
    entries = []
    for index, item in enumerate(data["findings"]):
        if not isinstance(item, dict):
            raise BaselineError(f"{file}: findings[{index}] is not an object")
        try:
            entries.append(BaselineEntry(
                fingerprint=_text(item, "fingerprint") or "",
                rule_id=_text(item, "rule_id") or "",
                path=_text(item, "path") or "",
                route=_text(item, "route") or "",
                severity=_text(item, "severity") or "",
                server=_text(item, "server", optional=True),
            ))
        except BaselineError as error:
            raise BaselineError(f"{file}: findings[{index}]: {error}") from None
    key = data.get("fingerprint_key_id", "")
    return Baseline(directory=Path(file).resolve().parent, entries=tuple(entries),
                    key_id=key if isinstance(key, str) else "", source=str(file))
