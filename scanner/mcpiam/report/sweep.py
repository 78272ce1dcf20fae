"""Sweep reports: a scan report of every format, plus who and where (host identity) and the
inventory of servers by client.

JSON and SARIF carry the host (hostname, user, OS, tool version, time); the text report starts
with it and lists servers by client before the findings. The scan part is rendered by the scan
reporters unchanged, so a sweep and a scan of the same files agree.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from mcpiam.core.json_text import dumps_indented
from mcpiam.core.redact import SARIF_OWN_TEXT, shown_data
from mcpiam.catalogue import Catalogue, default_catalogue
from mcpiam.report import OutputFormat, render
from mcpiam.report._shared import clean, defined_server_count, ordered_configs, ordered_servers, plural
from mcpiam.report.inventory import display_command, redact_url

if TYPE_CHECKING:
    from mcpiam.engine.sweep import SweepResult


def _client_name(catalogue: Catalogue, client_id: str) -> str:
    try:
        return catalogue.client(client_id).name
    except KeyError:
        return client_id


def clients_data(sweep: SweepResult, catalogue: Catalogue | None = None) -> list[dict[str, object]]:
    """Servers by client: each client's config files and servers, with whose file each is."""
    catalogue = catalogue or default_catalogue()
    by_client: dict[str, dict[str, object]] = {}
    user_of = sweep.host.users_of()
    for config in ordered_configs(sweep.scan.configs):
        entry = by_client.setdefault(config.client, {
            "client": config.client, "name": _client_name(catalogue, config.client),
            "configs": [], "servers": []})
        entry["configs"].append(config.path)  # type: ignore[union-attr]
        for server in ordered_servers(config.servers):
            if server.reference_only:
                continue
            url = server.url_text
            entry["servers"].append({  # type: ignore[union-attr]
                "server": server.name,
                "file": config.path,
                "user": user_of(config.path),
                "transport": server.transport.value,
                "command": display_command(server) or None,
                "url": redact_url(url) if url else None,
            })
    return [by_client[key] for key in sorted(by_client)]


def render_sweep_chunks(sweep: SweepResult) -> Iterator[str]:
    """The sweep's JSON report in pieces, as ``json_report.render_chunks`` writes a scan's."""
    from mcpiam.report.json_report import render_chunks

    return render_chunks(sweep.scan, {"host": sweep.host.data(), "clients": clients_data(sweep)})


def sweep_data(sweep: SweepResult) -> dict[str, object]:
    from mcpiam.report.json_report import report_data

    data = report_data(sweep.scan)
    data["host"] = sweep.host.data()
    data["clients"] = clients_data(sweep)
    return data


def _sarif(sweep: SweepResult) -> str:
    from mcpiam.report.sarif import sarif_log, to_plain

    log = to_plain(sarif_log(sweep.scan))
    run = log["runs"][0]  # type: ignore[index]
    invocation = run["invocations"][0]
    invocation.update({"machine": sweep.host.hostname, "account": sweep.host.user,
                       "startTimeUtc": sweep.host.time})
    run["properties"] = {"host": sweep.host.data()}
    return dumps_indented(shown_data(log, SARIF_OWN_TEXT))


def _text(sweep: SweepResult, *, color: bool, verbose: bool) -> str:
    host = sweep.host
    users = ", ".join(sorted({home.user for home in host.homes})) or "-"
    configs = sweep.scan.configs
    lines = [
        clean(f"mcpiam sweep of {host.hostname} ({host.platform} layout; user {users}) at {host.time}"),
        f"{plural(len(configs), 'config file')}, {plural(defined_server_count(configs), 'server')}",
        "",
    ]
    for client in clients_data(sweep):
        servers = client["servers"]
        lines.append(clean(f"{client['name']} ({client['client']}): "
                           f"{plural(len(client['configs']), 'file')}, {plural(len(servers), 'server')}"))
        for server in servers:  # type: ignore[union-attr]
            what = server["url"] or server["command"] or ""
            lines.append(clean(f"  {server['server']}  {server['transport']}  {what}  {server['file']}"))
    if configs:
        lines.append("")
    lines.append(render(sweep.scan, OutputFormat.TEXT, color=color, verbose=verbose))
    return "\n".join(lines)


def render_sweep(sweep: SweepResult, fmt: OutputFormat | str, *, color: bool = False,
                 verbose: bool = False) -> str:
    chosen = OutputFormat(fmt)
    if chosen is OutputFormat.JSON:
        return "".join(render_sweep_chunks(sweep))
    if chosen is OutputFormat.SARIF:
        return _sarif(sweep)
    return _text(sweep, color=color, verbose=verbose)
