"""JSON snapshots of the shipped YAML data, so that a scan does not parse YAML at start-up.

The client catalogue and the token families are YAML, written and reviewed by people. Parsing
them costs a pre-commit run more than scanning the staged file, so each ships with a JSON
snapshot of the same data beside its module, written by ``python -m mcpiam generate-snapshots``
(a test fails when one is stale). A snapshot records a BLAKE2b digest of the YAML it was made
from; a loader uses it only when that digest matches the YAML files as they are now, and parses
the YAML otherwise. An edited rule file is therefore never shadowed by an old snapshot, and the
snapshot lives inside the installed package (never in a user-writable cache).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from mcpiam.core.digest import blake2b

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing on the hook's path
if TYPE_CHECKING:
    from typing import Any

SNAPSHOT_FORMAT = 2  # 2: BLAKE2b digests
GENERATOR = "python -m mcpiam generate-snapshots"


def sources_digest(sources: Iterable[tuple[str, bytes]]) -> str:
    """One digest over named sources (file name and bytes), in the order given."""
    digest = blake2b(digest_size=32)  # not SHA-256 (format 1): a third of its time on every scan
    for name, content in sources:
        encoded = name.encode("utf-8")
        digest.update(len(encoded).to_bytes(8, "big") + encoded)
        digest.update(len(content).to_bytes(8, "big") + content)
    return digest.hexdigest()


def snapshot_text(digest: str, data: Any) -> str:
    """A snapshot as written to disk: stable key order, one trailing newline. Raises ValueError
    for data JSON cannot hold as it is (a YAML date, a number used as a key)."""
    try:
        representable = json.loads(json.dumps(data)) == data
    except TypeError:  # a value json.dumps cannot write at all
        representable = False
    if not representable:
        raise ValueError("the data holds values JSON cannot represent")
    document = {"format": SNAPSHOT_FORMAT, "generator": GENERATOR, "digest": digest, "data": data}
    return json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":")) + "\n"


def snapshot_data(snapshot: bytes | None, digest: str | None) -> Any | None:
    """The data in a snapshot (its bytes) when it was made from sources with this digest.

    None (read the YAML instead) when there is no snapshot, it is not a snapshot of this format,
    or it was made from other sources.
    """
    if snapshot is None or digest is None:
        return None
    try:
        document = json.loads(snapshot)
    except ValueError:
        return None
    if not isinstance(document, dict) or document.get("format") != SNAPSHOT_FORMAT:
        return None
    if document.get("digest") != digest:
        return None
    return document.get("data")


def read_bytes(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None
