"""The JSON snapshots of the shipped catalogue and token families (scanner/mcpiam/core/snapshot.py).

A snapshot must be current, give exactly what parsing the YAML gives, and never win over YAML
that has changed since it was made.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import fields
from pathlib import Path

import pytest

from mcpiam import catalogue as catalogue_module
from mcpiam.catalogue import build_catalogue, load_raw, parse_raw
from mcpiam.secrets import families as families_module
from mcpiam.secrets.families import TokenFamily, load_families, shipped_rules_dir
from mcpiam.cli.snapshots import shipped_snapshots
from mcpiam.core.snapshot import SNAPSHOT_FORMAT, snapshot_data, snapshot_text, sources_digest

ROOT = Path(__file__).resolve().parents[1]


def _family_fields(family: TokenFamily) -> tuple:
    return tuple(getattr(family, item.name) for item in fields(TokenFamily))


def test_committed_snapshots_are_current() -> None:
    for path, expected in shipped_snapshots().items():
        assert path.is_file(), f"{path} is missing: run `python -m mcpiam generate-snapshots`"
        assert path.read_text(encoding="utf-8") == expected, (
            f"{path.name} is stale: run `python -m mcpiam generate-snapshots`"
        )


def test_snapshot_families_equal_the_parsed_families() -> None:
    from_snapshot = load_families(check_examples=False)
    parsed = load_families(check_examples=True)  # always parses and checks the YAML
    assert [_family_fields(f) for f in from_snapshot] == [_family_fields(f) for f in parsed]
    assert families_module._from_snapshot(shipped_rules_dir()) is not None  # the snapshot was used


def test_snapshot_catalogue_equals_the_parsed_catalogue() -> None:
    source = Path(catalogue_module.__file__).with_name(catalogue_module.CATALOGUE_FILE).read_bytes()
    assert load_raw() == parse_raw(source)
    assert build_catalogue(load_raw()) == build_catalogue(parse_raw(source))


def test_changed_rule_files_are_read_from_yaml_not_the_stale_snapshot(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(shipped_rules_dir(), rules)
    github = rules / "github.yaml"
    text = github.read_text(encoding="utf-8")
    assert "name: GitHub" in text
    github.write_text(text.replace("name: GitHub", "name: Renamed GitHub", 1), encoding="utf-8")
    monkeypatch.setattr(families_module, "shipped_rules_dir", lambda: rules)

    assert families_module._from_snapshot(rules) is None
    names = {family.name for family in load_families(check_examples=False)}
    assert any(name.startswith("Renamed GitHub") for name in names)


def test_an_added_or_removed_rule_file_makes_the_snapshot_stale(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(shipped_rules_dir(), rules)
    (rules / "stripe.yaml").unlink()
    assert families_module._from_snapshot(rules) is None
    shutil.copytree(shipped_rules_dir(), rules, dirs_exist_ok=True)
    assert families_module._from_snapshot(rules) is not None
    (rules / "extra.yaml").write_text((rules / "npm.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    assert families_module._from_snapshot(rules) is None


@pytest.mark.parametrize(
    "snapshot",
    [
        None,
        b"",
        b"not json",
        b"[]",
        json.dumps({"format": SNAPSHOT_FORMAT + 1, "digest": "d", "data": {}}).encode(),
        json.dumps({"format": SNAPSHOT_FORMAT, "digest": "other", "data": {}}).encode(),
    ],
)
def test_a_missing_foreign_or_stale_snapshot_is_not_used(snapshot: bytes | None) -> None:
    assert snapshot_data(snapshot, "d") is None


def test_a_current_snapshot_gives_its_data() -> None:
    digest = sources_digest([("a.yaml", b"x: 1\n")])
    assert snapshot_data(snapshot_text(digest, {"x": 1}).encode(), digest) == {"x": 1}
    assert digest != sources_digest([("b.yaml", b"x: 1\n")])
    assert digest != sources_digest([("a.yaml", b"x: 2\n")])
    # Names and contents cannot run into each other.
    assert sources_digest([("ab", b"c")]) != sources_digest([("a", b"bc")])


def test_generate_snapshots_writes_what_the_check_expects(tmp_path: Path) -> None:
    checkout = tmp_path / "checkout"
    shutil.copytree(ROOT / "scanner", checkout / "scanner", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "rules", checkout / "rules")
    for snapshot in [*(checkout / "scanner").rglob("*.snapshot.json"),
                     checkout / "scanner/mcpiam/core/valuetype_inits.py",
                     checkout / "scanner/mcpiam/core/pattern_code.py"]:
        snapshot.write_text("{}", encoding="utf-8")
    def generate(*options: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "mcpiam", "generate-snapshots", *options],
                              cwd=checkout, capture_output=True, text=True, timeout=120,
                              env={**os.environ, "PYTHONPATH": str(checkout / "scanner")})

    stale = generate("--check")
    assert stale.returncode == 1 and stale.stdout.count(": stale") == len(shipped_snapshots()), stale.stdout + stale.stderr
    assert (checkout / "scanner/mcpiam/catalogue/clients.snapshot.json").read_text(encoding="utf-8") == "{}"
    written = generate()
    assert written.returncode == 0 and written.stdout.count(": written") == len(shipped_snapshots()), written.stderr
    current = generate("--check")
    assert current.returncode == 0 and current.stdout.count(": current") == len(shipped_snapshots()), current.stdout
    for path, expected in shipped_snapshots().items():
        written = checkout / path.relative_to(ROOT)
        assert written.read_text(encoding="utf-8") == expected


def test_the_snapshots_serve_the_wheel_layout_too(tmp_path: Path) -> None:
    # A wheel ships rules/ as mcpiam/token_rules (pyproject force-include): same files, same digest.
    site = tmp_path / "site"
    shutil.copytree(ROOT / "scanner" / "mcpiam", site / "mcpiam", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "rules", site / "mcpiam" / "token_rules")
    probe = ("from mcpiam.secrets import families\n"
             "from mcpiam import catalogue\n"
             "from mcpiam.core.snapshot import snapshot_data\n"
             "directory = families.shipped_rules_dir()\n"
             "source = catalogue._data_bytes(catalogue.CATALOGUE_FILE)\n"
             "print(directory.name, families._from_snapshot(directory) is not None,\n"
             "      snapshot_data(catalogue._data_bytes(catalogue.SNAPSHOT_FILE),\n"
             "                    catalogue.catalogue_digest(source)) is not None)\n")
    result = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True,
                            timeout=120, env={"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["token_rules", "True", "True"]


@pytest.mark.parametrize("data", [{1: "a number as a key"}, {"when": __import__("datetime").date(2026, 1, 1)}])
def test_data_json_cannot_hold_as_it_is_is_refused(data: object) -> None:
    with pytest.raises(ValueError, match="JSON cannot represent"):
        snapshot_text("d", data)
