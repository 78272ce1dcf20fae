"""``--format concise``: the text report with one line per finding, for logs and editors.

Each finding reads ``path:line:col: severity rule-id message`` with its remedy; further findings
about the same value follow on indented lines; no source line, no wrapping.
"""

from __future__ import annotations

from mcpiam.engine.result import ScanResult
from mcpiam.report import text


def render(result: ScanResult, *, color: bool = False, verbose: bool = False) -> str:
    return text.render(result, color=color, verbose=verbose, concise=True)
