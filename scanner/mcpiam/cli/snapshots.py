"""The snapshots ``generate-snapshots`` writes: every shipped snapshot and the text it should have now.

It sits above the catalogue and the token families because it reads both; ``mcpiam.core.snapshot``
only knows how a snapshot is written and read.
"""

from __future__ import annotations

from pathlib import Path


def shipped_snapshots() -> dict[Path, str]:
    """Every shipped snapshot's path and the text it should have now (``generate-snapshots``)."""
    from mcpiam import catalogue
    from mcpiam.secrets import families

    return {
        catalogue.SNAPSHOT_PATH: catalogue.snapshot_of_catalogue(),
        families.SNAPSHOT_PATH: families.snapshot_of(families.shipped_rules_dir()),
    }
