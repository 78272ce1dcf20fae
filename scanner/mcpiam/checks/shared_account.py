"""
## What it flags
A server that runs as a generic or shared identity, reported at the value that names it:
- a connection-string, Basic-auth or user-setting account with a generic name: `root`, `admin`,
  `administrator`, `postgres`, `sa`, `sys`, `system`, `guest`, `default`, `superuser`, `master`,
  or a name starting with `svc`, `service` or `shared` (`svc_reporting`, `shared-bot`), plus the
  names the policy file adds (`shared_accounts`, globs allowed);
- a credential whose type is a service account by design: OpenAI `sk-svcacct-`, 1Password
  service-account tokens, Google service-account keys, Supabase `service_role` and `sb_secret_`
  keys (the families marked `shared_identity` in `rules/`);
- the same Google service account (`…@….iam.gserviceaccount.com`) or service-account key file
  (`GOOGLE_APPLICATION_CREDENTIALS`) used by several servers;
- an AWS profile named `default`, or one whose name says admin or root, used by several servers;
- Gemini CLI's `authProviderType: service_account_impersonation`, which makes every user of the
  config act as one service account;
- the same account name (connection-string, Basic-auth or user setting) used by servers that the
  policy file's owners registry gives to different owners: one identity shared across teams.

## Why it matters
Actions taken through a shared identity cannot be traced to a person or a server, its rights are
the union of everything its users needed, and it cannot be revoked for one consumer without
breaking the rest, so it lives forever. Generic database accounts such as `postgres` and `sa`
are usually superusers as well.

## Example
```json
{"mcpServers": {"warehouse": {"command": "npx", "args": ["-y",
  "@modelcontextprotocol/server-postgres", "postgresql://postgres@warehouse.internal/analytics"]}}}
```

## Use instead
```json
{"mcpServers": {"warehouse": {"command": "npx", "args": ["-y",
  "@modelcontextprotocol/server-postgres", "postgresql://mcp_warehouse_ro@warehouse.internal/analytics"]}}}
```
A dedicated, read-only role per server, named after it, with its own credential.

## Options
`shared_accounts` in the policy file (`.mcpiam.yaml`) adds names or globs to the generic list,
for example `["ci-*", "jenkins", "etl_loader"]`.

## References
- https://owasp.org/www-project-non-human-identities-top-10/2025/9-nhi-reuse/
- https://owasp.org/www-project-non-human-identities-top-10/2025/10-human-use-of-nhi/
- https://cloud.google.com/iam/docs/best-practices-service-accounts
- https://platform.openai.com/docs/api-reference/project-service-accounts
"""

from __future__ import annotations

import fnmatch
import re
from collections import defaultdict
from collections.abc import Iterator

from mcpiam.core.lazy_pattern import lazy_compile
from mcpiam.model.accounts import AccountKind, AccountMention, account_mentions
from mcpiam.checks.base import RuleInfo, ScanInput
from mcpiam.core.findings import Finding, Location, Severity
from mcpiam.model.servers import ConfigFile

RULE = RuleInfo(
    id="shared-account",
    severity=Severity.MEDIUM,
    summary="A server runs as a generic or shared identity.",
    docs=__doc__ or "",
    tags=("identity",),
    controls=("OWASP-NHI9", "OWASP-NHI10", "OWASP-ASI03"),
    needs_credentials=True,
    cross_file=True,
)

GENERIC_ACCOUNTS = frozenset({
    "root", "admin", "administrator", "postgres", "sa", "sys", "system", "guest", "default",
    "superuser", "master",
})
SHARED_PREFIX = lazy_compile(r"^(?:svc|service|shared)(?:$|[-_.]|(?<=shared)\w)", re.IGNORECASE)
ADMIN_PROFILE = lazy_compile(r"^default$|admin|root", re.IGNORECASE)
NAMED_KINDS = (AccountKind.CONNECTION_USER, AccountKind.BASIC_AUTH, AccountKind.USER_SETTING)
GROUPED_KINDS = (AccountKind.GOOGLE_SERVICE_ACCOUNT, AccountKind.GOOGLE_KEY_FILE, AccountKind.AWS_PROFILE)


def is_generic_account(name: str, extra: tuple[str, ...] = ()) -> bool:
    lowered = name.strip().lower()
    if lowered in GENERIC_ACCOUNTS or SHARED_PREFIX.match(lowered):
        return True
    return any(fnmatch.fnmatchcase(lowered, pattern.lower()) for pattern in extra)


def _finding(mention: AccountMention, message: str, subject: str,
             related: tuple[Location, ...] = ()) -> Finding:
    return Finding(
        rule_id=RULE.id,
        severity=RULE.severity,
        message=message,
        location=mention.location,
        related=related,
        server=mention.server.name if mention.server else None,
        client=mention.config.client,
        subject_key=subject,
        properties=(("account", mention.name), ("kind", mention.kind.value)),
    )


def _of_server(mention: AccountMention) -> str:
    return f"Server '{mention.server.name}'" if mention.server else "This config"


def _generic_message(where: str, name: str, kind: AccountKind) -> str:
    return (f"{where} logs in as '{name}' ({kind.value}), a generic or shared account: its actions "
            "cannot be traced to one consumer and it cannot be revoked for one without the others. "
            "Create a dedicated, least-privileged account for this server.")


def keeps(config: ConfigFile) -> bool:
    """Whether the parent's pass over every file needs this config's document: it names an account."""
    return next(iter(account_mentions(config)), None) is not None


def check(scan: ScanInput) -> Iterator[Finding]:
    extra = scan.options.extra_shared_accounts
    grouped: dict[tuple[AccountKind, str], list[AccountMention]] = defaultdict(list)
    by_name: dict[str, list[AccountMention]] = defaultdict(list)
    reported: set[tuple] = set()
    for config in scan.configs:
        for mention in account_mentions(config):
            if mention.kind in NAMED_KINDS and mention.server is not None:
                by_name[mention.name.lower()].append(mention)
            if mention.kind in NAMED_KINDS and is_generic_account(mention.name, extra):
                reported.add((config.path, mention.span))
                yield _finding(mention, _generic_message(_of_server(mention), mention.name, mention.kind),
                               f"account:{mention.name.lower()}")
            elif mention.kind is AccountKind.IMPERSONATION:
                yield _finding(
                    mention,
                    f"{_of_server(mention)} impersonates the service account "
                    f"'{mention.name}': everyone who uses this config acts as that one identity. "
                    "Authenticate each user with their own credentials (google_credentials) or "
                    "give the server its own narrowly-granted service account.",
                    f"impersonation:{mention.name}",
                )
            elif mention.kind in GROUPED_KINDS:
                grouped[(mention.kind, mention.name)].append(mention)
    yield from _shared_by_several(grouped)
    yield from _shared_across_owners(scan, by_name, reported)
    yield from _shared_identity_credentials(scan, reported)


def _shared_across_owners(scan: ScanInput, by_name: dict[str, list[AccountMention]],
                          reported: set[tuple]) -> Iterator[Finding]:
    """One account name used by servers the owners registry gives to different owners."""
    from mcpiam.policy.matching import ownership_of

    policy = scan.options.policy
    if not policy.owners and not policy.owners_from_codeowners:
        return  # no owners anywhere: nothing to compare
    for name, mentions in by_name.items():
        owners: dict[str, AccountMention] = {}
        for mention in sorted(mentions, key=lambda m: (m.config.path, m.span)):
            assert mention.server is not None
            owned = ownership_of(policy, mention.config, mention.server)
            if owned is not None:
                owners.setdefault(owned.owner, mention)
        if len(owners) < 2:
            continue
        ordered = sorted(owners.items(), key=lambda item: (item[1].config.path, item[1].span))
        first = ordered[0][1]
        if (first.config.path, first.span) in reported:
            continue  # already reported as a generic account at this place
        servers = ", ".join(f"'{m.server.name}' ({owner})" for owner, m in ordered if m.server)
        yield _finding(
            first,
            f"The account '{first.name}' ({first.kind.value}) is used by servers of "
            f"{len(ordered)} different owners: {servers}. One identity shared across teams has "
            "no single owner to rotate or revoke it; give each team's server its own account.",
            f"owners:{name}",
            tuple(m.location for _, m in ordered[1:]),
        )


def _shared_by_several(grouped: dict[tuple[AccountKind, str], list[AccountMention]]) -> Iterator[Finding]:
    for (kind, name), mentions in grouped.items():
        if kind is AccountKind.AWS_PROFILE and not ADMIN_PROFILE.search(name):
            continue
        holders = {(m.config.path, m.server.route if m.server else None) for m in mentions}
        if len(holders) < 2:
            continue
        ordered = sorted(mentions, key=lambda m: (m.config.path, m.span))
        first = ordered[0]
        servers = sorted({f"'{m.server.name}'" for m in ordered if m.server})
        yield _finding(
            first,
            f"The {kind.value} '{name}' is used by {len(holders)} servers"
            + (f" ({', '.join(servers)})" if servers else "")
            + ": one identity for several servers means one audit trail and one revocation for "
            "all of them. Give each server its own identity with only the roles it needs.",
            f"{kind.name.lower()}:{name}",
            tuple(m.location for m in ordered[1:]),
        )


def _shared_identity_credentials(scan: ScanInput, seen: set[tuple]) -> Iterator[Finding]:
    extra = scan.options.extra_shared_accounts
    for credential in scan.credentials:
        family = credential.family
        if credential.account and credential.account_span is not None and is_generic_account(
                credential.account, extra):
            # A connection string inside a longer value, found only by the secret scan; places
            # already reported from the documents are skipped.
            mention = AccountMention(credential.config, credential.server, AccountKind.CONNECTION_USER,
                                     credential.account, credential.candidate.value,
                                     credential.account_span, credential.candidate.context)
            if (mention.config.path, mention.span) not in seen:
                seen.add((mention.config.path, mention.span))
                yield _finding(mention, _generic_message(_of_server(mention), mention.name, mention.kind),
                               f"account:{mention.name.lower()}")
        if family is None or not family.shared_identity:
            continue
        server = credential.server
        yield Finding(
            rule_id=RULE.id,
            severity=RULE.severity,
            message=(
                f"{family.name} ({credential.preview}) is a service-account credential: it is not "
                "tied to a person, outlives the people who use it and is typically shared by every "
                "server and user that holds it. Record its owner and scope it to this server."
            ),
            location=credential.location,
            server=server.name if server else None,
            client=credential.config.client,
            subject_key=credential.fingerprint,
            properties=(("fingerprint", credential.fingerprint), ("family", family.id)),
        )
