"""Shared by the rules that judge activity records: a client's display name and a call's location."""

from __future__ import annotations

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing on the hook's path

from mcpiam.core.document import Span
from mcpiam.core.findings import Location

if TYPE_CHECKING:
    from mcpiam.activity.read import CallPlace


def client_name(client: str) -> str:
    """The catalogue's name of a client id ("claude-code" -> "Claude Code")."""
    from mcpiam.catalogue import default_catalogue

    try:
        return default_catalogue().client(client).name
    except KeyError:
        return client


def call_location(place: "CallPlace", name: str) -> Location:
    """Where a call was recorded: the tool's name on its line (in a database, the record's key)."""
    return Location(place.file, Span(place.line, place.column, place.line, place.column + max(len(name), 1)),
                    place.route)
