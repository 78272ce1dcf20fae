"""One reading of a server's command line (mcpiam.model.launch) for the rules and for identity.

The rules (unpinned-server, excessive-scope) and the policy identity (``package_of``) once read
command lines each their own way. The cases where they disagreed are pinned here, each with the
package-manager or client behaviour that decided it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rule_helpers import located_server, scan_text
from mcpiam.core.document import Scalar, Span
from mcpiam.model.identity import Package, package_of
from mcpiam.model.launch import read_launch
from mcpiam.model.servers import Scope, Server, Transport, Value
from mcpiam.model.package_refs import (
    PackageRef, deno_ref, go_ref, image_ref, jsr_ref, npm_ref, pypi_ref, url_ref,
)

DIGEST = "sha256:" + "c" * 64


def package(command: str, *args: str) -> Package | None:
    return package_of(located_server(command, list(args)))


def unpinned(tmp_path: Path, command: str, args: list[str]) -> list[str]:
    text = json.dumps({"mcpServers": {"s": {"command": command, "args": args}}})
    return [f.token for f in scan_text(tmp_path, ".cursor/mcp.json", text, "unpinned-server")]


# --- what the launch holds, and where ------------------------------------------------------------


def test_a_launch_keeps_each_part_with_its_position() -> None:
    server = located_server("npx", ["-y", "--registry", "https://r.example", "@scope/pkg@1.2.3", "/data"])
    launch = read_launch(server)
    assert launch is not None
    assert (launch.executable, launch.runner, launch.ecosystem) == ("npx", "npx", "npm")
    assert [(o.flag, o.text) for o in launch.options] == [("-y", None), ("--registry", "https://r.example")]
    (fetched,) = launch.packages
    assert fetched.ref == PackageRef("npm", "@scope/pkg", "1.2.3", "@")
    assert fetched.token.value.route == ("mcpServers", "s", "args", 3)
    assert [t.value.route[-1] for t in launch.program_args] == [4]


def test_a_servers_launch_is_read_once_and_takes_no_part_in_its_identity() -> None:
    """read_launch keeps what it read on the server (three rules ask): the same object each time,
    equal to a fresh reading; a copy (replace, pickle) reads it again or keeps it; equality,
    hash and repr do not see it."""
    import pickle

    from mcpiam.core.valuetype import replace
    from mcpiam.model.launch import _read_launch

    server = located_server("npx", ["-y", "@scope/pkg@1.2.3"])
    unread = located_server("npx", ["-y", "@scope/pkg@1.2.3"])
    first = read_launch(server)
    assert first is not None and read_launch(server) is first
    assert first == _read_launch(unread)
    assert server == unread and hash(server) == hash(unread) and repr(server) == repr(unread)
    copied = replace(server, name="other")
    assert isinstance(copied.launch_memo, str) and read_launch(copied) == first
    assert read_launch(pickle.loads(pickle.dumps(unread))) == first  # unread when pickled: read after
    assert pickle.loads(pickle.dumps(server)).launch_memo == first
    remote = replace(server, command=None, args=())  # nothing to start: None, kept as None
    assert read_launch(remote) is None and remote.launch_memo is None and read_launch(remote) is None

def test_docker_run_reads_options_image_and_digest() -> None:
    launch = read_launch(located_server("docker", ["run", "-i", "-v", "/a:/b", "ghcr.io/o/i:v1@" + DIGEST, "x"]))
    assert launch is not None and launch.ecosystem == "docker"
    assert [(o.flag, o.text) for o in launch.options] == [("-i", None), ("-v", "/a:/b")]
    assert launch.packages[0].ref == PackageRef("docker", "ghcr.io/o/i", "v1", ":", DIGEST)
    assert [t.text for t in launch.program_args] == ["x"]


def test_a_docker_catalog_entry_runs_its_image() -> None:
    image = Value(("registry", "acme", "image"), Scalar("mcp/acme", Span(2, 8, 2, 16)))
    server = Server(name="acme", name_span=Span(1, 1, 1, 5), route=("registry", "acme"), client="docker-mcp",
                    scope=Scope.UNKNOWN, transport=Transport.STDIO,
                    command=Value(image.route, Scalar("docker", image.span)), args=(image,))
    # identity once said command:docker; the gateway runs the image, so the image is the package
    assert package_of(server) == Package("docker", "mcp/acme")


# --- the decided disagreements --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "args", "expected"),
    [
        # docker run -v/--volume takes a value (identity read -v as --verbose and the volume as the image)
        ("docker", ["run", "-i", "-v", "cache:/cache", "acme/mcp:1"], Package("docker", "acme/mcp", "1")),
        # docker's boolean options do not swallow the image (identity assumed unknown flags take a value)
        ("docker", ["run", "--sig-proxy", "--use-api-socket", "acme/mcp"], Package("docker", "acme/mcp")),
        # `docker container run` is `docker run`
        ("docker", ["container", "run", "-i", "mcp/fetch"], Package("docker", "mcp/fetch")),
        # name:tag@digest: the tag is not part of the repository (the rules once read "img:1" as the name)
        ("docker", ["run", "img:1@" + DIGEST], Package("docker", "img", "1", DIGEST)),
        # an image built from a reference, or a URL, is no image reference
        ("docker", ["run", "-i", "${IMAGE}"], None),
        ("docker", ["run", "-i", "https://example.com/img"], None),
        # boolean runner flags do not swallow the package (npx --no, bunx --bun, uvx -n / -U / --native-tls)
        ("npx", ["--no", "pkg"], Package("npm", "pkg")),
        ("bunx", ["--bun", "pkg"], Package("npm", "pkg")),
        ("uvx", ["-n", "--native-tls", "-U", "pkg"], Package("pypi", "pkg")),
        # npm's option parser (nopt) has no attached short values: -ppkg is a flag, cmd is the package
        ("npx", ["-ppkg", "cmd"], Package("npm", "cmd")),
        # pipx run --spec names the package; the positional word is the app inside it
        ("pipx", ["run", "--spec", "acme-mcp==1.0.0", "acme-mcp-server"], Package("pypi", "acme-mcp", "1.0.0")),
        # `uv run` and `pnpm exec` run what is installed; only `uv tool run` and `pnpm dlx` fetch
        ("uv", ["run", "server.py"], Package("command", "uv")),
        ("uv", ["run", "--with", "mcp", "mcp", "run", "server.py"], Package("command", "uv")),
        ("pnpm", ["exec", "pkg"], Package("command", "pnpm")),
        # pnpx is pnpm's alias for `pnpm dlx`
        ("pnpx", ["pkg@1.0.0"], Package("npm", "pkg", "1.0.0")),
        # npm installs npx.ps1 beside npx.cmd: the same runner
        ("npx.ps1", ["-y", "pkg"], Package("npm", "pkg")),
        # py is the Windows Python launcher: `py -m module` runs a module like `python -m module`
        ("py", ["-m", "mcp_server_fetch"], Package("pypi", "mcp-server-fetch")),
        # after the script, -m is the script's own argument, not Python's
        ("python", ["server.py", "-m", "other"], Package("command", "python")),
        # GitHub shorthands, git, file and path specs and references are not registry packages
        ("npx", ["github:owner/repo"], None),
        ("npx", ["owner/repo"], None),
        ("npx", ["file:../x"], None),
        ("npx", ["C:\\x\\y.js"], None),
        ("npx", ["-y", "${PACKAGE}"], None),
        # an npm: alias spec names the registry package it aliases
        ("npx", ["-y", "npm:pkg@1.0.0"], Package("npm", "pkg", "1.0.0")),
        # a PEP 508 direct reference is not a registry release
        ("uvx", ["pkg @ https://example.com/pkg.whl"], None),
        # a pip range keeps its operators; an exact pin is the version alone
        ("uvx", ["pkg>=1.0,<2"], Package("pypi", "pkg", ">=1.0,<2")),
        ("uvx", ["pkg===1.2"], Package("pypi", "pkg", "1.2")),
        # a whole command line in `command`, as clients that run it through a shell read it
        ("FOO=1 npx -y @scope/pkg", [], Package("npm", "@scope/pkg")),
        # a blank command starts nothing; its arguments are not a command line
        (" ", ["npx", "pkg"], None),
        # global options before the subcommand are read as the executable reads them
        ("docker", ["--context", "prod", "run", "-i", "acme/mcp:1"], Package("docker", "acme/mcp", "1")),
        ("docker", ["-H", "tcp://h:2376", "--tlsverify", "run", "acme/mcp"], Package("docker", "acme/mcp")),
        ("docker", ["--config", "/etc/docker", "container", "run", "acme/mcp"], Package("docker", "acme/mcp")),
        ("podman", ["--connection", "remote", "-r", "run", "acme/mcp"], Package("docker", "acme/mcp")),
        ("nerdctl", ["-n", "k8s.io", "run", "acme/mcp"], Package("docker", "acme/mcp")),
        ("uv", ["--directory", "/srv", "tool", "run", "mcp-server-time"], Package("pypi", "mcp-server-time")),
        # `docker mcp gateway run` runs docker's own gateway, `npm run` a script of the project
        ("docker", ["mcp", "gateway", "run"], Package("command", "docker")),
        ("npm", ["run", "mcp"], Package("command", "npm")),
        # go run: a package path with a domain is the package (its version split off); a path, a
        # file or a package of the current module is not (go:, judged as what go run builds)
        ("go", ["run", "github.com/acme/mcp/cmd/server@v1.2.3"],
         Package("go", "github.com/acme/mcp/cmd/server", "v1.2.3")),
        ("go", ["run", "-tags", "netgo", "golang.org/x/tools/gopls@latest"],
         Package("go", "golang.org/x/tools/gopls", "latest")),
        ("go", ["run", "github.com/acme/mcp/cmd/server"], Package("go", "github.com/acme/mcp/cmd/server")),
        ("go", ["run", "./cmd/server"], Package("command", "go")),
        ("go", ["run", "main.go"], Package("command", "go")),
        ("go", ["run", "cmd/server"], Package("command", "go")),
        # deno run: jsr: and npm: specifiers name their registry package (sub-path dropped); a
        # remote module (a URL) or a local script names none: command:deno, matched by its URL
        ("deno", ["run", "-A", "jsr:@acme/mcp@1.0.0/server"], Package("jsr", "@acme/mcp", "1.0.0")),
        ("deno", ["run", "--allow-net=api.x", "npm:@acme/mcp@2/bin"], Package("npm", "@acme/mcp", "2")),
        ("deno", ["run", "-A", "https://deno.land/x/acme_mcp@v1.0.0/cli.ts"], Package("command", "deno")),
        ("deno", ["run", "--config", "deno.json", "main.ts"], Package("command", "deno")),
        ("deno", ["-q", "run", "-A", "jsr:@acme/mcp"], Package("jsr", "@acme/mcp")),
    ],
)
def test_package_of_decided_cases(command: str, args: list[str], expected: Package | None) -> None:
    assert package(command, *args) == expected


@pytest.mark.parametrize(
    ("command", "args", "expected"),
    [
        ("pnpx", ["pkg"], ['"pkg"']),
        ("npx", ["-y", "npm:pkg"], ['"npm:pkg"']),
        ("npx", ["-ppkg", "cmd"], ['"cmd"']),
        ("npx -y pkg@latest", [], ['"npx -y pkg@latest"']),  # the finding points at the command value
        ("npx -y pkg@1.0.0", [], []),
        ("docker", ["run", "--use-api-socket", "img"], ['"img"']),
        ("docker", ["run", "img:1@" + DIGEST], []),
        ("uv", ["run", "server.py"], []),
        ("pnpm", ["exec", "pkg"], []),
        ("docker", ["--context", "prod", "run", "-i", "acme/mcp"], ['"acme/mcp"']),
        ("docker", ["-H", "tcp://h:2376", "run", "acme/mcp:latest"], ['"acme/mcp:latest"']),
        ("docker", ["-c", "prod", "run", "acme/mcp:1.0"], []),
        ("uv", ["--directory", "/srv", "tool", "run", "mcp-server-time"], ['"mcp-server-time"']),
        # go run: moving queries float; a full version or commit is fixed; no version: go.mod pins it
        ("go", ["run", "github.com/acme/mcp/cmd/server@latest"], ['"github.com/acme/mcp/cmd/server@latest"']),
        ("go", ["run", "github.com/acme/mcp/cmd/server@main"], ['"github.com/acme/mcp/cmd/server@main"']),
        ("go", ["run", "github.com/acme/mcp/cmd/server@v1"], ['"github.com/acme/mcp/cmd/server@v1"']),
        ("go", ["run", "github.com/acme/mcp/cmd/server@>v1.2.0"], ['"github.com/acme/mcp/cmd/server@>v1.2.0"']),
        ("go", ["run", "github.com/acme/mcp/cmd/server@v1.2.3"], []),
        ("go", ["run", "github.com/acme/mcp/cmd/server@v0.0.0-20240101120000-abcdef123456"], []),
        ("go", ["run", "github.com/acme/mcp/cmd/server@abcdef1"], []),
        ("go", ["run", "github.com/acme/mcp/cmd/server"], []),
        ("go", ["run", "./cmd/server"], []),
        # deno run: jsr:/npm: without a version or with @latest, and a URL naming no version, float
        ("deno", ["run", "-A", "jsr:@acme/mcp"], ['"jsr:@acme/mcp"']),
        ("deno", ["run", "-A", "jsr:@acme/mcp@1.0.0"], []),
        ("deno", ["run", "-A", "npm:acme-mcp@latest/bin"], ['"npm:acme-mcp@latest/bin"']),
        ("deno", ["run", "-A", "https://deno.land/x/acme_mcp/cli.ts"], ['"https://deno.land/x/acme_mcp/cli.ts"']),
        ("deno", ["run", "-A", "https://esm.sh/acme-mcp@latest"], ['"https://esm.sh/acme-mcp@latest"']),
        ("deno", ["run", "-A", "https://deno.land/x/acme_mcp@v1.0.0/cli.ts"], []),
        ("deno", ["run", "-A", "https://jsr.io/@acme/mcp/1.0.0/server.ts"], []),
        ("deno", ["run", "-A", "main.ts"], []),
    ],
)
def test_unpinned_server_on_decided_cases(tmp_path: Path, command: str, args: list[str], expected: list[str]) -> None:
    assert unpinned(tmp_path, command, args) == expected


def test_a_command_line_in_command_is_read_as_shell_words() -> None:
    # Quotes are the shell's, not part of the package; a Windows path keeps its backslashes.
    assert package("npx -y '@scope/pkg@1.2.3'") == Package("npm", "@scope/pkg", "1.2.3")
    assert package('"/opt/my tools/uvx" "mcp-server-time==1.0"') == Package("pypi", "mcp-server-time", "1.0")
    assert package("C:\\tools\\npx.cmd -y pkg@2") == Package("npm", "pkg", "2")


def test_a_command_folded_over_several_lines_is_not_read_as_a_command_line(tmp_path: Path) -> None:
    # "args:" indented one space too far folds into the command scalar: "npx args: [...]".
    text = "mcpServers:\n  - name: db\n    command: npx\n     args: [\"-y\", \"db-mcp\"]\n"
    found = scan_text(tmp_path, ".continue/mcpServers/db.yaml", text, "unpinned-server")
    assert found == []
    single_line = "mcpServers:\n  - name: db\n    command: npx -y db-mcp\n"
    assert [f.token for f in scan_text(tmp_path, ".continue/mcpServers/db.yaml", single_line,
                                       "unpinned-server")] == ['npx -y db-mcp']


def test_a_github_image_pinned_by_tag_and_digest_is_still_the_github_server(tmp_path: Path) -> None:
    image = "ghcr.io/github/github-mcp-server:v0.20.1@" + DIGEST
    text = json.dumps({"mcpServers": {"gh": {"command": "docker", "args": ["run", "-i", "--rm", image]}}})
    found = scan_text(tmp_path, ".cursor/mcp.json", text, "excessive-scope")
    assert [f.token for f in found] == [f'"{image}"']
    assert "every GitHub tool" in found[0].message


def test_a_filesystem_server_run_by_the_windows_python_launcher_is_judged(tmp_path: Path) -> None:
    text = json.dumps({"mcpServers": {"fs": {"command": "py", "args": ["-m", "mcp_server_filesystem", "/"]}}})
    assert [f.token for f in scan_text(tmp_path, ".cursor/mcp.json", text, "excessive-scope")] == ['"/"']


# --- specs -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reader", "text", "expected"),
    [
        (npm_ref, "npm:@s/p@2", PackageRef("npm", "@s/p", "2", "@")),
        (npm_ref, "pkg", PackageRef("npm", "pkg")),
        (pypi_ref, "Mcp_Server.Fetch@0.6", PackageRef("pypi", "Mcp_Server.Fetch", "0.6", "@")),
        (pypi_ref, "pkg~=1.2", PackageRef("pypi", "pkg", "~=1.2", "~=")),
        (image_ref, "Registry:5000/Team/Img", PackageRef("docker", "registry:5000/team/img")),
        (image_ref, "img:", PackageRef("docker", "img", "", ":")),
        (image_ref, ":tag", None),
        (go_ref, "example.com/mod/cmd@v1.2.3", PackageRef("go", "example.com/mod/cmd", "v1.2.3", "@")),
        (go_ref, "fmt", None),
        (go_ref, "../mod/cmd", None),
        (jsr_ref, "jsr:@Std/http@^1.0/file-server", PackageRef("jsr", "@std/http", "^1.0", "@")),
        (jsr_ref, "jsr:pkg", None),  # JSR names are always scoped
        (deno_ref, "npm:@s/p/sub/path", PackageRef("npm", "@s/p")),
        (deno_ref, "./main.ts", None),
        (url_ref, "https://u:pw@h.example:8443/x/mod@v2.0.0/cli.ts?token=1",
         PackageRef("url", "h.example:8443/x/mod@v2.0.0/cli.ts", "v2.0.0", "@")),
        (url_ref, "https://raw.githubusercontent.com/o/r/main/server.ts",
         PackageRef("url", "raw.githubusercontent.com/o/r/main/server.ts")),
        (url_ref, "file:///srv/server.ts", None),
    ],
)
def test_spec_readers(reader, text: str, expected: PackageRef | None) -> None:
    assert reader(text) == expected


def test_subcommand_global_options_and_unknown_flags_are_kept() -> None:
    launch = read_launch(located_server("docker", ["-H", "tcp://h", "container", "run", "--frobnicate", "-i", "img"]))
    assert launch is not None
    assert [t.text for t in launch.subcommand] == ["container", "run"]
    assert [(o.flag, o.text) for o in launch.global_options] == [("-H", "tcp://h")]
    assert [(o.flag, o.known) for o in launch.options] == [("--frobnicate", False), ("-i", True)]
    assert not launch.after_unknown_flag(launch.program)
    after = read_launch(located_server("npx", ["--frobnicate", "pkg"]))
    assert after is not None and after.program is not None and after.after_unknown_flag(after.program)


@pytest.mark.parametrize(
    ("command", "args", "program", "option"),
    [
        ("python", ["-W", "ignore", "server.py"], "server.py", None),  # -W takes a value
        ("python3", ["-u", "server.py"], "server.py", None),
        ("java", ["-Xmx1g", "-jar", "server.jar", "--port", "1"], "server.jar", "-jar"),
        ("node", ["-r", "dotenv/config", "build/index.js"], "build/index.js", None),
        ("uv", ["run", "--with", "mcp", "mcp", "run", "server.py"], "mcp", None),
    ],
)
def test_what_an_interpreter_or_local_runner_runs(command: str, args: list[str], program: str, option: str | None
                                                  ) -> None:
    launch = read_launch(located_server(command, args))
    assert launch is not None and launch.program is not None and launch.program.text == program
    named = launch.option_naming(launch.program)
    assert (named.flag if named else None) == option


@pytest.mark.parametrize(
    ("command", "args", "shown"),
    [
        # a misplaced flag leaves its value where the image is read: the name is withheld
        ("docker", ["run", "--token", "ghp_" + "a1B2" * 9, "acme/mcp:1"], "'(name not shown)'"),
        # a remote module is named by host and path, without user, query or token-like path parts
        ("deno", ["run", "https://u:pw@h.example/x.ts?key=abc"], "'h.example/x.ts'"),
        ("deno", ["run", "https://h.example/s/" + "a1B2" * 6 + "/x.ts"], "'h.example'"),
    ],
)
def test_unpinned_messages_never_show_a_secret(tmp_path: Path, command: str, args: list[str], shown: str) -> None:
    text = json.dumps({"mcpServers": {"s": {"command": command, "args": args}}})
    (finding,) = scan_text(tmp_path, ".cursor/mcp.json", text, "unpinned-server")
    assert shown in finding.message
    assert "a1B2" not in finding.message and "pw" not in finding.message and "abc" not in finding.message
