"""Reads every record file of a sweep's homes: calls counted as they stream by, credentials searched.

Per file, each line goes once through the credential search and on to the format's reader; the
calls are added to counters at once, so memory holds counters, not records. ``Activity`` keeps the
recorded names as they are: ``mcpiam.activity.usage`` maps them back to config keys.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime, timedelta, timezone
from pathlib import PurePosixPath

from mcpiam.activity.calls import OUTCOMES, Call, ReadContext
from mcpiam.activity.history import CredentialSearch, HistoryCredential, RecordKind, history_families
from mcpiam.activity.lines import Line, LineReader
from mcpiam.activity.readers import NOT_READ, reader
from mcpiam.activity.sources import RecordSource, record_sources
from mcpiam.catalogue import Catalogue
from mcpiam.core.document import Span
from mcpiam.core.notes import Note
from mcpiam.core.safe_open import Refusal, read_prefix
from mcpiam.core.valuetype import dataclass
from mcpiam.discover.homes import HomeFile, SweepPlan, home_files
from mcpiam.secrets.families import TokenFamily

RECENT_DAYS = 30  # "calls (30 d)", the inventory's column
PROJECTS_FILE_LIMIT = 4 << 20
PROJECT_ROOT_LIMIT = 64 << 10  # a .project_root marker holds one path
_WINDOWS_ROOT = re.compile(r"[A-Za-z]:[\\/]|\\\\")  # C:\ or C:/, or a UNC \\server path


@dataclass(frozen=True, slots=True)
class CallPlace:
    """Where and when one call was recorded (no content)."""

    file: str
    line: int
    column: int
    time: datetime | None
    project: str | None
    session: str
    route: tuple[str, ...] = ()  # in a database: the table and key of the record


@dataclass(frozen=True, slots=True)
class RecordedTool:
    """Calls of one tool of one server, as the client named them."""

    client: str
    server: str
    form: str  # calls.EXACT | SANITISED | JOINED
    tool: str
    calls: int
    recent_calls: int  # in the RECENT_DAYS before the window's end
    first_seen: datetime | None
    last_seen: datetime | None
    projects: tuple[str, ...]
    sessions: tuple[str, ...]
    outcomes: tuple[tuple[str, int], ...]  # (success|error|denied, count)
    first: CallPlace
    last: CallPlace


@dataclass(frozen=True, slots=True)
class Hop:
    """The first call of a server in a session: the steps of "approved first hop, unapproved second"."""

    client: str
    server: str
    form: str
    tool: str
    place: CallPlace


@dataclass(frozen=True, slots=True)
class RecordFile:
    client: str
    file: str
    record: str
    calls: int


@dataclass(frozen=True, slots=True)
class Activity:
    """What the records of one sweep say, names as recorded."""

    window_from: datetime | None
    window_to: datetime
    tools: tuple[RecordedTool, ...]
    hops: tuple[Hop, ...]
    credentials: tuple[HistoryCredential, ...]
    files: tuple[RecordFile, ...]
    notes: tuple[Note, ...]

    @property
    def clients_read(self) -> frozenset[str]:
        """The clients with at least one record file that counts calls."""
        return frozenset(file.client for file in self.files if file.calls >= 0)


class _Counter:
    """The running totals of one (client, server, form, tool)."""

    __slots__ = ("calls", "recent", "first", "last", "projects", "sessions", "outcomes", "first_place", "last_place")

    def __init__(self) -> None:
        self.calls = 0
        self.recent = 0
        self.first: datetime | None = None
        self.last: datetime | None = None
        self.projects: set[str] = set()
        self.sessions: set[str] = set()
        self.outcomes = dict.fromkeys(OUTCOMES, 0)
        self.first_place: CallPlace | None = None
        self.last_place: CallPlace | None = None


def _place(call: Call) -> CallPlace:
    return CallPlace(call.file, call.line, call.column, call.time, call.project, call.session, call.route)


def _earlier(a: datetime | None, b: datetime | None) -> bool:
    """``a`` comes before ``b``; an unknown time comes after every known one."""
    return a is not None and (b is None or a < b)


class _Totals:
    def __init__(self, since: datetime | None, now: datetime) -> None:
        self.since = since
        self.recent_from = now - timedelta(days=RECENT_DAYS)
        self.counters: dict[tuple[str, str, str, str], _Counter] = {}
        self.hops: dict[tuple[str, str, str, str], Hop] = {}  # (client, session, server, form)

    def add(self, call: Call) -> bool:
        if self.since is not None and call.time is not None and call.time < self.since:
            return False
        counter = self.counters.get((call.client, call.server, call.form, call.tool))
        if counter is None:
            counter = self.counters[(call.client, call.server, call.form, call.tool)] = _Counter()
        counter.calls += 1
        if call.time is not None and call.time >= self.recent_from:
            counter.recent += 1
        place = _place(call)
        if counter.first_place is None or _earlier(call.time, counter.first):
            counter.first, counter.first_place = call.time, place
        if counter.last_place is None or _earlier(counter.last, call.time):
            counter.last, counter.last_place = call.time, place
        if call.project:
            counter.projects.add(call.project)
        if call.session:
            counter.sessions.add(call.session)
            hop_key = (call.client, call.session, call.server if call.server else call.tool, call.form)
            known = self.hops.get(hop_key)
            if known is None or _earlier(call.time, known.place.time):
                self.hops[hop_key] = Hop(call.client, call.server, call.form, call.tool, place)
        if call.outcome in counter.outcomes:
            counter.outcomes[call.outcome] += 1
        return True

    def tools(self) -> tuple[RecordedTool, ...]:
        out = []
        for (client, server, form, tool), counter in sorted(self.counters.items()):
            assert counter.first_place is not None and counter.last_place is not None
            out.append(RecordedTool(client, server, form, tool, counter.calls, counter.recent, counter.first,
                                    counter.last, tuple(sorted(counter.projects)), tuple(sorted(counter.sessions)),
                                    tuple(counter.outcomes.items()), counter.first_place, counter.last_place))
        return tuple(out)


def _gemini_projects(plan: SweepPlan, catalogue: Catalogue,
                     known_projects: Iterable[str]) -> tuple[dict[str, str], list[Note]]:
    """Gemini's project folders (slug or sha256 of the root) to project roots, from three sources
    (google-gemini/gemini-cli packages/core/src/config/projectRegistry.ts): the ownership marker
    ``~/.gemini/tmp/<slug>/.project_root`` (the root as the CLI normalised it, lower-cased on
    macOS and Windows), which wins for its folder; ``~/.gemini/projects.json``; and the sha256 of
    every project root other clients recorded (folders not migrated yet). A marker that cannot be
    used is noted by path, never by its content."""
    by_folder: dict[str, str] = {}
    notes: list[Note] = []
    files, walk_notes = home_files(plan, ("~/.gemini/projects.json",), catalogue)
    notes.extend(walk_notes)
    for found in files:
        data = read_prefix(found.path, PROJECTS_FILE_LIMIT, whole=True, fence=found.fence, expected=found.identity)
        if isinstance(data, Refusal):
            notes.append(Note(found.display, "warning", data.code, data.message))
            continue
        try:
            projects = json.loads(data.decode("utf-8", "replace")).get("projects")
        except (ValueError, AttributeError, RecursionError):
            notes.append(Note(found.display, "warning", "malformed-project-map",
                              "not a JSON object with a projects map; Gemini project folders named from the markers"))
            continue
        if isinstance(projects, dict):
            for root, slug in projects.items():
                if isinstance(root, str) and isinstance(slug, str):
                    by_folder[slug] = root
                    by_folder[hashlib.sha256(root.encode()).hexdigest()] = root
    markers, walk_notes = home_files(plan, ("~/.gemini/tmp/*/.project_root",), catalogue)
    notes.extend(walk_notes)
    for found in markers:
        root = _marker_root(found)
        if isinstance(root, Refusal):
            notes.append(Note(found.display, "warning", root.code, root.message))
            continue
        by_folder[found.path.parent.name] = root
        by_folder.setdefault(hashlib.sha256(root.encode()).hexdigest(), root)
    for root in known_projects:
        by_folder.setdefault(hashlib.sha256(root.encode()).hexdigest(), root)
    return by_folder, notes


def _marker_root(found: HomeFile) -> str | Refusal:
    """The project root a ``.project_root`` marker holds: one absolute path (the CLI writes it
    without a line break; one is tolerated)."""
    data = read_prefix(found.path, PROJECT_ROOT_LIMIT, whole=True, fence=found.fence, expected=found.identity)
    if isinstance(data, Refusal):
        return data
    try:
        root = data.decode("utf-8").strip()
    except UnicodeDecodeError:
        return Refusal("malformed-project-root", "not UTF-8 text; the folder's project is not known")
    if not root or "\n" in root or "\x00" in root or not (root.startswith("/") or _WINDOWS_ROOT.match(root)):
        return Refusal("malformed-project-root", "not one absolute path; the folder's project is not known")
    return root


def _vscode_projects(plan: SweepPlan, catalogue: Catalogue,
                     source: RecordSource) -> tuple[dict[str, str], list[Note]]:
    """VS Code's workspace folders by their ``workspaceStorage/<hash>`` name, from the
    ``workspace.json`` beside each ``chatSessions`` folder (``{"folder": "file:///…"}``)."""
    from mcpiam.activity.readers.vscode_chat import workspace_folder

    # The journal and the older whole-file sessions share a folder; empty-window sessions have none.
    patterns = tuple(dict.fromkeys(pattern.rsplit("chatSessions/", 1)[0] + "workspace.json"
                                   for pattern in source.patterns(plan.platform) if "/chatSessions/" in pattern))
    files, notes = home_files(plan, patterns, catalogue)
    by_folder: dict[str, str] = {}
    for found in files:
        data = read_prefix(found.path, PROJECT_ROOT_LIMIT, whole=True, fence=found.fence, expected=found.identity)
        folder = None if isinstance(data, Refusal) else workspace_folder(data)
        if folder is not None:
            by_folder[found.path.parent.name] = folder
    return by_folder, notes


def _tee(lines: Iterator[Line], search: CredentialSearch) -> Iterator[Line]:
    for line in lines:
        search.add(line)
        yield line


def _folder(found: HomeFile) -> str:
    """The Gemini project folder a chat sits in: the name after tmp/."""
    parts = PurePosixPath(found.display).parts
    return parts[parts.index("tmp") + 1] if "tmp" in parts[:-1] else ""


def _files(plan: SweepPlan, catalogue: Catalogue,
           source: RecordSource) -> tuple[list[tuple[HomeFile, bool]], list[Note]]:
    """The source's files, each with whether its calls count. An archived Codex rollout keeps its
    file name: its calls are counted once, but both copies are searched for credentials."""
    files, notes = home_files(plan, source.patterns(plan.platform), catalogue)
    if source.reader != "codex":
        return [(found, source.counts_calls) for found in files], notes
    seen: set[str] = set()
    judged = []
    for found in sorted(files, key=lambda f: ("archived_sessions" in f.display, f.display)):
        judged.append((found, source.counts_calls and found.path.name not in seen))
        seen.add(found.path.name)
    return judged, notes


def read_activity(plan: SweepPlan, catalogue: Catalogue, families: Sequence[TokenFamily],
                  fingerprint_key: bytes, *, now: datetime, since: datetime | None = None,
                  sources: Sequence[RecordSource] | None = None) -> Activity:
    """Every record file of the plan's homes, read once each."""
    now = now.astimezone(timezone.utc)
    totals = _Totals(since, now)
    searchable = history_families(families)
    notes: list[Note] = []
    credentials: list[HistoryCredential] = []
    files: list[RecordFile] = []
    projects_seen: set[str] = set()
    ordered = sorted(sources if sources is not None else record_sources(), key=lambda s: s.reader == "gemini")
    gemini_projects: dict[str, str] | None = None
    vscode_projects: dict[str, str] | None = None
    for source in ordered:
        found_files, walk_notes = _files(plan, catalogue, source)
        notes.extend(walk_notes)
        if source.reader == "gemini" and found_files and gemini_projects is None:
            gemini_projects, project_notes = _gemini_projects(plan, catalogue, projects_seen)
            notes.extend(project_notes)
        if source.reader == NOT_READ:
            notes.extend(Note(found.display, "warning", "record-not-read",
                              f"a {source.record}: a format mcpiam does not read, so its calls and "
                              "credentials are not counted") for found, _ in found_files)
            continue
        for found, counts_calls in found_files:
            file_notes: list[Note] = []

            def note(level: str, code: str, message: str, line: int | None, shown: str = found.display) -> None:
                file_notes.append(Note(shown, level, code, message, Span.point(line, 1) if line else None))

            if source.reader == "vscode_chat":
                if vscode_projects is None:
                    vscode_projects, project_notes = _vscode_projects(plan, catalogue, source)
                    notes.extend(project_notes)
                context = ReadContext(source.client, found.display, found.path.name, note, vscode_projects,
                                      found.path.parent.parent.name)
            else:
                context = ReadContext(source.client, found.display, found.path.name, note, gemini_projects,
                                      _folder(found))
            search = CredentialSearch(searchable, fingerprint_key,
                                      RecordKind(source.client, source.record, source.cleanup), found.display)
            counted = 0
            if source.reader == "cursor":
                from mcpiam.activity.readers.cursor import read_database

                calls: Iterable[Call] = read_database(found, context, search)
            else:
                line_reader = LineReader(os.fspath(found.path), found.display, found.fence, found.identity)
                calls = reader(source.reader)(_tee(line_reader.lines(), search), context)
            for call in calls:
                if counts_calls and totals.add(call):
                    counted += 1
                    if call.project:
                        projects_seen.add(call.project)
            if source.reader != "cursor":
                file_notes.extend(line_reader.notes)
            credentials.extend(search.finish())
            notes.extend(file_notes)
            files.append(RecordFile(source.client, found.display, source.record,
                                    counted if counts_calls else -1))
    tools = totals.tools()
    times = [tool.first_seen for tool in tools if tool.first_seen is not None]
    window_from = since if since is not None else (min(times) if times else None)
    return Activity(window_from, now, tools, tuple(sorted(totals.hops.values(), key=_hop_order)),
                    tuple(credentials), tuple(files), tuple(notes))


def _hop_order(hop: Hop) -> tuple:
    place = hop.place
    return (hop.client, place.session, place.time is None, place.time or datetime.min.replace(tzinfo=timezone.utc),
            place.file, place.line)
