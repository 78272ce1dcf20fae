"""One JSON result of ``mcpiam sweep`` or ``mcpiam scan`` read into the rows of the fleet database.

The file is opened through ``mcpiam.core.safe_open`` and checked cheaply: only the fields the
fleet reads, with the types it needs (a structural check, a few microseconds per record). The
full JSON Schema runs only to explain a file this check rejected. Every string taken from the
file passes ``mcpiam.core.redact.shown`` before it becomes a row, so the database (and the
Parquet exported from it) carries nothing an output could not.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timezone
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from mcpiam.core.redact import shown
from mcpiam.core.safe_open import Refusal, read_prefix
from mcpiam.core.valuetype import dataclass
from mcpiam.discover.homes import user_of

MAX_INPUT_BYTES = 256 * 1024 * 1024
OWNER_RULE = "missing-owner"  # from the policy rules: a server whose owner is not recorded
OWNER_FIELDS = "owner-fields"  # ownership read from the servers' owner fields
OWNER_FINDINGS = "missing-owner-findings"  # an older result: ownership read from its findings
READ_PROPERTIES = ("fingerprint", "family", "preview")  # a finding's properties the fleet reads


class ResultInputError(Exception):
    """An input that is not an mcpiam JSON result; the message names the file and the place,
    never a value."""


@dataclass(frozen=True, slots=True)
class HostRecord:
    """One result as rows of the fleet tables (column order as in ``schema.sql``)."""

    host: tuple[Any, ...]
    users: tuple[tuple[Any, ...], ...]
    configs: tuple[tuple[Any, ...], ...]
    servers: tuple[tuple[Any, ...], ...]
    credentials: tuple[tuple[Any, ...], ...]
    findings: tuple[tuple[Any, ...], ...]
    owners: tuple[tuple[Any, ...], ...]
    rules: tuple[tuple[Any, ...], ...]
    activity_windows: tuple[tuple[Any, ...], ...]  # one row when the sweep read activity records
    activity_tools: tuple[tuple[Any, ...], ...]
    activity_servers: tuple[tuple[Any, ...], ...]

    @property
    def hostname(self) -> str:
        return self.host[0]

    @property
    def time(self) -> str:
        return self.host[7]

    @property
    def source(self) -> str:
        return self.host[1]


# --- the structural check ------------------------------------------------------------------------


class _Malformed(Exception):
    def __init__(self, pointer: str, expected: str) -> None:
        super().__init__(pointer)
        self.pointer = pointer
        self.expected = expected


_STRING = (str,)
_INT = (int,)
_OPTIONAL_STRING = (str, type(None))


def _field(record: dict[str, Any], key: str, kinds: tuple[type, ...], where: str) -> Any:
    value = record.get(key, _MISSING)
    if value is _MISSING:
        raise _Malformed(f"{where}/{key}", "a required field")
    if not isinstance(value, kinds) or (kinds is _INT and (isinstance(value, bool) or value < 1)):
        raise _Malformed(f"{where}/{key}", _KIND_NAMES.get(kinds, "another type"))
    return value


_MISSING = object()
_KIND_NAMES = {_STRING: "a string", _INT: "a positive integer", _OPTIONAL_STRING: "a string or null",
               (list,): "an array", (dict,): "an object", (bool,): "true or false",
               (dict, type(None)): "an object or null"}


def _records(parent: dict[str, Any], key: str, where: str) -> list[dict[str, Any]]:
    items = _field(parent, key, (list,), where)
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise _Malformed(f"{where}/{key}/{index}", "an object")
    return items


def _location(raw: dict[str, Any], where: str) -> tuple[str, int, int, int, int, str]:
    return (_field(raw, "path", _STRING, where), _field(raw, "line", _INT, where),
            _field(raw, "column", _INT, where), _field(raw, "end_line", _INT, where),
            _field(raw, "end_column", _INT, where), _field(raw, "route", _STRING, where))


# --- reading ---------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _validator() -> Any:
    import jsonschema  # only to explain a rejected file

    text = resources.files("mcpiam.report").joinpath("json-report.schema.json").read_text(encoding="utf-8")
    schema = json.loads(text)
    return jsonschema.validators.validator_for(schema)(schema)


def _explained(name: str, data: Any, malformed: _Malformed) -> ResultInputError:
    """The first place the report schema rejects (its check's name only: the validator's own
    message may quote the value), else the structural check's place."""
    errors = sorted(_validator().iter_errors(data), key=lambda e: [str(step) for step in e.absolute_path])
    if errors:
        first = errors[0]
        pointer = "".join(f"/{step}" for step in first.absolute_path) or "the top level"
        return ResultInputError(f"{name}: not an mcpiam JSON result: at {shown(pointer)}, the value fails "
                                f"the report schema's '{first.validator}' check")
    return ResultInputError(f"{name}: not an mcpiam JSON result: at {shown(malformed.pointer) or 'the top level'}, "
                            f"expected {malformed.expected}")


def read_text(path: Path, name: str) -> str:
    data = read_prefix(path, MAX_INPUT_BYTES, whole=True)
    if isinstance(data, Refusal):
        raise ResultInputError(f"{name}: {data.message}")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise ResultInputError(f"{name}: not UTF-8 text; expected a JSON result of mcpiam sweep or scan") from None


def parse_result(text: str, name: str) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ResultInputError(f"{name}:{error.lineno}:{error.colno}: not JSON ({error.msg}); expected the "
                               "output of `mcpiam sweep -f json` or `mcpiam scan -f json`") from None
    except RecursionError:
        raise ResultInputError(f"{name}: nested too deeply to be an mcpiam JSON result") from None
    return data


def load_record(path: Path, name: str | None = None, gate: Gate | None = None) -> HostRecord:
    """One result file (JSON, or the NDJSON of ``sweep -f ndjson``) as rows; ResultInputError
    (naming the file and the place) when it is not one. ``gate``: one ``make_gate()`` shared by
    every result of an ingest (the same paths, names and messages recur on every laptop)."""
    gate = gate or make_gate()
    name = gate(name if name is not None else str(path)) or ""
    text = read_text(path, name)
    if _is_ndjson(text):
        data, lines = _from_ndjson(text, name)
        try:
            return host_record(data, name, gate(Path(path).stem) or "", gate)
        except _Malformed as malformed:
            raise ResultInputError(f"{name}:{_line_of(malformed.pointer, lines)}: not an mcpiam NDJSON sweep: at "
                                   f"{shown(malformed.pointer)}, expected {malformed.expected}") from None
    data = parse_result(text, name)
    try:
        return host_record(data, name, gate(Path(path).stem) or "", gate)
    except _Malformed as malformed:
        raise _explained(name, data, malformed) from None


# --- NDJSON sweeps: one record a line, rebuilt into the JSON result they were cut from ------------

_LINE_ONLY = ("type", "host", "fingerprint_key", "user", "config")
_RECORD_KINDS = ("server", "finding", "activity_window", "activity_tool", "activity_server")


def _is_ndjson(text: str) -> bool:
    first = text.lstrip().split("\n", 1)[0]
    if not first.startswith("{") or not first.rstrip().endswith("}"):
        return False
    try:
        record = json.loads(first)
    except (json.JSONDecodeError, RecursionError):
        return False
    return isinstance(record, dict) and record.get("type") == "sweep"


def _from_ndjson(text: str, name: str) -> tuple[dict[str, Any], dict[str, int]]:
    """The JSON result the lines were cut from, and the line of each rebuilt record (by pointer)."""
    data: dict[str, Any] = {}
    configs: dict[str, dict[str, Any]] = {}
    lines: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise ResultInputError(f"{name}:{number}:{error.colno}: not JSON ({error.msg})") from None
        except RecursionError:
            raise ResultInputError(f"{name}:{number}: nested too deeply") from None
        kind = record.get("type") if isinstance(record, dict) else None
        if not data:
            data = {key: value for key, value in record.items() if key not in ("type", "configs")}
            if data.get("fingerprint_key") is None:
                data.pop("fingerprint_key", None)
            data.update(version=1, notes=[], findings=[], configs=[])
            for config in record.get("configs") if isinstance(record.get("configs"), list) else ():
                if isinstance(config, dict) and isinstance(config.get("path"), str):
                    configs[config["path"]] = dict(config, servers=[])
                    data["configs"].append(configs[config["path"]])
            lines[""] = number
            continue
        if kind not in _RECORD_KINDS or record.get("host") != data.get("host"):
            raise ResultInputError(f"{name}:{number}: not a server, finding or activity record of the sweep on "
                                   f"line {lines['']}")
        fields = {key: value for key, value in record.items() if key not in _LINE_ONLY}
        if kind.startswith("activity_"):
            _activity_line(data, kind, fields, name, number, lines)
            continue
        if kind == "finding":
            lines[f"/findings/{len(data['findings'])}"] = number
            data["findings"].append(fields)
            continue
        where = record.get("config")
        config = configs.get(where.get("path")) if isinstance(where, dict) else None
        if config is None:
            raise ResultInputError(f"{name}:{number}: a server of a config file the sweep record does not list")
        lines[f"/configs/{data['configs'].index(config)}/servers/{len(config['servers'])}"] = number
        config["servers"].append(fields)
    return data, lines


def _activity_line(data: dict[str, Any], kind: str, fields: dict[str, Any], name: str, number: int,
                   lines: dict[str, int]) -> None:
    """An activity line put back into the ``activity`` object it was cut from: the window opens it,
    each tool and server-status row joins its list in the order written."""
    activity = data.get("activity")
    if kind == "activity_window":
        if activity is not None:
            raise ResultInputError(f"{name}:{number}: a second activity_window record (the first is on line "
                                   f"{lines['/activity']})")
        data["activity"] = {"window": fields.get("window"), "tools": [], "servers": []}
        lines["/activity"] = number
        return
    if activity is None:
        raise ResultInputError(f"{name}:{number}: an {kind} record before the sweep's activity_window record")
    rows = activity["tools" if kind == "activity_tool" else "servers"]
    lines[f"/activity/{'tools' if kind == 'activity_tool' else 'servers'}/{len(rows)}"] = number
    rows.append(fields)


def _line_of(pointer: str, lines: dict[str, int]) -> int:
    """The line a rebuilt record came from: the longest pointer prefix with one, else the sweep record's."""
    parts = pointer.split("/")
    for end in range(len(parts), 0, -1):
        line = lines.get("/".join(parts[:end]))
        if line is not None:
            return line
    return lines.get("", 1)


Gate = Callable[[str | None], str | None]
GATE_MEMORY = 1 << 18  # distinct strings remembered; then forgotten at once (bounded memory)


def make_gate() -> Gate:
    """``shown`` with a memory: paths, clients, rule ids and messages repeat on every record of a
    result and on every laptop of a fleet (the gate was 70 % of an ingest's CPU without it)."""
    seen: dict[str, str] = {}

    def gate(text: str | None) -> str | None:
        if text is None:
            return None
        kept = seen.get(text)
        if kept is None:
            if len(seen) >= GATE_MEMORY:
                seen.clear()
            kept = seen[text] = shown(text)
        return kept
    return gate


def _judged(configs: list[dict[str, Any]]) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(config, server) records the missing-owner rule judges: not an entry naming a server
    configured elsewhere, not a server's own published manifest."""
    return [(config, server) for config in configs for server in config["servers"]
            if not server["reference_only"] and config["scope"] != "server-manifest"]


def owners_of(server: dict[str, Any]) -> tuple[str, ...]:
    """The owners a server record names: a policy owner as written (it may hold spaces), or each
    owner of a CODEOWNERS line (the record joins them with spaces)."""
    owner = server.get("owner")
    if not owner:
        return ()
    source = server.get("owner_source") or {}
    return tuple(owner.split()) if source.get("kind") == "codeowners" else (owner,)


def _ownership(configs: list[dict[str, Any]], rule_ids: set[str], findings: list[dict[str, Any]],
               ) -> tuple[int, int | None, str | None, Counter[str]]:
    judged = _judged(configs)
    # Vacuously true without servers: then there is nothing to own.
    if all("owner" in server for config in configs for server in config["servers"]):
        owners = Counter(owner for _, server in judged for owner in owners_of(server))
        owned = sum(1 for _, server in judged if server["owner"])
        return len(judged), owned, OWNER_FIELDS, owners
    # An older result: no owner fields, so only the missing-owner findings tell (an unowned server
    # whose finding was suppressed or baselined counts as owned there).
    if OWNER_RULE not in rule_ids:
        return len(judged), None, None, Counter()
    unowned = {(f["path"], f["route"]) for f in findings if f["rule_id"] == OWNER_RULE}
    owned = sum(1 for config, server in judged if (config["path"], server["route"]) not in unowned)
    return len(judged), owned, OWNER_FINDINGS, Counter()


def _check_shape(data: Any) -> None:
    """The structural check: every field the rows below read, with its type."""
    if not isinstance(data, dict):
        raise _Malformed("", "an object")
    if data.get("version") != 1:
        raise _Malformed("/version", "1")
    tool = _field(data, "tool", (dict,), "")
    if tool.get("name") != "mcpiam":
        raise _Malformed("/tool/name", '"mcpiam"')
    _field(tool, "version", _STRING, "/tool")
    _field(data, "root", _STRING, "")
    for index, rule in enumerate(_records(data, "rules", "")):
        _field(rule, "id", _STRING, f"/rules/{index}")
    for index, config in enumerate(_records(data, "configs", "")):
        where = f"/configs/{index}"
        for key in ("path", "client", "kind", "scope", "format"):
            _field(config, key, _STRING, where)
        for number, server in enumerate(_records(config, "servers", where)):
            place = f"{where}/servers/{number}"
            for key in ("client", "server", "scope", "transport", "route"):
                _field(server, key, _STRING, place)
            for key in ("command", "url"):
                _field(server, key, _OPTIONAL_STRING, place)
            _field(server, "line", _INT, place)
            _field(server, "column", _INT, place)
            _field(server, "reference_only", (bool,), place)
            if "owner" in server:
                _field(server, "owner", _OPTIONAL_STRING, place)
                source = server.get("owner_source")
                if source is not None and not isinstance(source, dict):
                    raise _Malformed(f"{place}/owner_source", "an object or null")
    for index, finding in enumerate(_records(data, "findings", "")):
        where = f"/findings/{index}"
        for key in ("rule_id", "severity", "message", "fingerprint"):
            _field(finding, key, _STRING, where)
        _field(finding, "server", _OPTIONAL_STRING, where)
        _location(finding, where)
        properties = _field(finding, "properties", (dict,), where)
        for key in READ_PROPERTIES:  # the others are not read (DuckDB's fast path reads these three)
            if not isinstance(properties.get(key, ""), str):
                raise _Malformed(f"{where}/properties/{key}", "a string")
        for number, related in enumerate(_records(finding, "related", where)):
            _location(related, f"{where}/related/{number}")
    host = data.get("host")
    if host is not None:
        if not isinstance(host, dict):
            raise _Malformed("/host", "an object")
        for key in ("hostname", "user", "os", "platform", "tool_version", "time"):
            _field(host, key, _STRING, "/host")
        for index, home in enumerate(_records(host, "homes", "/host")):
            _field(home, "prefix", _STRING, f"/host/homes/{index}")
            _field(home, "user", _STRING, f"/host/homes/{index}")
    key = data.get("fingerprint_key")
    if key is not None:
        if not isinstance(key, dict):
            raise _Malformed("/fingerprint_key", "an object")
        _field(key, "id", _STRING, "/fingerprint_key")
        _field(key, "default", (bool,), "/fingerprint_key")
    if data.get("activity") is not None:
        _check_activity(data["activity"])


_COUNT = (int,)  # a count may be 0, unlike a line or column


def _count(record: dict[str, Any], key: str, where: str) -> int:
    value = _field(record, key, _COUNT + (bool,), where)
    if isinstance(value, bool) or value < 0:
        raise _Malformed(f"{where}/{key}", "a count (an integer, 0 or more)")
    return value


def _check_activity(activity: Any) -> None:
    """The fields of a sweep's ``activity`` object the fleet reads (names, counts, times)."""
    if not isinstance(activity, dict):
        raise _Malformed("/activity", "an object")
    window = _field(activity, "window", (dict,), "/activity")
    _time(window, "from", "/activity/window")
    _field(window, "to", _STRING, "/activity/window")
    _time(window, "to", "/activity/window")
    for index, tool in enumerate(_records(activity, "tools", "/activity")):
        where = f"/activity/tools/{index}"
        for key in ("client", "server", "tool"):
            _field(tool, key, _STRING, where)
        for key in ("first_seen", "last_seen"):
            _time(tool, key, where)
        for key in ("calls", "sessions"):
            _count(tool, key, where)
        _field(tool, "projects", (list,), where)
        outcomes = _field(tool, "outcomes", (dict,), where)
        for key in ("success", "error", "denied"):
            _count(outcomes, key, f"{where}/outcomes")
    for index, server in enumerate(_records(activity, "servers", "/activity")):
        where = f"/activity/servers/{index}"
        for key in ("client", "server", "status"):
            _field(server, key, _STRING, where)
        _field(server, "config_file", _OPTIONAL_STRING, where)
        _time(server, "last_seen", where)
        _count(server, "calls", where)


def utc_time(text: str | None) -> str | None:
    """An ISO 8601 time as a TIMESTAMP column takes it (UTC, no zone suffix); None stays None.
    ValueError when it is not one."""
    if text is None:
        return None
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment.isoformat(sep=" ")


def _time(record: dict[str, Any], key: str, where: str) -> None:
    value = _field(record, key, _OPTIONAL_STRING, where)
    try:
        utc_time(value)
    except ValueError:
        raise _Malformed(f"{where}/{key}", "an ISO 8601 time") from None


def _activity_rows(activity: dict[str, Any] | None, hostname: str, gate: Gate,
                   ) -> tuple[tuple[tuple[Any, ...], ...], tuple[tuple[Any, ...], ...], tuple[tuple[Any, ...], ...]]:
    """(windows, tools, servers) rows of a sweep's activity object; empty without one."""
    if activity is None:
        return (), (), ()
    window = activity["window"]
    windows = ((hostname, utc_time(gate(window["from"])), utc_time(gate(window["to"]))),)
    tools = tuple(
        (hostname, gate(tool["client"]), gate(tool["server"]), gate(tool["tool"]), tool["calls"],
         utc_time(gate(tool["first_seen"])), utc_time(gate(tool["last_seen"])), len(tool["projects"]),
         tool["sessions"], tool["outcomes"]["success"], tool["outcomes"]["error"], tool["outcomes"]["denied"])
        for tool in activity["tools"])
    servers = tuple(
        (hostname, gate(server["client"]), gate(server["server"]), gate(server["config_file"]),
         gate(server["status"]), server["calls"], utc_time(gate(server["last_seen"])))
        for server in activity["servers"])
    return windows, tools, servers


def host_record(data: Any, source: str, fallback_name: str, gate: Gate | None = None) -> HostRecord:
    """The rows of one parsed result; ``fallback_name`` names a scan result, which carries no host."""
    _check_shape(data)
    gate = gate or make_gate()
    host = data.get("host")
    key = data.get("fingerprint_key") or {}
    hostname = gate(host["hostname"]) if host and host["hostname"] else fallback_name
    account = gate(host["user"]) if host else ""
    homes = tuple((home["prefix"], home["user"]) for home in host["homes"]) if host else ()
    by_prefix: dict[str, str] = {}
    for prefix, user in homes:
        by_prefix.setdefault(prefix, user)

    def owner_of_path(path: str) -> str:
        if not homes:
            return account or ""
        user = by_prefix.get(path.split("/", 1)[0])
        return gate(user if user is not None else user_of(path, homes)) or ""

    configs, servers = [], []
    for config in data["configs"]:
        path = gate(config["path"])
        user = owner_of_path(config["path"])
        configs.append((hostname, user, path, gate(config["client"]), gate(config["kind"]),
                        gate(config["scope"]), gate(config["format"])))
        for server in config["servers"]:
            if server["url"]:
                kind, identity = "url", server["url"]
            elif server["command"]:
                kind, identity = "package", server["command"]
            else:
                kind, identity = "unknown", server["server"]
            source_kind = (server.get("owner_source") or {}).get("kind")
            servers.append((hostname, user, path, gate(server["route"]), gate(server["server"]),
                            gate(server["client"]), gate(server["scope"]), gate(server["transport"]),
                            gate(server["command"]), gate(server["url"]), server["reference_only"],
                            gate(server.get("owner")), gate(source_kind if isinstance(source_kind, str) else None),
                            server["line"], server["column"], kind, gate(identity)))

    findings, places = [], {}
    for finding in data["findings"]:
        properties = finding["properties"]
        credential = properties.get("fingerprint")
        findings.append((hostname, owner_of_path(finding["path"]), gate(finding["rule_id"]),
                         gate(finding["severity"]), gate(finding["path"]), finding["line"], finding["column"],
                         finding["end_line"], finding["end_column"], gate(finding["route"]),
                         gate(finding["server"]), gate(finding["message"]), gate(finding["fingerprint"]),
                         gate(credential) if credential else None))
        if not credential:
            continue
        for raw in (finding, *finding["related"]):
            primary = raw is finding
            spot = (credential, raw["path"], raw["line"], raw["column"])
            kept = places.get(spot)
            # The finding's own location carries its facts (family, preview); a related one does not.
            facts = properties if primary and properties else None
            if kept is None or (kept[1] is None and facts is not None):
                places[spot] = (raw, facts, finding["rule_id"])
    credentials = []
    for (credential, path, line, column), (raw, facts, rule_id) in places.items():
        credentials.append((hostname, owner_of_path(path), gate(credential),
                            gate(facts.get("family", "")) if facts else "",
                            gate(facts.get("preview", "")) if facts else "", facts is not None, gate(rule_id),
                            gate(path), line, column, raw["end_line"], raw["end_column"], gate(raw["route"])))

    rule_ids = {rule["id"] for rule in data["rules"]}
    judged, owned, basis, owners = _ownership(data["configs"], rule_ids, data["findings"])
    host_row = (hostname, source, "sweep" if host else "scan", account, gate(host["os"]) if host else "",
                gate(host["platform"]) if host else "",
                gate(host["tool_version"] if host else data["tool"].get("version", "")) or "",
                gate(host["time"]) if host else "",
                gate(key.get("id", "")) or "", bool(key.get("default", False)), len(data["configs"]),
                len(data["findings"]), judged, owned, basis)
    windows, tools, statuses = _activity_rows(data.get("activity"), hostname, gate)
    return HostRecord(
        host=host_row,
        users=tuple((hostname, gate(prefix), gate(user)) for prefix, user in homes),
        configs=tuple(configs),
        servers=tuple(servers),
        credentials=tuple(credentials),
        findings=tuple(findings),
        owners=tuple((hostname, gate(owner), count) for owner, count in sorted(owners.items())),
        rules=tuple((hostname, gate(rule_id)) for rule_id in sorted(rule_ids)),
        activity_windows=windows,
        activity_tools=tools,
        activity_servers=statuses,
    )
