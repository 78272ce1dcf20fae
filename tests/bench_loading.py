"""Load a benchmark script under bench/ as a module, so tests can call its functions and main."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

BENCH = Path(__file__).resolve().parents[1] / "bench"


def load_bench_module(script: str, module_name: str | None = None) -> ModuleType:
    """Import ``bench/<script>.py`` as ``module_name`` (default: the script's name)."""
    spec = importlib.util.spec_from_file_location(module_name or script, BENCH / f"{script}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name while a class is built
    spec.loader.exec_module(module)
    return module
