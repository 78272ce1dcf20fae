"""The security frameworks whose controls the rules evidence (data in ``frameworks.yaml``), and the
per-control summary an IAM team puts in an audit report (``mcpiam scan --summary frameworks``)."""

from __future__ import annotations

from collections.abc import Sequence
from mcpiam.core.valuetype import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from mcpiam.checks.base import RuleInfo
from mcpiam.core.findings import Finding, Severity

DATA_PATH = Path(__file__).with_name("frameworks.yaml")


@dataclass(frozen=True, slots=True)
class Control:
    id: str  # e.g. OWASP-NHI2, as rules name it
    code: str  # e.g. NHI2, as the framework numbers it
    title: str
    framework: str  # the framework's name
    url: str


@dataclass(frozen=True, slots=True)
class ControlCount:
    control: Control
    rules: tuple[str, ...]  # the rules that evidence it
    findings: int
    by_severity: tuple[tuple[Severity, int], ...]


@lru_cache(maxsize=1)
def controls() -> tuple[Control, ...]:
    data = yaml.load(DATA_PATH.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    return tuple(
        Control(item["id"], item["code"], item["title"], framework["name"], framework["url"])
        for framework in data["frameworks"]
        for item in framework["controls"]
    )


def control(control_id: str) -> Control | None:
    return next((c for c in controls() if c.id == control_id), None)


def describe(control_id: str) -> str:
    """``NHI2 Secret Leakage`` for a known id, the id itself otherwise."""
    known = control(control_id)
    return f"{known.code} {known.title}" if known else control_id


def summarise(findings: Sequence[Finding], rules: Sequence[RuleInfo]) -> tuple[ControlCount, ...]:
    """Findings counted per control, for every control a selected rule evidences (zero included,
    so the report shows what was checked as well as what was found)."""
    rules_by_id = {rule.id: rule for rule in rules}
    counts = []
    for item in controls():
        evidencing = tuple(rule.id for rule in rules if item.id in rule.controls)
        if not evidencing:
            continue
        hits = [f for f in findings if f.rule_id in rules_by_id and item.id in rules_by_id[f.rule_id].controls]
        by_severity = tuple((severity, sum(1 for f in hits if f.severity is severity))
                            for severity in Severity if any(f.severity is severity for f in hits))
        counts.append(ControlCount(item, evidencing, len(hits), by_severity))
    return tuple(counts)
