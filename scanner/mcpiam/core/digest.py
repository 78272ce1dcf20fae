"""SHA-256, HMAC-SHA-256 and BLAKE2b without loading OpenSSL.

``hashlib`` and ``hmac`` load ``_hashlib``, Python's binding of OpenSSL's libcrypto: ~2 ms of a
pre-commit hook's run, for the few short digests a scan makes (keyed fingerprints, the snapshot
check). CPython also ships its own SHA-256 (``_sha256``, ``_sha2`` from 3.12), which gives the same
digests; HMAC (RFC 2104) is two of them. Where neither module exists, ``hashlib``'s is used.
``tests/test_digest.py`` holds both equal to ``hashlib`` and ``hmac``.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing on the hook's path
if TYPE_CHECKING:
    from typing import Any


_BLOCK_SIZE = 64  # SHA-256's block, in bytes
_INNER_PAD = bytes(x ^ 0x36 for x in range(256))
_OUTER_PAD = bytes(x ^ 0x5C for x in range(256))


def _constructor() -> Any:
    try:
        from _sha2 import sha256  # type: ignore[import-not-found]  # CPython 3.12+
    except ImportError:
        try:
            from _sha256 import sha256  # type: ignore[import-not-found,no-redef]  # CPython 3.11
        except ImportError:
            from hashlib import sha256  # type: ignore[assignment]
    return sha256


sha256 = _constructor()  # sha256(data=b"") -> a hash object, as hashlib.sha256


def _blake2b_constructor() -> Any:
    try:
        from _blake2 import blake2b  # type: ignore[import-not-found]  # CPython's own, as hashlib's
    except ImportError:
        from hashlib import blake2b  # type: ignore[assignment]
    return blake2b


# blake2b(data=b"", digest_size=64) -> a hash object, as hashlib.blake2b. About three times
# SHA-256's speed here: the snapshot check hashes ~350 KB of shipped YAML on every scan.
blake2b = _blake2b_constructor()


def hmac_sha256(key: bytes, message: bytes) -> Any:
    """``hmac.new(key, message, hashlib.sha256)``: the hash object of the HMAC."""
    if len(key) > _BLOCK_SIZE:
        key = sha256(key).digest()
    key = key.ljust(_BLOCK_SIZE, b"\0")
    inner = sha256(key.translate(_INNER_PAD))
    inner.update(message)
    outer = sha256(key.translate(_OUTER_PAD))
    outer.update(inner.digest())
    return outer
