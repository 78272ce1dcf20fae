"""
## What it flags
A remote MCP server reached over plain `http://` or `ws://` at a host that is not this machine
(anything other than `localhost`, `127.0.0.0/8`, `::1` or `0.0.0.0`), whether the URL is the
server's own `url` field or an argument handed to a local proxy such as `mcp-remote`.

## Why it matters
Everything the agent sends and receives, and every credential in the request (an
`Authorization` header, a token in the query string or in the URL's user part), crosses the
network in clear text. Anyone on the path can read the token and replay it.

## Example
```json
{"mcpServers": {"tickets": {"url": "http://mcp.example.com/mcp",
                            "headers": {"Authorization": "Bearer ${env:TICKETS_TOKEN}"}}}}
```

## Use instead
```json
{"mcpServers": {"tickets": {"url": "https://mcp.example.com/mcp",
                            "headers": {"Authorization": "Bearer ${env:TICKETS_TOKEN}"}}}}
```

## Options
None. A URL whose host is itself a reference (`http://${HOST}/mcp`) is not judged.
Severity is high when credentials travel with the request (headers, URL user info or query
parameters), medium otherwise.

## References
- https://modelcontextprotocol.io/specification/2025-06-18/basic/transports
- https://modelcontextprotocol.io/specification/2025-06-18/basic/security_best_practices
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from urllib.parse import urlsplit

from mcpiam.checks.base import RuleInfo, ScanInput, finding_at
from mcpiam.core.findings import Finding, Severity
from mcpiam.model.servers import Value

RULE = RuleInfo(
    id="insecure-transport",
    severity=Severity.MEDIUM,
    summary="A remote MCP server is reached over unencrypted http:// or ws://.",
    docs=__doc__ or "",
    tags=("transport",),
    controls=("OWASP-NHI2",),
)

LOCAL_HOSTS = frozenset({"localhost", "0.0.0.0", "host.docker.internal"})
PLAIN_SCHEMES = frozenset({"http", "ws"})


def is_local_host(host: str) -> bool:
    host = host.strip("[]").lower()
    if host in LOCAL_HOSTS or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def plain_remote_url(text: str) -> tuple[str, bool] | None:
    """(scheme, carries credentials) when ``text`` is a plain-text URL to a remote host."""
    stripped = text.strip()
    if "://" not in stripped[:8]:
        return None
    try:
        parts = urlsplit(stripped)
        host = parts.hostname or ""
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in PLAIN_SCHEMES or not host or any(ch in host for ch in "${}%"):
        return None
    if is_local_host(host):
        return None
    return scheme, bool(parts.username or parts.password or parts.query)


def check(scan: ScanInput) -> Iterator[Finding]:
    for config, server in scan.servers():
        candidates: list[tuple[Value, bool]] = []
        if server.url is not None:
            candidates.append((server.url, bool(server.headers)))
        candidates.extend((arg, False) for arg in server.args)
        for value, has_headers in candidates:
            text = value.text
            if text is None:
                continue
            judged = plain_remote_url(text)
            if judged is None:
                continue
            scheme, in_url = judged
            carries = has_headers or in_url
            yield finding_at(
                RULE,
                config,
                value,
                f"Server '{server.name}' is reached over unencrypted {scheme}://"
                + (" and its credentials travel in clear text" if carries else "") + ".",
                help="Use https:// or wss://.",
                server=server,
                severity=Severity.HIGH if carries else RULE.severity,
            )
