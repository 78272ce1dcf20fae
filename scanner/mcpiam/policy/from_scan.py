"""A starter policy written from a scan (``mcpiam policy init --from-scan PATH``): one ``owners``
entry per server found, its owner left to fill in, and the servers as an ``approved_servers``
list, commented out until the team opts in.

A server is matched the way the policy format allows and a reviewer can read: by the package it
runs (``npm:@scope/pkg``, ``pypi:name``, ``docker:image``, ``go:``, ``jsr:``; version ignored), else
by its remote URL (``host/path``), else by its name and config file. Servers that match the same
way share one entry, whose comment lists where each is configured. The owner is written as ``""``,
which ``mcpiam policy check`` reports at its line and column until it is filled in.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import PurePath

from mcpiam.core.redact import is_safe_to_show, shown, shown_on_terminal
from mcpiam.model.identity import package_of, url_of
from mcpiam.model.servers import ConfigFile, Server

HEADER = """\
# mcpiam policy, started by `mcpiam policy init --from-scan {scanned}`: one owners entry per
# server found. Fill in each `owner` (a team handle such as "@acme/platform" or an e-mail), then
# run `mcpiam policy check`. `purpose`, `secret_source` and `revocation` are what an access
# review asks for (rule incomplete-ownership wants all three): uncomment and fill them in.
# The format is described by policy.schema.json in the mcpiam package and docs/inventory.md.
version: 1
"""
APPROVED_HEADER = """
# When this list is not empty, every server must match one entry (rule unapproved-server).
# Uncomment the entries of the servers you approve (the `approved_servers: []` line too).
approved_servers: []
"""
# fnmatch has no escape character: a bracketed class matches a glob character literally.
_GLOB_ESCAPES = str.maketrans({"[": "[[]", "*": "[*]", "?": "[?]"})
_COMMAND_ECOSYSTEM = "command"  # a bare program: its name says too little to match a server by


def _glob_literal(text: str) -> str:
    return text.translate(_GLOB_ESCAPES)


def _quoted(text: str) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML) of ``text`` through the output gate."""
    return json.dumps(shown(text), ensure_ascii=False)


def _relative(config: ConfigFile, base_dir: str | None) -> str:
    """The config's path as the policy's path globs see it: relative to the policy's folder."""
    if base_dir is not None:
        try:
            return PurePath(config.absolute_path).relative_to(base_dir).as_posix()
        except ValueError:
            pass
    return config.path


def server_match(config: ConfigFile, server: Server, base_dir: str | None = None) -> tuple[tuple[str, str], ...]:
    """The ``match`` fields (field, glob) that pick this server out: package, else URL, else name
    and config path."""
    package = package_of(server) if server.command is not None else None
    if package is not None and package.ecosystem != _COMMAND_ECOSYSTEM and is_safe_to_show(package.name):
        return (("package", _glob_literal(package.id)),)
    url = url_of(server)
    if url and package is None and is_safe_to_show(url.split("/", 1)[0]):
        return (("url", _glob_literal(url.split("?", 1)[0])),)
    return (("name", _glob_literal(server.name)), ("path", _glob_literal(_relative(config, base_dir))))


def _match_text(match: tuple[tuple[str, str], ...]) -> str:
    return "{" + ", ".join(f"{field}: {_quoted(glob)}" for field, glob in match) + "}"


def starter_from_scan(configs: Iterable[ConfigFile], scanned: str, base_dir: str | None = None) -> str:
    """The starter policy's text for the servers of ``configs`` (reference-only entries, which name
    a server configured elsewhere, are not servers of their own); ``base_dir`` is the folder the
    policy will sit in, which its path globs are relative to."""
    entries: dict[tuple[tuple[str, str], ...], list[str]] = {}
    for config in sorted(configs, key=lambda c: c.path):
        for server in sorted(config.servers, key=lambda s: (s.name_span, s.name)):
            if server.reference_only:
                continue
            where = f"{server.name} in {config.path}:{server.name_span.start_line}"
            entries.setdefault(server_match(config, server, base_dir), []).append(where)
    lines = [HEADER.format(scanned=shown_on_terminal(scanned)).rstrip("\n"), ""]
    if not entries:
        lines += ["# The scan found no MCP server.", "owners: []"]
    else:
        lines.append("owners:")
        for match, places in entries.items():
            lines += [f"  # {shown_on_terminal(place)}" for place in places]  # control characters escaped
            lines += [f"  - match: {_match_text(match)}",
                      '    owner: ""',
                      '    # purpose: ""',
                      '    # secret_source: ""',
                      '    # revocation: ""']
    lines.append(APPROVED_HEADER.rstrip("\n"))
    lines += [f"#  - match: {_match_text(match)}" for match in entries]
    return "\n".join(lines) + "\n"


def policy_folder(target: str) -> str:
    """The absolute folder a policy file at ``target`` sits in (its path globs are relative to it)."""
    return os.path.dirname(os.path.abspath(target))
