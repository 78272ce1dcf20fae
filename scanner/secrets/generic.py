"""Generic secrets no token family knows, judged by detect-secrets on one extracted value.

detect-secrets works on lines, so each value is handed over as a synthetic ``key = "value"``
line: its keyword detector then sees the key name (``INTERNAL_API_SECRET``) as context, and its
entropy detectors see only the value, never the rest of the file. Imported lazily: detect-secrets
takes a noticeable time to import and most scans of clean configs never need it.
"""

from __future__ import annotations

import re
from functools import lru_cache

BASE64_LIMIT = 4.5
HEX_LIMIT = 3.0
# Key names that say "this is a credential" even when detect-secrets' keyword list misses them.
CREDENTIAL_KEY = re.compile(
    r"(?:^|[_\-. ])(?:api[_-]?key|apikey|token|secret|password|passwd|pwd|credential|auth|"
    r"private[_-]?key|access[_-]?key|client[_-]?secret|bearer|session|"
    # An Authorization header, and the value after its scheme ("Authorization Basic").
    r"authorization|basic|digest)(?:$|[_\-. ])|"
    r"(?:KEY|TOKEN|SECRET|PASSWORD|PASS|PAT)$",
    re.IGNORECASE,
)
# Values that are clearly not credentials even under a credential-ish key.
NOT_A_SECRET = re.compile(
    r"^(?:true|false|yes|no|on|off|\d{1,7}|https?://[^\s:@]+|[\w.-]+\.(?:json|ya?ml|toml|pem|key|txt|env))$",
    re.IGNORECASE,
)
PATH_LIKE = re.compile(r"^[/~][\w./-]*$")
# A base64 secret may start with "/": a path segment this random is not a file name.
RANDOM_SEGMENT = re.compile(r"(?=[^/]*[A-Z])(?=[^/]*[a-z])(?=[^/]*\d)[^/]{16,}")


def _is_path(value: str) -> bool:
    return PATH_LIKE.match(value) is not None and not any(
        RANDOM_SEGMENT.fullmatch(segment) for segment in value.split("/"))


@lru_cache(maxsize=1)
def _plugins() -> tuple:
    from detect_secrets.plugins.high_entropy_strings import (
        Base64HighEntropyString,
        HexHighEntropyString,
    )
    from detect_secrets.plugins.keyword import KeywordDetector

    return (
        KeywordDetector(),
        Base64HighEntropyString(limit=BASE64_LIMIT),
        HexHighEntropyString(limit=HEX_LIMIT),
    )


def _line(key: str, value: str) -> str:
    safe_key = re.sub(r"[^A-Za-z0-9_]", "_", key) or "value"
    return f'{safe_key} = "{value}"'


# An environment variable NAME (Codex bearer_token_env_var, Goose env_keys, COPILOT_MCP_X values).
ENV_VAR_NAME = re.compile(r"^[A-Z][A-Z0-9_]{2,}$")
# A secret's NAME in a secret store (Docker MCP catalog "github.personal_access_token"): dotted
# words, no digits, nothing random.
SECRET_NAME = re.compile(r"^[a-z][a-z_-]*(?:\.[a-z][a-z_-]*)+$")


# A key naming an identifier (client_id, private_key_id, keyId): what it holds says which
# credential, it is not one. Token families still find real credentials under such keys.
IDENTIFIER_KEY = re.compile(r"(?:[_\-. ]id|[a-z]Id|[_\-. ]ids|[a-z]Ids)$")


def classify(key: str, value: str, entropy_allowed: bool) -> str:
    """``keyword``, ``high-entropy`` or ``""``: detect-secrets' verdict on one value."""
    if '"' in value or "\n" in value or NOT_A_SECRET.match(value) or _is_path(value) or ENV_VAR_NAME.match(value):
        return ""
    if SECRET_NAME.match(value) or IDENTIFIER_KEY.search(key or ""):
        return ""
    keyword, base64_entropy, hex_entropy = _plugins()
    line = _line(key, value)
    named = bool(keyword.analyze_line(filename="mcp-config.yaml", line=line, line_number=1))
    if not named and CREDENTIAL_KEY.search(key or ""):
        named = True
    high_entropy = bool(
        base64_entropy.analyze_line(filename="mcp-config.yaml", line=line, line_number=1)
        or hex_entropy.analyze_line(filename="mcp-config.yaml", line=line, line_number=1)
    )
    if named and (high_entropy or _looks_random(value)):
        return "keyword"
    if high_entropy and entropy_allowed and CREDENTIAL_KEY.search(key or ""):
        return "high-entropy"
    if named and len(value) >= 8 and " " not in value:
        return "password" if re.search(r"pass|pwd", key, re.IGNORECASE) else "keyword"
    return ""


def _looks_random(value: str) -> bool:
    """Mixed letters and digits over 16 characters: the shape of a generated credential."""
    return (
        len(value) >= 16
        and " " not in value
        and bool(re.search(r"[A-Za-z]", value))
        and bool(re.search(r"\d", value))
    )
