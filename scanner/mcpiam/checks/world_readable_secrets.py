"""
## What it flags
A config file that holds a literal credential and that other accounts on the machine can read:
its POSIX permission bits let the file's group or everyone read it (`chmod 644`, the default for
files created with the usual umask 022). There is one finding per file, at its first literal
credential, with the others as related locations; the message gives the mode and who can read
it, never the value. It is high when everyone can read the file, medium when only its group can.

Only a machine's own configs are judged (user, managed and plugin files, as `mcpiam sweep`
finds them): a repository's project configs are exposed by the repository itself, which
`embedded-secret` reports. File modes are read when the file is read, on Linux and macOS. On Windows, or for a home swept
with `--platform windows`, permission bits mean nothing: the rule reports nothing there and
leaves an informational note for each file it could not judge.

## Why it matters
A token in `~/.cursor/mcp.json` or `~/.claude.json` is meant for one person, but a readable file
hands it to every local account, shared build agent, container with the home mounted, backup job
and malware running as another user. Claude Code's own docs warn that a managed `managed-mcp.json`
is readable by every user. The file mode travels with copies: tarballs, dotfile syncs and backups
keep it.

## Example
```json mode=0644 file=claude_desktop_config.json
{"mcpServers": {"orders-db": {"command": "npx",
  "args": ["-y", "@modelcontextprotocol/server-postgres",
           "postgresql://orders_ro:vT8qLw2Zr5Nx@orders.db.internal/orders"]}}}
```

## Use instead
Keep the credential out of the file (a wrapper that injects it, or the OS keychain), and make
files that must hold one readable by you alone (`chmod 600 ~/.claude.json`):
```json mode=0600 file=claude_desktop_config.json
{"mcpServers": {"orders-db": {"command": "npx",
  "args": ["-y", "@modelcontextprotocol/server-postgres",
           "postgresql://orders_ro:${ORDERS_DB_PASSWORD}@orders.db.internal/orders"]}}}
```

## Options
None. Directory permissions can also keep other accounts out (a home of mode 0700), but the rule
judges the file alone: copies of it do not keep their directory.

## References
- https://owasp.org/www-project-non-human-identities-top-10/2025/2-secret-leakage/
- https://code.claude.com/docs/en/managed-mcp
- https://pubs.opengroup.org/onlinepubs/9799919799/functions/chmod.html
"""

from __future__ import annotations

import stat
from collections.abc import Iterator

from mcpiam.checks.base import RuleInfo, ScanInput
from mcpiam.core.findings import Finding, Severity
from mcpiam.model.servers import Scope
from mcpiam.core.notes import Note

RULE = RuleInfo(
    id="world-readable-secrets",
    severity=Severity.HIGH,
    summary="A config file holding a literal credential is readable by other accounts.",
    docs=__doc__ or "",
    tags=("secret", "permissions"),
    controls=("OWASP-NHI2",),
    needs_credentials=True,
)


def _by_file(scan: ScanInput) -> dict[str, list]:
    files: dict[str, list] = {}
    for credential in scan.credentials:
        files.setdefault(credential.config.path, []).append(credential)
    return files


def readers(mode: int) -> tuple[str, ...]:
    """Who besides the owner may read a file of this mode."""
    return tuple(name for bit, name in ((stat.S_IRGRP, "group"), (stat.S_IROTH, "others")) if mode & bit)


# A repository's files are exposed by the repository itself (embedded-secret says so); their mode
# on one checkout says nothing about who can read them.
REPOSITORY_SCOPES = frozenset({Scope.PROJECT, Scope.SERVER_MANIFEST})


def check(scan: ScanInput) -> Iterator[Finding]:
    for path, credentials in _by_file(scan).items():
        config = credentials[0].config
        if config.mode is None or config.scope in REPOSITORY_SCOPES:
            continue
        who = readers(config.mode)
        if not who:
            continue
        ordered = sorted(credentials, key=lambda c: (c.span, c.fingerprint))
        first = ordered[0]
        count = len({c.fingerprint for c in ordered})
        mode = f"{config.mode:04o}"
        audience = "every account on the machine" if "others" in who else "the file's group"
        yield Finding(
            rule_id=RULE.id,
            severity=RULE.severity if "others" in who else Severity.MEDIUM,
            message=(
                f"{path} holds {count} literal credential{'' if count == 1 else 's'} (first: "
                f"{first.label} {first.preview}) and its mode {mode} lets {audience} read it. "
                f"Move the credential out of the file, or make it private: chmod 600 {path}."
            ),
            location=first.location,
            related=tuple(c.location for c in ordered[1:]),
            server=first.server.name if first.server else None,
            client=config.client,
            subject_key="file-mode",
            properties=(("mode", mode), ("readable_by", ",".join(who)), ("credentials", str(count))),
        )


def notes(scan: ScanInput) -> Iterator[Note]:
    """Files holding a credential whose permissions could not be judged (Windows, unknown mode)."""
    for path, credentials in _by_file(scan).items():
        if credentials[0].config.mode is None:
            yield Note(path, "info", "file-mode-not-checked",
                       "holds a literal credential; its permissions were not checked (Windows "
                       "layout or unknown mode), so world-readable-secrets could not judge it")
