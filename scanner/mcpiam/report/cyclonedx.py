"""The AI-BOM: the inventory as a CycloneDX 1.6 JSON BOM, for Dependency-Track and other BOM tools.

A server that runs a package is a *component* (type ``application``) with its package URL (npm,
PyPI, OCI/Docker image, Go, JSR); a remote server is a *service* with its endpoint (the URL as the
inventory shows it: userinfo, query values and fragment withheld). Both carry the client, the
config file and position, the launch command as the inventory shows it, the owner (as ``authors``
of a component, a property of a service), the owners entry's purpose, secret source and
revocation path, and each credential by place, source, family and fingerprint: never a value.
With ``inventory --activity``, also ``last-used``, ``calls-30d`` and one ``tool-used`` per tool
(``not read`` where no record of the server's client was read).

Built with ``cyclonedx-python-lib``, the CycloneDX project's own serializer (imported here only,
so a scan never loads it). The output is a function of the inventory: ``bom-ref``s come from the
file and route, the serial number is a UUID derived from the BOM's content, and the timestamp is
left out unless the caller gives one.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from datetime import datetime

from cyclonedx.model import Property, XsUri
from cyclonedx.model.bom import Bom
from cyclonedx.model.component import Component, ComponentType
from cyclonedx.model.contact import OrganizationalContact
from cyclonedx.model.service import Service
from cyclonedx.model.tool import ToolRepository
from cyclonedx.output.json import JsonV1Dot6
from packageurl import PackageURL

from mcpiam.core.document import format_route
from mcpiam.core.redact import is_safe_to_show, shown
from mcpiam.model.identity import Package, package_of
from mcpiam.report.credentials import CredentialUse
from mcpiam.report.inventory import (
    Inventory,
    InventoryRow,
    display_command,
    last_used_cell,
    recent_calls_cell,
    redact_url,
    tools_used_items,
)

PROPERTY_PREFIX = "mcpiam:"  # the namespace of mcpiam's own properties
# Derived serial numbers live in their own UUID namespace (uuid5 of the BOM's content).
SERIAL_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://github.com/mcpiam/mcpiam/ai-bom")
_BOM_REF_UNSAFE = re.compile(r"[^A-Za-z0-9._/#:@~-]")
# purl types of the ecosystems a policy names; a bare command has no package URL.
_PURL_TYPES = {"npm": "npm", "pypi": "pypi", "go": "golang", "jsr": "jsr"}


def _properties(pairs: list[tuple[str, str | None]]) -> list[Property]:
    return [Property(name=PROPERTY_PREFIX + name, value=shown(value)) for name, value in pairs if value]


def _credential_property(use: CredentialUse) -> str:
    """``place=env;name=GITHUB_TOKEN;source=reference;variable=GITHUB_PAT`` or, for a literal,
    ``...;source=literal;family=github-classic-pat;fingerprint=<hmac>``: never the value."""
    facts = [("place", use.place), ("name", use.name), ("position", f"{use.line}:{use.column}"),
             ("source", use.source), ("family", use.family), ("kind", None if use.family else use.kind),
             ("variable", use.variable), ("fingerprint", use.fingerprint)]
    return ";".join(f"{key}={value}" for key, value in facts if value)


def _row_properties(row: InventoryRow, inventory: Inventory) -> list[Property]:
    entry = row.entry
    pairs: list[tuple[str, str | None]] = [
        ("server", row.server.name),
        ("client", row.server.client or row.config.client),
        ("config-file", row.config.path),
        ("config-position", f"{row.server.name_span.start_line}:{row.server.name_span.start_column}"),
        ("route", format_route(row.server.route)),
        ("scope", row.server.scope.value),
        ("transport", row.server.transport.value),
        ("command", display_command(row.server)),
        ("owner", row.ownership.owner if row.ownership is not None else None),
        ("owner-source", row.ownership.source if row.ownership is not None else None),
        ("purpose", entry.purpose if entry is not None else None),
        ("secret-source", entry.secret_source if entry is not None else None),
        ("revocation", entry.revocation if entry is not None else None),
    ]
    pairs += [("credential", _credential_property(use)) for use in row.credentials]
    pairs += [("scope-finding", f"{finding.rule_id};fingerprint={finding.fingerprint}")
              for finding in row.scope_findings]
    if row.activity is not None:  # the clients' records were read (inventory --activity)
        pairs += [("last-used", last_used_cell(row.activity)), ("calls-30d", recent_calls_cell(row.activity))]
        pairs += [("tool-used", tool) for tool in tools_used_items(row.activity)]
    return _properties(pairs)


def package_url(package: Package | None) -> PackageURL | None:
    """The package URL of what a server runs: npm, PyPI, Go, JSR, or an image (``oci`` when it
    is pinned by digest, else ``docker``); None for a bare command or a name not safe to show."""
    if package is None or not is_safe_to_show(package.name):
        return None
    version = package.version if package.version and is_safe_to_show(package.version) else None
    try:
        if package.ecosystem == "docker":
            return _image_url(package, version)
        purl_type = _PURL_TYPES.get(package.ecosystem)
        if purl_type is None:
            return None
        namespace, _, name = package.name.rpartition("/")
        return PackageURL(type=purl_type, namespace=namespace or None, name=name, version=version)
    except ValueError:  # a name no package URL can hold ("scope/" with nothing after it): none
        return None


def _image_url(package: Package, tag: str | None) -> PackageURL:
    registry, _, rest = package.name.partition("/")
    on_registry = "." in registry or ":" in registry or registry == "localhost"
    repository = rest if on_registry else package.name
    if package.digest:
        qualifiers = {"repository_url": package.name}
        if tag:
            qualifiers["tag"] = tag
        return PackageURL(type="oci", name=repository.rpartition("/")[2], version=package.digest,
                          qualifiers=qualifiers)
    namespace, _, name = repository.rpartition("/")
    qualifiers = {"repository_url": registry} if on_registry else None
    return PackageURL(type="docker", namespace=namespace or None, name=name, version=tag, qualifiers=qualifiers)


def _bom_ref(row: InventoryRow) -> str:
    return _BOM_REF_UNSAFE.sub("_", shown(f"{row.config.path}#{format_route(row.server.route)}"))


def _component(row: InventoryRow, inventory: Inventory, package: Package | None) -> Component:
    owner = row.ownership.owner if row.ownership is not None else None
    purl = package_url(package)
    version = package.version if package is not None and package.version and is_safe_to_show(package.version) else None
    # Named after the package it runs (as BOM tools match components), else after the server.
    name = package.name if purl is not None and package is not None else row.server.name
    group, _, short = name.rpartition("/") if name.startswith("@") else ("", "", name)  # npm scope
    return Component(
        type=ComponentType.APPLICATION,
        name=shown(short),
        group=shown(group) or None,
        version=version,
        purl=purl,
        bom_ref=_bom_ref(row),
        description=f"MCP server '{shown(row.server.name)}' ({row.server.transport.value})",
        authors=[OrganizationalContact(name=shown(owner))] if owner else None,
        properties=_row_properties(row, inventory),
    )


def _service(row: InventoryRow, inventory: Inventory) -> Service:
    url = row.server.url_text or ""
    endpoint = shown(redact_url(url)) if url else None
    from cyclonedx.exception.model import InvalidUriException

    try:
        uri = XsUri(endpoint) if endpoint else None
        usable = uri is not None and str(uri) == endpoint
    except InvalidUriException:  # not a URI the schema accepts (a template, a stray %)
        uri, usable = None, False
    properties = _row_properties(row, inventory)
    if endpoint and not usable:
        # The library refuses what is no URI, and percent-encodes what XML needs escaped, which
        # breaks an IPv6 host (``[::1]`` becomes ``%5B::1%5D``): the URL goes to a property instead.
        uri = None
        properties += _properties([("endpoint", endpoint)])
    return Service(
        name=shown(row.server.name),
        bom_ref=_bom_ref(row),
        description=f"Remote MCP server '{shown(row.server.name)}' ({row.server.transport.value})",
        endpoints=[uri] if uri is not None else None,
        authenticated=bool(row.credentials) or None,
        properties=properties,
    )


def build_bom(inventory: Inventory, timestamp: datetime | None = None) -> Bom:
    """The BOM object: one component per server that runs a command, one service per remote one
    (reference-only entries, which name a server configured elsewhere, are left out)."""
    bom = Bom(serial_number=uuid.UUID(int=0))
    bom.metadata.timestamp = timestamp  # type: ignore[assignment] - None leaves it out
    bom.metadata.tools = ToolRepository(components=[Component(
        type=ComponentType.APPLICATION, name="mcpiam", version=inventory.tool_version or None,
        bom_ref="mcpiam")])
    bom.metadata.properties = _properties([("fingerprint-key-id", inventory.fingerprint_key_id)])
    for row in inventory.rows:
        if row.server.reference_only:
            continue
        package = package_of(row.server) if row.server.command is not None else None
        if row.server.command is None and row.server.url_text:
            bom.services.add(_service(row, inventory))
        else:
            bom.components.add(_component(row, inventory, package))
    return bom


def render_bom(inventory: Inventory, *, timestamp: datetime | None = None) -> str:
    """The BOM as CycloneDX 1.6 JSON, its serial number derived from everything else in it."""
    bom = build_bom(inventory, timestamp)
    draft = JsonV1Dot6(bom).output_as_string()
    bom.serial_number = uuid.uuid5(SERIAL_NAMESPACE, hashlib.sha256(draft.encode("utf-8")).hexdigest())
    return json.dumps(json.loads(JsonV1Dot6(bom).output_as_string()), indent=2, sort_keys=True,
                      ensure_ascii=False)
