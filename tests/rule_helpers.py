"""Helpers shared by the rule tests: scan inline config text and read back the flagged tokens."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from scanner.engine import ScanSettings, scan_paths
from scanner.findings import Finding


@dataclass(frozen=True)
class Flagged:
    """A finding with the exact source text its span covers (quotes included for JSON strings)."""

    token: str
    finding: Finding

    @property
    def severity(self) -> str:
        return self.finding.severity.value

    @property
    def message(self) -> str:
        return self.finding.message


def scan_files(root: Path, files: dict[str, str], rule_id: str) -> list[Flagged]:
    """Write ``files`` (relative path -> text) under ``root``, scan with one rule, return its findings."""
    for relative, text in files.items():
        target = root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    result = scan_paths([root], ScanSettings(select=(rule_id,)), root=root)
    flagged = []
    for finding in result.findings:
        span = finding.location.span
        assert span.start_line == span.end_line, finding
        lines = files[finding.location.path].splitlines()
        line = lines[span.start_line - 1]
        flagged.append(Flagged(line[span.start_column - 1: span.end_column - 1], finding))
    return flagged


def scan_text(root: Path, relative: str, text: str, rule_id: str) -> list[Flagged]:
    return scan_files(root, {relative: text}, rule_id)
