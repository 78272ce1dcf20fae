"""Fake homes built from the catalogue: one fixture file for every user, managed and plugin location.

Each location's glob is filled in (``*`` -> ``fixture``, ``**/`` -> two folders) and the file gets
one server per catalogue kind that names that path, written at the kind's first server location
and named ``srv-<kind id>``; a credential store (``secret_store``) gets one literal credential, a
database URL whose password is made from the file's path. Used by tests/test_sweep.py and
bench/sweep_large_home.py.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from mcpiam.catalogue import Catalogue, FileKind, format_family, home_relative
from mcpiam.discover.homes import is_system_path

FILLED_STAR = "fixture"
FILLED_GLOBSTAR = "market/plugin/"
PROJECT_KEY = "/home/someone/src/app"


@dataclass
class FixtureFile:
    display: str  # how the sweep must show it (~/..., /etc/..., %PROGRAMDATA%/...)
    path: Path  # where it is written
    kinds: list[FileKind] = field(default_factory=list)  # every kind whose location names it

    def server_names(self) -> set[str]:
        return {server_name(kind) for kind in self.kinds if kind.servers}

    @property
    def holds_credential(self) -> bool:
        return any(kind.secret_store for kind in self.kinds)


def fill(pattern: str, star: str = FILLED_STAR) -> str:
    return pattern.replace("**/", FILLED_GLOBSTAR).replace("*", star)


def server_name(kind: FileKind) -> str:
    return f"srv-{kind.id}"


def fixture_credential(seed: str) -> str:
    """A plainly fake database URL with a password of its own per file (built here, never stored)."""
    password = "Fx" + hashlib.sha256(seed.encode()).hexdigest()[:10]
    return f"postgresql://fixture:{password}@db.example.internal/fixture"


def _nested(dotted: str, value: Any) -> dict[str, Any]:
    head, _, rest = dotted.partition(".")
    return {head: _nested(rest, value)} if rest else {head: value}


def server_object(kind: FileKind) -> dict[str, Any]:
    url = f"https://{kind.id}.example.com/mcp"
    return _nested(kind.fields.url[0], url)


def _merge(into: dict[str, Any], other: dict[str, Any]) -> None:
    for key, value in other.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        elif isinstance(value, list) and isinstance(into.get(key), list):
            into[key].extend(value)
        else:
            into[key] = value


def kind_content(kind: FileKind, seed: str = "") -> dict[str, Any]:
    """The data a file needs for ``kind`` to find exactly its one server (or credential) there."""
    if kind.secret_store:
        return {"FIXTURE_DATABASE_URL": fixture_credential(seed or kind.id)}
    if not kind.servers:
        return {}
    location = kind.servers[0]
    name = server_name(kind)
    if location.shape == "mcpb":
        return {"manifest_version": "0.3", "name": name, "version": "0.1.0", "author": {"name": "Example"},
                "server": {"type": "node", "entry_point": "server/index.js",
                           "mcp_config": {"command": "node", "args": ["server/index.js"]}}}
    if location.shape == "docker-catalog":  # each entry of the map at "*" is one catalog server
        inner: Any = {"type": "remote", "remote": {"url": f"https://{kind.id}.example.com/mcp"}}
        return _wrap(location.at, inner, name)
    if location.shape == "list":
        inner = [{kind.fields.name[0]: name, **server_object(kind)}]
    else:  # map or flat
        inner = {name: server_object(kind)}
    return _wrap(location.at, inner, PROJECT_KEY)


def _wrap(route: tuple[str, ...], inner: Any, star: str) -> dict[str, Any]:
    for step in reversed(route):
        inner = {star if step == "*" else step: inner}
    return inner


def render(fmt: str, data: dict[str, Any]) -> str:
    family = format_family(fmt)
    if family == "json":
        return json.dumps(data, indent=2) + "\n"
    if family == "yaml":
        return yaml.safe_dump(data, sort_keys=False)
    if family == "markdown":
        return "---\n" + yaml.safe_dump(data, sort_keys=False) + "---\n# Agent\n"
    if family == "toml":
        return _toml(data)
    if family == "dotenv":
        return "".join(f"{key}={value}\n" for key, value in data.items()) or "FIXTURE_SETTING=1\n"
    return "# fixture\n"


def _toml(data: dict[str, Any], prefix: str = "") -> str:
    lines, tables = [], []
    for key, value in data.items():
        name = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict):
            tables.append(_toml(value, name))
        else:
            lines.append(f"{key} = {json.dumps(value)}")
    head = (f"[{prefix}]\n" if prefix and lines else "") + "".join(line + "\n" for line in lines)
    return head + "".join(tables)


def locations(catalogue: Catalogue, platform: str, home: Path, system_root: Path,
              star: str = FILLED_STAR, wildcards_only: bool = False) -> dict[str, FixtureFile]:
    """Every catalogue location of ``platform`` as a fixture file (not yet written), by display.

    ``star`` fills the wildcards; ``wildcards_only`` keeps only locations with one (so a second
    call with another ``star`` adds new files: more profiles, plugins, agents, backups).
    """
    files: dict[str, FixtureFile] = {}
    for kind in catalogue.file_kinds():
        for pattern in kind.user.get(platform, ()):
            if wildcards_only and "*" not in pattern:
                continue
            if is_system_path(pattern, catalogue):
                filled = fill(pattern, star)
                head, _, rest = filled.partition("/")
                if filled.startswith("/"):
                    display, path = filled, system_root / filled[1:]
                else:
                    below = catalogue.system_path_variables[head].lstrip("/")
                    display, path = filled, system_root / below / rest
            else:
                relative = fill(home_relative(pattern, catalogue.path_variables) or "", star)
                display, path = f"~/{relative}", home / relative
            files.setdefault(display, FixtureFile(display, path)).kinds.append(kind)
    return files


def write(fixture: FixtureFile) -> None:
    data: dict[str, Any] = {}
    for kind in fixture.kinds:
        _merge(data, kind_content(kind, fixture.display))
    fixture.path.parent.mkdir(parents=True, exist_ok=True)
    fixture.path.write_text(render(fixture.kinds[0].format, data), encoding="utf-8")
    fixture.path.chmod(0o600)


def build(catalogue: Catalogue, platform: str, home: Path, system_root: Path) -> dict[str, FixtureFile]:
    files = locations(catalogue, platform, home, system_root)
    for fixture in files.values():
        write(fixture)
    return files
