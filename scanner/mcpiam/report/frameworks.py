"""The security frameworks whose controls the rules evidence (data in ``frameworks.yaml``), and the
per-control summary an IAM team puts in an audit report (``mcpiam scan --summary frameworks``).

A rule names its OWASP controls itself (``RuleInfo.controls``); the other frameworks' controls
(CSA MAESTRO, NIST AI RMF, NIST CSF 2.0) list the rules that evidence them in ``frameworks.yaml``,
each with the reason and the control's source, so a mapping is reviewed where it is cited.
``controls_of`` joins both. The YAML ships with a JSON snapshot (``generate-snapshots``), so the
JSON and SARIF reports, which tag every rule, do not load a YAML parser.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from mcpiam.checks.base import RuleInfo
from mcpiam.core.findings import Finding, Severity
from mcpiam.core.snapshot import read_bytes, snapshot_data, snapshot_text, sources_digest
from mcpiam.core.valuetype import dataclass

DATA_FILE = "frameworks.yaml"
DATA_PATH = Path(__file__).with_name(DATA_FILE)
SNAPSHOT_PATH = Path(__file__).with_name("frameworks.snapshot.json")


@dataclass(frozen=True, slots=True)
class Control:
    id: str  # e.g. OWASP-NHI2, NIST-CSF-PR.AA-01: as rules and SARIF tags name it
    code: str  # e.g. NHI2, PR.AA-01: as the framework numbers it
    title: str
    framework: str  # the framework's name
    url: str  # the framework's home
    source: str = ""  # where this control is defined, when more precise than ``url``
    # Rules that evidence it, each with why (for the frameworks whose mapping lives in the YAML).
    evidence: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class ControlCount:
    control: Control
    rules: tuple[str, ...]  # the rules that evidence it
    findings: int
    by_severity: tuple[tuple[Severity, int], ...]


def _parse(source: bytes) -> dict[str, Any]:
    import yaml  # only when the snapshot is stale (an edited frameworks.yaml)

    return yaml.load(source, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def _digest(source: bytes) -> str:
    return sources_digest([(DATA_FILE, source)])


def snapshot_of_frameworks() -> str:
    """The snapshot of frameworks.yaml as it is now (``generate-snapshots`` writes it)."""
    source = DATA_PATH.read_bytes()
    return snapshot_text(_digest(source), _parse(source))


def _raw() -> dict[str, Any]:
    source = DATA_PATH.read_bytes()
    data = snapshot_data(read_bytes(SNAPSHOT_PATH), _digest(source))
    return data if isinstance(data, dict) else _parse(source)


@lru_cache(maxsize=1)
def controls() -> tuple[Control, ...]:
    return tuple(
        Control(item["id"], item["code"], item["title"], framework["name"], framework["url"],
                item.get("source", ""),
                tuple((rule, " ".join(str(why).split())) for rule, why in (item.get("evidenced_by") or {}).items()))
        for framework in _raw()["frameworks"]
        for item in framework["controls"]
    )


def control(control_id: str) -> Control | None:
    return next((c for c in controls() if c.id == control_id), None)


def describe(control_id: str) -> str:
    """``NHI2 Secret Leakage`` for a known id, the id itself otherwise."""
    known = control(control_id)
    return f"{known.code} {known.title}" if known else control_id


@lru_cache(maxsize=None)
def _mapped(rule_id: str) -> tuple[str, ...]:
    return tuple(c.id for c in controls() if any(rule == rule_id for rule, _ in c.evidence))


def controls_of(rule: RuleInfo) -> tuple[str, ...]:
    """Every control a rule evidences: its own (OWASP) first, then the YAML's, in its order."""
    return (*rule.controls, *(c for c in _mapped(rule.id) if c not in rule.controls))


def summarise(findings: Sequence[Finding], rules: Sequence[RuleInfo]) -> tuple[ControlCount, ...]:
    """Findings counted per control, for every control a selected rule evidences (zero included,
    so the report shows what was checked as well as what was found)."""
    controls_by_rule = {rule.id: controls_of(rule) for rule in rules}
    counts = []
    for item in controls():
        evidencing = tuple(rule.id for rule in rules if item.id in controls_by_rule[rule.id])
        if not evidencing:
            continue
        hits = [f for f in findings if item.id in controls_by_rule.get(f.rule_id, ())]
        by_severity = tuple((severity, sum(1 for f in hits if f.severity is severity))
                            for severity in Severity if any(f.severity is severity for f in hits))
        counts.append(ControlCount(item, evidencing, len(hits), by_severity))
    return tuple(counts)
