"""The snapshots ``generate-snapshots`` writes: every shipped snapshot and the text it should have now.

It sits above the catalogue, the token families and the framework mapping because it reads them; ``mcpiam.core.snapshot``
only knows how a snapshot is written and read.
"""

from __future__ import annotations

from pathlib import Path


def shipped_snapshots() -> dict[Path, str]:
    """Every shipped snapshot's path and the text it should have now (``generate-snapshots``)."""
    from mcpiam import catalogue
    from mcpiam.report import frameworks
    from mcpiam.secrets import families

    return {
        catalogue.SNAPSHOT_PATH: catalogue.snapshot_of_catalogue(),
        families.SNAPSHOT_PATH: families.snapshot_of(families.shipped_rules_dir()),
        frameworks.SNAPSHOT_PATH: frameworks.snapshot_of_frameworks(),
    }
