"""Every rule is documented, has bad and good fixtures, and its documented example really fires.

Fixtures live in ``testdata/rules/<rule-id>/``: ``bad/`` and ``good/`` trees laid out as a
repository, and ``bad.expected`` listing the findings the bad tree must give, one per line as
``path:line:column rule-id`` (regenerate with ``UPDATE=1``). The good tree must give none for the
rule. Rules that read the policy find it as ``.mcpiam.yaml`` at the root of a fixture tree; in a
rule's documented example, a code block whose first line is ``# .mcpiam.yaml`` is that file.
A rule that judges the clients' activity records (``needs_activity``) sees each fixture tree, and
its documented example (every block with its ``file=``), as a home swept with ``--activity``.
Git keeps no group/other permission bits, so a rule that reads file modes lists them in
``bad.modes`` / ``good.modes`` (``path mode`` per line), applied before scanning; a documented
example's fence may carry ``mode=0644`` and ``file=NAME``.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from mcpiam.checks import RULE_MODULES, all_rules
from mcpiam.checks.base import DOC_SECTIONS
from mcpiam.report.rule_docs import generated_rule_docs
from mcpiam.engine.scan import ScanSettings, scan_paths

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "testdata" / "rules"
RULE_IDS = [rule.info.id for rule in all_rules()]
POLICY_FILE = ".mcpiam.yaml"
EXAMPLE_SUFFIX = {"json": ".json", "jsonc": ".json", "yaml": ".yaml", "toml": ".toml", "jsonl": ".jsonl"}


def apply_fixture_modes(tree: Path) -> None:
    modes = tree.parent / f"{tree.name}.modes"
    if modes.is_file():
        for line in modes.read_text(encoding="utf-8").splitlines():
            if line.strip():
                relative, mode = line.rsplit(maxsplit=1)
                (tree / relative).chmod(int(mode, 8))


def needs_activity(rule_id: str) -> bool:
    return next(r.info.needs_activity for r in all_rules() if r.info.id == rule_id)


def swept_with_activity(home: Path, rule_id: str):  # type: ignore[no-untyped-def]
    """A rule that judges activity records sees a fixture tree as a home swept with --activity, at a
    fixed time (the records' dates are in October 2026)."""
    from datetime import datetime, timezone

    from mcpiam.catalogue import default_catalogue
    from mcpiam.engine.sweep import make_plan, run_sweep

    catalogue = default_catalogue()
    plan, _ = make_plan(home=home, platform="linux", all_users=False, projects=False, system_root=None,
                        environ={}, catalogue=catalogue)
    return run_sweep(plan, ScanSettings(select=(rule_id,)), catalogue=catalogue, hostname="fixture",
                     now=datetime(2026, 10, 31, tzinfo=timezone.utc), activity=True).scan


def findings_for(tree: Path, rule_id: str) -> list[str]:
    apply_fixture_modes(tree)
    if needs_activity(rule_id):
        result = swept_with_activity(tree, rule_id)
    else:
        result = scan_paths([tree], ScanSettings(select=(rule_id,)), root=tree)
    return [
        f"{f.location.path}:{f.location.span.start_line}:{f.location.span.start_column} {f.rule_id}"
        for f in result.findings
    ]


def test_one_registry_line_per_rule_module() -> None:
    modules = sorted(p.stem for p in (ROOT / "scanner" / "mcpiam" / "checks").glob("*.py")
                     if p.stem not in {"__init__", "base"} and not p.stem.startswith("_"))
    assert sorted(name.rsplit(".", 1)[-1] for name in RULE_MODULES) == modules


@pytest.mark.parametrize("rule_id", RULE_IDS)
def test_rule_id_is_kebab_case_and_docs_have_every_section(rule_id: str) -> None:
    assert re.fullmatch(r"[a-z]+(?:-[a-z]+)+", rule_id)
    docs = next(r.info.docs for r in all_rules() if r.info.id == rule_id)
    headings = re.findall(r"^## (.+)$", docs, re.MULTILINE)
    assert headings == list(DOC_SECTIONS)


@pytest.mark.parametrize("rule_id", RULE_IDS)
def test_bad_fixtures_give_exactly_the_expected_findings(rule_id: str) -> None:
    bad = FIXTURES / rule_id / "bad"
    assert bad.is_dir(), f"no bad fixtures for {rule_id}"
    got = findings_for(bad, rule_id)
    expected_file = FIXTURES / rule_id / "bad.expected"
    if os.environ.get("UPDATE"):
        expected_file.write_text("\n".join(got) + "\n", encoding="utf-8")
    expected = expected_file.read_text(encoding="utf-8").split()
    assert got, f"bad fixtures of {rule_id} give no finding"
    assert [" ".join(pair) for pair in zip(expected[::2], expected[1::2])] == got


@pytest.mark.parametrize("rule_id", RULE_IDS)
def test_good_fixtures_give_no_finding(rule_id: str) -> None:
    good = FIXTURES / rule_id / "good"
    assert good.is_dir(), f"no good fixtures for {rule_id}"
    assert any(p.is_file() for p in good.rglob("*"))
    assert findings_for(good, rule_id) == []


@pytest.mark.parametrize("rule_id", RULE_IDS)
def test_documented_example_fires_and_use_instead_does_not(rule_id: str, tmp_path: Path) -> None:
    docs = next(r.info.docs for r in all_rules() if r.info.id == rule_id)
    sections = dict(re.findall(r"^## (.+?)\n(.*?)(?=^## |\Z)", docs, re.MULTILINE | re.DOTALL))
    for section, should_fire in (("Example", True), ("Use instead", False)):
        blocks = re.findall(r"```(\w+)((?: \w+=\S+)*)\n(.*?)```", sections[section], re.DOTALL)
        assert blocks, f"{rule_id}: no code block under {section}"
        directory = tmp_path / section.replace(" ", "-")
        directory.mkdir()
        target = None
        for language, attributes, body in blocks:
            # A block starting "# .mcpiam.yaml" is the policy file beside the example config.
            if body.startswith(f"# {POLICY_FILE}\n"):
                (directory / POLICY_FILE).write_text(body, encoding="utf-8")
                continue
            # An activity rule's example is a home: a config and the client's records beside it.
            assert target is None or needs_activity(rule_id), f"{rule_id}: several config blocks under {section}"
            # A fence may name the file the example lives in (```json file=claude_desktop_config.json)
            # when the rule depends on which client reads it, and its mode (mode=0644).
            options = dict(item.split("=", 1) for item in attributes.split())
            target = directory / (options.get("file") or f"example{EXAMPLE_SUFFIX[language]}")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(body, encoding="utf-8")
            if "mode" in options:
                target.chmod(int(options["mode"], 8))
        assert target is not None, f"{rule_id}: no config block under {section}"
        if needs_activity(rule_id):
            result = swept_with_activity(directory, rule_id)
        else:
            result = scan_paths([target], ScanSettings(select=(rule_id,)), root=directory)
        fired = [f for f in result.findings if f.rule_id == rule_id]
        assert bool(fired) is should_fire, f"{rule_id}: {section} example"


def test_generated_rule_docs_are_up_to_date() -> None:
    directory = ROOT / "docs" / "rules"
    pages = generated_rule_docs()
    if os.environ.get("UPDATE"):
        from mcpiam.report.rule_docs import write_rule_docs

        write_rule_docs(directory)
    on_disk = {p.name: p.read_text(encoding="utf-8") for p in directory.glob("*.md")}
    assert on_disk == pages, "docs/rules is stale: run `mcpiam generate-docs`"
