"""What a server *is*, independent of how a config launches it: its package and its remote URL.

``package_of`` reads the command line (``npx -y @scope/pkg@1.2.3``, ``uvx --from pkg tool``,
``docker run -i --rm -e X image:tag``, ``python -m module``, a bare program) and returns a
``Package`` with the version or tag split off, so a policy can name
``@modelcontextprotocol/server-github`` whatever version or launcher flags a config uses.
``url_of`` gives the remote URL a server talks to (its own ``url``, or the URL handed to a local
proxy such as ``mcp-remote``) as ``host[:port]/path`` for host/path globs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from types import MappingProxyType
from urllib.parse import urlsplit

from scanner.model import Server

# Launchers that fetch and run a package, by ecosystem; values are the words that may come
# between the program and the package (``npm exec``, ``uv tool run``, ``bun x``).
_NPM_LAUNCHERS = MappingProxyType({
    "npx": (), "bunx": (), "pnpx": (), "npm": ("exec", "x"), "pnpm": ("dlx", "exec"),
    "yarn": ("dlx",), "bun": ("x",),
})
_PYPI_LAUNCHERS = MappingProxyType({"uvx": (), "uv": ("tool", "run"), "pipx": ("run",)})
_CONTAINER_RUNTIMES = frozenset({"docker", "podman", "nerdctl"})
_PYTHONS = frozenset({"python", "python3", "py"})

# Flags known to take no value; any other flag written without ``=`` is assumed to take the next
# argument, so a flag value is never mistaken for the package.
_BOOLEAN_FLAGS = frozenset({
    "-y", "--yes", "-q", "--quiet", "--silent", "--no-install", "--prefer-offline", "--offline",
    "--isolated", "--refresh", "--no-cache", "--ignore-existing", "--verbose", "-v",
    "-i", "-t", "-it", "-ti", "--rm", "--interactive", "--tty", "--init", "--privileged",
    "--read-only", "-d", "--detach", "-P", "--publish-all", "--no-healthcheck",
})
# Flags whose value is the package itself (``npx -p pkg cmd``, ``uvx --from pkg cmd``); ``-p``
# means ``--python`` to uvx and ``--publish`` to docker, so each ecosystem has its own.
_NPM_PACKAGE_FLAGS = frozenset({"-p", "--package"})
_PYPI_PACKAGE_FLAGS = frozenset({"--from"})

_NPM_VERSION = re.compile(r"^(?P<name>@?[^@]+)(?:@(?P<version>.+))?$")
_PYPI_VERSION = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?\s*"
                           r"(?:(?:==|@|>=|~=|<=|>|<|!=)\s*(?P<version>.+))?$")
_PYPI_SEPARATORS = re.compile(r"[-_.]+")
_IMAGE_DIGEST = re.compile(r"@(?P<digest>sha256:[0-9a-fA-F]+)$")
_SAFE_NAME = re.compile(r"[A-Za-z0-9@._/+~-]+")
_SEGMENTS = re.compile(r"[/@:.]")
_HOST = re.compile(r"[\w.-]+|[0-9a-f:.]+")  # a name, or an IPv6 address (brackets already dropped)

_LAUNCHER_SUBCOMMANDS = MappingProxyType({**_NPM_LAUNCHERS, **_PYPI_LAUNCHERS})
_ALL_LAUNCHERS = frozenset({*_LAUNCHER_SUBCOMMANDS, *_CONTAINER_RUNTIMES, *_PYTHONS})


@dataclass(frozen=True, slots=True)
class Package:
    """A package a server runs: ``npm``, ``pypi`` or ``docker``, or ``command`` for a bare program."""

    ecosystem: str  # npm | pypi | docker | command
    name: str  # normalised: no version or tag; docker images without docker.io/library/
    version: str | None = None  # version, dist-tag or image tag as written; None when unpinned
    digest: str | None = None  # image digest (sha256:...) when given

    @property
    def id(self) -> str:
        """``ecosystem:name``, e.g. ``npm:@modelcontextprotocol/server-github``."""
        return f"{self.ecosystem}:{self.name}"

    @property
    def display(self) -> str:
        """``id`` for messages, with the name withheld when it could hide a secret."""
        return self.id if is_safe_to_show(self.name) else f"{self.ecosystem}:(name not shown)"


def is_safe_to_show(text: str) -> bool:
    """Whether a package name or host is plain enough to print: package characters only, and no
    segment that looks like a token (20 or more characters mixing letters and digits)."""
    if not _SAFE_NAME.fullmatch(text):
        return False
    for segment in _SEGMENTS.split(text):
        letters = any(c.isalpha() for c in segment)
        digits = any(c.isdigit() for c in segment)
        if len(segment) >= 20 and letters and digits:
            return False
    return True


def _program(token: str) -> str:
    name = re.split(r"[/\\]", token)[-1].lower()
    return name[:-4] if name.endswith((".exe", ".cmd", ".bat")) else name


def command_words(server: Server) -> list[str]:
    """The command and its arguments as one list: a whole command line in ``command`` is split
    (a path with spaces is kept whole), leading ``NAME=value`` assignments and a Windows
    ``cmd /c`` wrapper are dropped."""
    command = (server.command_text or "").strip()
    words = command.split()
    if (len(words) > 1 and _program(words[0]) not in _ALL_LAUNCHERS and ("/" in command or "\\" in command)
            and not any(word.startswith("-") for word in words)):
        words = [command]  # "C:\\Program Files\\nodejs\\npx.cmd": one program
    words += server.arg_texts
    while words and "=" in words[0] and not words[0].startswith("-"):
        words.pop(0)
    if len(words) >= 2 and _program(words[0]) == "cmd" and words[1].lower() in ("/c", "/k"):
        words = words[2:]
    return words


def _positionals(words: list[str], package_flags: frozenset[str] = frozenset()) -> tuple[list[str], str | None]:
    """Arguments that are not options or option values, and the value of a package flag."""
    positionals: list[str] = []
    package_flag_value: str | None = None
    skip_next = False
    flag_taking: str | None = None
    for word in words:
        if skip_next:
            skip_next = False
            if flag_taking in package_flags and package_flag_value is None:
                package_flag_value = word
            continue
        if word == "--":
            continue
        if word.startswith("-") and len(word) > 1:
            flag, eq, value = word.partition("=")
            if eq:
                if flag in package_flags and package_flag_value is None:
                    package_flag_value = value
                continue
            if word not in _BOOLEAN_FLAGS:
                skip_next, flag_taking = True, word
            continue
        positionals.append(word)
    return positionals, package_flag_value


def npm_package(spec: str) -> Package | None:
    """``@scope/pkg@1.2.3`` -> npm ``@scope/pkg`` version ``1.2.3``; ``npm:`` prefixes dropped."""
    spec = spec.removeprefix("npm:")
    match = _NPM_VERSION.match(spec)
    if not match or spec.startswith((".", "/")) or "://" in spec:
        return None
    return Package("npm", match.group("name").lower(), match.group("version") or None)


def pypi_name(name: str) -> str:
    """PEP 503 normalisation: lower case, runs of ``-``, ``_`` and ``.`` become one ``-``."""
    return _PYPI_SEPARATORS.sub("-", name).lower()


def pypi_package(spec: str) -> Package | None:
    """``mcp-server-git==1.2`` / ``mcp-server-git@1.2`` / ``mcp_server_git`` -> pypi ``mcp-server-git``."""
    match = _PYPI_VERSION.match(spec.strip())
    if not match:
        return None
    return Package("pypi", pypi_name(match.group("name")), match.group("version") or None)


def docker_package(reference: str) -> Package | None:
    """``ghcr.io/github/github-mcp-server:v1@sha256:...`` -> docker ``ghcr.io/github/github-mcp-server``
    with tag and digest; ``docker.io/`` and ``docker.io/library/`` are dropped, names lower-cased."""
    digest = None
    found = _IMAGE_DIGEST.search(reference)
    if found:
        digest = found.group("digest").lower()
        reference = reference[: found.start()]
    name, tag = reference, None
    last_segment = reference.rsplit("/", 1)[-1]
    if ":" in last_segment:
        name, tag = reference.rsplit(":", 1)
    name = name.lower()
    for prefix in ("docker.io/library/", "index.docker.io/library/", "docker.io/", "index.docker.io/"):
        if name.startswith(prefix):
            name = name[len(prefix):]
            break
    if not name or "://" in name:
        return None
    return Package("docker", name, tag or None, digest)


def package_of(server: Server) -> Package | None:
    """The package a stdio server runs, or None for a remote server or one with no command."""
    words = command_words(server)
    if not words:
        return None
    program, rest = _program(words[0]), words[1:]
    if program in _NPM_LAUNCHERS or program in _PYPI_LAUNCHERS:
        subcommands = _LAUNCHER_SUBCOMMANDS[program]
        while rest and rest[0] in subcommands:
            rest = rest[1:]
        if subcommands and rest == words[1:]:
            return Package("command", program)  # ``npm start``, ``uv --directory d run x``: no package
        npm = program in _NPM_LAUNCHERS
        positionals, from_flag = _positionals(rest, _NPM_PACKAGE_FLAGS if npm else _PYPI_PACKAGE_FLAGS)
        spec = from_flag or (positionals[0] if positionals else None)
        if spec is None:
            return None
        return npm_package(spec) if npm else pypi_package(spec)
    if program in _CONTAINER_RUNTIMES:
        if not rest or rest[0] != "run":
            return Package("command", program)  # ``docker mcp gateway run`` and the like
        positionals, _ = _positionals(rest[1:])
        return docker_package(positionals[0]) if positionals else None
    if program in _PYTHONS:
        for index, word in enumerate(rest[:-1]):
            if word == "-m":
                return pypi_package(rest[index + 1])
    return Package("command", program)


def url_of(server: Server) -> str | None:
    """The remote endpoint as ``host[:port]/path`` (lower-case host, no scheme, user, query or
    trailing slash): the server's ``url``, else the first http(s) URL among its arguments."""
    candidates = [server.url_text] if server.url_text else []
    candidates += [a for a in server.arg_texts if a.lower().startswith(("http://", "https://"))]
    for text in candidates:
        normalised = normalise_url(text)
        if normalised is not None:
            return normalised
    return None


def normalise_url(text: str) -> str | None:
    """``https://user@API.example.com:8443/mcp/?x=1`` -> ``api.example.com:8443/mcp``; None if no host."""
    stripped = text.strip()
    if "://" not in stripped:
        stripped = "//" + stripped
    try:
        parts = urlsplit(stripped)
        host = (parts.hostname or "").lower()
        port = parts.port
    except ValueError:
        return None
    if not _HOST.fullmatch(host):
        return None
    default_port = {"http": 80, "ws": 80, "https": 443, "wss": 443}.get(parts.scheme.lower())
    netloc = f"{host}:{port}" if port and port != default_port else host
    return (netloc + parts.path).rstrip("/")
