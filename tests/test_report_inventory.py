"""The server inventory: golden table/CSV/JSON, and the filters that keep secrets out of it."""

from __future__ import annotations

import csv
import io
import json

import pytest

from mcpiam.core.document import Scalar, Span
from mcpiam.model.servers import Scope, Server, Transport, Value
from mcpiam.policy import OwnerEntry, Policy, ServerMatch
from mcpiam.report import InventoryFormat, render_inventory
from mcpiam.report.inventory import InventoryOptions, display_command, looks_secret, redact_url, server_record
from test_report_common import MCP, SECRET, SECRET_CORE, assert_golden, config, sample_result, server


def stdio(command: str | None, *args: str):
    return server("s", 3, base=MCP, client="claude-code", scope=Scope.PROJECT, command=command, args=args)


@pytest.mark.parametrize("fmt,name", [
    (InventoryFormat.TABLE, "inventory.txt"),
    (InventoryFormat.CSV, "inventory.csv"),
    (InventoryFormat.JSON, "inventory.json"),
])
def test_inventory_matches_golden(fmt: InventoryFormat, name: str) -> None:
    result = sample_result()
    assert_golden(name, render_inventory(result.configs, fmt, result.applied_policy))


@pytest.mark.parametrize("command,args,expected", [
    ("npx", ("-y", "@modelcontextprotocol/server-github"), "npx @modelcontextprotocol/server-github"),
    ("npx", ("-y", "@scope/pkg@1.2.3", "--api-key", "k"), "npx @scope/pkg@1.2.3"),
    ("uvx", ("mcp-server-git", "--repository", "/srv/repo"), "uvx mcp-server-git"),
    ("uvx", ("--from", "mcp-server-git==1.0", "mcp-server-git"), "uvx --from mcp-server-git==1.0"),
    ("uv", ("--directory", "/srv/app", "run", "server.py"), "uv run server.py"),
    ("python", ("-m", "mcp_server_fetch"), "python -m mcp_server_fetch"),
    ("python3", ("-u", "server.py"), "python3 server.py"),
    ("node", ("--env-file=.env", "build/index.js"), "node build/index.js"),
    ("node", ("${workspaceFolder}/dist/index.js",), "node ${workspaceFolder}/dist/index.js"),
    ("node", ("${VAR:-literal}/index.js",), "node"),
    ("docker", ("run", "-i", "--rm", "-e", "GITHUB_TOKEN", "ghcr.io/github/github-mcp-server"),
     "docker run ghcr.io/github/github-mcp-server"),
    ("docker", ("run", "-i", "mcp/fetch@sha256:" + "ab12" * 16), "docker run mcp/fetch@sha256:ab12ab12ab12..."),
    ("docker", ("mcp", "gateway", "run"), "docker mcp gateway run"),
    ("java", ("-jar", "C:\\tools\\server.jar"), "java -jar C:\\tools\\server.jar"),
    ("C:\\Program Files\\nodejs\\node.exe", ("C:\\mcp\\index.js",), "C:\\Program Files\\nodejs\\node.exe C:\\mcp\\index.js"),
    ("server", ("--token", "abc"), "server"),
    ("server", ("--", "pkg-name"), "server pkg-name"),
    ("server", ("user:pass",), "server"),
    ("npx", ("mcp-remote", "https://user:pw@host/mcp"), "npx mcp-remote"),
    ("npx", ("https://user:pw@host/mcp",), "npx"),
    ("API_KEY=abc npx", ("-y", "pkg"), "npx pkg"),
    ("npx -y pkg --key abc", (), "npx pkg"),
    (None, (), ""),
])
def test_display_command(command: str | None, args: tuple[str, ...], expected: str) -> None:
    assert display_command(stdio(command, *args)) == expected


# The command line is read by mcpiam.model.launch, the reading the rules and the policy identity use.
# These cases once showed differently (the inventory split command lines with its own flag lists).
@pytest.mark.parametrize("command,args,expected", [
    # pip's exact pin passes the filter in parts (name, version); a range shows the name alone
    ("uvx", ("mcp-server-git==2025.1.14", "--repository", "."), "uvx mcp-server-git==2025.1.14"),
    ("pipx", ("run", "mcp-server-fetch==2025.4.7"), "pipx run mcp-server-fetch==2025.4.7"),
    ("uvx", ("acme-mcp>=1.0",), "uvx acme-mcp"),
    ("bunx", ("acme-mcp@^1.4.0",), "bunx acme-mcp"),
    ("npx", ("-y", "npm:pkg@1.0.0"), "npx npm:pkg@1.0.0"),
    # the package fetched is shown, with the option that names it (as npx -p always was)
    ("pipx", ("run", "--spec", "acme-mcp", "acme-mcp-server"), "pipx run --spec acme-mcp"),
    ("npx", ("--package=@acme/tools@2.0.0", "acme-mcp"), "npx --package @acme/tools@2.0.0"),
    # python's -u takes no value; -W does: the script is the next word
    ("python", ("-W", "ignore", "server.py"), "python server.py"),
    # `cmd /c` is stepped over: what runs is shown
    ("cmd", ("/c", "npx", "-y", "acme-win-mcp"), "npx acme-win-mcp"),
    # node runs its first argument; what follows is the script's own
    ("node", (SECRET, "/opt/mcp/server.js"), "node"),
    # global options before the subcommand are read (and never shown)
    ("docker", ("--context", "prod", "run", "-i", "--rm", "acme/mcp:1"), "docker run acme/mcp:1"),
    ("docker", ("-H", "tcp://user:pw@host:2376", "run", "acme/mcp:1"), "docker run acme/mcp:1"),
    ("podman", ("--connection", "remote", "run", "-i", "acme/mcp:1"), "podman run acme/mcp:1"),
    ("uv", ("--directory", "/srv/app", "tool", "run", "mcp-server-time"), "uv tool run mcp-server-time"),
    # runs what is installed: the subcommand and what it runs
    ("uv", ("run", "--with", "mcp", "mcp", "run", "server.py"), "uv run mcp"),
    ("pnpm", ("exec", "acme-mcp"), "pnpm exec acme-mcp"),
    ("npm", ("run", "mcp"), "npm run mcp"),
    # a word after a flag the runner does not know is never shown, even where it is read as the
    # package (docker would reject the flag; npm reads it as a flag and the word as the package)
    ("docker", ("run", "-i", "--token", "hunter2hunter2", "acme/mcp:1"), "docker run"),
    ("npx", ("--api-key", "hunter2hunter2", "pkg"), "npx"),
    ("uvx", ("--token", "hunter2hunter2", "pkg"), "uvx"),
    ("python3", ("--secret", "hunter2hunter2"), "python3"),
    # go run and deno run name what they fetch; a remote module is shown as a URL is
    ("go", ("run", "-tags", "netgo", "github.com/acme/mcp/cmd/server@v1.2.3"),
     "go run github.com/acme/mcp/cmd/server@v1.2.3"),
    ("go", ("run", "./cmd/server"), "go run ./cmd/server"),
    ("deno", ("run", "-A", "jsr:@acme/mcp@1.0.0", "--port", "1"), "deno run jsr:@acme/mcp@1.0.0"),
    ("deno", ("run", "--allow-net=api.example.com", "npm:acme-mcp"), "deno run npm:acme-mcp"),
    ("deno", ("run", "-A", "https://user:pw@deno.land/x/mcp@v1/cli.ts?key=abc"),
     "deno run https://***@deno.land/x/mcp@v1/cli.ts?key=***"),
    ("deno", ("--quiet", "run", "--config", "deno.json", "main.ts"), "deno run main.ts"),
])
def test_display_command_reads_the_launch(command: str, args: tuple[str, ...], expected: str) -> None:
    assert display_command(stdio(command, *args)) == expected


# A secret as a bare argument, an option's value (separate or joined) and a container env value.
SECRET_ARGUMENTS = [(SECRET,), ("--api-key", SECRET), ("--token", SECRET), (f"--token={SECRET}",),
                    ("-e", f"KEY={SECRET}")]


@pytest.mark.parametrize("runner", [
    ("npx", "-y"), ("uvx",), ("docker", "run", "-i"), ("docker", "--context", "x", "run"), ("pipx", "run"),
    ("uv", "tool", "run"), ("python", "-m"), ("node",), ("java", "-jar"), ("cmd", "/c", "npx"), ("deno", "run"),
    ("go", "run"),
])
@pytest.mark.parametrize("args", [
    *SECRET_ARGUMENTS,
    (f"npm:{SECRET}",),
    (f"{SECRET}==1.0",),
    (f"{SECRET}:1.0",),
    (f"jsr:@acme/{SECRET}@1",),
    (f"https://deno.land/x/{SECRET}/cli.ts",),
    (f"example.com/{SECRET}@v1.0.0",),
])
def test_no_runner_shows_a_secret_argument(runner: tuple[str, ...], args: tuple[str, ...]) -> None:
    shown = display_command(stdio(runner[0], *runner[1:], *args, "pkg"))
    assert SECRET_CORE.lower() not in shown.lower()


@pytest.mark.parametrize("args", [
    *SECRET_ARGUMENTS,
    ("--header", f"Authorization: Bearer {SECRET}"),
    ("ghp_" + "a1B2" * 9,),
    ("0123456789abcdef0123456789abcdef",),
])
def test_display_command_never_shows_a_secret_argument(args: tuple[str, ...]) -> None:
    shown = display_command(stdio("mcp-server", *args))
    assert shown == "mcp-server"


def test_display_command_hides_a_secret_looking_program() -> None:
    assert display_command(stdio(SECRET)) == "***"


@pytest.mark.parametrize("url,expected", [
    ("https://api.example.com/mcp", "https://api.example.com/mcp"),
    ("https://user:pw@api.example.com:8443/mcp", "https://***@api.example.com:8443/mcp"),
    ("https://h/mcp?api_key=abc&v=2&flag&empty=", "https://h/mcp?api_key=***&v=***&***&empty="),
    ("https://h/mcp#access_token=abc", "https://h/mcp#***"),
    (f"https://mcp.zapier.com/api/mcp/s/{SECRET}/mcp", "https://mcp.zapier.com/api/mcp/s/***/mcp"),
    ("${input:server-url}", "${input:server-url}"),
    ("http://[::1]:3000/sse", "http://[::1]:3000/sse"),
    ("not a url at all", "not a url at all"),
])
def test_redact_url(url: str, expected: str) -> None:
    assert redact_url(url) == expected


@pytest.mark.parametrize("text,secret", [
    ("GITHUB_PERSONAL_ACCESS_TOKEN", False),
    ("AWS_S3_BUCKET_NAME_V2", False),
    ("@modelcontextprotocol/server-github", False),
    ("mcp-server-v2-postgres", False),
    ("ghcr.io/example/db-mcp:1.2", False),
    (SECRET, True),
    ("ghp_" + "x" * 36, True),
    ("123e4567-e89b-12d3-a456-426614174000", True),
    ("aBcDeFgHiJkLmNoPqRsTuVwXyZaBcDeFgH", True),
])
def test_looks_secret(text: str, secret: bool) -> None:
    assert looks_secret(text) is secret


def test_the_scan_reports_server_records_name_credentials_only() -> None:
    result = sample_result()
    records = [server_record(c, s, result.applied_policy) for c in result.configs for s in c.servers]
    remote = next(r for r in records if r["server"] == "remote-api")
    assert remote["credentials"] == ["Authorization", "X-Api-Key"]
    assert remote["command"] is None and remote["transport"] == "http"
    assert (remote["route"], remote["line"], remote["column"]) == ("/mcpServers/remote-api", 9, 5)


def test_reference_only_servers_are_listed_and_marked() -> None:
    records = json.loads(render_inventory(sample_result().configs, InventoryFormat.JSON))["servers"]
    assert [r["reference_only"] for r in records if r["file"] == "~/.cursor/mcp.json"] == [False, False, True]


def test_csv_defuses_spreadsheet_formulas() -> None:
    hostile = server("=HYPERLINK(\"http://x\")", 3, base=MCP, client="claude-code", scope=Scope.PROJECT, command="npx")
    configs = (config(".mcp.json", "claude-code", "k", Scope.PROJECT, (hostile,)),)
    safe = render_inventory(configs, InventoryFormat.CSV, options=InventoryOptions(spreadsheet_safe=True))
    assert list(csv.reader(io.StringIO(safe)))[1][3] == "'=HYPERLINK(\"http://x\")"
    clean = render_inventory(configs, InventoryFormat.CSV)  # for programs: the value as it is
    assert list(csv.reader(io.StringIO(clean)))[1][3] == "=HYPERLINK(\"http://x\")"


def test_table_truncates_long_commands_in_the_middle() -> None:
    long_path = "/opt/" + "/".join(["very-long-directory-name"] * 5) + "/server.js"
    long = server("long", 3, base=MCP, client="claude-code", scope=Scope.PROJECT, command="node", args=(long_path,))
    table = render_inventory((config(".mcp.json", "claude-code", "k", Scope.PROJECT, (long,)),), InventoryFormat.TABLE)
    header, row = table.splitlines()[:2]
    start = header.index("COMMAND/URL")
    command_cell = row[start:header.index("CREDENTIALS")].strip()
    assert len(command_cell) == 60
    assert command_cell.startswith("node /opt/very-long") and command_cell.endswith("-name/server.js")
    assert "…" in command_cell


def test_empty_inventory() -> None:
    assert render_inventory((), InventoryFormat.TABLE) == "No MCP servers found."
    assert json.loads(render_inventory((), InventoryFormat.JSON))["servers"] == []
    assert render_inventory((), InventoryFormat.CSV) == \
        "client,file,line,server,scope,transport,command_or_url,credentials,owner,owner_source"


def test_transport_without_command_or_url_shows_a_dash() -> None:
    bare = server("bare", 3, base=MCP, client="claude-code", scope=Scope.PROJECT, transport=Transport.SSE)
    table = render_inventory((config(".mcp.json", "claude-code", "k", Scope.PROJECT, (bare,)),), InventoryFormat.TABLE)
    assert table.splitlines()[1].split() == ["claude-code", ".mcp.json", "3", "bare", "project", "sse", "-", "-", "-",
                                             "-"]


# --- owners: resolved by mcpiam.policy.matching.ownership_of, the missing-owner rule's answer ---

OWNED = {  # server (in .mcp.json / .vscode/mcp.json) -> (owner, source cell); see SAMPLE_POLICY
    "github": ("@acme/platform-security", "policy (package) .mcpiam.yaml:3"),
    "remote-api": ("ops@example.com", "policy (url) .mcpiam.yaml:11"),
    "fetch": ("@acme/tools", "policy (name+path) .mcpiam.yaml:8"),
    "acme": ("@acme/editors @acme/security", "codeowners (path) .github/CODEOWNERS:4"),
}
UNOWNED = ("db", "local", "zapier")


def _render(fmt: InventoryFormat, **changes: object) -> str:
    result = sample_result(**changes)
    return render_inventory(result.configs, fmt, result.applied_policy)


def test_json_records_carry_the_owner_and_where_it_comes_from() -> None:
    records = {(r["file"], r["server"]): r for r in json.loads(_render(InventoryFormat.JSON))["servers"]}
    assert records[(".mcp.json", "github")]["owner"] == "@acme/platform-security"
    assert records[(".mcp.json", "github")]["owner_source"] == {
        "kind": "policy", "file": ".mcpiam.yaml", "line": 3, "matched_by": ["package"]}
    assert records[(".vscode/mcp.json", "fetch")]["owner_source"]["matched_by"] == ["name", "path"]
    assert records[(".vscode/mcp.json", "acme")]["owner_source"] == {
        "kind": "codeowners", "file": ".github/CODEOWNERS", "line": 4, "matched_by": ["path"]}
    for name in UNOWNED:
        record = next(r for (_, server), r in records.items() if server == name)
        assert (record["owner"], record["owner_source"]) == (None, None)


@pytest.mark.parametrize("spreadsheet_safe", [False, True])
def test_csv_has_owner_columns_and_defuses_a_leading_at_for_spreadsheets(spreadsheet_safe: bool) -> None:
    result = sample_result()
    output = render_inventory(result.configs, InventoryFormat.CSV, result.applied_policy,
                              options=InventoryOptions(spreadsheet_safe=spreadsheet_safe))
    rows = {row["server"]: row for row in csv.DictReader(io.StringIO(output))
            if row["file"] != "~/.cursor/mcp.json" or row["server"] != "github"}
    for name, (owner, source) in OWNED.items():
        # A GitHub team starts with @, which a spreadsheet would read as a formula: only the
        # spreadsheet-safe form defuses it; a program reads the handle as written.
        expected = "'" + owner if owner.startswith("@") and spreadsheet_safe else owner
        assert (rows[name]["owner"], rows[name]["owner_source"]) == (expected, source)
    for name in UNOWNED:
        assert (rows[name]["owner"], rows[name]["owner_source"]) == ("", "")


def test_table_has_owner_columns_with_a_dash_for_no_owner() -> None:
    header, *lines = _render(InventoryFormat.TABLE).splitlines()
    owner_at, source_at = header.index("OWNER "), header.index("OWNER SOURCE")
    cells = {line.split()[3]: (line[owner_at:source_at].strip(), line[source_at:].strip())
             for line in lines if not line.startswith("cursor ") or " github " not in line}
    for name, expected in OWNED.items():
        assert cells[name] == expected
    for name in UNOWNED:
        assert cells[name] == ("-", "-")


@pytest.mark.parametrize("fmt", list(InventoryFormat))
def test_without_a_policy_no_server_has_an_owner(fmt: InventoryFormat) -> None:
    result = sample_result()
    output = render_inventory(result.configs, fmt)
    assert all(owner not in output for owner, _ in OWNED.values())
    assert ".mcpiam.yaml" not in output and "CODEOWNERS" not in output


def test_an_owner_entry_without_a_known_line_shows_its_file_only() -> None:
    policy = Policy(source="central.yaml", owners=(OwnerEntry(ServerMatch(names=("db",)), "dba"),))
    records = json.loads(render_inventory(sample_result().configs, InventoryFormat.JSON, policy))["servers"]
    db = next(r for r in records if r["server"] == "db")
    assert db["owner_source"] == {"kind": "policy", "file": "central.yaml", "line": None, "matched_by": ["name"]}
    table = render_inventory(sample_result().configs, InventoryFormat.TABLE, policy)
    db_row = next(line for line in table.splitlines() if " db " in line)
    assert db_row.split()[-4:] == ["dba", "policy", "(name)", "central.yaml"]


def test_a_registry_identifier_is_shown_after_the_runtime_flags_it_lists() -> None:
    # server.json runtimeArguments list flags by name only (--api-url with no value): the package
    # is named by its own identifier field, never a flag's value.
    def value(text: str, *route: str | int) -> Value:
        return Value(("packages", 0, *route), Scalar(text, Span(1, 1, 1, 2)))

    flags = tuple(value(flag, "runtimeArguments", i, "name") for i, flag in enumerate(("--read-only", "--api-url")))
    registry = Server(name="supabase", name_span=Span(1, 1, 1, 2), route=("packages", 0), client="registry",
                      scope=Scope.SERVER_MANIFEST, transport=Transport.STDIO, command=value("npx", "runtimeHint"),
                      args=(*flags, value("@supabase/mcp-server-supabase", "identifier")))
    assert display_command(registry) == "npx @supabase/mcp-server-supabase"
