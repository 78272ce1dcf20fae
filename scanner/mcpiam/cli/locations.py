"""``mcpiam sweep --list-locations``: every path the catalogue names for the chosen platform, and
what a sweep finds there, so "why wasn't my config found?" has an answer. Text for people, JSON
for scripts; every path passes the output gate."""

from __future__ import annotations

import click

from mcpiam.catalogue import Catalogue
from mcpiam.core.json_text import dumps_indented
from mcpiam.core.redact import shown_data, shown_on_terminal
from mcpiam.discover.homes import SweepPlan
from mcpiam.discover.locations import LocationList, list_locations

STATUS_WIDTH = len("not read")  # the longest status but "N files", which is as long up to 99


def _status(files: int, refused: int) -> str:
    if files:
        return "found" if files == 1 else f"{files} files"
    return "not read" if refused else "missing"


def render_locations_text(listing: LocationList) -> str:
    """The locations grouped by client, one line each (status, path), the files found under a glob
    indented below it; then the notes saying why a file there is not read, and a count."""
    lines = [f"Locations a sweep reads for the {listing.platform} layout:"]
    client = None
    for location in listing.locations:
        if location.client != client:
            client = location.client
            lines += ["", shown_on_terminal(client)]
        status = _status(len(location.files), len(location.refused))
        lines.append(f"  {status:<{STATUS_WIDTH}}  {shown_on_terminal(location.where)}")
        indent = " " * (STATUS_WIDTH + 6)
        if (*location.files, *location.refused) != (location.where,):  # a glob: name what it matched
            lines += [f"{indent}{shown_on_terminal(file)}" for file in location.files]
            lines += [f"{indent}{shown_on_terminal(file)} (not read)" for file in location.refused]
    if listing.notes:
        lines.append("")
    for note in listing.notes:
        lines.append(f"{shown_on_terminal(note.path)}: {note.level} [{note.code}] {shown_on_terminal(note.message)}")
    found = sum(1 for location in listing.locations if location.files)
    files = len({file for location in listing.locations for file in location.files})
    lines += ["", f"{len(listing.locations)} locations, {found} with a config ({files} files)."]
    return "\n".join(lines)


def render_locations_json(listing: LocationList) -> str:
    document = {
        "version": 1,
        "platform": listing.platform,
        "locations": [
            {"client": location.client, "kind": location.kind, "pattern": location.pattern,
             "location": location.where, "exists": bool(location.files or location.refused),
             "files": list(location.files), "not_read": list(location.refused)}
            for location in listing.locations
        ],
        "notes": [{"path": note.path, "level": note.level, "code": note.code, "message": note.message}
                  for note in listing.notes],
    }
    return dumps_indented(shown_data(document))


def render_locations(plan: SweepPlan, catalogue: Catalogue, fmt: str) -> str:
    """The listing of the sweep ``plan`` in ``fmt`` (text or json; other formats are for findings)."""
    if fmt not in ("text", "json"):
        raise click.UsageError(f"--list-locations prints text or json, not {fmt}")
    listing = list_locations(plan, catalogue)
    return render_locations_json(listing) if fmt == "json" else render_locations_text(listing)
