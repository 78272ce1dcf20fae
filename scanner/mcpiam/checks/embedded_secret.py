"""
## What it flags
A literal credential written into an MCP config value: an API key, token, password or private
key in `env`, `headers`, `args` (`--api-key=V`, `--token V`, docker `-e K=V`), a URL's user info
or query string, a connection string, JSON inside a string, the default of `${VAR:-default}`, an
OAuth client secret, a registry `server.json` or MCPB `user_config` default, a `.env` file that a
server's `envFile` names, or a client's secrets `.env` (Continue).
Shell commands are read word by word as a shell reads them: a `sh -c` / `bash -lc` script, a
command line written in `command`, and Claude Code settings' `Bash(...)` permission rules, hook
commands and credential helpers (`apiKeyHelper`, `headersHelper`, ...): `NAME=value` assignments
(several, after `export` or `env`), quoted values, `--flag value` and `--flag=value`; there `$VAR`,
`${VAR}` and `$(cmd)` are references the shell expands.
The token family (for example "GitHub classic personal access token") comes from the declarative
data in `rules/`; values no family knows are judged by detect-secrets' keyword and entropy
detectors with the key name as context; such a credential is attributed to the provider its key
names (`ATERA_API_KEY`, `X-Acme-Token`, `--acme-key`; 600+ providers as data in
`mcpiam/secrets/providers.json`, listed in `token-families.md`). A line of text is read word by
word: a generated-looking value after a credential word (`acme access key V`, `token = V`) or
after a provider's name (`acme V`) is found at its own column. References the owning client expands (`${env:X}`,
`${input:id}`, `{env:X}`, `${{ secrets.X }}`, …), secret-manager URIs (`op://…`),
placeholders (`<YOUR_TOKEN>`, `xxxx`, `sk-...`, `AKIAIOSFODNN7EXAMPLE`, repeated characters) and
the fields where a client expects the NAME of an environment variable or secret (Codex
`bearer_token_env_var`, `env_vars`, `env_http_headers`; Goose `env_keys`; Gemini extension
`settings[].envVar`; Docker catalog `secrets[].env`) are never flagged, unless the value there is
itself a known token.
Checksums: GitHub (`ghp_`, `gho_`, `ghu_`, `ghs_`, ...) and npm (`npm_`) tokens end in a CRC32
checksum of their random part, which every real token passes. A value of that shape whose checksum
fails is still reported, at low severity, as a "value in ... format": it is a test value, a typo,
or a damaged real token that still leaks most of one. When its key name (`GITHUB_TOKEN`) or its
randomness alone would call the value a credential, that verdict and its severity stand; it is one
finding either way. Placeholders are data (`mcpiam/secrets/placeholders.json`): values made of
words such as `fake`, `dummy`, `example`, `sample`, `test` or `changeme` (`fake-token-value`),
`your_…` and `…_here`, a family prefix followed by a variable's name (`sk_STRIPE_SECRET_KEY`) and
the sample credentials vendors print. Docker MCP catalog `example:` fields are documentation and
never judged.
Password hashes (crypt `$1$`/`$5$`/`$6$`/`$y$`, bcrypt `$2b$`, Argon2, Kerberos roasting hashes)
are reported at low severity: a hash opens nothing by itself, but the password behind it can be
guessed offline, so the finding says so and never calls it an access token (no `unscoped-token`).

## Why it matters
A config file is copied, committed, synced and backed up. A credential in it is readable by
everyone who can read the file, stays in version history after it is removed, and cannot be
rotated without finding every copy. One leaked MCP token acts with all the rights of the
account that issued it. The finding's advice names the variable to reference instead (the env
key as written, a header or flag name in upper snake case), and, for a file git tracks, says to
rotate the credential: it stays in git history after the value is removed.

## Example
```json
{"mcpServers": {"github": {"command": "npx",
  "args": ["-y", "@modelcontextprotocol/server-github"],
  "env": {"GITHUB_PERSONAL_ACCESS_TOKEN": "github_pat_11ABCDEFG0123456789abc_0aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789aBcDeFgHiJkLmNoPqRsTuV"}}}}
```

## Use instead
```json
{"mcpServers": {"github": {"command": "npx",
  "args": ["-y", "@modelcontextprotocol/server-github"],
  "env": {"GITHUB_PERSONAL_ACCESS_TOKEN": "${GITHUB_PERSONAL_ACCESS_TOKEN}"}}}}
```

## Options
`--rules DIR` adds token families (YAML files in the format of `rules/`). `--fingerprint-key`
(or `MCPIAM_FINGERPRINT_KEY`) sets the key of the HMAC-SHA256 fingerprint each finding carries,
so an organisation gets the same fingerprint for the same secret on every machine; the default
key is public and only good for a single machine. Findings show at most the family's prefix and
the last four characters of the value.

## References
- https://owasp.org/www-project-non-human-identities-top-10/2025/2-secret-leakage/
- https://modelcontextprotocol.io/specification/2025-06-18/basic/security_best_practices
- https://code.visualstudio.com/docs/copilot/reference/mcp-configuration#_input-variables-for-sensitive-data
"""

from __future__ import annotations

import time
from collections.abc import Iterator

from mcpiam.checks.base import RuleInfo, ScanInput
from mcpiam.core.findings import Finding, Severity
from mcpiam.secrets.advice import reference_advice, variable_name
from mcpiam.secrets.detect import BAD_CHECKSUM, Credential
from mcpiam.secrets.families import Grants

RULE = RuleInfo(
    id="embedded-secret",
    severity=Severity.HIGH,
    summary="A literal credential is written in an MCP config value.",
    docs=__doc__ or "",
    tags=("secret",),
    controls=("OWASP-NHI2", "OWASP-NHI7", "OWASP-ASI03"),
    needs_credentials=True,
)

LIFETIMES = {"short": "is short-lived", "long": "is long-lived", "no-expiry": "does not expire",
             "unknown": "its lifetime is unknown"}
ONE_YEAR_SECONDS = 366 * 24 * 3600


def jwt_lifetime(claims: dict[str, str]) -> str | None:
    """What a JWT's own claims say of its lifetime, when that is a risk: no ``exp``, or over a year."""
    if "exp" not in claims:
        return "its JWT has no expiry (exp)"
    try:
        expires = int(float(claims["exp"]))
        issued = int(float(claims.get("iat", time.time())))
    except ValueError:
        return None
    return "its JWT lives longer than a year" if expires - issued > ONE_YEAR_SECONDS else None


PLACES = {
    "env": "an env value", "header": "a header", "arg": "an argument", "flag-value": "an argument",
    "pair": "a KEY=VALUE setting", "url-password": "a URL's user info", "url-query": "a URL query",
    "default": "a ${VAR:-default} default", "field": "a config value",
    "key": "a key or name (a server, env, header or table name)", "anchor": "a YAML anchor name",
    "phrase": "a line of text, after",  # a value labelled in words ("access key V")
    "unparsed": "an unparsed value",  # the file does not parse or was refused as binary
}


# Places whose context (an env key, a header, a flag, a KEY=VALUE name) is a variable's name.
NAMING_PLACES = frozenset({"env", "pair", "default", "header", "flag-value"})
# Field names that name the place, not the secret.
UNNAMING_FIELDS = frozenset({"ARGS", "ARG", "URL", "COMMAND", "CMD", "VALUE", "NAME"})


def _severity(credential: Credential) -> Severity:
    """The family's own severity; a look-alike whose checksum fails is low unless its key name or
    entropy alone would call it a credential (then as high as any such value)."""
    if credential.family is not None:
        return credential.family.severity
    if credential.lookalike is not None and credential.generic_kind == BAD_CHECKSUM:
        return Severity.LOW
    return RULE.severity


def _checksum_fact(credential: Credential) -> str:
    if credential.lookalike is None:
        return ""
    named = "" if credential.generic_kind == BAD_CHECKSUM else " Its key name or randomness still marks it as a credential."
    return (f" Its checksum fails: a test value, a typo, or a damaged real token, which still leaks "
            f"most of one.{named}")


def check(scan: ScanInput) -> Iterator[Finding]:
    for credential in scan.credentials:
        family = credential.family
        severity = _severity(credential)
        facts = _checksum_fact(credential)
        if family is not None and family.grants is Grants.NONE:
            facts = (" It grants no access by itself, but the password can be guessed from it "
                     "offline, and the same password often opens other accounts.")
        elif family is not None:
            facts = f" It grants {family.grants.value} access and {LIFETIMES[family.lifetime.value]}."
        jwt_fact = jwt_lifetime(dict(credential.claims)) if credential.claims else None
        if jwt_fact is not None:
            facts += f" By its claims, {jwt_fact}."
        where = PLACES.get(credential.candidate.place, "a config value")
        name = credential.candidate.context
        server = credential.server.name if credential.server else None
        message = (
            f"{credential.label[:1].upper()}{credential.label[1:]} ({credential.preview}) is written "
            f"literally in {where}" + (f" '{name}'" if name else "")
            + (f" of server '{server}'" if server else "") + f".{facts}"
        )
        # An env key (or KEY=VALUE name) is the variable itself; a header or flag names one.
        env_key = credential.candidate.place in ("env", "pair", "default")
        variable = variable_name(name, env_key)
        if credential.candidate.place not in NAMING_PLACES or variable in UNNAMING_FIELDS:
            # An argument, a URL or a plain field names no variable ("args" is not one): one named
            # after the server it is for (analytics -> ANALYTICS_SECRET).
            variable = variable_name(f"{server}_secret", env_key=False) if server else "NAME"
        remedy = reference_advice(credential.config.expands, variable) + "."
        if credential.config.tracked:  # git's index has the file: removing the value is not enough
            remedy += " Rotate it: it stays in git history."
        properties = (("fingerprint", credential.fingerprint), ("preview", credential.preview),
                      ("family", family.id if family else f"generic-{credential.generic_kind}"))
        if family is not None:
            properties += (("lifetime", family.lifetime.value),)
        if credential.provider is not None or (family is None and credential.provider_id):
            # No family, or a cross-vendor one: the look-alike's or the key name's provider.
            properties += (("provider", credential.provider_id),)
        if credential.lookalike is not None:
            properties += (("checksum", "failed"), ("shape", credential.lookalike.id))
        yield Finding(
            rule_id=RULE.id,
            severity=severity,
            message=message,
            location=credential.location,
            server=server,
            client=credential.config.client,
            subject_key=credential.fingerprint,
            properties=properties,
            help=remedy,
        )
