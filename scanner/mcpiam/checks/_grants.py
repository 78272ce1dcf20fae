"""What one entry of a client's tool allow-list approves: every tool of one MCP server, of every
server, or less. Each client has its own rule grammar; nothing here knows about rules or files.

Sources: Claude Code permission rules (code.claude.com/docs/en/permissions, "MCP" and "Tool name
wildcards"); Amazon Q Developer CLI and Kiro CLI agent ``allowedTools``
(aws/amazon-q-developer-cli docs/agent-format.md, kiro.dev/docs/cli/custom-agents/configuration-reference).
"""

from __future__ import annotations

import re
from mcpiam.core.lazy_pattern import lazy_compile
from mcpiam.core.valuetype import dataclass
from enum import Enum


class Reach(str, Enum):
    """How many MCP tools an allow entry approves without asking."""

    SERVER = "server"  # every tool of one named server
    MATCHING_SERVERS = "matching-servers"  # every tool of every server whose name matches a pattern
    EVERY_SERVER = "every-server"  # every tool of every MCP server


@dataclass(frozen=True, slots=True)
class Grant:
    """An allow entry that approves whole servers: how far, and the server (or pattern) named."""

    reach: Reach
    server: str


CLAUDE_MCP_PREFIX = "mcp__"
BUILT_IN_TOOLS = "builtin"  # "@builtin" names the agent's own tools, not an MCP server
TOOL_SEPARATOR = "__"
ONLY_WILDCARDS = lazy_compile(r"\*+")


def claude_rule_grant(rule: str) -> Grant | None:
    """A Claude Code ``permissions.allow`` rule that approves every tool of a server.

    ``mcp__<server>`` and ``mcp__<server>__*`` approve every tool of that server. An allow rule
    whose server segment holds a glob (``mcp__*``, ``*``) is skipped by Claude Code with a warning,
    and an ``mcp__`` rule with parentheses is skipped when the settings load: neither approves
    anything, so neither is a grant. A tool-name glob narrower than ``*`` (``mcp__github__get_*``)
    approves chosen tools only.
    """
    text = rule.strip()
    if not text.startswith(CLAUDE_MCP_PREFIX) or "(" in text:
        return None
    server, separator, tool = text[len(CLAUDE_MCP_PREFIX):].partition(TOOL_SEPARATOR)
    if not server or "*" in server or "?" in server:
        return None
    if not separator or ONLY_WILDCARDS.fullmatch(tool):
        return Grant(Reach.SERVER, server)
    return None


def agent_tool_grant(pattern: str) -> Grant | None:
    """An Amazon Q / Kiro agent ``allowedTools`` entry that approves every tool of some servers.

    ``@server`` and ``@server/*`` approve every tool of that server; glob characters in the
    server part widen it to every matching server (``@git-*``), or to every server when the part
    is nothing but ``*`` (``@*``, ``@*/*``). A bare ``"*"`` is not supported in ``allowedTools``
    and approves nothing; ``@server/read_*`` and ``@*/status`` approve chosen tools only.
    """
    text = pattern.strip()
    if not text.startswith("@"):
        return None
    server, separator, tool = text[1:].partition("/")
    if not server or server == BUILT_IN_TOOLS or (separator and not ONLY_WILDCARDS.fullmatch(tool)):
        return None
    if ONLY_WILDCARDS.fullmatch(server):
        return Grant(Reach.EVERY_SERVER, server)
    if "*" in server or "?" in server:
        return Grant(Reach.MATCHING_SERVERS, server)
    return Grant(Reach.SERVER, server)



# URLs on a host nobody approves: a pattern matching one of them lets any remote server through.
UNAPPROVED_URLS = (
    "https://unlisted-host.invalid/mcp",
    "https://unlisted-host.invalid:443/mcp",
    "http://unlisted-host.invalid:8080/sse",
)


def url_pattern_allows_any_host(pattern: str) -> bool:
    """A Claude Code ``allowedMcpServers`` ``serverUrl`` pattern that matches any remote server.

    ``*`` matches any sequence of characters (code.claude.com/docs/en/managed-mcp), so a pattern
    such as ``*``, ``https://*`` or ``https://*/*`` lets a server on any host through, while a
    wildcard inside a named host (``https://*.example.com/*``) or a port (``http://localhost:*/*``)
    does not. Judged by matching URLs on a host no list would name.
    """
    text = pattern.strip()
    if not text:
        return False
    regex = re.compile(".*".join(re.escape(part) for part in text.split("*")))
    return any(regex.fullmatch(url) for url in UNAPPROVED_URLS)
