"""A family prefix with nothing after it is a placeholder; a random body of the same shape is not."""

from __future__ import annotations

import pytest

from mcpiam.secrets.families import expand_example
from mcpiam.secrets.references import is_placeholder


@pytest.mark.parametrize("value", ["sk-", "ghp_", "sk-...", "sk-proj-", "github_pat_", "xoxb-…",
                                   "glpat-***", "sk-proj-..."])
def test_a_bare_prefix_is_a_placeholder(value: str) -> None:
    assert is_placeholder(value)


@pytest.mark.parametrize("template", ["{alnum:12}_{alnum:6}_", "{alnum:12}-{alnum:6}-",
                                      "{alnum:10}.{alnum:5}_"])
def test_a_random_body_shaped_like_a_prefix_is_not_a_placeholder(template: str) -> None:
    # 20 characters that happen to end in a separator: a PagerDuty key can look like this.
    value = expand_example(template)
    assert not is_placeholder(value), template
