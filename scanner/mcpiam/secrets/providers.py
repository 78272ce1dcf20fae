"""Providers named by a key: whose credential a value is when no token family knows its format.

Hundreds of services issue keys that are plain hex or alphanumeric strings (``ATERA_API_KEY``
holding 32 hex characters): nothing in the value says whose it is, the key name does. The
providers are data (``providers.json`` beside this module: id, display name, the words key names
use for the vendor, a reference), read on first use. This layer never decides that a value is a
credential: the key-name and entropy judgement (``generic``) does; it only names the provider of
what that judgement reports.

How a key name names a provider (``ProviderCatalogue.named_by``)
    The key is split into lower-case words as the generic judgement splits it (``X-Acme-Token``
    reads x, acme, token; ``acmeApiKey`` reads acme, api, key). A provider word equals one word or
    up to three consecutive words joined (``NEW_RELIC_KEY`` reads newrelic), or one word without a
    credential suffix glued to it (``ACMEKEY``, ``acmetoken``). The leftmost match wins. A common
    English word that is also a vendor's name (front, close) names it only as a whole key with
    nothing but credential words beside it (``FRONT_API_TOKEN``; never ``FRONT_DOOR_TOKEN``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from functools import lru_cache
from pathlib import Path

from mcpiam.core.valuetype import dataclass

CATALOGUE_PATH = Path(__file__).with_name("providers.json")
LONGEST_JOIN = 3  # NEW_RELIC, WEIGHTS_AND_BIASES: a provider's name spans at most three key words
# Credential words a key may glue to a provider's name without a separator (ACMEKEY, acmetoken);
# longest first, so "apikey" is taken off before "key".
GLUED_SUFFIXES = ("accesstoken", "apitoken", "apikey", "authtoken", "secretkey", "token", "secret",
                  "apikeys", "keys", "key", "pat")
MIN_GLUED_NAME = 4  # a shorter name glued to "key" (boxkey, lobkey) names nothing for sure
# The words a key adds to a vendor's name to say "its credential" (FRONT_API_TOKEN, closeApiKey).
CREDENTIAL_KEY_WORDS = frozenset({
    "api", "key", "keys", "apikey", "token", "tokens", "secret", "access", "auth", "pat", "private",
    "client", "bearer", "password", "credential", "credentials", "app", "bot", "my",
    "x",  # a header's X- prefix (X-Front-Key)
})


@dataclass(frozen=True, slots=True)
class Provider:
    """A vendor whose credentials a key name can name."""

    id: str  # the provider id findings carry; a token family's provider id where one exists
    name: str  # display name
    words: tuple[str, ...]  # how key names write it: lower-case letters and digits only
    reference: str  # the vendor's documentation or site
    # Common English words that name it only as a whole key beside credential words alone.
    whole_key_words: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ProviderCatalogue:
    providers: tuple[Provider, ...]
    by_word: Mapping[str, Provider]
    by_whole_key_word: Mapping[str, Provider]

    def named_by(self, key: str) -> Provider | None:
        """The provider a key name (env var, header, flag, the words before a value) names, if any."""
        if not key:
            return None
        # The same word split as the key-name judgement; imported here, as detect imports that
        # module (it compiles its patterns at import) only when a value needs judging.
        from mcpiam.secrets.generic import key_words

        words = key_words(key)
        for start in range(len(words)):
            for candidate in _readings(words, start):
                provider = self.by_word.get(candidate)
                if provider is not None:
                    return provider
        rest = [word for word in words if word not in CREDENTIAL_KEY_WORDS]
        if len(rest) < len(words) and 0 < len(rest) <= LONGEST_JOIN:
            return self.by_whole_key_word.get("".join(rest))
        return None

    def by_id(self, provider_id: str) -> Provider | None:
        return next((p for p in self.providers if p.id == provider_id), None)


def _readings(words: list[str], start: int) -> Iterator[str]:
    """What the key's words from ``start`` may spell: the longest join first, then each join with
    a credential suffix taken off (digits split words: 1PASSWORDKEY reads 1, passwordkey)."""
    joins = ["".join(words[start:start + length])
             for length in range(min(LONGEST_JOIN, len(words) - start), 0, -1)]
    yield from joins
    for joined in joins:
        for suffix in GLUED_SUFFIXES:
            if joined.endswith(suffix) and len(joined) - len(suffix) >= MIN_GLUED_NAME:
                yield joined[: -len(suffix)]


def catalogue_from(data: Mapping[str, object]) -> ProviderCatalogue:
    """The catalogue of parsed ``providers.json`` data. Raises ValueError when a word is owned by
    two providers (a key would name either by chance)."""
    providers = tuple(
        Provider(entry["id"], entry["name"], tuple(entry["words"]), entry["reference"],
                 tuple(entry.get("whole_key_words", ())))
        for entry in data["providers"]  # type: ignore[union-attr]
    )
    by_word: dict[str, Provider] = {}
    by_whole_key_word: dict[str, Provider] = {}
    for provider in providers:
        for table, words in ((by_word, provider.words), (by_whole_key_word, provider.whole_key_words)):
            for word in words:
                owner = by_word.get(word) or by_whole_key_word.get(word)
                if owner is not None:
                    raise ValueError(f"provider word {word!r} is claimed by {owner.id} and {provider.id}")
                table[word] = provider
    return ProviderCatalogue(providers, by_word, by_whole_key_word)


@lru_cache(maxsize=1)
def provider_catalogue() -> ProviderCatalogue:
    """The shipped catalogue, read once per process when a credential first needs a provider."""
    return catalogue_from(json.loads(CATALOGUE_PATH.read_text(encoding="utf-8")))
