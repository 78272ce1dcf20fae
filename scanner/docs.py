"""Rule documentation: the Markdown reference under docs/rules/ is generated from rule docstrings."""

from __future__ import annotations

from pathlib import Path

from scanner.checks import all_rules
from scanner.checks.base import RuleInfo


def rule_markdown(info: RuleInfo) -> str:
    lines = [
        f"# `{info.id}`",
        "",
        f"*Severity:* {info.severity.value}  ",
        f"*Summary:* {info.summary}",
    ]
    if info.controls:
        lines.append(f"*Controls:* {', '.join(info.controls)}")
    lines += ["", info.docs.strip(), ""]
    return "\n".join(lines)


def index_markdown(rules: list[RuleInfo]) -> str:
    lines = ["# Rules", "", "Generated from the rule modules by `mcpiam docs`; do not edit by hand.", "",
             "| Rule | Severity | What it flags |", "|---|---|---|"]
    for info in rules:
        lines.append(f"| [`{info.id}`]({info.id}.md) | {info.severity.value} | {info.summary} |")
    return "\n".join(lines) + "\n"


def generated_rule_docs() -> dict[str, str]:
    """File name -> content for every generated page under docs/rules/."""
    infos = [rule.info for rule in all_rules()]
    pages = {f"{info.id}.md": rule_markdown(info) for info in infos}
    pages["README.md"] = index_markdown(infos)
    return pages


def write_rule_docs(directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, content in generated_rule_docs().items():
        target = directory / name
        target.write_text(content, encoding="utf-8")
        written.append(target)
    return written
