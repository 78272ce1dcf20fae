"""Where each client keeps its activity records (``sources.yaml``), as value types."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from mcpiam.core.valuetype import dataclass

DATA_PATH = Path(__file__).with_name("sources.yaml")
SCHEMA_PATH = Path(__file__).with_name("sources.schema.json")


@dataclass(frozen=True, slots=True)
class RecordSource:
    """One kind of record file of one client."""

    client: str  # catalogue client id
    reader: str  # module under mcpiam.activity.readers
    record: str  # what the file holds, for messages
    cleanup: str  # how long the client keeps it, for messages
    counts_calls: bool
    paths: tuple[tuple[str, tuple[str, ...]], ...]  # (platform, home-relative patterns)

    def patterns(self, platform: str) -> tuple[str, ...]:
        return dict(self.paths).get(platform, ())


@lru_cache(maxsize=1)
def record_sources() -> tuple[RecordSource, ...]:
    import yaml

    data = yaml.safe_load(DATA_PATH.read_text(encoding="utf-8"))
    return tuple(
        RecordSource(entry["client"], entry["reader"], entry["record"], entry["cleanup"],
                     bool(entry.get("counts_calls", True)),
                     tuple((platform, tuple(patterns)) for platform, patterns in sorted(entry["paths"].items())))
        for entry in data["sources"]
    )
