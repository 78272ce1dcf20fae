"""Sweep reports: a scan report of every format, plus who and where (host identity) and the
inventory of servers by client.

JSON and SARIF carry the host (hostname, user, OS, tool version, time); the text report starts
with it and lists servers by client before the findings. The scan part is rendered by the scan
reporters unchanged, so a sweep and a scan of the same files agree.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing on the hook's path
if TYPE_CHECKING:
    from collections.abc import Iterator

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

    return render_chunks(sweep.scan, _sweep_keys(sweep))


def _sweep_keys(sweep: SweepResult) -> dict[str, object]:
    """What a sweep's JSON report holds besides a scan's: the host, the clients, the activity."""
    keys: dict[str, object] = {"host": sweep.host.data(), "clients": clients_data(sweep)}
    if sweep.scan.activity is not None:
        from mcpiam.report.activity import activity_data

        keys["activity"] = activity_data(sweep.scan.activity)  # type: ignore[arg-type]
    return keys


def sweep_data(sweep: SweepResult) -> dict[str, object]:
    from mcpiam.report.json_report import report_data

    return {**report_data(sweep.scan), **_sweep_keys(sweep)}


def _sarif(sweep: SweepResult) -> str:
    from mcpiam.report.sarif import sarif_log, to_plain

    log = to_plain(sarif_log(sweep.scan))
    run = log["runs"][0]  # type: ignore[index]
    invocation = run["invocations"][0]
    invocation.update({"machine": sweep.host.hostname, "account": sweep.host.user,
                       "startTimeUtc": sweep.host.time})
    run["properties"] = {"host": sweep.host.data()}
    return dumps_indented(shown_data(log, SARIF_OWN_TEXT))


def _text(sweep: SweepResult, chosen: OutputFormat, *, color: bool, verbose: bool, width: int | None) -> str:
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
    if sweep.scan.activity is not None:
        from mcpiam.report.activity import activity_text

        lines += [activity_text(sweep.scan.activity), ""]  # type: ignore[arg-type]
    lines.append(render(sweep.scan, chosen, color=color, verbose=verbose, width=width))
    return "\n".join(lines)


NDJSON = "ndjson"  # sweeps only: log pipelines take lines, not documents


def ndjson_lines(sweep: SweepResult) -> list[dict[str, object]]:
    """The sweep as records for a log pipeline (Splunk, Elastic, a data lake): one per server and
    one per finding, each with the host identity, after one ``sweep`` record with what a fleet
    database needs besides (the rules that ran, every config file, the summary). With
    ``--activity``: an ``activity_window`` record, then one ``activity_tool`` per tool row and one
    ``activity_server`` per server-status row, the JSON report's ``activity`` object cut in lines
    (names, counts, times and outcomes only, as there)."""
    data = sweep_data(sweep)
    user_of = sweep.host.users_of()
    identity = {"host": data["host"], "fingerprint_key": data.get("fingerprint_key")}
    configs = data["configs"]
    lines: list[dict[str, object]] = [{
        "type": "sweep", **identity, "tool": data["tool"], "root": data["root"], "summary": data["summary"],
        "rules": data["rules"],
        "configs": [{key: value for key, value in config.items() if key != "servers"} for config in configs],
    }]
    for config in configs:  # type: ignore[union-attr]
        where = {key: value for key, value in config.items() if key != "servers"}
        for server in config["servers"]:
            lines.append({"type": "server", **identity, "user": user_of(config["path"]), "config": where, **server})
    for finding in data["findings"]:  # type: ignore[union-attr]
        lines.append({"type": "finding", **identity, "user": user_of(finding["path"]), **finding})
    activity = data.get("activity")
    if activity is not None:
        lines.append({"type": "activity_window", **identity, "window": activity["window"]})  # type: ignore[index]
        lines += [{"type": "activity_tool", **identity, **tool} for tool in activity["tools"]]  # type: ignore[index]
        lines += [{"type": "activity_server", **identity, **server}
                  for server in activity["servers"]]  # type: ignore[index]
    return lines


def _ndjson(sweep: SweepResult) -> str:
    import json

    return "\n".join(json.dumps(shown_data(line), ensure_ascii=True, sort_keys=True, separators=(",", ":"))
                     for line in ndjson_lines(sweep))


def render_sweep(sweep: SweepResult, fmt: OutputFormat | str, *, color: bool = False,
                 verbose: bool = False, width: int | None = None) -> str:
    if fmt == NDJSON:
        return _ndjson(sweep)
    chosen = OutputFormat(fmt)
    if chosen is OutputFormat.JSON:
        return "".join(render_sweep_chunks(sweep))
    if chosen is OutputFormat.SARIF:
        return _sarif(sweep)
    if chosen is OutputFormat.GITHUB:
        from mcpiam.report import github

        return github.render(sweep.scan)
    return _text(sweep, chosen, color=color, verbose=verbose, width=width)
