"""mcpiam merge: the JSON results of many sweeps (or scans) correlated into one fleet report,
read from the fleet database (``mcpiam.fleet.database``; an in-memory one when no file is given).

Each input is named by its host identity (a scan without one is named after its file); a newer
result of a host replaces its older one. Credentials are correlated by their keyed fingerprints,
which are comparable only when every input was made with the same fingerprint key: the inputs
carry the key's identifier (never the key), and when they differ no correlation is attempted.
Ownership is read from each server's ``owner`` field; results written before that field existed
fall back to their ``missing-owner`` findings, which give coverage but not who the owners are.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing on the hook's path

from mcpiam.core.findings import Severity
from mcpiam.core.valuetype import dataclass
from mcpiam.fleet.database import IngestSummary, connect, ingest_files
from mcpiam.fleet.read import OWNER_FIELDS, OWNER_FINDINGS, OWNER_RULE, ResultInputError

if TYPE_CHECKING:
    import duckdb

__all__ = ["OWNER_FIELDS", "OWNER_FINDINGS", "OWNER_RULE", "MergeInputError"]

SHARED_CREDENTIAL = "shared-credential"
MergeInputError = ResultInputError


@dataclass(frozen=True, slots=True)
class Machine:
    source: str  # the file it came from
    hostname: str
    user: str  # the account that made the result
    platform: str
    time: str
    key_id: str  # "" when the result does not say
    key_default: bool
    users: tuple[str, ...]  # the users of the homes swept, in the result's order
    configs: int
    findings: int
    kind: str = "sweep"  # sweep | scan (no host identity)


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


# --- the report from the database -----------------------------------------------------------------


def _machines(connection: duckdb.DuckDBPyConnection) -> list[Machine]:
    users: dict[str, list[str]] = defaultdict(list)
    for host, user in connection.execute("SELECT host, \"user\" FROM users").fetchall():
        users[host].append(user)
    rows = connection.execute(
        "SELECT source, host, \"user\", platform, time, key_id, key_default, configs, findings, kind FROM hosts"
    ).fetchall()
    machines = [Machine(source, host, user, platform, time, key_id, key_default, tuple(users[host]), configs,
                        findings, kind)
                for source, host, user, platform, time, key_id, key_default, configs, findings, kind in rows]
    return sorted(machines, key=lambda m: (m.hostname, m.user, m.time, m.source))


def _named(hosts: list[str], total: int) -> str:
    return ", ".join(hosts) + (f" and {total - len(hosts)} more" if total > len(hosts) else "")


def _key_status(connection: duckdb.DuckDBPyConnection) -> tuple[str, tuple[str, ...], list[str]]:
    """same | different | unknown, the key ids, and warnings naming which hosts used which key."""
    groups = connection.execute("""
        SELECT key_id, bool_or(key_default), count(*), list(host ORDER BY host)[1:5], list(source ORDER BY source)[1:5]
        FROM hosts GROUP BY key_id ORDER BY key_id""").fetchall()
    ids = tuple(key_id for key_id, *_ in groups if key_id)
    warnings: list[str] = []
    missing = [(count, sources) for key_id, _, count, _, sources in groups if not key_id]
    if missing:
        count, sources = missing[0]
        warnings.append(f"{count} input(s) do not say which fingerprint key made them (" + ", ".join(sources)
                        + (", …" if count > len(sources) else "") + "): credentials are not correlated; rerun "
                        "them with this version of mcpiam")
        return "unknown", ids, warnings
    if len(ids) > 1:
        used = "; ".join(f"key {key_id}{' (the public built-in key)' if default else ''} on "
                         f"{_named(hosts, count)}" for key_id, default, count, hosts, _ in groups)
        warnings.append(f"the inputs were made with {len(ids)} different fingerprint keys ({used}): their "
                        "credential fingerprints cannot be compared, so reuse across machines is not "
                        "reported. Run every sweep with one organisation key (--fingerprint-key or "
                        "MCPIAM_FINGERPRINT_KEY)")
        return "different", ids, warnings
    if groups and all(default for _, default, *_ in groups):
        warnings.append("the inputs were made with mcpiam's built-in fingerprint key: reuse is found, "
                        "but anyone can test a guessed secret against these fingerprints; use an "
                        "organisation key (--fingerprint-key or MCPIAM_FINGERPRINT_KEY)")
    return "same", ids, warnings


def _shared_message(family: str, preview: str, hosts: int, accounts: int, places: list[FleetLocation]) -> str:
    where = ", ".join(f"{loc.host}:{loc.path}" for loc in places[:5]) + (", …" if len(places) > 5 else "")
    return (f"The same credential ({family}{', ' + preview if preview else ''}) is used on "
            f"{hosts} host{'s' if hosts != 1 else ''} by {accounts} account{'s' if accounts != 1 else ''}: "
            f"{where}. A leak from any of them exposes all, and it cannot be revoked for one without "
            "breaking the others: give each machine and user its own credential.")


def _shared_credentials(connection: duckdb.DuckDBPyConnection) -> list[FleetFinding]:
    """Every credential held by two or more accounts (user on a host), with all its places."""
    rows = connection.execute("""
        WITH reused AS (
            SELECT fingerprint FROM credential_occurrences
            GROUP BY fingerprint HAVING count(DISTINCT (host, "user")) >= 2)
        SELECT fingerprint, host, "user", path, line, "column", end_line, end_column, route, family, preview, with_facts
        FROM credential_occurrences SEMI JOIN reused USING (fingerprint)
        ORDER BY fingerprint, host, path, line, "column", route""").fetchall()
    grouped: dict[str, list[tuple]] = defaultdict(list)
    for row in rows:
        grouped[row[0]].append(row)
    findings = []
    for fingerprint, group in grouped.items():
        places = [FleetLocation(*row[1:9]) for row in group]
        # Python's order (code points) is the report's, whatever the database's collation.
        order = sorted(range(len(places)), key=lambda i: places[i].sort_key())
        places = [places[i] for i in order]
        group = [group[i] for i in order]
        facts = next((row for row in group if row[9]), None) or next((row for row in group if row[11]), None)
        family = (facts[9] or "credential") if facts else "credential"
        preview = facts[10] if facts else ""
        hosts = len({loc.host for loc in places})
        accounts = len({(loc.host, loc.user) for loc in places})
        findings.append(FleetFinding(
            rule_id=SHARED_CREDENTIAL,
            severity=Severity.HIGH,
            message=_shared_message(family, preview, hosts, accounts, places),
            location=places[0],
            related=tuple(places[1:]),
            fingerprint=fingerprint,
            properties=(("fingerprint", fingerprint), ("family", family), ("preview", preview),
                        ("hosts", str(hosts)), ("accounts", str(accounts))),
        ))
    return sorted(findings, key=lambda f: (f.location.sort_key(), f.fingerprint))


def _servers(connection: duckdb.DuckDBPyConnection) -> list[FleetServer]:
    rows = connection.execute("""
        SELECT identity_kind, identity, list(DISTINCT host), list(DISTINCT ("user", host)), list(DISTINCT client),
               list(DISTINCT server), count(*)
        FROM servers WHERE NOT reference_only GROUP BY identity_kind, identity""").fetchall()
    servers = [
        FleetServer(identity=identity, kind=kind, hosts=tuple(sorted(hosts)),
                    users=tuple(sorted({f"{user}@{host}" for user, host in users})),
                    clients=tuple(sorted(clients)), names=tuple(sorted(names)), occurrences=count)
        for kind, identity, hosts, users, clients, names, count in rows
    ]
    return sorted(servers, key=lambda s: (-len(s.hosts), -s.occurrences, s.kind, s.identity))


def _ownership(connection: duckdb.DuckDBPyConnection) -> list[Ownership]:
    owners: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for host, owner, count in connection.execute("SELECT host, owner, servers FROM owners").fetchall():
        owners[host].append((owner, count))
    rows = connection.execute("SELECT host, judged_servers, owned_servers, ownership_basis FROM hosts").fetchall()
    return sorted((Ownership(host, judged, owned, basis, tuple(sorted(owners[host])))
                   for host, judged, owned, basis in rows), key=lambda o: o.host)


def _owners(ownership: list[Ownership]) -> list[FleetOwner]:
    servers: dict[str, int] = defaultdict(int)
    hosts: dict[str, set[str]] = defaultdict(set)
    for machine in ownership:
        for owner, count in machine.owners:
            servers[owner] += count
            hosts[owner].add(machine.host)
    owners = [FleetOwner(owner, servers[owner], tuple(sorted(hosts[owner]))) for owner in servers]
    return sorted(owners, key=lambda o: (-o.servers, -len(o.hosts), o.owner))


def _rule_counts(connection: duckdb.DuckDBPyConnection) -> list[RuleCount]:
    counts = {rule: (0, 0) for (rule,) in connection.execute("SELECT DISTINCT rule_id FROM host_rules").fetchall()}
    for rule, findings, hosts in connection.execute(
            "SELECT rule_id, count(*), count(DISTINCT host) FROM findings GROUP BY rule_id").fetchall():
        counts[rule] = (findings, hosts)
    return [RuleCount(rule, *counts[rule]) for rule in sorted(counts)]


def fleet_report(connection: duckdb.DuckDBPyConnection, summary: IngestSummary | None = None,
                 skipped: tuple[str, ...] = ()) -> FleetReport:
    """The fleet report of everything the database holds; ``summary`` and ``skipped`` add the
    warnings of the ingest that just ran (hosts named twice, results older than the ones held,
    inputs skipped as invalid)."""
    status, ids, warnings = _key_status(connection)
    if skipped:
        warnings.append(f"{len(skipped)} input(s) skipped as not mcpiam results (--skip-invalid): "
                        + "; ".join(skipped[:20]) + ("; …" if len(skipped) > 20 else ""))
    machines = _machines(connection)
    if summary is not None and summary.repeated:
        warnings.append("several inputs name the same host (" + _named(list(summary.repeated[:20]),
                        len(summary.repeated)) + "): the newest result of each is kept")
    if summary is not None and summary.older:
        warnings.append(f"{len(summary.older)} input(s) are older than the result the database holds for their "
                        "host and were not loaded (" + _named(list(summary.older[:20]), len(summary.older)) + ")")
    scans = sum(1 for m in machines if m.kind == "scan")
    if scans:
        warnings.append(f"{scans} input(s) carry no host identity (scan results): named after their file")
    ownership = _ownership(connection)
    return FleetReport(
        machines=tuple(machines),
        key_status=status,
        key_ids=ids,
        warnings=tuple(warnings),
        findings=tuple(_shared_credentials(connection)) if status == "same" else (),
        servers=tuple(_servers(connection)),
        ownership=tuple(ownership),
        rules=tuple(_rule_counts(connection)),
        owners=tuple(_owners(ownership)),
    )


def merge_files(paths: Iterable[Path]) -> FleetReport:
    """The fleet report of these result files, through an in-memory database; an input that is
    not a result raises MergeInputError (naming the first)."""
    connection = connect()
    problems: list[str] = []
    try:
        summary = ingest_files(connection, [str(path) for path in paths], problems)
        if problems:
            raise MergeInputError(problems[0])
        return fleet_report(connection, summary)
    finally:
        connection.close()
