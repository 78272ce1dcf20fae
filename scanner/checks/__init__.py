"""The rule registry: one line per rule module, in the order rules are listed to users."""

from __future__ import annotations

import importlib
from functools import lru_cache

from scanner.checks.base import Rule

RULE_MODULES = (
    "scanner.checks.config_parse_error",
    "scanner.checks.insecure_transport",
    "scanner.checks.embedded_secret",
    "scanner.checks.unscoped_token",
    "scanner.checks.unexpanded_reference",
    "scanner.checks.shared_credential",
    "scanner.checks.shared_account",
    "scanner.checks.excessive_scope",
    "scanner.checks.unpinned_server",
    "scanner.checks.missing_owner",
    "scanner.checks.incomplete_ownership",
    "scanner.checks.unapproved_server",
    "scanner.checks.suppression_without_reason",
    "scanner.checks.world_readable_secrets",
)


@lru_cache(maxsize=1)
def all_rules() -> tuple[Rule, ...]:
    rules = []
    for name in RULE_MODULES:
        module = importlib.import_module(name)
        rules.append(Rule(info=module.RULE, check=module.check, notes=getattr(module, "notes", None)))
    return tuple(rules)


def rule_by_id(rule_id: str) -> Rule | None:
    for rule in all_rules():
        if rule.info.id == rule_id:
            return rule
    return None
