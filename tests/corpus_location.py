"""Where the optional conformance corpus sits, and what a test says when it is absent: real-world
MCP configs in a folder beside the checkout (``../shared/corpus``), which the README names."""

from __future__ import annotations

from pathlib import Path

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
CORPUS_MISSING = (f"optional conformance corpus not found at {CORPUS}: these conformance tests read "
                  "real-world MCP configs from a folder `shared/corpus` beside the checkout "
                  "(see the README's Quick start); the rest of the suite does not need it")
