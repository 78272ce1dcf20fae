"""Rule documentation: the Markdown reference under docs/rules/ is generated from rule docstrings."""

from __future__ import annotations

from pathlib import Path

from mcpiam.checks import all_rules
from mcpiam.checks.base import RuleInfo


def rule_markdown(info: RuleInfo) -> str:
    lines = [
        f"# `{info.id}`",
        "",
        f"*Severity:* {info.severity.value}  ",
        f"*Summary:* {info.summary}",
    ]
    from mcpiam.report.frameworks import controls_of, describe

    if controls_of(info):
        lines.append(f"*Controls:* {', '.join(f'{c} ({describe(c)})' for c in controls_of(info))}")
    lines += ["", info.docs.strip(), ""]
    return "\n".join(lines)


def index_markdown(rules: list[RuleInfo]) -> str:
    lines = ["# Rules", "", "Generated from the rule modules by `mcpiam generate-docs`; do not edit by hand.",
             "", "| Rule | Severity | What it flags |", "|---|---|---|"]
    for info in rules:
        lines.append(f"| [`{info.id}`]({info.id}.md) | {info.severity.value} | {info.summary} |")
    lines += ["", "The token families that `embedded-secret` and `unscoped-token` recognise are listed in",
              "[token-families.md](token-families.md)."]
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def families_markdown() -> str:
    """The shipped token families: what each grants, how long it lives, and where that is documented."""
    from mcpiam.secrets.families import load_families

    families = sorted(load_families(check_examples=False), key=lambda f: (f.provider, f.id))
    lines = [
        "# Token families",
        "",
        "Generated from the YAML files in [`rules/`](../../rules/) by `mcpiam generate-docs`; do not",
        "edit by hand. `embedded-secret` names the family of each literal credential it finds;",
        "`unscoped-token` reports the families whose *grants* are `broad`, `user`, `admin` or",
        "`service-account`, or whose *lifetime* is `no-expiry`. Add your own with `--rules DIR`.",
        "",
        f"{len(families)} families from {len({f.provider for f in families})} providers.",
        "",
        "| Provider | Family | Id | Grants | Lifetime | Severity | Reference |",
        "|---|---|---|---|---|---|---|",
    ]
    for family in families:
        reference = f"[docs]({family.references[0]})" if family.references else ""
        lines.append(
            f"| {_cell(family.provider)} | {_cell(family.name)} | `{family.id}` | "
            f"{family.grants.value} | {family.lifetime.value} | {family.severity.value} | {reference} |"
        )
    return "\n".join(lines + _providers_markdown()) + "\n"


def _providers_markdown() -> list[str]:
    """The providers a key name names (``secrets/providers.json``), after the families."""
    from mcpiam.secrets.providers import provider_catalogue

    providers = provider_catalogue().providers
    lines = [
        "",
        "## Providers named by a key",
        "",
        "A credential no family knows (its key name or randomness says it is one) is attributed to",
        "the provider its key names: `ACME_API_KEY`, `X-Acme-Token`, `--acme-key`, or the words before",
        "it on a line (`acme access key V`). Generated from `scanner/mcpiam/secrets/providers.json`;",
        "a word in *italics* names its provider only as a whole key beside credential words alone",
        "(`FRONT_API_TOKEN`, never `FRONT_DOOR_TOKEN`).",
        "",
        f"{len(providers)} providers.",
        "",
        "| Provider | Id | Key words | Reference |",
        "|---|---|---|---|",
    ]
    for provider in providers:
        words = [f"`{word}`" for word in provider.words]
        words += [f"*`{word}`*" for word in provider.whole_key_words]
        lines.append(f"| {_cell(provider.name)} | `{provider.id}` | {', '.join(words)} | "
                     f"[docs]({provider.reference}) |")
    return lines


def generated_rule_docs() -> dict[str, str]:
    """File name -> content for every generated page under docs/rules/."""
    infos = [rule.info for rule in all_rules()]
    pages = {f"{info.id}.md": rule_markdown(info) for info in infos}
    pages["README.md"] = index_markdown(infos)
    pages["token-families.md"] = families_markdown()
    return pages


def write_rule_docs(directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, content in generated_rule_docs().items():
        target = directory / name
        target.write_text(content, encoding="utf-8")
        written.append(target)
    return written
