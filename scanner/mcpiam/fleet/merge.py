"""mcpiam merge: the JSON results of many sweeps (or scans) correlated into one fleet report.

Each input is validated against the JSON report schema and named by its host identity (a scan
without one is named after its file). Credentials are correlated by their keyed fingerprints,
which are comparable only when every input was made with the same fingerprint key: the inputs
carry the key's identifier (never the key), and when they differ no correlation is attempted.
Ownership is read from each server's ``owner`` field; results written before that field existed
fall back to their ``missing-owner`` findings, which give coverage but not who the owners are.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from mcpiam.core.valuetype import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema

from mcpiam.core.findings import Severity
from mcpiam.discover.homes import user_of

MAX_INPUT_BYTES = 256 * 1024 * 1024
SHARED_CREDENTIAL = "shared-credential"
OWNER_RULE = "missing-owner"  # from the policy rules: a server whose owner is not recorded
OWNER_FIELDS = "owner-fields"  # ownership read from the servers' owner fields
OWNER_FINDINGS = "missing-owner-findings"  # an older result: ownership read from its findings


class MergeInputError(Exception):
    """An input that is not an mcpiam JSON result; the message names the file, never a value."""


@dataclass(frozen=True, slots=True)
class Machine:
    source: str  # the file it came from
    hostname: str
    user: str  # the account that made the result
    platform: str
    time: str
    key_id: str  # "" when the result does not say
    key_default: bool
    homes: tuple[tuple[str, str], ...]  # (prefix, user)
    data: dict[str, Any]

    def user_of(self, path: str) -> str:
        return user_of(path, self.homes) if self.homes else self.user


@dataclass(frozen=True, slots=True)
class FleetLocation:
    host: str
    user: str
    path: str
    line: int
    column: int
    end_line: int
    end_column: int
    route: str

    def sort_key(self) -> tuple:
        return (self.host, self.path, self.line, self.column, self.route)


@dataclass(frozen=True, slots=True)
class FleetFinding:
    rule_id: str
    severity: Severity
    message: str
    location: FleetLocation
    related: tuple[FleetLocation, ...]
    fingerprint: str  # the credential's keyed fingerprint
    properties: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class FleetServer:
    identity: str  # package (launcher and package) or redacted URL
    kind: str  # package | url | unknown
    hosts: tuple[str, ...]
    users: tuple[str, ...]
    clients: tuple[str, ...]
    names: tuple[str, ...]
    occurrences: int


@dataclass(frozen=True, slots=True)
class Ownership:
    host: str
    servers: int  # servers the missing-owner rule judges (no references, no server manifests)
    owned: int | None  # None: the result carries no ownership data (an older result without missing-owner)
    basis: str | None = None  # OWNER_FIELDS, OWNER_FINDINGS, or None with owned
    owners: tuple[tuple[str, int], ...] = ()  # (owner, servers they own here); only from owner fields


@dataclass(frozen=True, slots=True)
class FleetOwner:
    owner: str  # a policy owner as written, or one owner of a CODEOWNERS line
    servers: int  # servers they own, counted on every host (as occurrences are)
    hosts: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class RuleCount:
    rule_id: str
    findings: int
    hosts: int


@dataclass(frozen=True, slots=True)
class FleetReport:
    machines: tuple[Machine, ...]
    key_status: str  # same | different | unknown
    key_ids: tuple[str, ...]
    warnings: tuple[str, ...]
    findings: tuple[FleetFinding, ...]
    servers: tuple[FleetServer, ...]
    ownership: tuple[Ownership, ...]
    rules: tuple[RuleCount, ...]
    owners: tuple[FleetOwner, ...] = ()  # most servers first

    @property
    def coverage(self) -> tuple[int, int] | None:
        """(owned, servers) over the machines whose results carry ownership data."""
        known = [o for o in self.ownership if o.owned is not None]
        if not known:
            return None
        return sum(o.owned or 0 for o in known), sum(o.servers for o in known)


# --- reading -----------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _validator() -> jsonschema.protocols.Validator:
    text = resources.files("mcpiam.report").joinpath("json-report.schema.json").read_text(encoding="utf-8")
    schema = json.loads(text)
    return jsonschema.validators.validator_for(schema)(schema)


def _where(error: jsonschema.ValidationError) -> str:
    pointer = "".join(f"/{step}" for step in error.absolute_path)
    return pointer or "the top level"


def load_machine(path: Path) -> Machine:
    """One result file; MergeInputError (naming the file and the place) when it is not one."""
    name = str(path)
    try:
        if path.stat().st_size > MAX_INPUT_BYTES:
            raise MergeInputError(f"{name}: larger than {MAX_INPUT_BYTES} bytes")
        text = path.read_text(encoding="utf-8")
    except MergeInputError:
        raise
    except UnicodeDecodeError:
        raise MergeInputError(f"{name}: not UTF-8 text; expected a JSON result of mcpiam sweep or scan") from None
    except OSError as error:
        raise MergeInputError(f"{name}: cannot be read ({error.strerror or type(error).__name__})") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise MergeInputError(f"{name}:{error.lineno}:{error.colno}: not JSON ({error.msg}); expected the "
                              "output of `mcpiam sweep -f json` or `mcpiam scan -f json`") from None
    errors = sorted(_validator().iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        first = errors[0]
        # The validator's own message may quote the value; only the place and the rule are shown.
        raise MergeInputError(f"{name}: not an mcpiam JSON result: at {_where(first)}, the value fails "
                              f"the report schema's '{first.validator}' check")
    host = data.get("host") or {}
    key = data.get("fingerprint_key") or {}
    return Machine(
        source=name,
        hostname=host.get("hostname") or path.stem,
        user=host.get("user", ""),
        platform=host.get("platform", ""),
        time=host.get("time", ""),
        key_id=key.get("id", ""),
        key_default=bool(key.get("default", False)),
        homes=tuple((h["prefix"], h["user"]) for h in host.get("homes", [])),
        data=data,
    )


# --- correlating -------------------------------------------------------------------------------------


def _location(machine: Machine, raw: dict[str, Any]) -> FleetLocation:
    return FleetLocation(machine.hostname, machine.user_of(raw["path"]), raw["path"], raw["line"],
                         raw["column"], raw["end_line"], raw["end_column"], raw["route"])


def _key_status(machines: list[Machine]) -> tuple[str, tuple[str, ...], list[str]]:
    ids = sorted({m.key_id for m in machines if m.key_id})
    missing = [m.source for m in machines if not m.key_id]
    warnings: list[str] = []
    if missing:
        warnings.append(f"{len(missing)} input(s) do not say which fingerprint key made them ("
                        + ", ".join(missing[:5]) + "): credentials are not correlated; rerun them "
                        "with this version of mcpiam")
        return "unknown", tuple(ids), warnings
    if len(ids) > 1:
        warnings.append(f"the inputs were made with {len(ids)} different fingerprint keys (ids "
                        + ", ".join(ids) + "): their credential fingerprints cannot be compared, so "
                        "reuse across machines is not reported. Run every sweep with one organisation "
                        "key (--fingerprint-key or MCPIAM_FINGERPRINT_KEY)")
        return "different", tuple(ids), warnings
    if machines and all(m.key_default for m in machines):
        warnings.append("the inputs were made with mcpiam's built-in fingerprint key: reuse is found, "
                        "but anyone can test a guessed secret against these fingerprints; use an "
                        "organisation key (--fingerprint-key or MCPIAM_FINGERPRINT_KEY)")
    return "same", tuple(ids), warnings


def _credential_occurrences(machines: list[Machine]) -> dict[str, dict[tuple, tuple[FleetLocation, dict[str, str]]]]:
    """fingerprint -> {(host, path, line, column): (location, properties)} over every input."""
    found: dict[str, dict[tuple, tuple[FleetLocation, dict[str, str]]]] = defaultdict(dict)
    for machine in machines:
        for finding in machine.data["findings"]:
            fingerprint = finding["properties"].get("fingerprint")
            if not fingerprint:
                continue
            for raw in [finding, *finding["related"]]:
                location = _location(machine, raw)
                key = (location.host, location.path, location.line, location.column)
                properties = finding["properties"] if raw is finding else {}
                kept = found[fingerprint].get(key)
                if kept is None or (not kept[1] and properties):
                    found[fingerprint][key] = (location, properties)
    return found


def _shared_credentials(machines: list[Machine]) -> list[FleetFinding]:
    findings = []
    for fingerprint, places in _credential_occurrences(machines).items():
        ordered = sorted(places.values(), key=lambda item: item[0].sort_key())
        holders = {(loc.host, loc.user) for loc, _ in ordered}
        if len(holders) < 2:
            continue
        hosts = sorted({loc.host for loc, _ in ordered})
        users = sorted({f"{loc.user}@{loc.host}" for loc, _ in ordered})
        facts = next((props for _, props in ordered if props.get("family")), None) or next(
            (props for _, props in ordered if props), {})
        preview = facts.get("preview", "")
        family = facts.get("family", "credential")
        first = ordered[0][0]
        where = ", ".join(f"{loc.host}:{loc.path}" for loc, _ in ordered[:5]) + (", …" if len(ordered) > 5 else "")
        findings.append(FleetFinding(
            rule_id=SHARED_CREDENTIAL,
            severity=Severity.HIGH,
            message=(f"The same credential ({family}{', ' + preview if preview else ''}) is used on "
                     f"{len(hosts)} host{'s' if len(hosts) != 1 else ''} by {len(users)} account"
                     f"{'s' if len(users) != 1 else ''}: {where}. A leak from any of them exposes all, "
                     "and it cannot be revoked for one without breaking the others: give each machine "
                     "and user its own credential."),
            location=first,
            related=tuple(loc for loc, _ in ordered[1:]),
            fingerprint=fingerprint,
            properties=(("fingerprint", fingerprint), ("family", family), ("preview", preview),
                        ("hosts", str(len(hosts))), ("accounts", str(len(users)))),
        ))
    return sorted(findings, key=lambda f: (f.location.sort_key(), f.fingerprint))


def _servers(machines: list[Machine]) -> list[FleetServer]:
    groups: dict[tuple[str, str], dict[str, set]] = {}
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for machine in machines:
        for config in machine.data["configs"]:
            for server in config["servers"]:
                if server["reference_only"]:
                    continue
                if server["url"]:
                    key = ("url", server["url"])
                elif server["command"]:
                    key = ("package", server["command"])
                else:
                    key = ("unknown", server["server"])
                group = groups.setdefault(key, {"hosts": set(), "users": set(), "clients": set(), "names": set()})
                group["hosts"].add(machine.hostname)
                group["users"].add(f"{machine.user_of(config['path'])}@{machine.hostname}")
                group["clients"].add(server["client"])
                group["names"].add(server["server"])
                counts[key] += 1
    servers = [
        FleetServer(identity=key[1], kind=key[0], hosts=tuple(sorted(g["hosts"])), users=tuple(sorted(g["users"])),
                    clients=tuple(sorted(g["clients"])), names=tuple(sorted(g["names"])), occurrences=counts[key])
        for key, g in groups.items()
    ]
    return sorted(servers, key=lambda s: (-len(s.hosts), -s.occurrences, s.kind, s.identity))


def _judged_servers(data: dict[str, Any]) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(config, server) records of the servers the missing-owner rule judges: not an entry naming a
    server configured elsewhere, not a server's own published manifest."""
    return [(config, server) for config in data["configs"] for server in config["servers"]
            if not server["reference_only"] and config["scope"] != "server-manifest"]


def owners_of(server: dict[str, Any]) -> tuple[str, ...]:
    """The owners a server record names: a policy owner as written (it may hold spaces), or each
    owner of a CODEOWNERS line (the record joins them with spaces)."""
    owner = server.get("owner")
    if not owner:
        return ()
    source = server.get("owner_source") or {}
    return tuple(owner.split()) if source.get("kind") == "codeowners" else (owner,)


def _ownership(machine: Machine) -> Ownership:
    data = machine.data
    judged = _judged_servers(data)
    # Vacuously true without servers: then there is nothing to own.
    if all("owner" in server for config in data["configs"] for server in config["servers"]):
        owners = Counter(owner for _, server in judged for owner in owners_of(server))
        owned = sum(1 for _, server in judged if server["owner"])
        return Ownership(machine.hostname, len(judged), owned, OWNER_FIELDS, tuple(sorted(owners.items())))
    # An older result: no owner fields, so only the missing-owner findings tell (an unowned server
    # whose finding was suppressed or baselined counts as owned there).
    if OWNER_RULE not in {rule["id"] for rule in data["rules"]}:
        return Ownership(machine.hostname, len(judged), None)
    unowned = {(f["path"], f["route"]) for f in data["findings"] if f["rule_id"] == OWNER_RULE}
    owned = sum(1 for config, server in judged if (config["path"], server["route"]) not in unowned)
    return Ownership(machine.hostname, len(judged), owned, OWNER_FINDINGS)


def _owners(ownership: list[Ownership]) -> list[FleetOwner]:
    servers: dict[str, int] = defaultdict(int)
    hosts: dict[str, set[str]] = defaultdict(set)
    for machine in ownership:
        for owner, count in machine.owners:
            servers[owner] += count
            hosts[owner].add(machine.host)
    owners = [FleetOwner(owner, servers[owner], tuple(sorted(hosts[owner]))) for owner in servers]
    return sorted(owners, key=lambda o: (-o.servers, -len(o.hosts), o.owner))


def _rule_counts(machines: list[Machine]) -> list[RuleCount]:
    findings: dict[str, int] = defaultdict(int)
    hosts: dict[str, set[str]] = defaultdict(set)
    for machine in machines:
        for rule in machine.data["rules"]:
            findings.setdefault(rule["id"], 0)
        for finding in machine.data["findings"]:
            findings[finding["rule_id"]] += 1
            hosts[finding["rule_id"]].add(machine.hostname)
    return [RuleCount(rule, findings[rule], len(hosts[rule])) for rule in sorted(findings)]


def merge(machines: list[Machine]) -> FleetReport:
    ordered = sorted(machines, key=lambda m: (m.hostname, m.user, m.time, m.source))
    status, ids, warnings = _key_status(ordered)
    names = [m.hostname for m in ordered]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        warnings.append("several inputs name the same host (" + ", ".join(repeated) + "): they are "
                        "treated as one machine")
    scans = [m.source for m in ordered if not m.homes]
    if scans:
        warnings.append(f"{len(scans)} input(s) carry no host identity (scan results): named after "
                        "their file")
    ownership = [_ownership(m) for m in ordered]
    return FleetReport(
        machines=tuple(ordered),
        key_status=status,
        key_ids=ids,
        warnings=tuple(warnings),
        findings=tuple(_shared_credentials(ordered)) if status == "same" else (),
        servers=tuple(_servers(ordered)),
        ownership=tuple(ownership),
        rules=tuple(_rule_counts(ordered)),
        owners=tuple(_owners(ownership)),
    )


def merge_files(paths: list[Path]) -> FleetReport:
    return merge([load_machine(path) for path in paths])
