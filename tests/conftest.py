"""Test-suite settings.

Property tests explore new random examples on every developer run. `.ci/run` sets
``MCPIAM_HYPOTHESIS_PROFILE=ci``: the same examples every time (``derandomize``), so a landing
is never decided by the luck of one run; a case found locally is pinned as an explicit example.
"""

from __future__ import annotations

import os

from hypothesis import settings

settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
if os.environ.get("MCPIAM_HYPOTHESIS_PROFILE"):
    settings.load_profile(os.environ["MCPIAM_HYPOTHESIS_PROFILE"])
