"""The advice in an embedded-secret finding names a reference the reading client expands."""

from __future__ import annotations

import pytest

from mcpiam.catalogue import default_catalogue, union_expands
from mcpiam.secrets.advice import reference_advice

CATALOGUE = default_catalogue()


@pytest.mark.parametrize("path, form", [
    (".mcp.json", "${NAME}"),  # Claude Code first, though Visual Studio also reads it
    (".vscode/mcp.json", "${input:ID}"),
    (".cursor/mcp.json", "${env:NAME}"),
    (".continue/mcpServers/x.yaml", "${{ secrets.NAME }}"),
    (".gemini/settings.json", "$NAME"),
    (".devcontainer/devcontainer.json", "${localEnv:NAME}"),  # not ${input:ID}
])
def test_advice_uses_the_primary_clients_syntax(path: str, form: str) -> None:
    expands = union_expands(CATALOGUE.claim_project_path(path))
    assert f"Reference it instead as {form}" in reference_advice(expands)


def test_a_client_that_expands_nothing_gets_a_wrapper_advice() -> None:
    expands = union_expands(CATALOGUE.claim_project_path("claude_desktop_config.json"))
    assert expands == ()
    assert "op run" in reference_advice(expands)


def test_unknown_client_gets_a_generic_advice() -> None:
    assert "syntax the reading client expands" in reference_advice(("*",))
