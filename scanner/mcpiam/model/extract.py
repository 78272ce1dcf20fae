"""Servers out of a parsed config file, read where the catalogue says its file kind keeps them.

Shape rules live here (a name map, a list of named objects, a flat map, and the server-side
manifests: registry ``server.json``, MCPB ``manifest.json``, ``smithery.yaml``, Docker catalog
entries); which keys hold what for which client is catalogue data. Every value keeps its exact
route from the document root and its parsed node (hence its span). Anything shaped unexpectedly
(a server that is a string, null, a list, a number) is skipped, never raised on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence as SequenceOf
from mcpiam.core.valuetype import dataclass

from mcpiam.catalogue import (
    UNKNOWN_CLIENT_ID,
    UNKNOWN_KIND_ID,
    Catalogue,
    FileKind,
    ServerLocation,
    format_family,
)
from mcpiam.core.document import Document, Mapping, Node, Route, Scalar, Sequence, Span
from mcpiam.model.servers import NamedValue, Scope, Server, Transport, Value

WILDCARD = "*"
# Zed's legacy {"command": {"path", "args", "env"}} form: keys of the inner command object.
COMMAND_OBJECT_PATH = ("path", "command")
COMMAND_OBJECT_ARGS = ("args",)
COMMAND_OBJECT_ENV = ("env",)
# A list of named inputs (registry KeyValueInput, Docker catalog env) keeps its value under one of these.
INPUT_VALUE_KEYS = ("value", "default", "example")
WEBSOCKET_SCHEMES = ("ws", "wss")


# --- located field lookup ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Found:
    """A field found in a server object: which name matched, where, and the node."""

    name: str
    route: Route
    node: Node


def _present(node: Node | None) -> bool:
    return node is not None and not (isinstance(node, Scalar) and node.value is None)


def resolve_field(obj: Mapping, names: SequenceOf[str], route: Route) -> Found | None:
    """The first of ``names`` present in ``obj`` (null values count as absent).

    A name is tried as a literal key first ("amp.mcpServers"); failing that, a dotted name is a
    nested path ("requestInit.headers").
    """
    for name in names:
        entry = obj.entry(name)
        if entry is not None and _present(entry.value):
            return Found(name, route + (name,), entry.value)
        if "." not in name:
            continue
        current: Node = obj
        here = route
        for part in name.split("."):
            inner = current.entry(part) if isinstance(current, Mapping) else None
            if inner is None:
                break
            current = inner.value
            here = here + (part,)
        else:
            if _present(current):
                return Found(name, here, current)
    return None


def _scalar_text(node: Node | None) -> str | None:
    """A scalar's value as text (not booleans or null)."""
    if isinstance(node, Scalar) and node.value is not None and not isinstance(node.value, bool):
        text = str(node.value)
        return text if text.strip() else None
    return None


def _scalar_field(obj: Mapping, names: SequenceOf[str], route: Route) -> Found | None:
    """A field that only counts when it is a scalar (a URL, a type)."""
    found = resolve_field(obj, names, route)
    return found if found is not None and isinstance(found.node, Scalar) else None


def _value(found: Found | None) -> Value | None:
    return Value(found.route, found.node) if found is not None else None


def _text(found: Found | None) -> str | None:
    return _scalar_text(found.node) if found is not None else None


def _own_name(obj: Mapping) -> tuple[str, Span] | None:
    """A manifest's own "name" value and its span, when it has one."""
    node = obj.get("name")
    text = _scalar_text(node)
    return (text, node.span) if text is not None and node is not None else None


def _values(found: Found) -> tuple[Value, ...]:
    """A list's items (or a lone scalar) as located values."""
    if isinstance(found.node, Sequence):
        return tuple(Value(found.route + (i,), item) for i, item in enumerate(found.node.items))
    if isinstance(found.node, Scalar):
        return (Value(found.route, found.node),)
    return ()


def _split_pair(text: str) -> str | None:
    """The name of a "Name: value" / "NAME=value" string, or None."""
    for index, char in enumerate(text):
        if char in ":=":
            name = text[:index].strip()
            return name if name and " " not in name else None
    return None


def named_values(found: Found | None) -> tuple[NamedValue, ...]:
    """Env variables or headers: a map, a list of {name, value} inputs, or "K: V" / "K=V" strings."""
    if found is None:
        return ()
    node = found.node
    if isinstance(node, Mapping):
        return tuple(
            NamedValue(entry.key, entry.key_span, Value(found.route + (entry.key,), entry.value))
            for entry in node.entries
        )
    if not isinstance(node, Sequence):
        return ()
    named: list[NamedValue] = []
    for index, item in enumerate(node.items):
        here = found.route + (index,)
        if isinstance(item, Mapping):
            name_node = item.get("name")
            name = _scalar_text(name_node)
            if name is None or name_node is None:
                continue
            located = _value(resolve_field(item, INPUT_VALUE_KEYS, here)) or Value(here, item)
            named.append(NamedValue(name, name_node.span, located))
        elif isinstance(item, Scalar) and isinstance(item.value, str):
            name = _split_pair(item.value)
            if name is not None:
                named.append(NamedValue(name, item.span, Value(here, item)))
    return tuple(named)


# --- one server object --------------------------------------------------------------------------


def _transport_named(text: str, catalogue: Catalogue) -> Transport | None:
    name = catalogue.transport_names.get(text)
    if name is None:
        lowered = {key.lower(): value for key, value in catalogue.transport_names.items()}
        name = lowered.get(text.lower())
    return Transport(name) if name is not None else None


def infer_transport(
    type_text: str | None, url: Found | None, has_command: bool, kind: FileKind, catalogue: Catalogue
) -> Transport:
    """The written type when known; else the URL (scheme, then the key holding it); else the command."""
    if type_text is not None:
        named = _transport_named(type_text, catalogue)
        if named is not None:
            return named
    if url is not None:
        text = _scalar_text(url.node) or ""
        scheme, separator, _ = text.partition("://")
        if separator and scheme.lower() in WEBSOCKET_SCHEMES:
            return Transport.WEBSOCKET
        implied = kind.url_transports.get(url.name)
        return Transport(implied) if implied is not None else Transport.HTTP
    return Transport.STDIO if has_command else Transport.UNKNOWN


def build_server(
    name: str, name_span: Span, route: Route, obj: Mapping, kind: FileKind, catalogue: Catalogue
) -> Server:
    """One server from its object, reading each model field from the keys the kind names."""
    fields = kind.fields
    command: Value | None = None
    args: list[Value] = []
    env: list[NamedValue] = []

    found_command = resolve_field(obj, fields.command, route)
    if found_command is not None:
        node = found_command.node
        if isinstance(node, Scalar):
            command = Value(found_command.route, node)
        elif isinstance(node, Sequence):  # ["npx", "-y", "pkg"]: executable first (OpenCode)
            items = _values(found_command)
            command, args = (items[0], list(items[1:])) if items else (None, [])
        elif isinstance(node, Mapping):  # {"path", "args", "env"} (Zed legacy)
            command = _value(_scalar_field(node, COMMAND_OBJECT_PATH, found_command.route))
            inner_args = resolve_field(node, COMMAND_OBJECT_ARGS, found_command.route)
            if inner_args is not None:
                args.extend(_values(inner_args))
            env.extend(named_values(resolve_field(node, COMMAND_OBJECT_ENV, found_command.route)))

    found_args = resolve_field(obj, fields.args, route)
    if found_args is not None:
        args.extend(_values(found_args))
    env.extend(named_values(resolve_field(obj, fields.env, route)))

    found_url = _scalar_field(obj, fields.url, route)
    type_text = _text(resolve_field(obj, fields.transport, route))

    return Server(
        name=name,
        name_span=name_span,
        route=route,
        client=kind.client,
        scope=_scope(kind),
        transport=infer_transport(type_text, found_url, command is not None, kind, catalogue),
        command=command,
        args=tuple(args),
        env=tuple(env),
        url=_value(found_url),
        headers=named_values(resolve_field(obj, fields.headers, route)),
        auth=_value(resolve_field(obj, fields.auth, route)),
        env_file=_value(_scalar_field(obj, fields.env_file, route)) if fields.env_file else None,
        body=obj,
    )


def _scope(kind: FileKind) -> Scope:
    try:
        return Scope(kind.scope)
    except ValueError:
        return Scope.UNKNOWN


def looks_like_server(node: Node | None, kind: FileKind, catalogue: Catalogue) -> bool:
    """A mapping with a command or URL key (catalogue-wide keys, or the kind's own field names)."""
    if not isinstance(node, Mapping):
        return False
    if any(node.entry(key) is not None for key in catalogue.server_keys):
        return True
    return any(resolve_field(node, names, ()) for names in (kind.fields.command, kind.fields.url))


# --- containers and shapes ----------------------------------------------------------------------


def containers(root: Node, at: tuple[str, ...]) -> Iterator[tuple[Route, Node]]:
    """Every node a location pattern names; "*" steps over every key (or index)."""
    frontier: list[tuple[Route, Node]] = [((), root)]
    for step in at:
        following: list[tuple[Route, Node]] = []
        for route, node in frontier:
            if isinstance(node, Mapping):
                if step == WILDCARD:
                    following.extend((route + (e.key,), e.value) for e in node.entries)
                else:
                    entry = node.entry(step)
                    if entry is not None:
                        following.append((route + (step,), entry.value))
            elif isinstance(node, Sequence) and step == WILDCARD:
                following.extend((route + (i,), item) for i, item in enumerate(node.items))
        frontier = following
    yield from frontier


def _map_shape(
    route: Route, node: Node, kind: FileKind, catalogue: Catalogue, only_server_like: bool
) -> Iterator[Server]:
    if not isinstance(node, Mapping):
        return
    for entry in node.entries:
        value = entry.value
        if not isinstance(value, Mapping):  # TODO(rules): report non-object server entries
            continue
        if only_server_like and not looks_like_server(value, kind, catalogue):
            continue
        yield build_server(entry.key, entry.key_span, route + (entry.key,), value, kind, catalogue)


def _list_item_name(item: Mapping, kind: FileKind, here: Route) -> Found | None:
    found = resolve_field(item, kind.fields.name, here)
    if found is not None and _scalar_text(found.node) is not None:
        return found
    return None


def _is_server_object(item: Mapping, kind: FileKind, catalogue: Catalogue) -> bool:
    """An unnamed list item that is itself a server (it holds a command, URL or type)."""
    if looks_like_server(item, kind, catalogue):
        return True
    return resolve_field(item, kind.fields.transport, ()) is not None


def _list_shape(
    route: Route, node: Node, kind: FileKind, catalogue: Catalogue, only_server_like: bool
) -> Iterator[Server]:
    if not isinstance(node, Sequence):
        return
    label = str(route[-1]) if route else "servers"
    for index, item in enumerate(node.items):
        here = route + (index,)
        if isinstance(item, Scalar):
            # A bare name refers to a server configured elsewhere (Claude Code subagents).
            name = item.value.strip() if isinstance(item.value, str) else ""
            if not name or only_server_like:
                continue
            yield Server(
                name=name,
                name_span=item.span,
                route=here,
                client=kind.client,
                scope=_scope(kind),
                transport=Transport.UNKNOWN,
                body=item,
                reference_only=True,
            )
            continue
        if not isinstance(item, Mapping):
            continue
        named = _list_item_name(item, kind, here)
        if named is not None:
            server_name, name_span, server_route, obj = (
                _scalar_text(named.node) or "", named.node.span, here, item
            )
        elif _is_server_object(item, kind, catalogue):  # unnamed (Continue legacy config.json)
            server_name, name_span, server_route, obj = f"{label}[{index}]", item.span, here, item
        elif len(item.entries) == 1 and isinstance(item.entries[0].value, Mapping):
            # {"playwright": {...}}: a single key naming an inline definition (subagents).
            entry = item.entries[0]
            server_name, name_span, server_route = entry.key, entry.key_span, here + (entry.key,)
            obj = entry.value
        else:
            continue
        if only_server_like and not looks_like_server(obj, kind, catalogue):
            continue
        yield build_server(server_name, name_span, server_route, obj, kind, catalogue)


def _flat_shape(
    route: Route, node: Node, kind: FileKind, catalogue: Catalogue, only_server_like: bool
) -> Iterator[Server]:
    yield from _map_shape(route, node, kind, catalogue, only_server_like=True)


# Registry server.json field names, camelCase (2025-09 onwards) then snake_case (2025-07-09).
REGISTRY_PACKAGES = ("packages",)
REGISTRY_REMOTES = ("remotes",)
REGISTRY_IDENTIFIER = ("identifier",)
REGISTRY_RUNTIME_HINT = ("runtimeHint", "runtime_hint")
REGISTRY_RUNTIME_ARGS = ("runtimeArguments", "runtime_arguments")
REGISTRY_PACKAGE_ARGS = ("packageArguments", "package_arguments")
REGISTRY_ENV = ("environmentVariables", "environment_variables")
REGISTRY_ARGUMENT_VALUE = ("value", "default")


def _registry_arguments(found: Found | None) -> list[Value]:
    """Argument values as a client would put them on the command line: a flag name, then its value."""
    if found is None or not isinstance(found.node, Sequence):
        return []
    values: list[Value] = []
    for index, item in enumerate(found.node.items):
        here = found.route + (index,)
        if isinstance(item, Scalar):
            values.append(Value(here, item))
            continue
        if not isinstance(item, Mapping):
            continue
        if _scalar_text(item.get("type")) == "named":
            flag = resolve_field(item, ("name",), here)
            if flag is not None:
                values.append(Value(flag.route, flag.node))
        value = resolve_field(item, REGISTRY_ARGUMENT_VALUE, here)
        if value is not None:
            values.append(Value(value.route, value.node))
    return values


@dataclass(frozen=True, slots=True)
class _Launch:
    """How a registry package is started: runtime hint, command-line values and environment."""

    command: Value | None = None
    args: tuple[Value, ...] = ()
    env: tuple[NamedValue, ...] = ()


def _registry_server(
    base: str | None, label: Found | None, obj: Mapping, route: Route, transport: Found | None,
    launch: _Launch, kind: FileKind, catalogue: Catalogue,
) -> Server:
    """One registry server named "<server name> (<identifier or URL>)"."""
    label_text = _text(label)
    name = f"{base} ({label_text})" if base and label_text else (base or label_text or "server")
    found_url = found_headers = found_type = None
    if transport is not None and isinstance(transport.node, Mapping):
        found_url = _scalar_field(transport.node, ("url",), transport.route)
        found_headers = resolve_field(transport.node, ("headers",), transport.route)
        found_type = resolve_field(transport.node, ("type",), transport.route)
    elif transport is not None and isinstance(transport.node, Scalar):  # early drafts: a bare type
        found_type = transport
    type_text = _text(found_type)
    has_command = launch.command is not None or bool(launch.args)
    return Server(
        name=name,
        name_span=label.node.span if label else obj.span,
        route=route,
        client=kind.client,
        scope=_scope(kind),
        transport=infer_transport(type_text, found_url, has_command, kind, catalogue),
        command=launch.command,
        args=launch.args,
        env=launch.env,
        url=_value(found_url),
        headers=named_values(found_headers),
        body=obj,
    )


def _registry_shape(
    route: Route, node: Node, kind: FileKind, catalogue: Catalogue, only_server_like: bool
) -> Iterator[Server]:
    """One server per packages[] entry and per remotes[] entry of a registry server.json."""
    if not isinstance(node, Mapping):
        return
    base = _scalar_text(node.get("name"))
    packages = resolve_field(node, REGISTRY_PACKAGES, route)
    if packages is not None and isinstance(packages.node, Sequence):
        for index, package in enumerate(packages.node.items):
            here = packages.route + (index,)
            if not isinstance(package, Mapping):
                continue
            identifier = resolve_field(package, REGISTRY_IDENTIFIER, here)
            hint = _scalar_field(package, REGISTRY_RUNTIME_HINT, here)
            # As a client builds the command line: runtime arguments, the package, its arguments.
            args = _registry_arguments(resolve_field(package, REGISTRY_RUNTIME_ARGS, here))
            if identifier is not None and isinstance(identifier.node, Scalar):
                args.append(Value(identifier.route, identifier.node))
            args += _registry_arguments(resolve_field(package, REGISTRY_PACKAGE_ARGS, here))
            launch = _Launch(
                command=_value(hint),
                args=tuple(args),
                env=named_values(resolve_field(package, REGISTRY_ENV, here)),
            )
            transport = resolve_field(package, ("transport",), here)
            yield _registry_server(base, identifier, package, here, transport, launch, kind, catalogue)
    remotes = resolve_field(node, REGISTRY_REMOTES, route)
    if remotes is not None and isinstance(remotes.node, Sequence):
        for index, remote in enumerate(remotes.node.items):
            here = remotes.route + (index,)
            if isinstance(remote, Mapping):
                url = resolve_field(remote, ("url",), here)
                itself = Found("", here, remote)  # a remote is its own transport object
                yield _registry_server(base, url, remote, here, itself, _Launch(), kind, catalogue)


def _mcpb_shape(
    route: Route, node: Node, kind: FileKind, catalogue: Catalogue, only_server_like: bool
) -> Iterator[Server]:
    """The one server of an MCPB / DXT manifest: server.mcp_config, named after the manifest."""
    if not isinstance(node, Mapping):
        return
    server = node.get("server")
    config_entry = server.entry("mcp_config") if isinstance(server, Mapping) else None
    if config_entry is None or not isinstance(config_entry.value, Mapping):
        return
    name, name_span = _own_name(node) or (config_entry.key, config_entry.key_span)
    config_route = route + ("server", "mcp_config")
    yield build_server(name, name_span, config_route, config_entry.value, kind, catalogue)


def _smithery_shape(
    route: Route, node: Node, kind: FileKind, catalogue: Catalogue, only_server_like: bool
) -> Iterator[Server]:
    """smithery.yaml: one server from startCommand; its commandFunction is JavaScript, not run."""
    if not isinstance(node, Mapping):
        return
    entry = node.entry("startCommand")
    if entry is None or not isinstance(entry.value, Mapping):
        return
    start = entry.value
    here = route + ("startCommand",)
    found_url = _scalar_field(start, ("url",), here)
    name, name_span = _own_name(node) or (entry.key, entry.key_span)
    yield Server(
        name=name,
        name_span=name_span,
        route=here,
        client=kind.client,
        scope=_scope(kind),
        transport=infer_transport(_text(resolve_field(start, ("type",), here)), found_url, False, kind, catalogue),
        url=_value(found_url),
        body=start,  # configSchema, commandFunction and exampleConfig stay readable here
    )


def _docker_env(config: Found | None) -> list[NamedValue]:
    """config.secrets[] ({name, env, example}) and config.env[] ({name, value|example})."""
    if config is None or not isinstance(config.node, Mapping):
        return []
    env: list[NamedValue] = []
    secrets = resolve_field(config.node, ("secrets",), config.route)
    if secrets is not None and isinstance(secrets.node, Sequence):
        for index, item in enumerate(secrets.node.items):
            here = secrets.route + (index,)
            if not isinstance(item, Mapping):
                continue
            variable = resolve_field(item, ("env",), here)
            if variable is None or _scalar_text(variable.node) is None:
                continue
            value = _value(resolve_field(item, ("example",), here)) or Value(here, item)
            env.append(NamedValue(_scalar_text(variable.node) or "", variable.node.span, value))
    env.extend(named_values(resolve_field(config.node, ("env",), config.route)))
    return env


def _docker_catalog_shape(
    route: Route, node: Node, kind: FileKind, catalogue: Catalogue, only_server_like: bool
) -> Iterator[Server]:
    """A Docker MCP catalog entry: one server run as ``docker run <image>`` (or a remote)."""
    if not isinstance(node, Mapping):
        return
    image = resolve_field(node, ("image",), route)
    remote = resolve_field(node, ("remote",), route)
    if image is None and remote is None:
        return
    command: Value | None = None
    args: list[Value] = []
    if image is not None and isinstance(image.node, Scalar):
        # The entry names no executable: the gateway runs the image with docker. The command is
        # reported at the image's own position (its span is the image node's, not computed).
        command = Value(image.route, Scalar("docker", image.node.span))
        args.append(Value(image.route, image.node))
    run = resolve_field(node, ("run",), route)
    if run is not None and isinstance(run.node, Mapping):
        run_command = resolve_field(run.node, ("command",), run.route)
        args.extend(_values(run_command) if run_command else ())
    found_url = found_headers = found_type = None
    if remote is not None and isinstance(remote.node, Mapping):
        found_url = _scalar_field(remote.node, ("url",), remote.route)
        found_headers = resolve_field(remote.node, ("headers",), remote.route)
        found_type = resolve_field(remote.node, ("transport_type", "type"), remote.route)
    # In a catalog's registry map the entry is keyed by its name.
    name, name_span = _own_name(node) or (str(route[-1]) if route else "server", node.span)
    yield Server(
        name=name,
        name_span=name_span,
        route=route,
        client=kind.client,
        scope=_scope(kind),
        transport=infer_transport(_text(found_type), found_url, command is not None, kind, catalogue),
        command=command,
        args=tuple(args),
        env=tuple(_docker_env(resolve_field(node, ("config",), route))),
        url=_value(found_url),
        headers=named_values(found_headers),
        auth=_value(resolve_field(node, ("oauth",), route)),
        body=node,
    )


# --- servers recognised by shape alone (a file with an unknown name) ----------------------------

# Keys that mark a mapping as something else that also runs a command: a Compose service or a
# Kubernetes container (image, build...), a CI job or step, an editor task or launch configuration,
# a process manager's app, an HTTP request template. A mapping holding one is never a server here.
FOREIGN_KEYS = frozenset({
    "image", "build", "ports", "volumes", "depends_on", "entrypoint", "restart", "healthcheck",
    "container_name", "imagePullPolicy", "volumeMounts", "resources", "livenessProbe",
    "steps", "runs-on", "uses", "with", "script", "stage", "before_script",
    "label", "problemMatcher", "group", "presentation", "dependsOn", "request", "program",
    "runtimeExecutable", "exec", "exec_mode", "instances", "method", "body",
    "filetypes", "rootPatterns", "initializationOptions",  # language servers (coc.nvim and the like)
})
_URL_SCHEMES = ("http://", "https://", "ws://", "wss://")


def _scalars(node: Node | None) -> bool:
    return isinstance(node, Sequence) and all(isinstance(item, Scalar) for item in node.items)


def _named_scalars(node: Node | None) -> bool:
    return isinstance(node, Mapping) and all(isinstance(entry.value, Scalar) for entry in node.entries)


def strictly_a_server(node: Node | None, kind: FileKind, catalogue: Catalogue) -> bool:
    """A mapping shaped like one MCP server and like nothing else that runs a command: a command
    string with an args list or an env map, a command list or a URL with an MCP transport type, or
    an http(s)/ws(s) URL with headers; a ``type`` that is no MCP transport (a task's ``shell``, a
    hook's ``command``, a launch's ``node``), a key in ``FOREIGN_KEYS``, a null field or an env
    that is a list (a Kubernetes container's) rules it out."""
    if not isinstance(node, Mapping) or not node.entries:
        return False
    if any(isinstance(entry.key, str) and entry.key in FOREIGN_KEYS for entry in node.entries):
        return False
    fields = kind.fields
    # A listing or report of servers writes absent fields as null and env or headers as name
    # lists; a config omits them and maps names to values.
    written = {name for names in (fields.command, fields.url, fields.args, fields.env, fields.headers)
               for name in names}
    if any(entry.key in written and not _present(entry.value) for entry in node.entries):
        return False
    for names in (fields.env, fields.headers):
        found = resolve_field(node, names, ())
        if found is not None and not isinstance(found.node, Mapping):
            return False
    type_text = _text(resolve_field(node, fields.transport, ()))  # None too for a transport object
    if type_text is not None and _transport_named(type_text, catalogue) is None:
        return False
    typed = type_text is not None
    command = resolve_field(node, fields.command, ())
    if command is not None:
        if isinstance(command.node, Scalar):
            text = _scalar_text(command.node)
            if not text or not text.strip():
                return False
            args, env = resolve_field(node, fields.args, ()), resolve_field(node, fields.env, ())
            return typed or (args is not None and _scalars(args.node)) or (
                env is not None and _named_scalars(env.node))
        return typed and _scalars(command.node) and bool(command.node.items)  # ["npx", "pkg"] (OpenCode)
    url = _scalar_field(node, fields.url, ())
    text = _text(url) or ""
    if not text.lower().startswith(_URL_SCHEMES):
        return False
    headers = resolve_field(node, fields.headers, ())
    return typed or (headers is not None and _named_scalars(headers.node))


def _single_shape(
    route: Route, node: Node, kind: FileKind, catalogue: Catalogue, only_server_like: bool
) -> Iterator[Server]:
    """A file that is one server (``mcp.config.json``: command, args and env at its root), named by
    its own ``name`` when it has one."""
    if not isinstance(node, Mapping) or not strictly_a_server(node, kind, catalogue):
        return
    name, name_span = _own_name(node) or ("server", node.entries[0].key_span)
    yield build_server(name, name_span, route, node, kind, catalogue)


# Words in a key that say its servers are language servers (coc.nvim, Helix, editor "lsp" blocks):
# their entries have exactly an MCP stdio server's shape.
_LANGUAGE_SERVER_WORDS = ("lsp", "language")


def _names_mcp(route: Route, catalogue: Catalogue) -> bool:
    steps = [step.lower() for step in route if isinstance(step, str)]
    if any(word in step for step in steps for word in _LANGUAGE_SERVER_WORDS):
        return False
    content_keys = {key.lower() for key in catalogue.content_keys}
    return any("mcp" in step or step in content_keys for step in steps)


def _hub_shape(
    route: Route, node: Node, kind: FileKind, catalogue: Catalogue, only_server_like: bool
) -> Iterator[Server]:
    """Servers listed under some other key (a "hub" file: ``hub: {servers: ...}``,
    ``toolhive: {mcpServers: ...}``): taken when a key on the way names MCP or is a content key
    and every entry is strictly a server (a language-server map has the same shape but no such key)."""
    if not _names_mcp(route, catalogue):
        return
    if isinstance(node, Mapping) and node.entries:
        if all(strictly_a_server(entry.value, kind, catalogue) for entry in node.entries):
            yield from _map_shape(route, node, kind, catalogue, only_server_like=True)
    elif isinstance(node, Sequence) and node.items:
        if all(isinstance(item, Mapping) and _list_item_name(item, kind, ()) is not None
               and strictly_a_server(item, kind, catalogue) for item in node.items):
            yield from _list_shape(route, node, kind, catalogue, only_server_like=True)


ShapeReader = Callable[[Route, Node, FileKind, Catalogue, bool], Iterator[Server]]

SHAPES: dict[str, ShapeReader] = {
    "map": _map_shape,
    "list": _list_shape,
    "flat": _flat_shape,
    "registry": _registry_shape,
    "mcpb": _mcpb_shape,
    "smithery": _smithery_shape,
    "docker-catalog": _docker_catalog_shape,
    "single": _single_shape,
    "hub": _hub_shape,
}


# --- server-side manifests recognised by shape --------------------------------------------------


def _is_registry(node: Node) -> bool:
    if not isinstance(node, Mapping):
        return False
    if not any(isinstance(node.get(key), Sequence) for key in REGISTRY_PACKAGES + REGISTRY_REMOTES):
        return False
    schema = _scalar_text(node.get("$schema")) or ""
    return "server.schema" in schema or "/" in (_scalar_text(node.get("name")) or "")


def _is_mcpb(node: Node) -> bool:
    if not isinstance(node, Mapping):
        return False
    if node.get("manifest_version") is None and node.get("dxt_version") is None:
        return False
    server = node.get("server")
    return isinstance(server, Mapping) and isinstance(server.get("mcp_config"), Mapping)


def _is_smithery(node: Node) -> bool:
    return isinstance(node, Mapping) and isinstance(node.get("startCommand"), Mapping)


def _is_docker_catalog(node: Node) -> bool:
    """A docker/mcp-registry ``server.yaml``: an image run by the gateway, or ``type: remote``
    with a ``remote`` URL (the registry's remote entries name no image)."""
    if not isinstance(node, Mapping):
        return False
    remote = node.get("remote")
    if _scalar_text(node.get("type")) == "remote" and isinstance(remote, Mapping):
        return _scalar_text(remote.get("url")) is not None
    if _scalar_text(node.get("image")) is None:
        return False
    config = node.get("config")
    has_secrets = isinstance(config, Mapping) and config.get("secrets") is not None
    return has_secrets or isinstance(node.get("run"), Mapping)


# Shapes that judge a whole file by its form, not by a wrapper key: the unknown client may claim
# a file through them alone.
BY_SHAPE = frozenset({"flat", "single", "hub"})

SERVER_SIDE_SHAPES: dict[str, Callable[[Node], bool]] = {
    "registry": _is_registry,
    "mcpb": _is_mcpb,
    "smithery": _is_smithery,
    "docker-catalog": _is_docker_catalog,
}


# --- public entry points ------------------------------------------------------------------------


def servers_at(
    root: Node, location: ServerLocation, kind: FileKind, catalogue: Catalogue
) -> Iterator[Server]:
    """The servers one location of a kind holds in a document root."""
    reader = SHAPES.get(location.shape)
    if reader is None:
        return
    for route, node in containers(root, location.at):
        yield from reader(route, node, kind, catalogue, location.only_server_like)


def extract_servers(document: Document, kind: FileKind, catalogue: Catalogue) -> tuple[Server, ...]:
    """Every server the kind's locations hold in the document's (first) root, once per route."""
    root = document.root
    if root is None:
        return ()
    found: dict[Route, Server] = {}
    for location in kind.servers:
        for server in servers_at(root, location, kind, catalogue):
            found.setdefault(server.route, server)
    return tuple(found.values())


def extract_claim(
    document: Document, kinds: SequenceOf[FileKind], catalogue: Catalogue
) -> tuple[Server, ...]:
    """Servers of a file claimed by several kinds (primary first): each route once, first kind wins.

    A .mcp.json "mcpServers" entry is the primary's (Claude Code); a "servers" entry in the same
    file is Visual Studio's, which alone reads that key.
    """
    found: dict[Route, Server] = {}
    for kind in kinds:
        for server in extract_servers(document, kind, catalogue):
            found.setdefault(server.route, server)
    return tuple(found.values())


def _fits(root: Node, location: ServerLocation, kind: FileKind, catalogue: Catalogue) -> bool:
    """Does the location hold what its shape promises: a manifest, or a server-shaped entry?"""
    detector = SERVER_SIDE_SHAPES.get(location.shape)
    if detector is not None:
        return any(detector(node) for _, node in containers(root, location.at))
    if location.shape == "flat":
        # Claiming a whole file as a bare name map needs every entry to look like a server.
        return (
            isinstance(root, Mapping)
            and bool(root.entries)
            and all(looks_like_server(e.value, kind, catalogue) for e in root.entries)
        )
    strict = ServerLocation(location.at, location.shape, only_server_like=True)
    return any(True for _ in servers_at(root, strict, kind, catalogue))


def confirm_content(document: Document, kind: FileKind, catalogue: Catalogue) -> bool:
    """Whether a path claim stands: always, unless the kind's file name is generic (server.json)."""
    if not kind.confirm_by_content:
        return True
    root = document.root
    return root is not None and any(_fits(root, loc, kind, catalogue) for loc in kind.servers)


def recognise_by_content(document: Document, catalogue: Catalogue) -> FileKind | None:
    """The kind a file with an unknown name belongs to, judged by its content alone.

    In order: a server-side manifest by its shape; a client kind through a server location only
    that client uses (in this format family); else the unknown client when a server-shaped map sits
    under a content key (or the whole file is a name -> server map); else None.
    """
    root = document.root
    if not isinstance(root, Mapping):
        return None
    family = format_family(document.format)
    candidates = [
        kind
        for kind in catalogue.file_kinds()
        if kind.content_match and kind.client != UNKNOWN_CLIENT_ID and format_family(kind.format) == family
    ]
    # Server-side shapes first: they are the most specific signatures.
    candidates.sort(key=lambda kind: not any(loc.shape in SERVER_SIDE_SHAPES for loc in kind.servers))
    for kind in candidates:
        if any(_fits(root, loc, kind, catalogue) for loc in catalogue.distinctive_locations(kind)):
            return kind
    unknown = catalogue.file_kind(UNKNOWN_KIND_ID)
    for location in unknown.servers:
        keyed = location.shape in BY_SHAPE or any(step in catalogue.content_keys for step in location.at)
        if keyed and _fits(root, location, unknown, catalogue):
            return unknown
    return None
