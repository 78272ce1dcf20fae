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
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mcpiam.model.servers import ConfigFile
    from mcpiam.policy.model import Policy
    from mcpiam.engine.result import ScanResult


class OutputFormat(str, Enum):
    """A ``--format`` value; ``module`` names the renderer that handles it."""

    TEXT = "text"
    CONCISE = "concise"
    JSON = "json"
    SARIF = "sarif"

    @property
    def module(self) -> str:
        return {
            OutputFormat.TEXT: "mcpiam.report.text",
            OutputFormat.CONCISE: "mcpiam.report.concise",
            OutputFormat.JSON: "mcpiam.report.json_report",
            OutputFormat.SARIF: "mcpiam.report.sarif",
        }[self]


class InventoryFormat(str, Enum):
    """A format for the server inventory (``mcpiam inventory --format``)."""

    TABLE = "table"
    JSON = "json"
    CSV = "csv"


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
                     policy: Policy | None = None) -> str:
    """Render every server defined in ``configs`` as a table, JSON records or CSV, without secrets;
    each server's owner is resolved against ``policy`` (``ScanResult.applied_policy``)."""
    from mcpiam.policy.model import Policy
    from mcpiam.report import inventory

    return inventory.render(configs, InventoryFormat(fmt), policy if policy is not None else Policy())


__all__ = ["InventoryFormat", "OutputFormat", "render", "render_inventory"]
