"""The usage view: recorded calls joined with the servers the configs define.

A recorded name maps back to a config key of the same client (reference §6): as written (Claude
Code, Claude Desktop, Gemini's displayName, Codex's ``invocation.server``), through the client's
sanitising (Codex tool names: characters outside ``[A-Za-z0-9_]`` became ``_``), or, for Gemini's
``mcp_<server>_<tool>``, by the longest configured key it starts with. Each configured server of a
client whose records were read is ``used`` or ``dormant``; a server called but defined in no
config found is ``unknown`` (removed or renamed). Rows are keyed by (client, server) and
(client, server, tool), ready to join with an inventory or a fleet store.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime

from mcpiam.activity.calls import EXACT, JOINED, OUTCOMES, SANITISED
from mcpiam.activity.history import HistoryCredential
from mcpiam.activity.read import Activity, CallPlace, Hop, RecordedTool
from mcpiam.core.valuetype import dataclass
from mcpiam.model.servers import ConfigFile

USED, DORMANT, UNKNOWN = "used", "dormant", "unknown"
_NOT_WORD = re.compile(r"[^A-Za-z0-9_]")


@dataclass(frozen=True, slots=True)
class ToolUsage:
    client: str
    server: str  # the config key, or the recorded name when no config defines it
    tool: str
    calls: int
    first_seen: datetime | None
    last_seen: datetime | None
    projects: tuple[str, ...]
    sessions: int
    outcomes: tuple[tuple[str, int], ...]


@dataclass(frozen=True, slots=True)
class ServerUsage:
    client: str
    server: str
    config_file: str | None  # the first config defining it (displayed path); None: unknown
    status: str  # used | dormant | unknown
    calls: int
    recent_calls: int  # in the 30 days before the window's end
    first_seen: datetime | None
    last_seen: datetime | None
    tools: tuple[str, ...]
    projects: tuple[str, ...]
    first_call: CallPlace | None
    last_call: CallPlace | None


@dataclass(frozen=True, slots=True)
class SessionStep:
    """A server's first call in a session, with the config key it maps to."""

    client: str
    server: str
    tool: str
    configured: bool
    place: CallPlace


@dataclass(frozen=True, slots=True)
class Usage:
    window_from: datetime | None
    window_to: datetime
    tools: tuple[ToolUsage, ...]
    servers: tuple[ServerUsage, ...]
    steps: tuple[SessionStep, ...]  # by client, session, then time
    credentials: tuple[HistoryCredential, ...]
    clients_read: frozenset[str]

    def server(self, client: str, name: str) -> ServerUsage | None:
        for usage in self.servers:
            if usage.client == client and usage.server == name:
                return usage
        return None


def sanitised(name: str) -> str:
    return _NOT_WORD.sub("_", name)


def _config_keys(configs: Sequence[ConfigFile]) -> dict[tuple[str, str], str]:
    """(client, server name) -> the first config file defining it."""
    keys: dict[tuple[str, str], str] = {}
    for config in sorted(configs, key=lambda c: c.path):
        for server in config.servers:
            if not server.reference_only:
                keys.setdefault((config.client, server.name), config.path)
    return keys


def map_name(client: str, server: str, form: str, tool: str,
             keys: dict[tuple[str, str], str]) -> tuple[str, str, bool]:
    """(config key or recorded name, tool, configured) for one recorded name."""
    names = [name for (owner, name) in keys if owner == client]
    if form == EXACT:
        if (client, server) in keys:
            return server, tool, True
        if server.startswith("plugin:"):  # Claude Code plugin servers: plugin:<plugin>:<server>
            plain = server.rsplit(":", 1)[-1]
            if (client, plain) in keys:
                return plain, tool, True
        return server, tool, False
    if form == SANITISED:
        matches = sorted(name for name in names if sanitised(name) == server)
        return (matches[0], tool, True) if matches else (server, tool, False)
    if form == JOINED:
        body = tool[len("mcp_"):]
        # Gemini makes characters it does not allow "_"; Cursor keeps the key as written.
        fitting = [name for name in names
                   if body.startswith(sanitised(name) + "_") or body.startswith(name + "_")]
        if fitting:
            best = max(fitting, key=len)
            return best, body[len(best) + 1:], True
        head, _, rest = body.partition("_")
        return head, rest or body, False
    return server, tool, False


def build_usage(activity: Activity, configs: Sequence[ConfigFile]) -> Usage:
    keys = _config_keys(configs)
    merged: dict[tuple[str, str, str], list[RecordedTool]] = {}
    configured_names: dict[tuple[str, str], bool] = {}
    for recorded in activity.tools:
        server, tool, configured = map_name(recorded.client, recorded.server, recorded.form, recorded.tool, keys)
        merged.setdefault((recorded.client, server, tool), []).append(recorded)
        configured_names[(recorded.client, server)] = configured
    tools: list[ToolUsage] = []
    by_server: dict[tuple[str, str], list[tuple[str, list[RecordedTool]]]] = {}
    for (client, server, tool), group in sorted(merged.items()):
        outcomes = {name: sum(dict(item.outcomes)[name] for item in group) for name in OUTCOMES}
        tools.append(ToolUsage(
            client, server, tool, sum(item.calls for item in group), _first(group), _last(group),
            tuple(sorted({project for item in group for project in item.projects})),
            len({session for item in group for session in item.sessions}), tuple(outcomes.items())))
        by_server.setdefault((client, server), []).append((tool, group))
    servers: list[ServerUsage] = []
    for (client, server), entries in by_server.items():
        group = [item for _, items in entries for item in items]
        firsts = sorted(group, key=lambda item: _sort_time(item.first_seen))
        lasts = sorted(group, key=lambda item: _sort_time(item.last_seen))
        servers.append(ServerUsage(
            client, server, keys.get((client, server)), USED if configured_names[(client, server)] else UNKNOWN,
            sum(item.calls for item in group), sum(item.recent_calls for item in group), _first(group), _last(group),
            tuple(sorted(tool for tool, _ in entries)),
            tuple(sorted({project for item in group for project in item.projects})),
            firsts[0].first, lasts[-1].last))
    for (client, server), config_file in keys.items():
        if client in activity.clients_read and (client, server) not in by_server:
            servers.append(ServerUsage(client, server, config_file, DORMANT, 0, 0, None, None, (), (), None, None))
    steps = tuple(_step(hop, keys) for hop in activity.hops)
    return Usage(activity.window_from, activity.window_to, tuple(tools),
                 tuple(sorted(servers, key=lambda s: (s.client, s.server))), steps, activity.credentials,
                 activity.clients_read)


def _step(hop: Hop, keys: dict[tuple[str, str], str]) -> SessionStep:
    server, tool, configured = map_name(hop.client, hop.server, hop.form, hop.tool, keys)
    return SessionStep(hop.client, server, tool, configured, hop.place)


def _sort_time(moment: datetime | None) -> tuple[bool, datetime | None]:
    return (moment is None, moment) if moment is not None else (True, None)  # type: ignore[return-value]


def _first(group: Sequence[RecordedTool]) -> datetime | None:
    times = [item.first_seen for item in group if item.first_seen is not None]
    return min(times) if times else None


def _last(group: Sequence[RecordedTool]) -> datetime | None:
    times = [item.last_seen for item in group if item.last_seen is not None]
    return max(times) if times else None
