"""What a server *is*, independent of how a config launches it: its package and its remote URL.

``package_of`` takes the package from the server's command line as ``mcpiam.model.launch`` reads it
(``npx -y @scope/pkg@1.2.3``, ``uvx --from pkg tool``, ``docker run -i --rm -e X image:tag``,
``python -m module``, ``go run example.com/cmd@v1``, ``deno run jsr:@scope/pkg``, a bare program)
and names it the way a policy does: ``npm:@scope/pkg``, ``go:example.com/cmd``, ``jsr:@scope/pkg``,
whatever version or launcher flags a config uses. ``url_of`` gives the remote URL a server talks to
(its own ``url``, or the URL handed to a local proxy such as ``mcp-remote``) as ``host[:port]/path``
for host/path globs.
"""

from __future__ import annotations

from mcpiam.core.lazy_pattern import lazy_compile
from mcpiam.core.valuetype import dataclass
from urllib.parse import urlsplit

from mcpiam.core.redact import is_safe_to_show
from mcpiam.model.launch import Launch, read_launch
from mcpiam.model.servers import Server
from mcpiam.model.package_refs import PackageRef, pypi_ref

_PYPI_SEPARATORS = lazy_compile(r"[-_.]+")
_DOCKER_HUB_PREFIXES = ("docker.io/library/", "index.docker.io/library/", "docker.io/", "index.docker.io/")
_HOST = lazy_compile(r"[\w.-]+|[0-9a-f:.]+")  # a name, or an IPv6 address (brackets already dropped)


@dataclass(frozen=True, slots=True)
class Package:
    """A package a server runs: ``npm``, ``pypi``, ``docker``, ``go`` or ``jsr``, or ``command`` for a
    bare program (or a remote module ``deno run`` fetches by URL: the URL is its identity)."""

    ecosystem: str  # npm | pypi | docker | go | jsr | command
    name: str  # normalised: no version or tag; docker images without docker.io/library/
    # version, dist-tag or image tag as written (a pip range keeps its operators: ">=1.0,<2"); None when none
    version: str | None = None
    digest: str | None = None  # image digest (sha256:...) when given

    @property
    def id(self) -> str:
        """``ecosystem:name``, e.g. ``npm:@modelcontextprotocol/server-github``."""
        return f"{self.ecosystem}:{self.name}"

    @property
    def display(self) -> str:
        """``id`` for messages, with the name withheld when it could hide a secret."""
        return self.id if is_safe_to_show(self.name) else f"{self.ecosystem}:(name not shown)"


def pypi_name(name: str) -> str:
    """PEP 503 normalisation: lower case, runs of ``-``, ``_`` and ``.`` become one ``-``."""
    return _PYPI_SEPARATORS.sub("-", name).lower()


def docker_name(repository: str) -> str:
    """An image repository as Docker Hub names it: lower case, ``docker.io/`` and
    ``docker.io/library/`` dropped (``docker.io/library/postgres`` is ``postgres``)."""
    name = repository.lower()
    for prefix in _DOCKER_HUB_PREFIXES:
        if name.startswith(prefix):
            return name[len(prefix):]
    return name


def _package(ref: PackageRef) -> Package:
    if ref.ecosystem == "pypi":
        return Package("pypi", pypi_name(ref.name), ref.version or None)
    if ref.ecosystem == "docker":
        return Package("docker", docker_name(ref.name), ref.version or None, ref.digest or None)
    return Package(ref.ecosystem, ref.name.lower(), ref.version or None)


def launch_package(launch: Launch) -> Package | None:
    """The first registry package or image a launch fetches; a Python module run with ``-m`` as its
    PyPI distribution; else the executable itself (``command:github-mcp-server``, ``command:deno``
    for a remote module: a policy matches its URL with ``urls``)."""
    registry = [fetched for fetched in launch.packages if fetched.ref.ecosystem != "url"]
    if registry:
        return _package(registry[0].ref)
    if launch.ecosystem:
        return None  # a runner with no registry package: a path, URL, git spec or reference
    if launch.module is not None:
        module = pypi_ref(launch.module.text)
        return Package("pypi", pypi_name(module.name)) if module is not None else None
    return Package("command", launch.executable) if launch.executable else None


def package_of(server: Server) -> Package | None:
    """The package a stdio server runs, or None for a remote server or one with no command."""
    launch = read_launch(server)
    return launch_package(launch) if launch is not None else None


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
