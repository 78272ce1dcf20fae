"""The policy file (``.mcpiam.yaml``): owners registry, approved servers, rule overrides, path
ignores, allow-listed findings and extra shared-account names; ``Policy()`` means "no policy"."""

from __future__ import annotations

from mcpiam.policy.loader import (
    POLICY_FILE_NAMES,
    PolicyError,
    PolicyProblem,
    find_policy,
    load_policy,
    parse_policy,
    policy_schema,
)
from mcpiam.policy.model import (
    AllowedFinding,
    ApprovedServer,
    CodeOwnersRule,
    OwnerEntry,
    Policy,
    RuleOverride,
    ServerMatch,
)


def starter_policy() -> str:
    """The commented starter ``.mcpiam.yaml`` that ``mcpiam policy init`` writes."""
    from importlib import resources

    return resources.files("mcpiam.policy").joinpath("starter.yaml").read_text(encoding="utf-8")


__all__ = [
    "POLICY_FILE_NAMES", "AllowedFinding", "ApprovedServer", "CodeOwnersRule", "OwnerEntry", "Policy",
    "PolicyError", "PolicyProblem", "RuleOverride", "ServerMatch", "find_policy", "load_policy",
    "parse_policy", "policy_schema", "starter_policy",
]
