"""Stage 7, report: turn a ``ScanResult`` into text, JSON or SARIF, and configs into an inventory.

One enum maps each output format to the module that renders it; modules are imported only when
used, so the text path (a pre-commit hook) never pays for the SARIF object model. Every renderer
is a pure function of its input: output is sorted and carries no timestamps, so identical input
gives byte-identical output. Returned strings have no trailing newline; the caller writes one.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from enum import Enum

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing on the hook's path
if TYPE_CHECKING:
    from mcpiam.activity.usage import Usage
    from mcpiam.core.findings import Finding
    from mcpiam.report.inventory import InventoryOptions
    from mcpiam.model.servers import ConfigFile
    from mcpiam.policy.model import Policy
    from mcpiam.engine.result import ScanResult


class OutputFormat(str, Enum):
    """A ``--format`` value; ``module`` names the renderer that handles it."""

    TEXT = "text"
    CONCISE = "concise"
    JSON = "json"
    SARIF = "sarif"
    GITHUB = "github"

    @property
    def module(self) -> str:
        return {
            OutputFormat.TEXT: "mcpiam.report.text",
            OutputFormat.CONCISE: "mcpiam.report.concise",
            OutputFormat.JSON: "mcpiam.report.json_report",
            OutputFormat.SARIF: "mcpiam.report.sarif",
            OutputFormat.GITHUB: "mcpiam.report.github",
        }[self]


class InventoryFormat(str, Enum):
    """A format for the server inventory (``mcpiam inventory --format``; docs/inventory.md)."""

    TABLE = "table"
    JSON = "json"
    CSV = "csv"
    CYCLONEDX = "cyclonedx"  # the AI-BOM: CycloneDX 1.6 JSON (report.cyclonedx)
    REVIEW = "review"  # the access-review sheet as CSV (report.review)
    REVIEW_MD = "review-md"  # the same sheet as Markdown


def render(result: ScanResult, fmt: OutputFormat | str, *, color: bool = False, verbose: bool = False,
           width: int | None = None) -> str:
    """Render a scan result; ``color`` adds ANSI colour (text only), ``verbose`` shows info notes,
    ``width`` is the column count the full text form fits its lines to (default 100)."""
    chosen = OutputFormat(fmt)
    renderer = importlib.import_module(chosen.module)
    if chosen is OutputFormat.TEXT and width is not None:
        return renderer.render(result, color=color, verbose=verbose, width=width)
    return renderer.render(result, color=color, verbose=verbose)


def render_inventory(configs: Sequence[ConfigFile], fmt: InventoryFormat | str,
                     policy: Policy | None = None, *, credentials: Sequence[object] = (),
                     findings: Sequence[Finding] = (), options: InventoryOptions | None = None,
                     tool_version: str = "", fingerprint_key_id: str = "", usage: Usage | None = None) -> str:
    """Render every server defined in ``configs`` in an inventory format, without secrets; each
    server's owner is resolved against ``policy`` (``ScanResult.applied_policy``), its literal
    credentials are among ``credentials``, its scope findings among ``findings`` and, with
    ``usage`` (a sweep's usage view), its last use, calls and tools from the clients' records."""
    from mcpiam.policy.model import Policy
    from mcpiam.report import inventory

    built = inventory.build_inventory(configs, policy if policy is not None else Policy(),
                                      credentials=credentials, findings=findings,
                                      tool_version=tool_version, fingerprint_key_id=fingerprint_key_id,
                                      usage=usage)
    options = options or inventory.InventoryOptions()
    fmt = InventoryFormat(fmt)
    if fmt is InventoryFormat.CYCLONEDX:
        from mcpiam.report.cyclonedx import render_bom  # the CycloneDX library loads only here

        return render_bom(built, timestamp=options.bom_timestamp)
    if fmt in (InventoryFormat.REVIEW, InventoryFormat.REVIEW_MD):
        from mcpiam.report.review import render_review

        return render_review(built, markdown=fmt is InventoryFormat.REVIEW_MD, spreadsheet=options.spreadsheet_safe)
    return inventory.render(built, fmt, options)


def render_inventory_of(result: ScanResult, fmt: InventoryFormat | str,
                        options: InventoryOptions | None = None) -> str:
    """The inventory of a scan: its configs, policy, credentials, findings and, for a sweep that
    read the clients' records, its usage view."""
    return render_inventory(result.configs, fmt, result.applied_policy, credentials=result.credentials,
                            findings=result.findings, options=options, tool_version=result.tool_version,
                            fingerprint_key_id=result.fingerprint_key_id,
                            usage=result.activity)  # type: ignore[arg-type]


__all__ = ["InventoryFormat", "OutputFormat", "render", "render_inventory", "render_inventory_of"]
