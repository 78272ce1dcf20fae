"""
## What it flags
Settings that lift a limit on what an MCP server, or the agent through it, may do:

- **Approval bypasses**: Gemini CLI / Qwen Code `trust: true` (no confirmation for any tool call;
  high); a wildcard or all-tool approval — `autoApprove` (Cline, Kiro), `alwaysAllow` (Roo Code,
  Kilo Code) or `tools` (Copilot CLI / coding agent) holding `"*"` or set to `true` (medium);
  Claude Code `enableAllProjectMcpServers: true` (every server any `.mcp.json` in the project
  defines starts without asking; high); and client-wide switches that run every tool of every
  server unconfirmed (high): VS Code `chat.tools.autoApprove` / `chat.tools.global.autoApprove:
  true` and `chat.permissions.default: "autoApprove"` (Bypass Approvals) or `"autopilot"`, Zed
  `agent.tool_permissions.default: "allow"` (or the older `agent.always_allow_tool_actions: true`),
  Goose `GOOSE_MODE: auto`, Claude Code `permissions.defaultMode: "bypassPermissions"`.
- **Allow-list entries that approve whole servers** instead of chosen tools: Claude Code
  `permissions.allow` (`.claude/settings.json`, `settings.local.json`, user and managed settings)
  holding `mcp__<server>` or `mcp__<server>__*`; Amazon Q Developer / Kiro agent `allowedTools`
  holding `@<server>`, `@<server>/*` or a server pattern such as `@git-*` (medium), or `@*` /
  `@*/*`, every tool of every server (high). Entries those clients skip or do not support
  (`mcp__*` and `*` in Claude Code allow rules, `*` in `allowedTools`), one tool
  (`mcp__github__get_issue`, `@git/git_status`) and tool-name prefixes (`@git/read_*`) are fine.
- **A server allow-list that admits any host**: a Claude Code `allowedMcpServers` entry whose
  `serverUrl` pattern matches a server on any host (`*`, `https://*`, `https://*/*`) (medium); a
  wildcard inside a named host (`https://*.example.com/*`) or a port is fine.
- **Sandboxed servers that may write anywhere**: VS Code approves every tool call of a server with
  `sandboxEnabled: true`; its `sandbox.filesystem.allowWrite` holding the filesystem root (high)
  or a whole home directory such as `${userHome}` (medium) leaves that approval unconfined.
- **Filesystem servers** (a package or executable whose name contains `filesystem`) given the
  filesystem root (`/`, `C:\\`; high) or a whole home directory (`~`, `$HOME`, `${userHome}`,
  `%USERPROFILE%`, `/Users/<name>`, `/home/<name>`, `/root`, `C:\\Users\\<name>`) or every
  home (`/Users`, `/home`) (medium). A directory *inside* a home (`/home/u/projects/app`) is fine.
- **GitHub MCP server** (`@modelcontextprotocol/server-github`, the `ghcr.io/github/github-mcp-server`
  image, the `github-mcp-server` executable, or the remote `https://api.githubcopilot.com/mcp/`)
  with neither a toolset restriction nor read-only mode (medium). A restriction is
  `GITHUB_TOOLSETS` / `--toolsets` / `X-MCP-Toolsets` / a `/mcp/x/<toolset>` URL (naming neither
  `all` nor only `default`), `GITHUB_TOOLS` / `--tools` / `X-MCP-Tools`; read-only is
  `GITHUB_READ_ONLY=1` / `--read-only` / `X-MCP-Readonly: true` / a URL ending in `/readonly`.
  The archived reference server has neither option and is always reported.
- **Database superusers**: a PostgreSQL, MySQL/MariaDB, SQL Server or MongoDB login as
  `postgres`, `root`, `sa` or `admin` — in a connection string (`postgresql://postgres:...@db/app`,
  `Server=db;User Id=sa;...`) or a user variable (`PGUSER`, `MYSQL_USER`, `DB_USER`, ...) — on a
  server with no read-only mode (`--read-only`, `--access-mode=restricted`, a `*READ_ONLY*`
  variable set true, or `default_transaction_read_only=on` / `ApplicationIntent=ReadOnly` in
  the connection string) (high). Only the user name is reported, never the password.
- **Containers** (`docker`/`podman`/`nerdctl run`): `--privileged`, `--cap-add ALL|SYS_ADMIN`,
  a host-root bind mount (`-v /:/host`) or the Docker socket (high); a home-directory mount,
  `--network host` (also `--pid`/`--ipc`/`--uts`/`--userns host`) and
  `--security-opt seccomp=unconfined` (medium).

Each finding points at the value that lifts the limit: the `/` argument, the `"*"` item, the
allow-list entry or `serverUrl` pattern, the `allowWrite` path, the `trust` value, the
`--privileged` argument, the `host` after `--network`, the mount, the connection string, or, for
an unrestricted GitHub server, its package, image, executable or URL (or the `all` toolsets
value). Server manifests (registry `server.json`, Docker catalog entries) are not judged for
GitHub toolsets: the client config that uses them is.

## Why it matters
An agent acts on untrusted input (issues, web pages, files) and can be steered by it. Whatever
a server can reach, a prompt injection can reach: a filesystem server rooted at `/` or `~` hands
over SSH keys and cloud credentials; a privileged container or the Docker socket is root on the
host; a superuser database login can drop every table; an unrestricted GitHub server can push
code or change repository settings with its token. Approval bypasses remove the human check that
would have caught it.

## Example
```json
{"mcpServers": {
  "files": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-filesystem@2025.8.21", "/"]},
  "search": {"command": "uvx", "args": ["web-search-mcp==1.0.0"], "trust": true}
}}
```

## Use instead
```json
{"mcpServers": {
  "files": {"command": "npx",
            "args": ["-y", "@modelcontextprotocol/server-filesystem@2025.8.21", "/home/dev/projects/app"]},
  "search": {"command": "uvx", "args": ["web-search-mcp==1.0.0"]}
}}
```
Give each server the narrowest reach it needs: project directories, named toolsets plus
read-only mode, a dedicated read-only database role, a container without extra privileges, and
per-tool approvals for tools that only read.

## Options
None. Values written as references (`${TOOLSETS}`, `${READ_ONLY}`) count as setting the
restriction, since their value is unknown. Container paths given to a server inside a
container are not judged (its mounts are). Severity is high for host-root reach (root
filesystem, privileged or SYS_ADMIN containers, the Docker socket), approval bypasses that cover
every tool or server (`trust`, `enableAllProjectMcpServers`, the client-wide switches, an
`allowedTools` entry `@*`) and database superusers; medium otherwise.

## References
- https://owasp.org/www-project-non-human-identities-top-10/2025/5-overprivileged-nhi/
- https://genai.owasp.org/resource/owasp-top-10-for-agentic-applications-for-2026/
- https://github.com/github/github-mcp-server/blob/main/docs/server-configuration.md
- https://github.com/google-gemini/gemini-cli/blob/main/docs/tools/mcp-server.md
- https://code.claude.com/docs/en/settings
- https://code.claude.com/docs/en/permissions
- https://code.claude.com/docs/en/managed-mcp
- https://github.com/aws/amazon-q-developer-cli/blob/main/docs/agent-format.md
- https://kiro.dev/docs/cli/custom-agents/configuration-reference
- https://code.visualstudio.com/docs/copilot/reference/mcp-configuration
- https://code.visualstudio.com/docs/agents/approvals
- https://zed.dev/docs/ai/tool-permissions
- https://docs.docker.com/engine/containers/run/#runtime-privilege-and-linux-capabilities
- https://www.postgresql.org/docs/current/runtime-config-client.html#GUC-DEFAULT-TRANSACTION-READ-ONLY
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from mcpiam.core.valuetype import dataclass

from mcpiam.checks._grants import (
    Grant,
    Reach,
    agent_tool_grant,
    claude_rule_grant,
    url_pattern_allows_any_host,
)
from mcpiam.checks._privilege import (
    Lift,
    container_lifts,
    database_lifts,
    filesystem_lifts,
    github_lifts,
    sandbox_lifts,
)
from mcpiam.checks.base import RuleInfo, ScanInput, finding_at
from mcpiam.core.document import Mapping, Node, Route, Scalar, Sequence, lookup
from mcpiam.core.findings import Finding, Severity
from mcpiam.model.launch import read_launch
from mcpiam.model.servers import ConfigFile, Scope, Server, Value

RULE = RuleInfo(
    id="excessive-scope",
    severity=Severity.MEDIUM,
    summary="A server setting lifts a limit: root or home filesystem, all tools, no approvals, "
    "superuser, privileged container.",
    docs=__doc__ or "",
    tags=("least-privilege",),
    controls=("OWASP-NHI5", "OWASP-ASI02", "OWASP-ASI03"),
)

WILDCARD = "*"
# Server keys that approve or expose tools: what setting them to "*" (or true) does.
ALL_TOOL_KEYS = {
    "autoApprove": "auto-approves every one of its tools",
    "alwaysAllow": "always allows every one of its tools without asking",
    "tools": "exposes every one of its tools to the agent, present and future",
}
# Client settings, outside any server entry, that bypass approval for everything they govern:
# (route, the value that switches approval off, what that does).
ADD_ONLY_REVIEWED = "list the servers you reviewed in enabledMcpjsonServers instead"
CONFIRM_EACH = "runs every tool of every server without confirmation; approve tools one by one instead"
DOCUMENT_SWITCHES: tuple[tuple[Route, object, str], ...] = (
    (("enableAllProjectMcpServers",), True,
     "starts every MCP server that a project .mcp.json defines, without asking; " + ADD_ONLY_REVIEWED),
    (("projects", "*", "enableAllProjectMcpServers"), True,
     "starts every MCP server that this project's .mcp.json defines, without asking; " + ADD_ONLY_REVIEWED),
    (("chat.tools.autoApprove",), True, CONFIRM_EACH),
    (("chat.tools.global.autoApprove",), True, CONFIRM_EACH),
    (("agent", "tool_permissions", "default"), "allow",
     "runs every agent tool, MCP tools included, without confirmation; keep \"confirm\" and allow "
     "chosen tools with always_allow patterns"),
    (("agent", "always_allow_tool_actions"), True, CONFIRM_EACH),
    (("GOOSE_MODE",), "auto",
     "runs every tool call without approval; use approve or smart_approve"),
    (("chat.permissions.default",), "autoApprove",
     "starts every chat session in Bypass Approvals: every tool call runs without confirmation; "
     "keep \"default\" and approve tools one by one"),
    (("chat.permissions.default",), "autopilot",
     "starts every chat session in Autopilot: every tool call runs without confirmation and the "
     "agent keeps going on its own; keep \"default\" and approve tools one by one"),
    (("permissions", "defaultMode"), "bypassPermissions",
     "skips every permission prompt, MCP tools included; keep \"default\" and allow chosen tools "
     "in permissions.allow"),
)


@dataclass(frozen=True, slots=True)
class AllowList:
    """A client's list of tools that run without asking: where it is and how to read an entry."""

    clients: frozenset[str]  # catalogue client ids whose files hold it
    route: Route
    grant: Callable[[str], Grant | None]
    one_tool: str  # how an entry for one tool of {server} is written, for the advice


ALLOW_LISTS: tuple[AllowList, ...] = (
    AllowList(
        frozenset({"claude-code"}), ("permissions", "allow"), claude_rule_grant, "mcp__{server}__<tool>"
    ),
    AllowList(frozenset({"amazon-q", "kiro"}), ("allowedTools",), agent_tool_grant, "@{server}/<tool>"),
)
# Claude Code's server allow-list (managed settings): a serverUrl entry matching any host.
SERVER_ALLOW_LIST_CLIENTS = frozenset({"claude-code"})
SERVER_ALLOW_LIST: Route = ("allowedMcpServers",)
GRANT_WORDS = {
    Reach.SERVER: "every tool of MCP server '{server}'",
    Reach.MATCHING_SERVERS: "every tool of every MCP server whose name matches '{server}'",
    Reach.EVERY_SERVER: "every tool of every MCP server",
}


def _is_value(node: object, expected: object) -> bool:
    """The node is a scalar equal to ``expected``, of the same type (``1`` is not ``True``)."""
    return isinstance(node, Scalar) and type(node.value) is type(expected) and node.value == expected


def _is_true(node: object) -> bool:
    return _is_value(node, True)


def _shown(value: Value) -> str:
    return f'"{value.text}"' if isinstance(value.node, Scalar) and isinstance(value.node.value, str) else str(value.text)


def approval_lifts(server: Server) -> Iterator[Lift]:
    """``trust: true`` and wildcard or blanket ``autoApprove`` / ``alwaysAllow`` / ``tools``."""
    body = server.body
    if not isinstance(body, Mapping):
        return
    trust = body.entry("trust")
    if trust is not None and _is_true(trust.value):
        yield Lift(
            Value(server.route + ("trust",), trust.value),
            Severity.HIGH,
            f"Server '{server.name}' is trusted (trust: true): every tool call runs without "
            "confirmation; remove it and limit the tools with includeTools/excludeTools instead.",
        )
    for key, effect in ALL_TOOL_KEYS.items():
        entry = body.entry(key)
        if entry is None:
            continue
        here = server.route + (key,)
        blanket: list[Value] = []
        if isinstance(entry.value, Sequence):
            blanket = [
                Value(here + (index,), item)
                for index, item in enumerate(entry.value.items)
                if isinstance(item, Scalar) and item.value == WILDCARD
            ]
        elif isinstance(entry.value, Scalar) and (entry.value.value == WILDCARD or entry.value.value is True):
            blanket = [Value(here, entry.value)]
        for value in blanket:
            yield Lift(
                value,
                Severity.MEDIUM,
                f"Server '{server.name}' {effect} ({key}: {_shown(value)}); list only the tools it "
                "needs, and auto-approve only tools that read.",
            )


def _matches(root: Mapping, route: Route) -> Iterator[tuple[Route, Node]]:
    """Nodes at a route whose "*" steps match every key."""
    if WILDCARD not in route:
        node = lookup(root, route)
        if node is not None:
            yield route, node
        return
    star = route.index(WILDCARD)
    parent = lookup(root, route[:star])
    if isinstance(parent, Mapping):
        for entry in parent.entries:
            inner = lookup(entry.value, route[star + 1:])
            if inner is not None:
                yield route[:star] + (entry.key,) + route[star + 1:], inner


def document_lifts(config: ConfigFile) -> Iterator[Lift]:
    """Client settings, outside any server entry, that switch approval off wholesale."""
    for root in config.document.roots:
        if not isinstance(root, Mapping):
            continue
        for route, switched_off, effect in DOCUMENT_SWITCHES:
            for where, node in _matches(root, route):
                if not _is_value(node, switched_off):
                    continue
                shown = "true" if switched_off is True else f'"{switched_off}"'
                named = route[route.index(WILDCARD) + 1:] if WILDCARD in route else route
                setting = ".".join(str(step) for step in named)
                yield Lift(Value(where, node), Severity.HIGH, f"{setting}: {shown} {effect}.")


def allow_list_lifts(config: ConfigFile) -> Iterator[Lift]:
    """Allow-list entries that approve whole MCP servers rather than chosen tools."""
    for allow_list in ALLOW_LISTS:
        if config.client not in allow_list.clients:
            continue
        setting = ".".join(allow_list.route)
        for root in config.document.roots:
            entries = lookup(root, allow_list.route)
            if not isinstance(entries, Sequence):
                continue
            for index, item in enumerate(entries.items):
                if not (isinstance(item, Scalar) and isinstance(item.value, str)):
                    continue
                grant = allow_list.grant(item.value)
                if grant is None:
                    continue
                named = grant.server if grant.reach is Reach.SERVER else "<server>"
                yield Lift(
                    Value(allow_list.route + (index,), item),
                    Severity.HIGH if grant.reach is Reach.EVERY_SERVER else Severity.MEDIUM,
                    f"{setting} entry '{item.value.strip()}' runs "
                    f"{GRANT_WORDS[grant.reach].format(server=grant.server)} without asking, writes "
                    f"included, present and future; allow only chosen tools that read "
                    f"({allow_list.one_tool.format(server=named)}).",
                )


def server_allow_list_lifts(config: ConfigFile) -> Iterator[Lift]:
    """``allowedMcpServers`` entries whose ``serverUrl`` pattern lets a server on any host through."""
    if config.client not in SERVER_ALLOW_LIST_CLIENTS:
        return
    for root in config.document.roots:
        entries = lookup(root, SERVER_ALLOW_LIST)
        if not isinstance(entries, Sequence):
            continue
        for index, entry in enumerate(entries.items):
            pattern = entry.get("serverUrl") if isinstance(entry, Mapping) else None
            if not (isinstance(pattern, Scalar) and isinstance(pattern.value, str)):
                continue
            if url_pattern_allows_any_host(pattern.value):
                yield Lift(
                    Value(SERVER_ALLOW_LIST + (index, "serverUrl"), pattern),
                    Severity.MEDIUM,
                    f"allowedMcpServers entry serverUrl '{pattern.value.strip()}' matches a remote MCP "
                    "server on any host, so the allow-list no longer limits remote servers; list the "
                    "approved hosts (https://mcp.example.com/*).",
                )


def server_lifts(server: Server) -> Iterator[Lift]:
    yield from approval_lifts(server)
    yield from sandbox_lifts(server)
    launch = read_launch(server)
    if launch is not None:
        yield from filesystem_lifts(server, launch)
        yield from container_lifts(server, launch)
    if server.scope is not Scope.SERVER_MANIFEST:
        # A registry or catalog manifest describes how the server can be reached; which toolsets a
        # user enables is decided in their client config, which is judged on its own.
        yield from github_lifts(server, launch)
    yield from database_lifts(server, launch, list(launch.tokens) if launch is not None else [])


def _fact_and_remedy(message: str) -> tuple[str, str]:
    """Every lift's sentence ends in its remedy after the last "; " ("...; list only the tools it
    needs."): the message keeps the fact, the remedy becomes the finding's help."""
    fact, _, remedy = message.rpartition("; ")
    if not fact:
        return message, ""
    return f"{fact}.", remedy[:1].upper() + remedy[1:]


def check(scan: ScanInput) -> Iterator[Finding]:
    for config in scan.configs:
        document_wide = (*document_lifts(config), *allow_list_lifts(config), *server_allow_list_lifts(config))
        for lift in document_wide:
            fact, remedy = _fact_and_remedy(lift.message)
            yield finding_at(RULE, config, lift.value, fact, severity=lift.severity, help=remedy)
        for server in config.servers:
            if server.reference_only:
                continue
            for lift in server_lifts(server):
                fact, remedy = _fact_and_remedy(lift.message)
                yield finding_at(RULE, config, lift.value, fact, server=server, severity=lift.severity,
                                 help=remedy)
