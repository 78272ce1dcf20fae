"""Every location a sweep looks at, and what is there (``mcpiam sweep --list-locations``): the answer
to "why wasn't my config found?". The same path variables, overrides, globs and admission rules
as ``mcpiam.discover.homes.sweep``, which this module reuses; nothing is opened."""

from __future__ import annotations

from mcpiam.catalogue import Catalogue
from mcpiam.core.notes import Note
from mcpiam.core.valuetype import dataclass
from mcpiam.discover.homes import SweepPlan, _Base, _home_bases, _system_bases, _Walker, is_system_path


@dataclass(frozen=True, slots=True)
class Location:
    """One catalogue path, resolved for one home (or the system root), and the files found there."""

    client: str  # the client's name, as the catalogue gives it
    kind: str  # the file kind's id
    pattern: str  # as the catalogue writes it (``~/.cursor/mcp.json``, ``%APPDATA%/Code/User/mcp.json``)
    where: str  # as a sweep shows it (``~/.cursor/mcp.json``, ``~alice/...``, ``/etc/...``)
    files: tuple[str, ...]  # the files there a sweep reads, as shown in its reports
    refused: tuple[str, ...]  # files there a sweep does not read (each has a note saying why)


@dataclass(frozen=True, slots=True)
class LocationList:
    platform: str
    locations: tuple[Location, ...]
    notes: tuple[Note, ...]  # why each refused file or unlistable folder was left out


def list_locations(plan: SweepPlan, catalogue: Catalogue) -> LocationList:
    """Every user, managed and plugin path of the plan's platform, for each home and the system
    root, in catalogue order, with the files a sweep would read there."""
    notes: list[Note] = []
    walker = _Walker(notes)
    found: list[Location] = []

    def look(base: _Base, glob: str, pattern: str, client: str, kind: str) -> None:
        files, refused = [], []
        for path, shown in walker.glob(base, glob):
            (files if walker.admit(path, shown, base) is not None else refused).append(shown)
        where = "/".join(part for part in (base.display, glob) if part)
        found.append(Location(client, kind, pattern, where if base.display else "/" + glob,
                              tuple(files), tuple(refused)))

    names = {client.id: client.name for client in catalogue.clients}
    kinds = catalogue.file_kinds()
    for home in plan.homes:
        for kind in kinds:
            for pattern in kind.user.get(plan.platform, ()):
                if not is_system_path(pattern, catalogue):
                    for base, glob in _home_bases(pattern, home, catalogue):
                        look(base, glob, pattern, names[kind.client], kind.id)
    if plan.system_root is not None:
        for kind in kinds:
            for pattern in kind.user.get(plan.platform, ()):
                if is_system_path(pattern, catalogue):
                    for base, glob in _system_bases(pattern, plan.system_root, catalogue):
                        look(base, glob, pattern, names[kind.client], kind.id)
    return LocationList(plan.platform, tuple(found), tuple(notes))

