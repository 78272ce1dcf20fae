"""VS Code chat sessions (GitHub Copilot chat and agent mode):
``<user data>/workspaceStorage/<hash>/chatSessions/<session>.jsonl``.

The file is a mutation journal (microsoft/vscode ``src/vs/workbench/contrib/chat/common/model/
objectMutationLog.ts``): line 1 is ``{"kind":0,"v":<session>}``, then ``{"kind":1,"k":[path],"v":…}``
sets a property, ``{"kind":2,"k":[path],"v":[items],"i":n}`` pushes to an array (cut at ``i``
first) and ``{"kind":3,"k":[path]}`` deletes one. The session (``chatSessionOperationLog.ts``
``storageSchema``) holds ``requests[]``, each with a ``timestamp`` and ``response[]`` parts; a tool
call is a ``toolInvocationSerialized`` part (``chatToolInvocation.ts`` ``toJSON``) whose ``source``
is ``{"type":"mcp","label":<config key>,…}`` for an MCP tool: a server of ``mcp.json`` gets its key
as ``label`` (``installedMcpServersDiscovery.ts``). ``isConfirmed.type`` 0 (denied) or 5 (skipped)
is a denial, ``resultError`` an error.

Replaying keeps only what counts (per request its time, per part the call's id, server, tool and
outcome), so memory follows the number of calls, not the file's size; the journal's text (prompts,
replies, arguments, results) goes by. A call's time is its request's.

Older builds wrote each session whole, ``chatSessions/<session>.json`` (and, for a window with no
folder, ``globalStorage/emptyWindowChatSessions/<session>.json``): ``chatSessionStore.ts``
``writeSession`` writes ``JSON.stringify(session, undefined, 2)`` of ``ChatModel.toJSON()``
(``chatModel.ts``: ``version: 3``, ``requests[]`` with the same ``timestamp`` and ``response[]``
parts, then ``sessionId``). The indent places each request as an object at indent 4 of
``"requests"``: each is parsed alone and becomes the same request as a journal's, with the same
parts and outcome rules, so memory follows the largest request, not the file.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import unquote, urlsplit

from mcpiam.activity.calls import DENIED, ERROR, EXACT, SUCCESS, Call, ReadContext, json_records, name_column, parse_time
from mcpiam.activity.lines import Line, pretty_array_items
from mcpiam.core.valuetype import dataclass

INITIAL, SET, PUSH, DELETE = 0, 1, 2, 3  # objectMutationLog.ts EntryKind
DENIED_KINDS = (0, 5)  # chatService.ts ToolConfirmKind.Denied, ToolConfirmKind.Skipped
# McpPrefixGenerator: "mcp_" + the label lower-cased, [^a-z0-9_.-]+ made "_", cut to 13, a number
# when taken, "_"; newer builds may start from the server's announced title instead.
_PREFIX_LENGTH = 18 - len("mcp_") - 1
_NOT_PREFIX = re.compile(r"[^a-z0-9_.-]+")


@dataclass(frozen=True, slots=True)
class _Part:
    """One MCP tool call of a response, as its last state on disk says."""

    call_id: str
    server: str
    tool: str
    outcome: str
    line: int
    column: int


class _Request:
    __slots__ = ("time", "parts")

    def __init__(self, time: datetime | None, parts: list[_Part | None]) -> None:
        self.time = time
        self.parts = parts


def tool_name(tool_id: str, label: str) -> str:
    """The tool's own name: its id without the ``mcp_<label>_`` prefix VS Code gave it."""
    prefix = "mcp_" + _NOT_PREFIX.sub("_", label.lower())[:_PREFIX_LENGTH]
    found = re.match(re.escape(prefix) + r"\d*_(.+)$", tool_id)
    return found.group(1) if found else tool_id


def _outcome(part: dict[str, Any]) -> str:
    confirmed = part.get("isConfirmed")
    if isinstance(confirmed, dict) and confirmed.get("type") in DENIED_KINDS:
        return DENIED
    if part.get("resultError"):
        return ERROR
    return SUCCESS if part.get("isComplete") is True else ""


def _part(value: Any, line: Line) -> _Part | None:
    """The call a response part records; None for any other part (text, a built-in tool...)."""
    if not isinstance(value, dict) or value.get("kind") != "toolInvocationSerialized":
        return None
    source = value.get("source")
    call_id, tool_id = value.get("toolCallId"), value.get("toolId")
    if not (isinstance(source, dict) and source.get("type") == "mcp" and isinstance(source.get("label"), str)
            and source["label"] and isinstance(call_id, str) and isinstance(tool_id, str)):
        return None
    return _Part(call_id, source["label"], tool_name(tool_id, source["label"]), _outcome(value), line.number,
                 name_column(line.text, tool_id))


def _request(value: Any, line: Line) -> _Request:
    value = value if isinstance(value, dict) else {}
    response = value.get("response")
    return _Request(parse_time(value.get("timestamp")),
                    [_part(part, line) for part in response] if isinstance(response, list) else [])


class _Session:
    """The replayed session: requests and the MCP calls of their responses, nothing else."""

    def __init__(self, context: ReadContext) -> None:
        self.context = context
        self.session_id = ""
        self.requests: list[_Request] = []
        self.started = False
        self.stray_line: int | None = None

    def whole(self, value: Any, line: Line) -> None:
        value = value if isinstance(value, dict) else {}
        if isinstance(value.get("sessionId"), str):
            self.session_id = value["sessionId"]
        requests = value.get("requests")
        self.requests = [_request(item, line) for item in requests] if isinstance(requests, list) else []
        self.started = True

    def apply(self, record: dict[str, Any], line: Line) -> None:
        kind, path = record.get("kind"), record.get("k")
        if kind == INITIAL:
            self.whole(record.get("v"), line)
            return
        if not self.started or not isinstance(path, list):
            self.stray_line = self.stray_line or line.number
            return
        if kind == SET:
            self._set(path, record.get("v"), line)
        elif kind == DELETE:
            self._set(path, None, line)
        elif kind == PUSH:
            items = record.get("v") or []
            self._push(path, items if isinstance(items, list) else [], record.get("i"), line)

    def _target(self, path: list[Any]) -> _Request | None:
        index = path[1] if len(path) > 1 else None
        if isinstance(index, int) and 0 <= index < len(self.requests):
            return self.requests[index]
        self.stray_line = self.stray_line or -1
        return None

    def _set(self, path: list[Any], value: Any, line: Line) -> None:
        if not path:
            self.whole(value, line)
        elif path[0] != "requests":
            return  # the input box, the title, pending requests...: nothing that was called
        elif len(path) == 1:
            self.requests = [_request(item, line) for item in value] if isinstance(value, list) else []
        elif len(path) == 2:
            if isinstance(path[1], int) and path[1] == len(self.requests):
                self.requests.append(_request(value, line))
            elif self._target(path) is not None:
                self.requests[path[1]] = _request(value, line)
        elif (request := self._target(path)) is not None:
            if path[2] == "timestamp" and len(path) == 3:
                request.time = parse_time(value)
            elif path[2] == "response" and len(path) == 3:
                request.parts = [_part(part, line) for part in value] if isinstance(value, list) else []
            elif path[2] == "response" and len(path) == 4 and isinstance(path[3], int):
                if path[3] == len(request.parts):
                    request.parts.append(_part(value, line))
                elif 0 <= path[3] < len(request.parts):
                    request.parts[path[3]] = _part(value, line)

    def _push(self, path: list[Any], items: list[Any], cut: Any, line: Line) -> None:
        if path == ["requests"]:
            if isinstance(cut, int):
                del self.requests[cut:]
            self.requests.extend(_request(item, line) for item in items)
        elif len(path) == 3 and path[0] == "requests" and path[2] == "response":
            request = self._target(path)
            if request is not None:
                if isinstance(cut, int):
                    del request.parts[cut:]
                request.parts.extend(_part(item, line) for item in items)

    def calls(self) -> Iterator[Call]:
        project = (self.context.projects_by_folder or {}).get(self.context.folder)
        session = self.session_id or PurePosixPath(self.context.file_name).stem
        seen: set[str] = set()
        for request in self.requests:
            for part in request.parts:
                if part is None or part.call_id in seen:
                    continue
                seen.add(part.call_id)
                yield Call(client=self.context.client, server=part.server, tool=part.tool, call_id=part.call_id,
                           session=session, project=project, time=request.time, outcome=part.outcome,
                           file=self.context.display, line=part.line, column=part.column, form=EXACT)


def _whole_file(lines: Iterable[Line], session: _Session) -> None:
    """An older build's whole-file session: the top-level fields at indent 2, each request an
    object at indent 4 of ``"requests"``, parsed alone."""
    session.started = True
    lines = iter(lines)
    first = True
    for line in lines:
        text = line.text
        if first and text.strip():
            first = False
            if text != "{":
                session.context.note("warning", "malformed-record-line",
                                     "not a chat session as VS Code writes one (JSON indented by 2); not read",
                                     line.number)
                return
        if text.startswith('  "requests": [') and not text.rstrip().endswith(("[]", "[],")):
            for block, whole in pretty_array_items(lines):
                if whole:
                    _whole_request(block, session)
                else:
                    session.context.note("info", "partial-record-line",
                                         "the last request is partly written (VS Code was still writing); not read",
                                         block[0].number)
        elif text.startswith('  "sessionId": '):
            _session_id(text, session)


def _session_id(text: str, session: _Session) -> None:
    try:
        value = json.loads("{" + text.rstrip().rstrip(",") + "}").get("sessionId")
    except (ValueError, RecursionError):
        return
    if isinstance(value, str):
        session.session_id = value


def _whole_request(block: list[Line], session: _Session) -> None:
    """One request of a whole-file session, its calls each at the line of its ``toolId`` field."""
    try:
        record = json.loads("\n".join(line.text for line in block).rstrip().rstrip(","))
    except (ValueError, RecursionError):
        session.context.note("warning", "malformed-record-line", "not a JSON request; skipped", block[0].number)
        record = None
    record = record if isinstance(record, dict) else {}
    response = record.get("response")
    parts: list[_Part | None] = []
    cursor = 0
    for value in response if isinstance(response, list) else ():
        line = block[0]
        tool_id = value.get("toolId") if isinstance(value, dict) else None
        if isinstance(tool_id, str):
            needle = '"toolId": ' + json.dumps(tool_id, ensure_ascii=False)
            for index in range(cursor, len(block)):
                if needle in block[index].text:
                    line, cursor = block[index], index + 1
                    break
        parts.append(_part(value, line))
    session.requests.append(_Request(parse_time(record.get("timestamp")), parts))


def read(lines: Iterable[Line], context: ReadContext) -> Iterator[Call]:
    session = _Session(context)
    if context.file_name.endswith(".json"):
        _whole_file(lines, session)
        yield from session.calls()
        return
    for line, record in json_records(lines, context):
        session.apply(record, line)
    if session.stray_line:
        where = session.stray_line if session.stray_line > 0 else None
        context.note("warning", "stray-session-change",
                     "a change to a part of the chat session that is not there (the journal lost its "
                     "start or a line); the calls it would change may be miscounted", where)
    yield from session.calls()


def workspace_folder(data: bytes) -> str | None:
    """The folder a ``workspaceStorage/<hash>/workspace.json`` names (``{"folder": "file:///…"}``),
    as a path; None for a multi-root workspace, a remote folder or anything unreadable."""
    try:
        folder = json.loads(data.decode("utf-8")).get("folder")
    except (ValueError, AttributeError, UnicodeDecodeError, RecursionError):
        return None
    if not isinstance(folder, str):
        return None
    parts = urlsplit(folder)
    if parts.scheme != "file" or parts.netloc:
        return None
    path = unquote(parts.path)
    return path[1:] if re.match(r"/[A-Za-z]:/", path) else path  # file:///c%3A/x is C:/x
