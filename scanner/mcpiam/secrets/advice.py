"""What to write instead of a literal secret, derived from what the owning client expands."""

from __future__ import annotations

# How to write each reference form, keyed by catalogue reference-syntax id.
REFERENCE_FORMS = (
    ("devcontainer-local-env", "${localEnv:NAME} (read from the host's environment when the dev "
     "container starts)"),
    ("vscode-input", "${input:ID} (prompted once, kept in the client's secret storage)"),
    ("gha-secrets", "${{ secrets.NAME }} (resolved from .env files or the Hub's secret store)"),
    ("vscode-env", "${env:NAME}"),
    ("opencode-env", "{env:NAME}"),
    ("mcpb-variables", "${user_config.KEY} with sensitive: true"),
    ("dollar-brace", "${NAME}"),
    ("dollar", "$NAME"),
)


def reference_advice(expands: tuple[str, ...]) -> str:
    """One sentence naming the reference the client expands, or what to do when it expands none."""
    if "*" in expands:  # the reading client is unknown
        return ("Reference it instead in the syntax the reading client expands (e.g. ${env:NAME}) "
                "and keep the value in a secret store")
    # The file's expands list is ordered by claim: the client that primarily reads it comes first
    # (.mcp.json is Claude Code's before it is Visual Studio's), so its own syntax is advised.
    forms = dict(REFERENCE_FORMS)
    for syntax in expands:
        if syntax in forms:
            return f"Reference it instead as {forms[syntax]} and keep the value in a secret store"
    return ("This client expands no references in this file: keep the value in a secret manager "
            "and start the server through a wrapper that injects it (e.g. `op run --`, a keychain "
            "lookup), or use an env-var name field where the client has one")
