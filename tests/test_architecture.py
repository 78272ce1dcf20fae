"""The layers of ``pyproject.toml``'s import-linter contracts hold, and the tree shows the pipeline.

``lint-imports`` (also run by ``.ci/run``) reads the contracts; this test runs the same check so a
developer's ``pytest`` reports an upward import or an import circle at once.
"""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path


ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "scanner" / "mcpiam"


def contracts() -> list[dict[str, object]]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return config["tool"]["importlinter"]["contracts"]


def test_every_stage_folder_is_a_layer_of_the_contract() -> None:
    layers = next(c for c in contracts() if c["id"] == "pipeline-layers")["layers"]
    named = {name.strip() for layer in layers for name in str(layer).split("|")}
    folders = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()}
    assert named == folders


def test_every_stage_says_what_comes_in_and_what_goes_out() -> None:
    for folder in PACKAGE.iterdir():
        init = folder / "__init__.py"
        if init.is_file():
            text = init.read_text(encoding="utf-8")
            assert text.startswith('"""') and len(text.split('"""')[1].strip()) > 40, init


def test_no_module_sits_loose_beside_the_stages() -> None:
    loose = {p.name for p in PACKAGE.glob("*.py")}
    assert loose == {"__init__.py", "__main__.py"}


def test_the_import_contracts_are_kept() -> None:
    lint_imports = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint_imports), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "0 broken" in result.stdout


def test_the_architecture_page_names_only_real_files_and_folders() -> None:
    import re

    page = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    named = set(re.findall(r"`((?:scanner|tests|rules|testdata|docs)/[^`<>*…]+?)`", page))
    named |= {f"scanner/mcpiam/{folder}" for folder in re.findall(r"^\| `([a-z]+)/` \|", page, re.MULTILINE)}
    assert len(named) > 15
    missing = sorted(name for name in named if not (ROOT / name.rstrip("/")).exists())
    assert not missing, missing
    folders = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()}
    assert {f"scanner/mcpiam/{f}" for f in folders} <= named, "a stage folder is missing from the table"
