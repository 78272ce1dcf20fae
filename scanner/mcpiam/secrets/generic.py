"""Generic secrets no token family knows, judged by detect-secrets on one extracted value.

detect-secrets works on lines, so each value is handed over as a synthetic ``key = "value"``
line: its keyword detector then sees the key name (``INTERNAL_API_SECRET``) as context, and its
entropy detectors see only the value, never the rest of the file. Imported lazily: detect-secrets
takes a noticeable time to import and most scans of clean configs never need it.

What detect-secrets does with such a line (each pinned by ``tests/test_generic_secrets.py``):
its keyword list is short (no ``token``, ``auth``, ``bearer``, ``authorization``) and matches
anywhere in the key with any suffix (``SECRET_NAME``, ``SECRETARY``); its entropy plugins need the
whole value inside their alphabet and measure Shannon entropy over it, so a base64 value needs at
least 23 distinct characters to pass 4.5 bits. The key-word rules below fill those gaps.
"""

from __future__ import annotations

import re
import sys
import types
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

from mcpiam.core.lazy_pattern import lazy_compile

BASE64_LIMIT = 4.5
HEX_LIMIT = 3.0
RANDOM_MIN_LENGTH = 16  # _looks_random: shorter mixed values are too often names or versions
RANDOM_RUN_LENGTH = 12  # _looks_random: a letters-and-digits run this long is no word or date
NAMED_MIN_LENGTH = 8  # a value under a credential key shorter than this is not reported
SYNTHETIC_FILE = "mcp-config.yaml"  # a YAML name selects detect-secrets' config-file keyword regexes

# Words of a key name that say "this is a credential" whatever the value looks like.
PASSWORD_WORDS = frozenset({"password", "passwd", "pwd", "pass", "passphrase"})
STRONG_WORDS = PASSWORD_WORDS | {
    "secret", "token", "apikey", "pat", "bearer", "basic", "authorization", "credential",
    "credentials",
    # The strong pairs below written as one word (detectify.accesskey, SECRETKEY, authToken is two).
    "accesskey", "privatekey", "secretkey", "authkey", "servicekey", "accountkey", "apitoken",
    "accesstoken", "authtoken",
}
# Pairs of words that do the same (``API_KEY``, ``clientSecret`` is covered by "secret").
STRONG_PAIRS = frozenset({("api", "key"), ("access", "key"), ("private", "key"), ("secret", "key"),
                          ("auth", "key"), ("service", "key"), ("account", "key")})
# Words that make a key credential-ish only when the value also looks generated.
WEAK_WORDS = frozenset({"auth", "key", "session", "cookie", "signing", "encryption"})
# A key whose LAST word is one of these holds something *about* a credential: where it is, its
# name, its kind or its limits (``TOKEN_URL``, ``SECRET_NAME``, ``bearer_token_env_var``).
NOT_SECRET_WORDS = frozenset({
    "url", "uri", "endpoint", "host", "hostname", "domain", "server", "port", "path", "file",
    "filename", "dir", "directory", "folder", "name", "names", "id", "ids", "type", "mode",
    "provider", "method", "scheme", "strategy", "kind", "format", "limit", "timeout", "ttl",
    "expiry", "expires", "expiration", "lifetime", "duration", "interval", "length", "size",
    "count", "enabled", "disabled", "required", "version", "region", "env", "var", "variable",
    "header", "prefix", "scope", "scopes", "issuer", "audience", "location", "store", "helper",
    "command", "cmd", "hint", "description", "label", "field", "email", "user", "username",
    "login", "account", "sha", "hash", "digest", "checksum", "fingerprint", "commit", "ref",
    "revision", "uuid", "guid", "policy", "algorithm", "encoding", "pattern",
})
KEY_WORD = lazy_compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")

# Values that are never credentials, whatever key holds them.
NOT_A_SECRET = lazy_compile(
    r"^(?:true|false|yes|no|on|off"
    r"|[+-]?\d{1,7}|[+-]?\d+\.\d+"  # numbers (longer digit strings can be PINs or keys)
    r"|v?\d+(?:\.\d+){1,3}(?:[-+][\w.]+)?"  # versions: 1.2.3, v2.0.0-beta.1
    r"|[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+"  # e-mail addresses
    r")$",
    re.IGNORECASE,
)
# What local model servers accept when they check no key, written under OPENAI_API_KEY-style keys
# (llama.cpp server, LM Studio, Ollama, vLLM docs, OpenAI-compatible proxies).
NO_AUTH_VALUES = frozenset({"sk-no-key-required", "lm-studio", "ollama", "not-needed", "no-key",
                            "nokey", "not-required", "unused", "empty", "local"})
# Lower-case host names (api.example.com), or a domain suffix (.s3.amazonaws.com, as NO_PROXY
# and cookie domains write it); upper or mixed case with a dot may be a token.
HOST_NAME = lazy_compile(r"^\.?[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,24}$")
# A host name and a path without a scheme (bucket.s3.amazonaws.com/key): an address; a path
# segment that looks generated is still judged (RANDOM_SEGMENT), as webhook paths carry secrets.
HOST_AND_PATH = lazy_compile(r"^[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,24}/[\w.~%/-]*$")
# A package archive with its digest after "#", as lock files write a download (yarn.lock:
# pkg-1.2.4.tgz#<sha1>): the digest checks the file, it opens nothing.
ARCHIVE_DIGEST = lazy_compile(
    r"^[\w./@-]*\.(?:tgz|tar\.gz|zip|whl|jar|gem|nupkg|crate)#(?:sha\d{1,3}[-=:])?[0-9a-f]{32,128}$",
    re.IGNORECASE)
URL = lazy_compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
# A path: rooted (/, ~/, ./, ../, C:\, \\server), or relative and ending in a config, key or script
# file extension (a bare "a/b" is not enough: base64 secrets hold slashes).
PATH = lazy_compile(
    r"^(?:~|\.{1,2})?[/\\]|^[A-Za-z]:[/\\]"
    r"|^[\w.-]+(?:[/\\][\w.-]+)*\.(?:jsonc?|ya?ml|toml|pem|key|crt|cer|der|p12|pfx|jks|txt|env|ini|"
    r"cfg|conf|db|sqlite3?|sock|log|m?js|ts|py|sh)$",
    re.IGNORECASE,
)
# A segment no path would have: 16+ characters mixing upper case, lower case and digits. Tried
# only where a segment starts (a match anywhere implies one at its segment's start), so the
# look-aheads read each segment once instead of once per character.
RANDOM_SEGMENT = lazy_compile(r"(?<![^/\\])(?=[^/\\]*[a-z])(?=[^/\\]*[A-Z])(?=[^/\\]*\d)[^/\\]{16,}")
# Source code: a method call such as ``s.addComponentsFromRegistry()`` (a generated secret has no
# "name.name(...)"). Starts only where an identifier starts, so a long word is scanned once.
CODE_CALL = lazy_compile(r"(?<![\w$])[A-Za-z_$][\w$]*\.[A-Za-z_$][\w$]{2,}\([^()]{0,200}\)")
# An environment variable NAME written where a value goes (a fallback; see _is_env_var_name).
ENV_VAR_NAME = lazy_compile(r"^[A-Z]{1,16}\d{0,3}(?:_(?:[A-Z]{1,16}\d{0,3}|\d{1,4}))*$")


# Necessary conditions for a detect-secrets verdict, checked first so that a scan whose values
# cannot trigger any plugin never imports detect-secrets (and requests, which it pulls in).
# Every pattern of its keyword detector contains one of these words (case-insensitively;
# pinned against its DENYLIST by tests/test_generic_secrets.py).
KEYWORD_GATE_WORDS = ("key", "pass", "pwd", "secret", "contraseña", "contrasena")
# Its entropy plugins judge quoted runs of their alphabet; Shannon entropy over a run is at most
# log2 of its distinct characters, so a run needs more than 2**limit distinct characters.
BASE64_ALPHABET = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/\\-_=")
HEX_ALPHABET = frozenset("0123456789abcdefABCDEF")


def _keyword_may_match(line: str) -> bool:
    folded = line.casefold()
    return any(word in folded for word in KEYWORD_GATE_WORDS)


def _entropy_may_exceed(value: str, alphabet: frozenset[str], limit: float) -> bool:
    """Whether some run of ``alphabet`` characters in ``value`` has enough distinct characters
    for its entropy to exceed ``limit`` (a cheap necessary condition, never a verdict)."""
    needed = int(2**limit) + 1
    run: set[str] = set()
    for char in value:
        if char in alphabet:
            run.add(char)
            if len(run) >= needed:
                return True
        else:
            run = set()
    return False


class _OfflineRequests(types.ModuleType):
    """What detect-secrets' import graph needs of ``requests``: the exception class its
    verification paths catch. Anything else is a bug here, so it fails loudly."""

    def __getattr__(self, name: str) -> object:
        raise AttributeError(f"mcpiam loads detect-secrets without requests (asked for {name!r})")


class _NoRequestException(Exception):
    """Never raised: mcpiam never calls detect-secrets' network verification."""


@contextmanager
def _without_http_stack() -> Iterator[None]:
    """Import detect-secrets without ``requests`` (and so without urllib3, whose import creates
    a socket to probe IPv6, plus ~70 ms of HTTP stack). detect-secrets names ``requests`` at
    module level only in ``import requests``; it uses it inside verification (which mcpiam never
    turns on) and in ``except requests.exceptions.RequestException`` around it. The stand-in is
    in ``sys.modules`` only while these imports run; a process that already imported the real
    ``requests`` keeps it.
    """
    if "requests" in sys.modules:
        yield
        return
    stand_in = _OfflineRequests("requests")
    stand_in.exceptions = types.SimpleNamespace(RequestException=_NoRequestException)
    sys.modules["requests"] = stand_in
    try:
        yield
    finally:
        if sys.modules.get("requests") is stand_in:
            del sys.modules["requests"]


def _package_without_init(name: str) -> types.ModuleType | None:
    """Put the package ``name`` in ``sys.modules`` without running its ``__init__`` (None when it
    is there already, or cannot be found): its submodules import as usual.

    detect-secrets' ``__init__`` imports its whole scanning pipeline (``multiprocessing``,
    ``socket``, ``subprocess``, ``logging``, ``threading``, ``pickle``: ~14 ms of a run in which
    a value reaches it) for ``SecretsCollection``, which mcpiam does not use; its three plugins
    do not need it. The first look-up of a name the ``__init__`` would have defined runs it, in
    the same module, so that a later ``from detect_secrets import SecretsCollection`` (or any
    use of the package) in this process gets the whole package.
    """
    import importlib.util

    if name in sys.modules:
        return None
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None or spec.submodule_search_locations is None:
        return None
    package = importlib.util.module_from_spec(spec)

    def complete(attribute: str) -> object:
        del package.__getattr__  # once: the __init__ defines what it defines
        spec.loader.exec_module(package)  # type: ignore[union-attr]
        try:
            return package.__dict__[attribute]
        except KeyError:
            raise AttributeError(f"module {name!r} has no attribute {attribute!r}") from None

    package.__getattr__ = complete  # type: ignore[method-assign]
    sys.modules[name] = package
    return package


@lru_cache(maxsize=1)
def _plugins() -> tuple:
    _package_without_init("detect_secrets")
    with _without_http_stack():
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


def synthetic_line(key: str, value: str) -> str:
    """The line detect-secrets is shown: the key made an identifier, the value double-quoted."""
    safe_key = re.sub(r"[^A-Za-z0-9_]", "_", key) or "value"
    return f'{safe_key} = "{value}"'


def key_words(key: str) -> list[str]:
    """A key name as lower-case words: ``clientSecret`` -> client, secret; ``X-API-Key`` -> x, api, key."""
    return [word.lower() for word in KEY_WORD.findall(key or "")]


def _pairs(words: list[str]) -> set[tuple[str, str]]:
    return set(zip(words, words[1:]))


def key_strength(key: str, detect_secrets_keyword: bool) -> str:
    """``strong``, ``weak`` or ``""``: how much a key name alone says its value is a credential."""
    if _last_word_is_an_attribute(key):
        return ""
    words = key_words(key)
    if detect_secrets_keyword or STRONG_WORDS.intersection(words) or STRONG_PAIRS & _pairs(words):
        return "strong"
    if WEAK_WORDS.intersection(words):
        return "weak"
    return ""


def not_a_secret(value: str) -> bool:
    """Values that are never credentials: booleans, numbers, versions, addresses, URLs, paths,
    names, code that calls a method, and the conventional values of servers that check no key.

    A URL is judged by its parts (its password and query values are candidates of their own), so
    a URL as a whole is never a generic secret.
    """
    if NOT_A_SECRET.match(value) or HOST_NAME.match(value) or URL.match(value):
        return True
    if ARCHIVE_DIGEST.match(value) or (HOST_AND_PATH.match(value) and not RANDOM_SEGMENT.search(value)):
        return True
    if value.lower() in NO_AUTH_VALUES:
        return True
    if _is_env_var_name(value) or CODE_CALL.search(value):
        return True
    return bool(PATH.match(value)) and not RANDOM_SEGMENT.search(value)


def _is_env_var_name(value: str) -> bool:
    """A fallback for names outside catalogued name fields (``"API_KEY": "MY_API_KEY"`` where the
    client expands nothing reaches the server as that literal text: a mistake, not a leak).

    Catalogue ``name_fields`` are the primary protection; this keeps only word-like upper-case
    names (letters, at most three digits after each word), so upper-case hex and base32 secrets
    (``F1A2B3…``, ``JBSWY3DP…``) are still judged.
    """
    return bool(ENV_VAR_NAME.match(value))


def classify(key: str, value: str, entropy_allowed: bool) -> str:
    """``keyword``, ``password``, ``high-entropy`` or ``""``: the verdict on one value.

    - a strong credential key (``DB_PASSWORD``, ``GITHUB_TOKEN``): any value of 8+ characters
      without spaces (``password`` under a password key, else ``keyword``);
    - a weak one (``STRIPE_KEY``, ``SESSION``): a value that looks generated: 16+ characters mixing
      letters and digits, detect-secrets' base64 entropy above 4.5, or its hex entropy above 3.0
      over 16+ characters;
    - no credential key: ``high-entropy`` when detect-secrets' base64 entropy is above 4.5, the
      value mixes upper case, lower case and digits, and it sits where credentials go
      (``entropy_allowed``: env, header, flag value, ...) under a key that is not an identifier.
    """
    if not value or '"' in value or "\n" in value or not_a_secret(value):
        return ""
    line = synthetic_line(key, value)
    detected = _keyword_may_match(line) and bool(
        _plugins()[0].analyze_line(filename=SYNTHETIC_FILE, line=line, line_number=1))
    strength = key_strength(key, detected)
    if strength == "strong":
        return _named_kind(key) if len(value) >= NAMED_MIN_LENGTH and " " not in value else ""
    base64_high = _entropy_may_exceed(value, BASE64_ALPHABET, BASE64_LIMIT) and bool(
        _plugins()[1].analyze_line(filename=SYNTHETIC_FILE, line=line, line_number=1))
    if strength == "weak":
        hex_high = len(value) >= RANDOM_MIN_LENGTH and _entropy_may_exceed(
            value, HEX_ALPHABET, HEX_LIMIT) and bool(
            _plugins()[2].analyze_line(filename=SYNTHETIC_FILE, line=line, line_number=1))
        return "keyword" if base64_high or hex_high or _looks_random(value) else ""
    unnamed_random = base64_high and _mixed_case_with_digits(value)
    if entropy_allowed and unnamed_random and not _last_word_is_an_attribute(key):
        return "high-entropy"
    return ""


def _named_kind(key: str) -> str:
    return "password" if PASSWORD_WORDS.intersection(key_words(key)) else "keyword"


def _last_word_is_an_attribute(key: str) -> bool:
    """``TOKEN_URL``, ``SECRET_NAME``, ``FOLDER_ID``: the key names something other than a secret."""
    words = key_words(key)
    return bool(words) and words[-1] in NOT_SECRET_WORDS


def _mixed_case_with_digits(value: str) -> bool:
    """Upper and lower case letters and digits: what a generated base64/base62 secret has and a
    hex digest, an upper-case id or a lower-case slug does not."""
    return bool(re.search(r"[a-z]", value) and re.search(r"[A-Z]", value) and re.search(r"\d", value))


# A dotted name (process.env.DB_PASSWORD, config.password): code that reads a password.
DOTTED_NAME = lazy_compile(r"^[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)+$")


def looks_chosen_password(value: str) -> bool:
    """Whether a value a password word labels in a line of text (``password = "V"``) reads like a
    password a person chose: 8+ characters without spaces, letters with digits or symbols
    (``VMware1!``, ``4ian1234``), and none of a name's look: a single word, a snake_case or
    dotted name, an address, a version, an environment variable's name."""
    if len(value) < NAMED_MIN_LENGTH or not value.isprintable() or " " in value:
        return False
    if value[0] in "#/:@&*%" or value[-1] in ":=" or "passw" in value.lower():
        return False  # an anchor, a path, a label ("rememberMe:") or a password's own name
    if not any(c.isalpha() for c in value) or not_a_secret(value) or DOTTED_NAME.match(value):
        return False
    return any(c.isdigit() or (not c.isalnum() and c not in "_-.") for c in value)


def looks_generated(value: str) -> bool:
    """Whether a value labelled in a line of text (``access key V``) looks generated rather than
    written: the test a key name's weak word asks of its value (``_looks_random``)."""
    return _looks_random(value)


def _looks_random(value: str) -> bool:
    """16+ characters without spaces whose letters and digits are mixed the way generated values
    mix them: inside one run of 12+ characters, or in two runs or more (``A1B2-C3D4``, UUIDs).

    Model names, dates and slugs (``claude-3-5-sonnet-20241022``, ``oauth2-client-credentials``)
    keep letters and digits in runs of their own, or mix them once.
    """
    if len(value) < RANDOM_MIN_LENGTH or " " in value:
        return False
    mixed = [run for run in re.findall(r"[A-Za-z0-9]+", value)
             if re.search(r"[A-Za-z]", run) and re.search(r"\d", run)]
    return len(mixed) >= 2 or any(len(run) >= RANDOM_RUN_LENGTH for run in mixed)
