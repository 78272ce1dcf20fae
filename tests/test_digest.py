"""mcpiam.core.digest gives hashlib's and hmac's digests, without loading OpenSSL."""

from __future__ import annotations

import hashlib
import hmac
import os
import random
import subprocess
import sys

from mcpiam.core.digest import blake2b, hmac_sha256, sha256


def test_sha256_is_hashlibs() -> None:
    generator = random.Random(15)
    for size in (0, 1, 55, 56, 63, 64, 65, 127, 128, 1000, 100_000):
        data = generator.randbytes(size)
        assert sha256(data).hexdigest() == hashlib.sha256(data).hexdigest()
        incremental = sha256()
        incremental.update(data[: size // 2])
        incremental.update(data[size // 2:])
        assert incremental.digest() == hashlib.sha256(data).digest()


def test_blake2b_is_hashlibs() -> None:
    generator = random.Random(16)
    for size in (0, 1, 127, 128, 129, 1000, 100_000):
        data = generator.randbytes(size)
        for digest_size in (32, 64):
            assert (blake2b(data, digest_size=digest_size).hexdigest()
                    == hashlib.blake2b(data, digest_size=digest_size).hexdigest())
        incremental = blake2b(digest_size=32)
        incremental.update(data[: size // 2])
        incremental.update(data[size // 2:])
        assert incremental.digest() == hashlib.blake2b(data, digest_size=32).digest()


def test_hmac_sha256_is_hmacs_for_every_key_length() -> None:
    generator = random.Random(7)
    for key_size in (0, 1, 16, 32, 63, 64, 65, 100, 200):
        for message_size in (0, 5, 64, 1000):
            key, message = generator.randbytes(key_size), generator.randbytes(message_size)
            assert (hmac_sha256(key, message).hexdigest()
                    == hmac.new(key, message, hashlib.sha256).hexdigest()), (key_size, message_size)


def test_it_does_not_load_openssl() -> None:
    probe = ("import sys; from mcpiam.core.digest import blake2b, hmac_sha256; hmac_sha256(b'k', b'm').digest();"
             "blake2b(b'm', digest_size=32).digest();"
             "print('_hashlib' in sys.modules, 'hashlib' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60,
                            env={**os.environ, "PYTHONWARNINGS": "ignore"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "False"]
