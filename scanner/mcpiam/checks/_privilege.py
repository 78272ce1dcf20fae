"""What a server's launch gives it reach over: filesystem roots, GitHub toolsets, database roles and
container isolation, judged from its command line, environment, URL and headers.

Each judge returns ``Lift``s: the located value that lifts a limit, how bad that is, and what the
limit was. The excessive-scope rule turns them into findings; nothing here knows about rules.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from mcpiam.core.lazy_pattern import lazy_compile
from mcpiam.core.valuetype import dataclass
from urllib.parse import unquote, unquote_plus, urlsplit

from mcpiam.core.document import Mapping, Route, Scalar, Sequence, lookup
from mcpiam.model.launch import Launch, Token, executable_name
from mcpiam.core.findings import Severity
from mcpiam.model.servers import Server, Value
from mcpiam.model.package_refs import image_ref, npm_ref


@dataclass(frozen=True, slots=True)
class Lift:
    """A written value that lifts a limit: where, how bad, and the sentence that explains it."""

    value: Value
    severity: Severity
    message: str


TRUTHY = frozenset({"1", "true", "yes", "on"})


def is_reference(text: str) -> bool:
    """A value the client fills in at start-up: we cannot tell what it will be."""
    return any(mark in text for mark in ("${", "$(", "{env:", "{{")) or bool(re.match(r"^\$\w|^%\w+%$", text))


def truthy(text: str | None) -> bool:
    """An explicit "on" (a bare flag or a reference counts: it was written to turn the mode on)."""
    if text is None:
        return True
    return text.strip().lower() in TRUTHY or is_reference(text)


def _docker_env(launch: Launch) -> Iterator[tuple[str, str | None, Token]]:
    """``-e NAME=VALUE`` / ``--env NAME`` options of a docker launch: (name, value or None, token)."""
    for option in launch.options:
        if option.flag in ("-e", "--env") and option.text and option.value is not None:
            name, equals, value = option.text.partition("=")
            yield name.strip(), (value if equals else None), option.value


def server_env(server: Server, launch: Launch | None) -> dict[str, tuple[str | None, Value]]:
    """Environment variable -> (value text, where): the env block, then docker ``-e`` options.

    A ``-e NAME`` without a value passes the variable through; its value is the env block's if
    the config sets one there, else unknown (None).
    """
    env: dict[str, tuple[str | None, Value]] = {}
    for named in server.env:
        env[named.name] = (named.value.text, named.value)
    if launch is not None and launch.ecosystem == "docker":
        for name, value, token in _docker_env(launch):
            if value is not None or name not in env:
                env[name] = (value, token.value)
    return env


def flag_values(tokens: tuple[Token, ...], names: frozenset[str]) -> Iterator[tuple[str | None, Token]]:
    """``--flag value`` / ``--flag=value`` / bare ``--flag`` among a program's arguments."""
    for index, token in enumerate(tokens):
        flag, equals, inline = token.text.partition("=")
        if flag not in names:
            continue
        if equals:
            yield inline, token
        elif index + 1 < len(tokens) and not tokens[index + 1].text.startswith("-"):
            yield tokens[index + 1].text, tokens[index + 1]
        else:
            yield None, token


def program_name(launch: Launch) -> str:
    """The name of what is run: a package name, an image repository or an executable."""
    if launch.program is None:
        return ""
    text = launch.program.text
    if launch.ecosystem == "docker":
        ref = image_ref(text)
        return ref.name if ref else text.lower()
    if launch.ecosystem == "npm":
        ref = npm_ref(text)
        return ref.name.lower() if ref else text.lower()
    return text.lower()


# --- filesystem servers -------------------------------------------------------------------------

ROOT_PATH = lazy_compile(r"(?:/+|\\+|[A-Za-z]:[\\/]*|file:///?|\$\{/\})")
HOME_REFERENCE = lazy_compile(
    r"~|\$HOME|\$\{HOME\}|\$\{env:HOME\}|\$\{userHome\}|%USERPROFILE%|\$\{env:USERPROFILE\}"
    r"|\$env:USERPROFILE|%HOMEDRIVE%%HOMEPATH%|\$\{user_config\.home\}",
    re.IGNORECASE,
)
HOME_PATH = lazy_compile(
    r"/Users/[^/]+|/home/[^/]+|/var/home/[^/]+|/root|[A-Za-z]:[\\/]+Users[\\/]+[^\\/]+",
    re.IGNORECASE,
)
ALL_HOMES = lazy_compile(r"/Users|/home|[A-Za-z]:[\\/]+Users", re.IGNORECASE)


def path_reach(text: str) -> str | None:
    """'root', 'home' or 'homes' when a directory is the filesystem root or a home directory itself."""
    stripped = text.strip().strip("\"'")
    if ROOT_PATH.fullmatch(stripped):
        return "root"
    trimmed = stripped.rstrip("/\\") if len(stripped) > 1 else stripped
    if HOME_REFERENCE.fullmatch(trimmed) or HOME_PATH.fullmatch(trimmed):
        return "home"
    if ALL_HOMES.fullmatch(trimmed):
        return "homes"
    return None


REACH_WORDS = {
    "root": "the whole filesystem",
    "home": "a whole home directory (SSH keys, cloud credentials, browser profiles, every repository)",
    "homes": "every user's home directory",
}


def filesystem_lifts(server: Server, launch: Launch) -> Iterator[Lift]:
    """Directories handed to a filesystem server (by package or executable name) that are too wide."""
    if launch.ecosystem == "docker" or "filesystem" not in program_name(launch):
        return  # container paths are judged through the mounts, not the server's arguments
    for token in launch.program_args:
        if token.text.startswith("-"):
            continue
        reach = path_reach(token.text)
        if reach is None:
            continue
        yield Lift(
            token.value,
            Severity.HIGH if reach == "root" else Severity.MEDIUM,
            f"Server '{server.name}' lets the agent read and write {REACH_WORDS[reach]} "
            f"('{token.text}'); allow only the project directories it needs "
            "(e.g. ${workspaceFolder} or a path under it).",
        )


# --- sandboxed servers (VS Code) ----------------------------------------------------------------

SANDBOX_WRITES: Route = ("sandbox", "filesystem", "allowWrite")


def sandbox_lifts(server: Server) -> Iterator[Lift]:
    """A sandboxed server whose sandbox may write to the filesystem root or a home directory.

    VS Code auto-approves every tool call of a server with ``sandboxEnabled: true``, trusting the
    sandbox to confine it; a sandbox that may write to ``/`` or ``~`` confines nothing that matters.
    """
    body = server.body
    if not isinstance(body, Mapping):
        return
    enabled = body.get("sandboxEnabled")
    writable = lookup(body, SANDBOX_WRITES)
    if not (isinstance(enabled, Scalar) and enabled.value is True and isinstance(writable, Sequence)):
        return
    for index, item in enumerate(writable.items):
        if not (isinstance(item, Scalar) and isinstance(item.value, str)):
            continue
        reach = path_reach(item.value)
        if reach is None:
            continue
        yield Lift(
            Value(server.route + SANDBOX_WRITES + (index,), item),
            Severity.HIGH if reach == "root" else Severity.MEDIUM,
            f"Server '{server.name}' runs sandboxed (sandboxEnabled: true), so its tool calls are "
            f"approved without asking, yet its sandbox may write to {REACH_WORDS[reach]} "
            f"('{item.value}'); allow writes only to the project (${{workspaceFolder}}).",
        )


# --- GitHub MCP server --------------------------------------------------------------------------

GITHUB_REFERENCE_PACKAGE = "@modelcontextprotocol/server-github"
GITHUB_IMAGE = "ghcr.io/github/github-mcp-server"
GITHUB_EXECUTABLE = "github-mcp-server"
GITHUB_REMOTE_HOST = lazy_compile(r"api\.githubcopilot\.com|copilot-api\.[\w-]+\.ghe\.com", re.IGNORECASE)
UNRESTRICTING_TOOLSETS = frozenset({"all"})
GITHUB_ADVICE = (
    "name the toolsets it needs (GITHUB_TOOLSETS, --toolsets, X-MCP-Toolsets or /mcp/x/<toolset>) "
    "and prefer read-only mode (GITHUB_READ_ONLY=1, --read-only, X-MCP-Readonly or /readonly)"
)


@dataclass(frozen=True, slots=True)
class _Restriction:
    """What a GitHub server's settings say: restricted, and an "all" value to point at."""

    restricted: bool
    all_value: Value | None = None


def _toolsets(text: str | None, where: Value) -> _Restriction:
    """A toolsets value restricts unless it names "all" or only the defaults; unknown restricts."""
    if text is None or is_reference(text):
        return _Restriction(True)
    names = {part.strip().lower() for part in text.split(",") if part.strip()}
    if names & UNRESTRICTING_TOOLSETS:
        return _Restriction(False, where)
    return _Restriction(bool(names) and names != {"default"})


def _combine(parts: list[_Restriction]) -> _Restriction:
    all_value = next((p.all_value for p in parts if p.all_value is not None), None)
    return _Restriction(any(p.restricted for p in parts), all_value)


def _local_github(server: Server, launch: Launch) -> _Restriction:
    env = server_env(server, launch)
    parts: list[_Restriction] = []
    if "GITHUB_TOOLSETS" in env:
        parts.append(_toolsets(env["GITHUB_TOOLSETS"][0], env["GITHUB_TOOLSETS"][1]))
    if "GITHUB_TOOLS" in env:
        parts.append(_Restriction(bool((env["GITHUB_TOOLS"][0] or "x").strip())))
    if "GITHUB_READ_ONLY" in env:
        parts.append(_Restriction(truthy(env["GITHUB_READ_ONLY"][0])))
    for text, token in flag_values(launch.program_args, frozenset({"--toolsets"})):
        parts.append(_toolsets(text, token.value))
    for text, _ in flag_values(launch.program_args, frozenset({"--tools"})):
        parts.append(_Restriction(text is None or bool(text.strip())))
    for token in launch.program_args:
        flag, equals, inline = token.text.partition("=")
        if flag == "--read-only":
            parts.append(_Restriction(truthy(inline if equals else None)))
    return _combine(parts)


def _remote_github(server: Server, url: str) -> _Restriction | None:
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if not GITHUB_REMOTE_HOST.fullmatch(parts.hostname or ""):
        return None
    segments = [s for s in parts.path.split("/") if s]
    if not segments or segments[0] != "mcp":
        return None
    found: list[_Restriction] = []
    if segments[-1].lower() == "readonly":
        found.append(_Restriction(True))
    if len(segments) >= 3 and segments[1] == "x":
        found.append(_toolsets(segments[2], server.url) if server.url else _Restriction(True))
    for header in server.headers:
        name = header.name.lower()
        text = header.value.text
        if name == "x-mcp-toolsets":
            found.append(_toolsets(text, header.value))
        elif name == "x-mcp-tools":
            found.append(_Restriction(text is None or bool(text.strip())))
        elif name == "x-mcp-readonly":
            found.append(_Restriction(truthy(text)))
    return _combine(found)


def github_lifts(server: Server, launch: Launch | None) -> Iterator[Lift]:
    """A GitHub MCP server with neither a toolset restriction nor read-only mode."""
    if launch is not None and launch.program is not None:
        name = program_name(launch)
        if launch.ecosystem == "npm" and name == GITHUB_REFERENCE_PACKAGE:
            yield Lift(
                launch.program.value,
                Severity.MEDIUM,
                f"Server '{server.name}' runs the archived reference GitHub server "
                f"({GITHUB_REFERENCE_PACKAGE}), which offers every tool its token allows and has no "
                "toolset or read-only option; use github/github-mcp-server and " + GITHUB_ADVICE + ".",
            )
            return
        local = (
            (launch.ecosystem == "docker" and name == GITHUB_IMAGE)
            or executable_name(launch.program.text) == GITHUB_EXECUTABLE
        )
        if local:
            judged = _local_github(server, launch)
            if not judged.restricted:
                yield _github_lift(server, judged.all_value or launch.program.value, judged.all_value is not None)
            return
    if server.url is not None and server.url.text:
        remote = _remote_github(server, server.url.text)
        if remote is not None and not remote.restricted:
            yield _github_lift(server, remote.all_value or server.url, remote.all_value is not None)


def _github_lift(server: Server, value: Value, all_toolsets: bool) -> Lift:
    why = "every toolset is enabled" if all_toolsets else "no toolset restriction"
    return Lift(
        value,
        Severity.MEDIUM,
        f"Server '{server.name}' gives the agent every GitHub tool its token allows, writes "
        f"included ({why} and no read-only mode); " + GITHUB_ADVICE + ".",
    )


# --- databases ----------------------------------------------------------------------------------

SUPERUSERS = frozenset({"postgres", "root", "sa", "admin"})
DSN = lazy_compile(
    r"(?:jdbc:)?(postgres(?:ql)?|mysql|mariadb|mssql|sqlserver|mongodb(?:\+srv)?)://[^\s\"']+",
    re.IGNORECASE,
)
ADO_USER = lazy_compile(r"(?:^|;)\s*(?:user id|uid|user|username)\s*=\s*([^;]+)", re.IGNORECASE)
ADO_SERVER = lazy_compile(r"(?:^|;)\s*(?:server|data source|address)\s*=", re.IGNORECASE)
DB_USER_VARIABLE = lazy_compile(
    r"(PG|POSTGRES(?:QL)?|MYSQL|MARIADB|MSSQL|SQLSERVER|SQL|MONGO(?:DB)?|DB|DATABASE)_?(?:USER|USERNAME|UID|LOGIN)"
)
READ_ONLY_IN_DSN = lazy_compile(
    r"default_transaction_read_only\s*=\s*(?:on|true|1)|readonly\s*=\s*true|applicationintent\s*=\s*readonly",
    re.IGNORECASE,
)
READ_ONLY_FLAG = lazy_compile(r"--?read[-_]?only(?:=(?:true|1|yes|on))?", re.IGNORECASE)
READ_ONLY_VARIABLE = lazy_compile(r"(?:\w+_)?READ_?ONLY(?:_MODE)?", re.IGNORECASE)
ENGINE_NAMES = {
    "postgres": "PostgreSQL", "postgresql": "PostgreSQL", "pg": "PostgreSQL", "mysql": "MySQL",
    "mariadb": "MariaDB", "mssql": "SQL Server", "sqlserver": "SQL Server", "sql": "SQL Server",
    "mongodb": "MongoDB", "mongodb+srv": "MongoDB", "mongo": "MongoDB",
}


def _dsn_user(dsn: str) -> str | None:
    try:
        user = urlsplit(re.sub(r"^jdbc:", "", dsn, flags=re.IGNORECASE)).username
    except ValueError:
        return None
    return unquote(user) if user else None


def _server_read_only(server: Server, launch: Launch | None, tokens: list[Token]) -> bool:
    texts = [t.text for t in tokens]
    for index, text in enumerate(texts):
        if READ_ONLY_FLAG.fullmatch(text):
            return True
        flag, equals, inline = text.partition("=")
        if flag == "--access-mode":
            mode = inline if equals else (texts[index + 1] if index + 1 < len(texts) else "")
            if mode.strip().lower() == "restricted":
                return True
    for name, (value, _) in server_env(server, launch).items():
        if READ_ONLY_VARIABLE.fullmatch(name) and truthy(value):
            return True
    return any(READ_ONLY_IN_DSN.search(unquote_plus(t)) for t in texts) or any(
        READ_ONLY_IN_DSN.search(unquote_plus(named.value.text or "")) for named in server.env
    )


def _superuser_logins(server: Server, launch: Launch | None, tokens: list[Token]) -> Iterator[tuple[Value, str, str]]:
    """(where, engine, user) for every superuser login written in arguments or environment."""
    located: list[tuple[str, Value]] = [(t.text, t.value) for t in tokens]
    located += [(n.value.text, n.value) for n in server.env if n.value.text]
    for text, where in located:
        for match in DSN.finditer(text):
            user = _dsn_user(match.group(0))
            if user and user.lower() in SUPERUSERS:
                yield where, ENGINE_NAMES.get(match.group(1).lower(), match.group(1)), user
        if ADO_SERVER.search(text):
            ado = ADO_USER.search(text)
            if ado and ado.group(1).strip().lower() in SUPERUSERS:
                yield where, "SQL Server", ado.group(1).strip()
    for name, (value, where) in server_env(server, launch).items():
        variable = DB_USER_VARIABLE.fullmatch(name.upper())
        if variable and value and value.strip().lower() in SUPERUSERS:
            yield where, ENGINE_NAMES.get(variable.group(1).lower(), "the database"), value.strip()


def database_lifts(server: Server, launch: Launch | None, tokens: list[Token]) -> Iterator[Lift]:
    """A database login as a superuser (postgres, root, sa, admin) without a read-only mode."""
    logins = list(_superuser_logins(server, launch, tokens))
    if not logins or _server_read_only(server, launch, tokens):
        return
    seen: set[tuple] = set()
    for where, engine, user in logins:
        if where.route in seen:
            continue
        seen.add(where.route)
        yield Lift(
            where,
            Severity.HIGH,
            f"Server '{server.name}' connects to {engine} as the superuser '{user}' with no read-only "
            "mode: the agent can change or drop any data, and superusers can often run commands on "
            "the database host; connect as a least-privileged (read-only) role or turn on the "
            "server's read-only mode.",
        )


# --- containers ---------------------------------------------------------------------------------

NETWORK_EFFECT = "it reaches every service listening on the host, localhost-only ones included"
HOST_NAMESPACES = {
    "--network": NETWORK_EFFECT,
    "--net": NETWORK_EFFECT,
    "--pid": "it sees every host process and, with enough capabilities, can signal or trace them",
    "--ipc": "it shares the host's shared memory and IPC objects",
    "--uts": "it can change the host's name",
    "--userns": "user-namespace remapping is off, so root in the container is root on the host",
}
FULL_CAPABILITIES = frozenset({"all", "sys_admin", "cap_sys_admin"})
UNCONFINED = lazy_compile(r"(?:seccomp|apparmor)[=:]unconfined|label[=:]disable", re.IGNORECASE)
DOCKER_SOCKET = lazy_compile(r"(?:/var)?/run/docker\.sock|//\./pipe/docker_engine|\\\\\.\\pipe\\docker_engine")


def mount_source(flag: str, text: str) -> str | None:
    """The host side of ``-v SRC:DST[:opts]`` or ``--mount type=bind,source=SRC,...``."""
    if flag == "--mount":
        fields = dict(part.partition("=")[::2] for part in text.split(","))
        return fields.get("source") or fields.get("src")
    match = re.match(r"([A-Za-z]:[\\/][^:]*|[^:]*):.+", text)
    return match.group(1) if match else None


def _mount_lift(server: Server, source: str, where: Value) -> Lift | None:
    if DOCKER_SOCKET.fullmatch(source.strip()):
        return Lift(where, Severity.HIGH,
                    f"Server '{server.name}' mounts the Docker socket ('{source}'), which is root on the "
                    "host: the container can start privileged containers; do not mount it.")
    reach = path_reach(source)
    if reach is None:
        return None
    return Lift(
        where,
        Severity.HIGH if reach == "root" else Severity.MEDIUM,
        f"Server '{server.name}' mounts {REACH_WORDS[reach]} into its container ('{source}'); mount "
        "only the project directories it needs, read-only (:ro) where possible.",
    )


def container_lifts(server: Server, launch: Launch) -> Iterator[Lift]:
    """``docker run`` options that undo the container's isolation."""
    if launch.ecosystem != "docker":
        return
    for option in launch.options:
        flag, text, where = option.flag, option.text, option.value or option.flag_token
        if flag == "--privileged" and (text is None or truthy(text)):
            yield Lift(option.flag_token.value, Severity.HIGH,
                       f"Server '{server.name}' runs its container with --privileged: every device and "
                       "capability of the host, no isolation left; drop the flag (add only the one "
                       "capability or device the server needs).")
        elif flag in HOST_NAMESPACES and text is not None and text.strip().lower() == "host":
            yield Lift(where.value, Severity.MEDIUM,
                       f"Server '{server.name}' shares a host namespace ({flag} host): "
                       f"{HOST_NAMESPACES[flag]}; keep the container's own namespace (for the network, "
                       "the default bridge with only the ports it needs published).")
        elif flag == "--cap-add" and text is not None and text.strip().lower() in FULL_CAPABILITIES:
            yield Lift(where.value, Severity.HIGH,
                       f"Server '{server.name}' adds the {text.strip()} capability to its container, "
                       "which is as good as --privileged; add only the narrow capability it needs.")
        elif flag == "--security-opt" and text is not None and UNCONFINED.fullmatch(text.strip()):
            yield Lift(where.value, Severity.MEDIUM,
                       f"Server '{server.name}' turns off a container confinement profile ({text.strip()}); "
                       "keep the default seccomp/AppArmor/SELinux profile.")
        elif flag in ("-v", "--volume", "--mount") and text is not None:
            source = mount_source(flag, text)
            lift = _mount_lift(server, source, where.value) if source else None
            if lift is not None:
                yield lift
