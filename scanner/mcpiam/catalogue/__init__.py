"""The client catalogue: where MCP configs live, how each is shaped, which references its client expands.

All of it is data in ``clients.yaml`` beside this module; this module only loads it into frozen
dataclasses and answers questions about paths. No client-specific branch lives in code.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from mcpiam.core.lazy_pattern import compile_ahead, lazy_compile
from mcpiam.core.valuetype import dataclass, field
from functools import lru_cache
from pathlib import Path

from mcpiam.core.globs import anchored_glob_match, glob_match
from mcpiam.core.snapshot import snapshot_data, snapshot_text, sources_digest

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing on the hook's path
if TYPE_CHECKING:
    from typing import Any

PLATFORMS = ("linux", "macos", "windows")
UNKNOWN_CLIENT_ID = "unknown"
UNKNOWN_KIND_ID = "unknown-mcp-config"
EVERY_SYNTAX = "*"  # an ``expands`` entry meaning every reference syntax
EVERY_NAME_FIELD = "*"  # a ``name_fields`` entry meaning every name field any client declares
ROOT_PREFIX = "$."  # a name field path read from the document root rather than from each server
ANY_CHILD = "*"  # a name field step matching any key of a map or any item of a list
NAME_FIELD_PATH = lazy_compile(
    r"^(?:\$\.)?(?:[A-Za-z0-9_-]+|\*)(?:\.(?:[A-Za-z0-9_-]+|\*)|\[\*\])*$"
)
# Document formats that parse to the same tree shapes (JSONC is JSON with comments).
FORMAT_FAMILIES = {"json": "json", "jsonc": "json"}


@dataclass(frozen=True, slots=True)
class ServerLocation:
    """Where servers sit in a file: a route pattern ("*" = any key) and the container's shape."""

    at: tuple[str, ...]
    shape: str  # map | list | flat | registry | mcpb | smithery | docker-catalog | single | hub
    only_server_like: bool = False  # take only entries that look like servers (always so for flat)


@dataclass(frozen=True, slots=True)
class FieldNames:
    """Which keys of a server object hold each model field (first present wins; dotted = nested)."""

    command: tuple[str, ...]
    args: tuple[str, ...]
    env: tuple[str, ...]
    url: tuple[str, ...]
    headers: tuple[str, ...]
    transport: tuple[str, ...]
    auth: tuple[str, ...]
    name: tuple[str, ...]
    env_file: tuple[str, ...] = ()  # a dotenv file the client loads into the server's environment


@dataclass(frozen=True, slots=True)
class NameField:
    """A field whose values are environment-variable or secret NAMES, never the secret itself.

    Written as a path (a JSONPath subset): keys joined by ".", ``[*]`` for every item of a list,
    ``.*`` for every value of a map (both mean "any child"). The path starts at each server object
    of the file, or at the document root when it starts with ``$.``:
    ``bearer_token_env_var``, ``env_vars[*]``, ``env_http_headers.*``, ``$.settings[*].envVar``.
    """

    path: str
    steps: tuple[str, ...]  # keys, or ANY_CHILD
    from_root: bool

    @classmethod
    def parse(cls, path: str) -> NameField:
        if not NAME_FIELD_PATH.match(path):
            raise ValueError(f"not a name field path: {path!r}")
        from_root = path.startswith(ROOT_PREFIX)
        body = path[len(ROOT_PREFIX):] if from_root else path
        steps = tuple(body.replace("[*]", "." + ANY_CHILD).split("."))
        return cls(path=path, steps=steps, from_root=from_root)

    def matches(self, route: tuple[str | int, ...]) -> bool:
        """Whether a route (from the server object, or from the root for ``$.`` paths) is this field."""
        if len(route) != len(self.steps):
            return False
        return all(step == ANY_CHILD or step == key for step, key in zip(self.steps, route))


def name_field_at(
    fields: Iterable[NameField], route: tuple[str | int, ...], server_route: tuple[str | int, ...] | None
) -> NameField | None:
    """The name field a value at ``route`` sits in, if any (``server_route``: its server's route)."""
    for name_field in fields:
        if name_field.from_root:
            if name_field.matches(route):
                return name_field
        elif server_route is not None and route[: len(server_route)] == server_route:
            if name_field.matches(route[len(server_route):]):
                return name_field
    return None


@dataclass(frozen=True, slots=True)
class SiblingGlob:
    """A project glob that claims a file only when ``sibling`` exists next to it."""

    glob: str
    sibling: str  # relative to the matched file's directory


@dataclass(frozen=True, slots=True)
class FileKind:
    """One kind of config file a client reads: where it lives, its format and shape."""

    id: str
    client: str
    scope: str  # project | user | managed | plugin | server-manifest | unknown
    format: str  # json | jsonc | yaml | toml | markdown | dotenv | bash | any
    project: tuple[str, ...]  # project-relative glob patterns (POSIX; "**/" matches any depth)
    user: dict[str, tuple[str, ...]]  # platform -> user/managed paths (~, %APPDATA%, ... unexpanded)
    servers: tuple[ServerLocation, ...]
    expands: tuple[str, ...]
    fields: FieldNames
    secret_store: bool = False  # a file that holds credentials rather than server definitions
    content_match: bool = True  # may this kind claim a file by content alone
    project_if_sibling: tuple[SiblingGlob, ...] = ()
    url_transports: dict[str, str] = field(default_factory=dict)  # URL key -> implied transport
    confirm_by_content: bool = False  # generic file name: a path claim needs fitting content
    projects_at: tuple[str, ...] | None = None  # route of a map keyed by project folder paths
    name_fields: tuple[NameField, ...] = ()  # fields holding env-var or secret NAMES (never secrets)
    # Fields holding shell commands the client runs (hook commands, permission rules, credential
    # helpers), in the name-field path syntax: their words are read as a shell reads them.
    shell_fields: tuple[NameField, ...] = ()
    # Fields that document a value rather than configure one (a Docker catalog entry's
    # ``example:``), in the name-field path syntax: never judged as a credential.
    doc_fields: tuple[NameField, ...] = ()
    notes: str = ""


@dataclass(frozen=True, slots=True)
class Client:
    """An MCP client and the config files it reads."""

    id: str
    name: str
    expands: tuple[str, ...]
    sources: tuple[str, ...]
    notes: str
    files: tuple[FileKind, ...]


@dataclass(frozen=True, slots=True)
class ReferenceSyntax:
    """A way of writing a reference a client may expand (``${env:X}``, ``op://...``)."""

    id: str
    pattern: re.Pattern[str]
    description: str
    example: str = ""  # a whole value the pattern matches
    non_examples: tuple[str, ...] = ()  # values the pattern finds nothing in


@dataclass(frozen=True, slots=True)
class _ProjectGlob:
    """One project glob of a kind, in claim order; ``sibling`` for a sibling-conditional glob."""

    order: int  # the kind's position in the catalogue: the last tie-breaker of a claim
    kind: FileKind
    glob: str
    specificity: int
    sibling: str | None = None


WILDCARD_NAME = ""  # index key of the globs whose file-name part has a wildcard


def _name_key(glob: str) -> str:
    name = glob.rsplit("/", 1)[-1]
    return WILDCARD_NAME if "*" in name or "?" in name else name


def any_reference_pattern(references: Iterable[ReferenceSyntax]) -> str | None:
    """One pattern that matches wherever any of the syntaxes does, or None when joining them
    could change what one of them means (a capturing group, which a backreference may count, or
    flags that differ). One search then tells that a value (a command, a package, a URL) holds no
    reference, where a search per syntax (~20) was most of reading a value's references."""
    patterns = [syntax.pattern for syntax in references]
    if not patterns or any(pattern.groups for pattern in patterns) or len({p.flags for p in patterns}) > 1:
        return None
    return "|".join(f"(?:{pattern.pattern})" for pattern in patterns)


@dataclass(frozen=True, slots=True)
class Catalogue:
    """Every client, file kind and reference syntax mcpiam knows (clients.yaml)."""

    clients: tuple[Client, ...]
    references: tuple[ReferenceSyntax, ...]
    transport_names: dict[str, str]  # type value as written -> model transport
    content_keys: tuple[str, ...]  # keys that mark a file as MCP-shaped when found by content
    server_keys: tuple[str, ...] = ()  # keys whose presence makes a mapping look like a server
    path_variables: dict[str, str] = field(default_factory=dict)  # variable -> home-relative default
    # System variable -> its path under the system root (%PROGRAMDATA% -> /ProgramData).
    system_path_variables: dict[str, str] = field(default_factory=dict)
    # Derived once: every kind in order, and the project globs by the file name they name (a
    # claim tries only the globs for its file name and the few with a wildcard name).
    _kinds: tuple[FileKind, ...] = field(init=False, repr=False, compare=False)
    _globs_by_name: dict[str, tuple[_ProjectGlob, ...]] = field(init=False, repr=False, compare=False)
    # Where any reference syntax matches (see any_reference_pattern); None: search each one.
    _any_reference: re.Pattern[str] | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        kinds = tuple(kind for client in self.clients for kind in client.files)
        by_name: dict[str, list[_ProjectGlob]] = {}
        for order, kind in enumerate(kinds):
            entries = [_ProjectGlob(order, kind, glob, specificity(glob)) for glob in kind.project]
            entries += [_ProjectGlob(order, kind, rule.glob, specificity(rule.glob), rule.sibling)
                        for rule in kind.project_if_sibling]
            for entry in entries:
                by_name.setdefault(_name_key(entry.glob), []).append(entry)
        object.__setattr__(self, "_kinds", kinds)
        object.__setattr__(self, "_globs_by_name", {name: tuple(v) for name, v in by_name.items()})
        joined = any_reference_pattern(self.references)
        object.__setattr__(self, "_any_reference", compile_ahead(joined) if joined is not None else None)

    def references_in(self, text: str) -> list[ReferenceSyntax]:
        """The reference syntaxes with a match in ``text``, in catalogue order."""
        if self._any_reference is not None and self._any_reference.search(text) is None:
            return []
        return [syntax for syntax in self.references if syntax.pattern.search(text)]

    def client(self, client_id: str) -> Client:
        for client in self.clients:
            if client.id == client_id:
                return client
        raise KeyError(client_id)

    def file_kinds(self) -> list[FileKind]:
        return list(self._kinds)

    def file_kind(self, kind_id: str) -> FileKind:
        for kind in self._kinds:
            if kind.id == kind_id:
                return kind
        raise KeyError(kind_id)

    def match_project_path(self, relative_path: str) -> list[FileKind]:
        """Every file kind whose project pattern matches this repository-relative POSIX path."""
        return [
            kind
            for kind in self._kinds
            if any(glob_match(relative_path, pattern) for pattern in kind.project)
        ]

    def claim_project_path(
        self, relative_path: str, exists: Callable[[str], bool] | None = None
    ) -> tuple[FileKind, ...]:
        """Every kind claiming a repository-relative path, primary first (rule: clients.yaml header).

        ``exists`` answers whether a repository-relative path exists; without it, sibling-conditional
        globs never match.
        """
        directory, _, name = relative_path.rpartition("/")
        best: dict[int, tuple[tuple[int, int, int], FileKind]] = {}
        for entry in (*self._globs_by_name.get(name, ()), *self._globs_by_name.get(WILDCARD_NAME, ())):
            if not glob_match(relative_path, entry.glob):
                continue
            if entry.sibling is None:
                rank = (1, -entry.specificity, entry.order)
            elif exists is not None and exists(f"{directory}/{entry.sibling}" if directory else entry.sibling):
                rank = (0, -entry.specificity, entry.order)
            else:
                continue
            if entry.order not in best or rank < best[entry.order][0]:
                best[entry.order] = (rank, entry.kind)
        return tuple(kind for _, kind in sorted(best.values(), key=lambda item: item[0]))

    def home_globs(self, kind: FileKind) -> tuple[str, ...]:
        """The kind's user paths that lie under the home directory, as home-relative globs."""
        globs: list[str] = []
        for platform in PLATFORMS:
            for path in kind.user.get(platform, ()):
                relative = home_relative(path, self.path_variables)
                if relative is not None and relative not in globs:
                    globs.append(relative)
        return tuple(globs)

    def claim_home_path(self, relative_path: str) -> tuple[FileKind, ...]:
        """Every kind whose user paths name this home-relative POSIX path, primary first."""
        ranked: list[tuple[tuple[int, int], FileKind]] = []
        for order, kind in enumerate(self.file_kinds()):
            matching = [g for g in self.home_globs(kind) if anchored_glob_match(relative_path, g)]
            if matching:
                ranked.append((min((-specificity(g), order) for g in matching), kind))
        return tuple(kind for _, kind in sorted(ranked, key=lambda item: item[0]))

    def reference(self, syntax_id: str) -> ReferenceSyntax:
        for syntax in self.references:
            if syntax.id == syntax_id:
                return syntax
        raise KeyError(syntax_id)

    def distinctive_locations(self, kind: FileKind) -> tuple[ServerLocation, ...]:
        """The kind's server locations that no other client uses in the same format family.

        Only through these may a kind claim a file by content: an ``mcpServers`` map names no one
        client, a ``context_servers`` map names Zed.
        """
        users: dict[tuple[tuple[str, ...], str, str], set[str]] = {}
        for other in self.file_kinds():
            if other.client == UNKNOWN_CLIENT_ID:
                continue
            for location in other.servers:
                key = (location.at, location.shape, format_family(other.format))
                users.setdefault(key, set()).add(other.client)
        family = format_family(kind.format)
        return tuple(
            location
            for location in kind.servers
            if users.get((location.at, location.shape, family), set()) == {kind.client}
        )


def format_family(fmt: str) -> str:
    """Formats that parse to the same shapes share a family (json and jsonc)."""
    return FORMAT_FAMILIES.get(fmt, fmt)


def union_expands(kinds: Iterable[FileKind]) -> tuple[str, ...]:
    """Every reference syntax any of these kinds expands, in rank order (a claimed file's expands)."""
    merged: list[str] = []
    for kind in kinds:
        for syntax in kind.expands:
            if syntax not in merged:
                merged.append(syntax)
    return tuple(merged)


def union_name_fields(kinds: Iterable[FileKind]) -> tuple[NameField, ...]:
    """Every name field any of these kinds declares, in rank order (a claimed file's name fields)."""
    merged: list[NameField] = []
    for kind in kinds:
        for name_field in kind.name_fields:
            if name_field not in merged:
                merged.append(name_field)
    return tuple(merged)


def union_doc_fields(kinds: Iterable[FileKind]) -> tuple[NameField, ...]:
    """Every documentation field any of these kinds declares (a claimed file's doc fields)."""
    return tuple(dict.fromkeys(doc_field for kind in kinds for doc_field in kind.doc_fields))


def union_shell_fields(kinds: Iterable[FileKind]) -> tuple[NameField, ...]:
    """Every shell field any of these kinds declares, in rank order (a claimed file's shell fields)."""
    merged: list[NameField] = []
    for kind in kinds:
        for shell_field in kind.shell_fields:
            if shell_field not in merged:
                merged.append(shell_field)
    return tuple(merged)


def specificity(pattern: str) -> int:
    """How specific a glob is: directory depth first, then literal characters."""
    literal = len(pattern.replace("**/", "").replace("*", "").replace("?", ""))
    return literal + 100 * pattern.count("/")


def home_relative(path: str, variables: dict[str, str]) -> str | None:
    """A user path as a glob relative to the home directory, or None when it is not under home."""
    for variable, default in variables.items():
        if path == variable or path.startswith(variable + "/"):
            path = default + path[len(variable):]
            break
    if path.startswith("~/"):
        return path[2:]
    return None


def _tuple(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(str(v) for v in value)


def _fields(defaults: dict[str, Any], override: dict[str, Any] | None) -> FieldNames:
    merged = dict(defaults)
    merged.update(override or {})
    return FieldNames(**{name: _tuple(merged.get(name)) for name in FieldNames.__slots__})


def _expands(value: Any, every: tuple[str, ...]) -> tuple[str, ...]:
    names = _tuple(value)
    return every if EVERY_SYNTAX in names else names


def _name_field_paths(raw_client: dict[str, Any], raw_file: dict[str, Any]) -> tuple[str, ...]:
    """A kind's name field paths: its client's, then its own (``*`` kept for later resolution)."""
    paths: list[str] = []
    for path in (*_tuple(raw_client.get("name_fields")), *_tuple(raw_file.get("name_fields"))):
        if path not in paths:
            paths.append(path)
    return tuple(paths)


def _every_name_field(data: dict[str, Any]) -> tuple[NameField, ...]:
    """Every name field any client or kind declares, in catalogue order (what ``*`` stands for)."""
    paths: list[str] = []
    for raw in data["clients"]:
        for raw_file in raw.get("files", []):
            for path in _name_field_paths(raw, raw_file):
                if path != EVERY_NAME_FIELD and path not in paths:
                    paths.append(path)
    return tuple(NameField.parse(path) for path in paths)


def _name_fields(paths: tuple[str, ...], every: tuple[NameField, ...]) -> tuple[NameField, ...]:
    if EVERY_NAME_FIELD in paths:
        return every
    return tuple(NameField.parse(path) for path in paths)


def build_catalogue(data: dict[str, Any]) -> Catalogue:
    defaults = data["defaults"]
    default_fields = defaults["fields"]
    default_url_transports = dict(defaults.get("url_transports") or {})
    references = tuple(
        ReferenceSyntax(
            id=r["id"],
            pattern=compile_ahead(r["pattern"]),
            description=r["description"],
            example=str(r.get("example", "")),
            non_examples=_tuple(r.get("non_examples")),
        )
        for r in data["references"]
    )
    every = tuple(r.id for r in references)
    every_name_field = _every_name_field(data)
    clients = []
    for raw in data["clients"]:
        client_expands = _expands(raw.get("expands"), every)
        client_fields = raw.get("fields")
        client_url_transports = {**default_url_transports, **(raw.get("url_transports") or {})}
        files = []
        for raw_file in raw.get("files", []):
            fields_override = dict(client_fields or {})
            fields_override.update(raw_file.get("fields") or {})
            files.append(
                FileKind(
                    id=raw_file["id"],
                    client=raw["id"],
                    scope=raw_file["scope"],
                    format=raw_file["format"],
                    project=_tuple(raw_file.get("project")),
                    user={p: _tuple((raw_file.get("user") or {}).get(p)) for p in PLATFORMS},
                    servers=tuple(
                        ServerLocation(
                            at=_tuple(loc.get("at")),
                            shape=loc["shape"],
                            only_server_like=bool(loc.get("only_server_like", False)),
                        )
                        for loc in raw_file.get("servers", [])
                    ),
                    expands=(
                        _expands(raw_file["expands"], every) if "expands" in raw_file else client_expands
                    ),
                    fields=_fields(default_fields, fields_override),
                    secret_store=bool(raw_file.get("secret_store", False)),
                    content_match=bool(raw_file.get("content_match", True)),
                    project_if_sibling=tuple(
                        SiblingGlob(glob=str(rule["glob"]), sibling=str(rule["sibling"]))
                        for rule in raw_file.get("project_if_sibling", [])
                    ),
                    url_transports={
                        **client_url_transports,
                        **(raw_file.get("url_transports") or {}),
                    },
                    confirm_by_content=bool(raw_file.get("confirm_by_content", False)),
                    projects_at=(
                        _tuple(raw_file["projects_at"]) if "projects_at" in raw_file else None
                    ),
                    name_fields=_name_fields(_name_field_paths(raw, raw_file), every_name_field),
                    shell_fields=tuple(
                        NameField.parse(path)
                        for path in dict.fromkeys((*_tuple(raw.get("shell_fields")),
                                                   *_tuple(raw_file.get("shell_fields"))))
                    ),
                    doc_fields=tuple(
                        NameField.parse(path)
                        for path in dict.fromkeys((*_tuple(raw.get("doc_fields")),
                                                   *_tuple(raw_file.get("doc_fields"))))
                    ),
                    notes=str(raw_file.get("notes", "")).strip(),
                )
            )
        clients.append(
            Client(
                id=raw["id"],
                name=raw["name"],
                expands=client_expands,
                sources=_tuple(raw.get("sources")),
                notes=str(raw.get("notes", "")).strip(),
                files=tuple(files),
            )
        )
    return Catalogue(
        clients=tuple(clients),
        references=references,
        transport_names={str(k): str(v) for k, v in data["transports"].items()},
        content_keys=_tuple(data["content_keys"]),
        server_keys=_tuple(data.get("server_keys")),
        path_variables={str(k): str(v) for k, v in (data.get("path_variables") or {}).items()},
        system_path_variables={
            str(k): str(v) for k, v in (data.get("system_path_variables") or {}).items()
        },
    )


def _data_bytes(name: str) -> bytes | None:
    """A data file beside this module (None when absent); importlib.resources (slow to import)
    only for a package that does not live in plain files (a zip)."""
    path = Path(__file__).with_name(name)
    if path.is_file():
        return path.read_bytes()
    from importlib import resources

    resource = resources.files(__package__).joinpath(name)
    return resource.read_bytes() if resource.is_file() else None


def _required_data(name: str) -> bytes:
    content = _data_bytes(name)
    if content is None:
        raise FileNotFoundError(name)
    return content


CATALOGUE_FILE = "clients.yaml"
SNAPSHOT_FILE = "clients.snapshot.json"  # written by generate-snapshots (scanner/snapshot.py)
SNAPSHOT_PATH = Path(__file__).with_name(SNAPSHOT_FILE)


def catalogue_digest(source: bytes) -> str:
    return sources_digest([(CATALOGUE_FILE, source)])


def parse_raw(source: bytes) -> dict[str, Any]:
    """clients.yaml as data, parsed from its YAML."""
    import yaml

    return yaml.load(source, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # libyaml: 10x faster


def snapshot_of_catalogue() -> str:
    """The snapshot of clients.yaml as it is now (``generate-snapshots`` writes it)."""
    source = _required_data(CATALOGUE_FILE)
    return snapshot_text(catalogue_digest(source), parse_raw(source))


def load_raw() -> dict[str, Any]:
    """clients.yaml as data: from its snapshot when that is current, else parsed."""
    source = _required_data(CATALOGUE_FILE)
    data = snapshot_data(_data_bytes(SNAPSHOT_FILE), catalogue_digest(source))
    return data if isinstance(data, dict) else parse_raw(source)


def load_schema() -> dict[str, Any]:
    """The JSON Schema (2020-12) that clients.yaml follows."""
    return json.loads(_required_data("catalogue.schema.json"))


@lru_cache(maxsize=1)
def default_catalogue() -> Catalogue:
    """The shipped catalogue (immutable, so caching it is not shared mutable state)."""
    return build_catalogue(load_raw())
