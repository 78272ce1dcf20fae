"""Server identity: the package a command line runs (version split off) and the remote URL."""

from __future__ import annotations

import pytest

from mcpiam.core.document import Scalar, Span
from mcpiam.model.identity import Package, is_safe_to_show, normalise_url, package_of, url_of
from mcpiam.model.servers import Scope, Server, Transport, Value

SPAN = Span(1, 1, 1, 2)


def value(text: str, *route: str | int) -> Value:
    return Value(("mcpServers", "s", *route), Scalar(text, SPAN))


def server(command: str | None = None, *args: str, url: str | None = None) -> Server:
    """A server as a config file gives it: each value at its own route (two values share a route
    only in a Docker catalog entry, whose image is both its command and its first argument)."""
    return Server(
        name="s", name_span=SPAN, route=("mcpServers", "s"), client="cursor", scope=Scope.PROJECT,
        transport=Transport.HTTP if url else Transport.STDIO,
        command=value(command, "command") if command is not None else None,
        args=tuple(value(a, "args", index) for index, a in enumerate(args)),
        url=value(url, "url") if url else None,
    )


@pytest.mark.parametrize(
    ("command", "args", "expected"),
    [
        ("npx", ["-y", "@modelcontextprotocol/server-github"], Package("npm", "@modelcontextprotocol/server-github")),
        ("npx", ["-y", "@modelcontextprotocol/server-github@1.2.3"],
         Package("npm", "@modelcontextprotocol/server-github", "1.2.3")),
        ("npx", ["--yes", "mcp-remote@latest", "https://mcp.example.com/sse"], Package("npm", "mcp-remote", "latest")),
        ("npx", ["-p", "@acme/tools@2.0.0", "acme-mcp"], Package("npm", "@acme/tools", "2.0.0")),
        ("npx", ["--package=@acme/tools", "acme-mcp"], Package("npm", "@acme/tools")),
        ("npx -y @upstash/context7-mcp", [], Package("npm", "@upstash/context7-mcp")),
        ("pnpm", ["dlx", "Some-Pkg@3"], Package("npm", "some-pkg", "3")),
        ("bunx", ["@scope/pkg"], Package("npm", "@scope/pkg")),
        ("uvx", ["mcp-server-git"], Package("pypi", "mcp-server-git")),
        ("uvx", ["mcp-server-git==2025.1.14", "--repository", "."], Package("pypi", "mcp-server-git", "2025.1.14")),
        ("uvx", ["--from", "Mcp_Server.Fetch@0.6", "mcp-server-fetch"], Package("pypi", "mcp-server-fetch", "0.6")),
        ("uv", ["tool", "run", "mcp-server-time"], Package("pypi", "mcp-server-time")),
        ("uvx", ["-p", "3.12", "mcp-server-time"], Package("pypi", "mcp-server-time")),
        ("docker", ["run", "-p", "8080:80", "--rm", "acme/mcp"], Package("docker", "acme/mcp")),
        ("pipx", ["run", "mcp-server-sqlite"], Package("pypi", "mcp-server-sqlite")),
        ("python", ["-m", "mcp_server_fetch"], Package("pypi", "mcp-server-fetch")),
        ("docker", ["run", "-i", "--rm", "-e", "GITHUB_PERSONAL_ACCESS_TOKEN", "ghcr.io/github/github-mcp-server"],
         Package("docker", "ghcr.io/github/github-mcp-server")),
        ("docker", ["run", "-i", "--rm", "--env=X=1", "ghcr.io/github/github-mcp-server:v0.4.0"],
         Package("docker", "ghcr.io/github/github-mcp-server", "v0.4.0")),
        ("docker", ["run", "--name", "gh", "docker.io/mcp/github@sha256:" + "a" * 64],
         Package("docker", "mcp/github", None, "sha256:" + "a" * 64)),
        ("podman", ["run", "-i", "localhost:5000/team/mcp:1"], Package("docker", "localhost:5000/team/mcp", "1")),
        ("docker.exe", ["run", "-i", "--rm", "docker.io/library/postgres-mcp"], Package("docker", "postgres-mcp")),
        ("docker", ["mcp", "gateway", "run"], Package("command", "docker")),
        ("cmd", ["/c", "npx", "-y", "@scope/pkg"], Package("npm", "@scope/pkg")),
        ("C:\\Program Files\\nodejs\\npx.cmd", ["-y", "@scope/pkg"], Package("npm", "@scope/pkg")),
        ("/usr/local/bin/github-mcp-server", ["stdio"], Package("command", "github-mcp-server")),
        ("uv", ["--directory", "/srv/mcp", "run", "server.py"], Package("command", "uv")),
        ("node", ["dist/index.js"], Package("command", "node")),
    ],
)
def test_package_of_a_command_line(command: str, args: list[str], expected: Package) -> None:
    assert package_of(server(command, *args)) == expected


def test_no_package_for_a_remote_server_or_a_launcher_without_one() -> None:
    assert package_of(server(url="https://mcp.example.com/mcp")) is None
    assert package_of(server("npx", "-y")) is None
    assert package_of(server("docker", "run", "-i", "--rm")) is None


def test_package_id_and_display() -> None:
    package = Package("npm", "@modelcontextprotocol/server-github", "1.2.3")
    assert package.id == package.display == "npm:@modelcontextprotocol/server-github"
    assert Package("command", "x" * 12 + "Ab3" + "y" * 10).display == "command:(name not shown)"


@pytest.mark.parametrize(
    ("text", "safe"),
    [("@modelcontextprotocol/server-github", True), ("ghcr.io/github/github-mcp-server", True),
     ("mcp-server-sequential-thinking", True), ("k3Jd9sLq0pZ7xW2vB8nM4c", False), ("a b", False),
     ("x=y", False)],
)
def test_is_safe_to_show(text: str, safe: bool) -> None:
    assert is_safe_to_show(text) is safe


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://api.githubcopilot.com/mcp/", "api.githubcopilot.com/mcp"),
        ("https://user:pw@API.Example.com:8443/v1/mcp?key=1#f", "api.example.com:8443/v1/mcp"),
        ("https://mcp.example.com:443/sse", "mcp.example.com/sse"),
        ("http://localhost:80", "localhost"),
        ("mcp.example.com/mcp", "mcp.example.com/mcp"),
        ("not a url", None),
        ("https://[::1", None),
    ],
)
def test_normalise_url(url: str, expected: str | None) -> None:
    assert normalise_url(url) == expected


def test_url_of_reads_the_url_or_a_proxy_argument() -> None:
    assert url_of(server(url="https://mcp.linear.app/sse")) == "mcp.linear.app/sse"
    assert url_of(server("npx", "-y", "mcp-remote", "https://mcp.atlassian.com/v1/sse")) == "mcp.atlassian.com/v1/sse"
    assert url_of(server("npx", "-y", "pkg")) is None
