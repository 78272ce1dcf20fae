"""Helpers shared by the rule tests: scan inline config text and read back the flagged tokens."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from mcpiam.core.document import Scalar, Span
from mcpiam.engine.scan import ScanSettings, scan_paths
from mcpiam.core.findings import Finding
from mcpiam.model.servers import NamedValue, Scope, Server, Transport, Value


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
        return self.finding.full_message  # the message with its remedy, as JSON shows it


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


def located_server(command: str, args: list[str], env: dict[str, str] | None = None) -> Server:
    """A stdio server built directly in the model (every value on its own line), for rule units."""
    route = ("mcpServers", "s")

    def value(here: tuple, text: str, line: int) -> Value:
        return Value(route + here, Scalar(text, Span(line, 1, line, len(text) + 1)))

    return Server(
        name="s",
        name_span=Span(1, 1, 1, 2),
        route=route,
        client="cursor",
        scope=Scope.PROJECT,
        transport=Transport.STDIO,
        command=value(("command",), command, 2),
        args=tuple(value(("args", i), text, 3 + i) for i, text in enumerate(args)),
        env=tuple(
            NamedValue(name, Span(1, 1, 1, 2), value(("env", name), text, 100 + i))
            for i, (name, text) in enumerate((env or {}).items())
        ),
    )
