"""Stage 5, checks: the rules. One module per rule, and this registry of them.

In: a ``base.ScanInput`` (the configs, their servers, the credentials the secrets stage found, the
policy). Out: ``Finding`` objects, each at a route the engine resolved to a line and column. The
registry below lists one line per rule module, in the order rules are listed to users.
"""

from __future__ import annotations

import importlib
from functools import lru_cache

from mcpiam.checks.base import Rule

RULE_MODULES = (
    "mcpiam.checks.config_parse_error",
    "mcpiam.checks.insecure_transport",
    "mcpiam.checks.embedded_secret",
    "mcpiam.checks.unscoped_token",
    "mcpiam.checks.unexpanded_reference",
    "mcpiam.checks.shared_credential",
    "mcpiam.checks.shared_account",
    "mcpiam.checks.excessive_scope",
    "mcpiam.checks.unpinned_server",
    "mcpiam.checks.missing_owner",
    "mcpiam.checks.incomplete_ownership",
    "mcpiam.checks.unapproved_server",
    "mcpiam.checks.suppression_without_reason",
    "mcpiam.checks.unknown_rule_in_suppression",
    "mcpiam.checks.world_readable_secrets",
    "mcpiam.checks.credential_in_agent_history",
    "mcpiam.checks.dormant_server",
    "mcpiam.checks.unconfigured_server_use",
)


@lru_cache(maxsize=1)
def all_rules() -> tuple[Rule, ...]:
    rules = []
    for name in RULE_MODULES:
        module = importlib.import_module(name)
        rules.append(Rule(info=module.RULE, check=module.check, notes=getattr(module, "notes", None),
                          keeps=getattr(module, "keeps", None)))
    return tuple(rules)


def rule_by_id(rule_id: str) -> Rule | None:
    for rule in all_rules():
        if rule.info.id == rule_id:
            return rule
    return None
