"""What to write instead of a literal secret, derived from what the owning client expands."""

from __future__ import annotations

import re

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

_VARIABLE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_NOT_NAME = re.compile(r"[^A-Za-z0-9]+")
_PLACEHOLDERS = re.compile(r"\b(?:NAME|ID|KEY)\b")


def variable_name(context: str, env_key: bool = True) -> str:
    """The variable to advise for a secret found under ``context`` (its env key, header or flag):
    an env key (``env_key``) as written, else the name in upper snake case (``--api-key`` ->
    ``API_KEY``, header ``X-Api-Key`` -> ``X_API_KEY``); ``NAME`` when nothing names it. The name
    is no secret, but like every input string it reaches the output only through
    ``mcpiam.core.redact``."""
    if env_key and _VARIABLE.fullmatch(context):
        return context
    words = _NOT_NAME.sub("_", context.rsplit(" ", 1)[0] if " " in context else context).strip("_").upper()
    return words if words and not words[0].isdigit() else "NAME"


def reference_advice(expands: tuple[str, ...], name: str = "") -> str:
    """One sentence naming the reference the client expands, or what to do when it expands none;
    ``name`` (the variable to reference, see ``variable_name``) replaces the forms' placeholder."""
    if "*" in expands:  # the reading client is unknown
        return ("Reference it instead in the syntax the reading client expands (e.g. "
                + _named("${env:NAME}", name) + ") and keep the value in a secret store")
    # The file's expands list is ordered by claim: the client that primarily reads it comes first
    # (.mcp.json is Claude Code's before it is Visual Studio's), so its own syntax is advised.
    forms = dict(REFERENCE_FORMS)
    for syntax in expands:
        if syntax in forms:
            return f"Reference it instead as {_named(forms[syntax], name)} and keep the value in a secret store"
    return ("This client expands no references in this file: keep the value in a secret manager "
            "and start the server through a wrapper that injects it (e.g. `op run --`, a keychain "
            "lookup), or use an env-var name field where the client has one")


def _named(form: str, name: str) -> str:
    # The explanations that follow some forms hold no upper-case NAME, ID or KEY.
    return _PLACEHOLDERS.sub(lambda _: name, form) if name else form
