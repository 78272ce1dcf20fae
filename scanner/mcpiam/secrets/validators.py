"""Offline structural and checksum validators for token families, by name.

A validator takes the secret text a family's pattern captured and answers whether its structure
is that of a real credential (checksum, decodable parts, expected claims). None of them calls a
network service. Every real token of a family passes its validator; a failure means a look-alike
(a typo, a placeholder, a hand-made string), so the engine can lower its confidence.

Family data (``rules/*.yaml``) names validators by the keys of ``VALIDATORS``.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import zlib
from collections.abc import Callable, Mapping
from types import MappingProxyType

from mcpiam.core.lazy_pattern import lazy_compile

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing on the hook's path
if TYPE_CHECKING:
    from typing import Any

Validator = Callable[[str], bool]

BASE62_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_BASE62_BODY = lazy_compile(r"[0-9A-Za-z]+")


# --- GitHub-style CRC32 checksum --------------------------------------------------------------


def base62_encode(number: int, width: int = 6) -> str:
    """``number`` in base 62 (digits, upper, lower), left-padded with ``0`` to ``width``."""
    if number < 0:
        raise ValueError("base62_encode takes a non-negative integer")
    digits = []
    while number:
        number, rest = divmod(number, 62)
        digits.append(BASE62_ALPHABET[rest])
    return "".join(reversed(digits)).rjust(width, "0")


def github_checksum(random_part: str) -> str:
    """The 6-character checksum GitHub (and npm) append: base62 of the CRC32 of the random part."""
    return base62_encode(zlib.crc32(random_part.encode("ascii")))


def _checksum_body(token: str) -> str:
    # ghp_<36>, gho_<36>, ..., npm_<36>: the body follows the first underscore.
    _, _, body = token.partition("_")
    return body


def github_crc32(token: str) -> bool:
    """A prefix (``ghp_``, ``gho_``, ``npm_``, ...) and 36 base62: 30 random, then their CRC32."""
    body = _checksum_body(token)
    if len(body) != 36 or not _BASE62_BODY.fullmatch(body):
        return False
    return github_checksum(body[:30]) == body[30:]


def github_crc32_when_36(token: str) -> bool:
    """As ``github-crc32`` for 36-character bodies; longer bodies have no documented checksum."""
    body = _checksum_body(token)
    if len(body) == 36:
        return github_crc32(token)
    return bool(body)


# Validators that check a checksum the issuer computed: a failure is a damaged or hand-made token
# of the family's exact shape, still reported (embedded-secret, low), never silently dropped.
CHECKSUM_VALIDATORS = frozenset({"github-crc32", "github-crc32-when-36"})


# --- JWT ---------------------------------------------------------------------------------------


def _b64url_json(part: str) -> Any:
    padded = part + "=" * (-len(part) % 4)
    raw = base64.urlsafe_b64decode(padded.encode("ascii"))
    return json.loads(raw.decode("utf-8"))


def decode_jwt(token: str) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """Header and claims of a compact JWS, or None when it is not one (signature not checked)."""
    parts = token.strip().split(".")
    if len(parts) != 3 or not parts[0] or not parts[1]:
        return None
    try:
        header = _b64url_json(parts[0])
        claims = _b64url_json(parts[1])
    except (ValueError, UnicodeError, binascii.Error):
        return None
    if not isinstance(header, dict) or not isinstance(header.get("alg"), str):
        return None
    if not isinstance(claims, dict):
        return None
    return header, claims


def decode_jwt_claims(token: str) -> dict[str, Any] | None:
    """The claims (``exp``, ``iat``, ``role``, ``scope``, ``sub``, ...) of a JWT, or None.

    Used to judge lifetime and identity (e.g. a Supabase ``service_role`` key with a ten-year
    ``exp``). The signature is not verified: this says what the token claims, not that it is valid.
    """
    decoded = decode_jwt(token)
    return decoded[1] if decoded else None


def jwt(token: str) -> bool:
    """Three base64url parts: a JSON header with ``alg`` and a JSON object of claims."""
    return decode_jwt(token) is not None


def supabase_service_role_jwt(token: str) -> bool:
    """A JWT whose ``role`` claim is ``service_role`` (bypasses Row Level Security)."""
    claims = decode_jwt_claims(token)
    return claims is not None and claims.get("role") == "service_role"


def supabase_anon_jwt(token: str) -> bool:
    """A Supabase-issued JWT whose ``role`` claim is ``anon`` (public by design)."""
    claims = decode_jwt_claims(token)
    if claims is None or claims.get("role") != "anon":
        return False
    issuer = claims.get("iss")
    return isinstance(issuer, str) and issuer.startswith("supabase")


# --- AWS ---------------------------------------------------------------------------------------

_AWS_KEY_ID = lazy_compile(r"(?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}")


def aws_access_key_id(token: str) -> bool:
    """20 characters: a credential prefix and 16 base32 characters, not AWS's documentation sample.

    The AWS documentation's sample ids (``AKIAIOSFODNN7EXAMPLE``) end in ``EXAMPLE``; a random
    base32 id does that with probability 32**-7, so rejecting them costs no real key.
    """
    return bool(_AWS_KEY_ID.fullmatch(token)) and not token.endswith("EXAMPLE")


# A generated 40-character secret has about 30 distinct characters; fewer than this many is a
# filler ("aaaa...end") or a label, never a key AWS issued.
_AWS_SECRET_MIN_DISTINCT = 12


def aws_secret_access_key(token: str) -> bool:
    """40 base64 characters that vary like generated ones, not AWS's documentation sample.

    The sample secret (``wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY``) ends in ``EXAMPLEKEY``.
    """
    return len(set(token)) >= _AWS_SECRET_MIN_DISTINCT and not token.endswith("EXAMPLEKEY")


# --- PEM private keys --------------------------------------------------------------------------

_PEM = lazy_compile(
    r"-----BEGIN (?P<label>[A-Z0-9 ]{0,60}PRIVATE KEY(?: BLOCK)?)-----"
    r"(?P<body>[\s\S]*?)"
    r"-----END (?P=label)-----"
)
_PEM_HEADER_LINE = lazy_compile(r"^[A-Za-z-]+:.*$", re.MULTILINE)
_PGP_CHECKSUM = lazy_compile(r"(?:^|\s)=[A-Za-z0-9+/]{4}\s*$")
_BASE64_TEXT = lazy_compile(r"[A-Za-z0-9+/]+=*")


def pem_private_key(block: str) -> bool:
    """BEGIN and END labels agree and the body is at least 64 base64 characters.

    Accepts real newlines or the two-character ``\\n`` escapes a JSON string carries, armour
    headers (``Proc-Type:``, ``Version:``) and a PGP ``=XXXX`` checksum line.
    """
    text = block.replace("\\r", "\n").replace("\\n", "\n")
    found = _PEM.fullmatch(text.strip())
    if not found:
        return False
    body = _PEM_HEADER_LINE.sub("", found.group("body"))
    body = _PGP_CHECKSUM.sub("", body)
    compact = "".join(body.split())
    return len(compact) >= 64 and bool(_BASE64_TEXT.fullmatch(compact))


def base64_pem_private_key(blob: str) -> bool:
    """Base64 text (``LS0tLS1CRUdJTi...``, as in a Kubernetes secret or a CI variable) that decodes
    to a PEM private key block; a certificate or public key encoded the same way is not one."""
    try:
        decoded = base64.b64decode(blob, validate=True).decode("ascii")
    except (ValueError, UnicodeDecodeError):
        return False
    return pem_private_key(decoded)


# Validators that read a JWT; their matches carry the decoded claims.
JWT_VALIDATORS = frozenset({"jwt", "supabase-anon-jwt", "supabase-service-role-jwt"})

VALIDATORS: Mapping[str, Validator] = MappingProxyType(
    {
        "aws-access-key-id": aws_access_key_id,
        "aws-secret-access-key": aws_secret_access_key,
        "base64-pem-private-key": base64_pem_private_key,
        "github-crc32": github_crc32,
        "github-crc32-when-36": github_crc32_when_36,
        "jwt": jwt,
        "pem-private-key": pem_private_key,
        "supabase-anon-jwt": supabase_anon_jwt,
        "supabase-service-role-jwt": supabase_service_role_jwt,
    }
)
