"""Credential detection: every literal credential in the scanned configs, typed and fingerprinted.

This is part of the model step: rules (``embedded-secret``, ``unscoped-token`` and the identity
rules) read the credentials found here and never look at raw text themselves. A credential keeps
its value only in memory, for the keyed fingerprint; what leaves this module for output is a
redacted preview and the fingerprint.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Iterator, Sequence
from mcpiam.core.digest import hmac_sha256
from mcpiam.core.lazy_pattern import lazy_compile
from mcpiam.core.valuetype import dataclass, field
from urllib.parse import unquote

from mcpiam.catalogue import Catalogue, name_field_at
from mcpiam.core.document import Span
from mcpiam.core.findings import Location
from mcpiam.model.servers import ConfigFile, Server, ServerIndex, Value
from mcpiam.secrets.families import Specificity, TokenFamily, TokenMatch, family_preferred, match_value
from mcpiam.secrets.locate import (
    DEFAULT_EXPR,
    SecretCandidate,
    StringReader,
    candidates_in,
    credential_label,
    key_candidates,
)
from mcpiam.secrets.providers import Provider, provider_catalogue
from mcpiam.secrets.references import (
    ReferenceOccurrence,
    check_references,
    is_placeholder,
    is_secret_manager_uri,
)
from mcpiam.secrets.shell import shell_candidates, shell_reading_at

MIN_GENERIC_LENGTH = 8
BAD_CHECKSUM = "bad-checksum"  # the generic kind of a look-alike that nothing else calls a secret
REFERENCE_GLUE = " \t-_:/.,;\"'"  # what may surround references in a value that is only references
# What a shell expands in a script it runs, whichever client wrote the script down.
SHELL_EXPANDS = ("dollar", "dollar-brace", "dollar-brace-default", "dollar-brace-required", "shell-command")
GENERIC_ENTROPY_PLACES = frozenset({"env", "header", "flag-value", "pair", "url-password",
                                    "url-query", "default"})


@dataclass(frozen=True, slots=True)
class Credential:
    """A literal credential found in a config file."""

    config: ConfigFile
    server: Server | None  # the server whose subtree holds it, if any
    candidate: SecretCandidate = field(repr=False)
    family: TokenFamily | None  # None for a generic (keyword / entropy) detection
    generic_kind: str  # "" for a family match; else e.g. "keyword", "high-entropy"
    span: Span
    fingerprint: str  # keyed HMAC-SHA256 of the value (hex), stable across files and machines
    preview: str  # at most the family prefix and the last 4 characters
    secret_length: int
    claims: tuple[tuple[str, str], ...] = ()  # decoded JWT claims worth reporting (exp, role, scope)
    # The checksummed family whose shape the value has although its checksum fails (family is
    # then None: it is not that credential, but may be a damaged one).
    lookalike: TokenFamily | None = None
    # The account it logs in as (a connection string's user name; not a secret) and where.
    account: str = ""
    account_span: Span | None = None
    offset: int = field(default=-1, compare=False)  # where the secret starts in the value's text
    # For a generic verdict (no family): the provider its key name names (ACME_API_KEY), if any.
    provider: Provider | None = None
    _value: str = field(default="", repr=False, compare=False)

    @property
    def location(self) -> Location:
        """Where the secret is written (the value's route, the secret's own span)."""
        return Location(self.config.path, self.span, self.candidate.value.route)

    @property
    def label(self) -> str:
        if self.family is not None:  # a cross-vendor format (a JWT) the key names the owner of
            return f"{self.provider.name} {self.family.name}" if self.provider else self.family.name
        if self.lookalike is not None:
            return f"value in {self.lookalike.name} format"
        kind = {"keyword": "credential (named by its key)", "high-entropy": "high-entropy secret",
                "password": "password"}.get(self.generic_kind, "secret")
        return f"{self.provider.name} {kind}" if self.provider is not None else kind

    @property
    def provider_id(self) -> str:
        """Whose credential it is: the provider a key names for a cross-vendor format (a JWT
        under STORYCHIEF_TOKEN), else the family's provider, else the provider of the format it
        has although its checksum fails, else the provider its key name names."""
        if self.provider is not None and (self.family is None
                                          or self.family.specificity is Specificity.GENERIC):
            return self.provider.id
        family = self.family or self.lookalike
        if family is not None:
            return family.provider
        return self.provider.id if self.provider is not None else ""

    def __str__(self) -> str:  # never the value
        return f"Credential({self.label} {self.preview} at {self.config.path})"


@dataclass(frozen=True, slots=True)
class UnexpandedReference:
    """A reference written in a syntax the owning client does not expand: the server receives
    the text as it is, neither a secret nor a working reference."""

    config: ConfigFile
    server: Server | None
    candidate: SecretCandidate
    occurrence: ReferenceOccurrence
    client_name: str
    span: Span  # of the reference itself inside the value


def keyed_fingerprint(value: str, key: bytes) -> str:
    return hmac_sha256(key, value.encode("utf-8", "surrogatepass")).hexdigest()


def redact(value: str, family: TokenFamily | None) -> str:
    """The family's literal prefix (if any) and the last four characters; nothing for short values."""
    literal = family.prefilter if family is not None else None
    prefix = literal if literal and value.startswith(literal) and len(literal) <= 16 else ""
    if len(value) < 12:
        return f"{prefix}…" if prefix else "…"
    return f"{prefix}…{value[-4:]}"


def _generic(candidate: SecretCandidate) -> str:
    """A detect-secrets verdict on one extracted value (without the spaces around it: ``KEY= V``),
    with its key name as context."""
    from mcpiam.secrets import generic

    return generic.classify(candidate.context, candidate.text.strip(),
                            candidate.place in GENERIC_ENTROPY_PLACES)


def _named_provider(candidate: SecretCandidate) -> Provider | None:
    """The provider the candidate's label names, else the key of the value it is part of (the
    token after "123:" in TELEGRAM_TOKEN="123:AA…" is labelled "123", its value TELEGRAM_TOKEN)."""
    if candidate.place in ("key", "anchor"):
        return None  # a token written as a name: the name is the token, no label
    catalogue = provider_catalogue()
    named = catalogue.named_by(candidate.context)
    if named is None and candidate.value.route and isinstance(candidate.value.route[-1], str):
        named = catalogue.named_by(candidate.value.route[-1])
    return named


def _looks_generated(text: str) -> bool:
    from mcpiam.secrets import generic

    return generic.looks_generated(text)


def find_credentials(
    configs: Sequence[ConfigFile],
    families: Sequence[TokenFamily],
    catalogue: Catalogue,
    fingerprint_key: bytes,
) -> tuple[tuple[Credential, ...], tuple[UnexpandedReference, ...]]:
    credentials: list[Credential] = []
    unexpanded: list[UnexpandedReference] = []
    named = _KeyTokens(_distinctive(families))
    for config in configs:
        found, notes = _in_config(config, families, catalogue, fingerprint_key, named)
        credentials.extend(found)
        unexpanded.extend(notes)
    return tuple(credentials), tuple(unexpanded)


def _distinctive(families: Sequence[TokenFamily]) -> tuple[TokenFamily, ...]:
    """The families a key (a name, not a value) is searched for: a prefix or a fixed structure,
    none that needs a key name."""
    return tuple(f for f in families if f.specificity is Specificity.EXACT and not f.context_keywords)


class _KeyTokens:
    """The distinctive families' matches in key names, each distinct name searched once per scan:
    the same few names (``command``, ``args``, ``env``, ``mcpServers``) open every server of every
    config, and searching them was a sixth of the secrets stage's time per config."""

    __slots__ = ("families", "_found")

    def __init__(self, families: tuple[TokenFamily, ...]) -> None:
        self.families = families
        self._found: dict[str, list[TokenMatch]] = {}

    def matches(self, name: str) -> list[TokenMatch]:
        found = self._found.get(name)
        if found is None:
            found = self._found[name] = match_value(self.families, name, None)
        return found


def _in_config(config: ConfigFile, families: Sequence[TokenFamily], catalogue: Catalogue,
               key: bytes, named: _KeyTokens | None = None) -> tuple[list[Credential], list[UnexpandedReference]]:
    credentials: dict[tuple, Credential] = {}
    unexpanded: list[UnexpandedReference] = []
    servers = ServerIndex.of(config)
    # Per value, the character ranges that hold a token a family recognised: a part of that
    # token (after an "=" or ":" inside it) is not another secret, and must not be reported
    # under a "name" that is really the token's first half.
    tokens: dict[tuple, list[tuple[int, int]]] = {}
    default_place = "env" if config.document.format == "dotenv" else "field"
    read_shell = _shell_reader(config, servers)
    for root in config.document.roots:
        for candidate in candidates_in(root, default_place, read_shell):
            route = candidate.value.route
            if config.doc_fields and _documents_a_value(config, servers, route):
                continue  # an example printed for the reader (catalogue doc_fields), not configuration
            # A part exactly as long as the token is the same token under a label (K=V): it is
            # judged again, since a family that needs that label may outrank the first reading.
            if candidate.start >= 0 and any(
                start <= candidate.start and candidate.start + len(candidate.text) <= end
                and (start, end) != (candidate.start, candidate.start + len(candidate.text))
                for start, end in tokens.get(route, ())
            ):
                continue
            for item in _classify(config, servers, candidate, families, catalogue, key, unexpanded):
                if (item.family or item.lookalike) is not None and item.offset >= 0:
                    tokens.setdefault(route, []).append((item.offset, item.offset + item.secret_length))
                # The same secret reached through several splits (whole value, after "Bearer")
                # is one credential: keep the tightest (shortest) candidate at that route.
                ident = (candidate.value.route, item.fingerprint)
                kept = credentials.get(ident)
                if kept is None or (kept.family is None and item.family is not None) or (
                    (kept.family is None) == (item.family is None)
                    and item.secret_length < kept.secret_length
                ) or _outranks(item, kept):
                    credentials[ident] = item
    named = named if named is not None else _KeyTokens(_distinctive(families))
    for root in config.document.roots:
        for candidate in key_candidates(root, config.document.labels if root is config.document.root else ()):
            for item in _named_tokens(config, servers, candidate, named, key):
                # Apart from the values: a token used as a key is not the value at that route.
                credentials[("key", candidate.value.route, item.span, item.fingerprint)] = item
    ordered = sorted(_one_per_secret(credentials.values()), key=lambda c: (c.span, c.fingerprint))
    return ordered, unexpanded


def _documents_a_value(config: ConfigFile, servers: ServerIndex, route: tuple) -> bool:
    server = servers.at(route)
    return name_field_at(config.doc_fields, route, server.route if server else None) is not None


def _outranks(item: Credential, kept: Credential) -> bool:
    """The same secret read twice by different families: the one the specificity rule prefers
    (a family needing the label, e.g. TURSO_AUTH_TOKEN=, over the generic JWT) replaces the other."""
    if item.family is None or kept.family is None or item.secret_length != kept.secret_length:
        return False
    return family_preferred(item.family, kept.family)


def _shell_reader(config: ConfigFile, servers: ServerIndex) -> StringReader:
    """Reads the strings that are shell commands (catalogue shell fields, ``sh -c`` scripts,
    command lines) word by word; leaves every other string to the default reading."""
    reading_at = shell_reading_at(config, servers)

    def read(value: Value, text: str, context: str, place: str) -> list[SecretCandidate] | None:
        reading = reading_at(value.route)
        return list(shell_candidates(value, text, context, place, reading)) if reading else None

    return read


def family_credential(config: ConfigFile, server: Server | None, candidate: SecretCandidate,
                      found: TokenMatch, secret: str, span: Span, key: bytes, offset: int,
                      account: str = "", account_span: Span | None = None) -> Credential:
    """The credential a token family's match makes, wherever it was found (a value, a key, the text
    of a file that does not parse): one fingerprint, preview and claims reading for all of them."""
    # A cross-vendor format (a JWT, a URI with a password) says nothing of whose it is: its key may.
    generic = found.family.specificity is Specificity.GENERIC
    return Credential(
        config=config, server=server, candidate=candidate, family=found.family, generic_kind="",
        span=span, fingerprint=keyed_fingerprint(secret, key), preview=redact(secret, found.family),
        secret_length=len(secret), claims=_claims(found.claims), account=account,
        account_span=account_span, offset=offset, _value=secret,
        provider=_named_provider(candidate) if generic else None,
    )


def _named_tokens(config: ConfigFile, servers: ServerIndex, candidate: SecretCandidate,
                  named: _KeyTokens, key: bytes) -> Iterator[Credential]:
    """Tokens of the distinctive families (a prefix or a fixed structure; no family that needs a
    key name, no generic guess, so ordinary names such as GITHUB_TOKEN are never flagged) in a key."""
    found_in_name = named.matches(candidate.text)
    if not found_in_name:
        return
    server = servers.at(candidate.value.route)
    for found in found_in_name:
        secret = candidate.text[found.start:found.end]
        if is_placeholder(secret) or found.rejected:
            continue
        yield family_credential(config, server, candidate, found, secret,
                                _candidate_span(candidate, found.start, len(secret)), key, found.start)


def _preference(credential: Credential) -> tuple:
    """Which of several readings of one secret to report: a family over a generic verdict, the
    more specific family, then the outer value (a service-account JSON over its private key)."""
    family = credential.family
    return (family is not None, credential.lookalike is not None,
            family.specificity.rank if family else -1, -len(credential.candidate.value.route))


def _one_per_secret(credentials: Iterable[Credential]) -> list[Credential]:
    """One credential per position: a token inside JSON inside a string is reached both through
    the string and through the embedded value (escaped in one, decoded in the other)."""
    kept: dict[Span, Credential] = {}
    for credential in credentials:
        ident = credential.span
        other = kept.get(ident)
        if other is None or _preference(credential) > _preference(other):
            kept[ident] = credential
    return list(kept.values())


def _classify(config: ConfigFile, servers: ServerIndex, candidate: SecretCandidate,
              families: Sequence[TokenFamily], catalogue: Catalogue, key: bytes,
              unexpanded: list[UnexpandedReference]) -> Iterator[Credential]:
    text = candidate.text.strip()
    if not text or is_secret_manager_uri(text):
        return
    expands = config.expands + SHELL_EXPANDS if candidate.shell else config.expands
    refs = check_references(text, expands, catalogue)
    if refs.expanded and not refs.residue.strip(REFERENCE_GLUE):
        return  # wholly a reference the client expands
    server = servers.at(candidate.value.route)
    offset = candidate.text.find(text)
    matches = match_value(families, text, candidate.context or None)
    if candidate.place != "default" and "${" in text:
        # A ${VAR:-default}'s default is a candidate of its own, judged without the "-" before it.
        defaults = [m.span() for m in DEFAULT_EXPR.finditer(text)]
        matches = [m for m in matches if not any(s <= m.start < e for s, e in defaults)]
    if candidate.place != "default":  # a default's text is a literal, whatever it looks like
        for occurrence in refs.unexpanded:
            end = occurrence.start + len(occurrence.text)
            if any(m.start < end and occurrence.start < m.end for m in matches):
                continue  # a known token wrapped in reference-like brackets is a literal
            start = candidate.start + offset + occurrence.start if candidate.start >= 0 else -1
            unexpanded.append(UnexpandedReference(
                config, server, candidate, occurrence, _client_name(catalogue, config.client),
                _candidate_span(candidate, start, len(occurrence.text))))
        if refs.unexpanded and not matches and not refs.literal.strip(REFERENCE_GLUE):
            return  # wholly references: a mistake in the config, not a credential
    lookalikes: list[TokenMatch] = []
    for found in matches:
        secret = text[found.start:found.end]
        if is_placeholder(secret, candidate.context) or (found.rejected and not found.checksum_failed):
            continue
        if found.checksum_failed:
            lookalikes.append(found)
            continue
        start = candidate.start + offset + found.start if candidate.start >= 0 else -1
        span = _candidate_span(candidate, start, len(secret))
        account, account_span = "", None
        if found.account_start >= 0:
            account = unquote(text[found.account_start:found.account_end])
            account_at = candidate.start + offset + found.account_start if candidate.start >= 0 else -1
            account_span = _candidate_span(candidate, account_at, found.account_end - found.account_start)
        yield family_credential(config, server, candidate, found, secret, span, key, start,
                                account, account_span)
    server_route = server.route if server is not None else None
    in_name_field = name_field_at(config.name_fields, candidate.value.route, server_route) is not None
    for found in lookalikes:
        secret = text[found.start:found.end]
        start = candidate.start + offset + found.start if candidate.start >= 0 else -1
        # A failing checksum does not switch off the key-name and entropy judgement of the whole
        # value: what it says is kept (one credential per value), the look-alike names the shape.
        whole = found.start == 0 and found.end == len(text)
        verdict = _generic(candidate) if whole and not in_name_field and not candidate.composite else ""
        yield Credential(
            config=config, server=server, candidate=candidate, family=None,
            generic_kind=verdict or BAD_CHECKSUM, span=_candidate_span(candidate, start, len(secret)),
            fingerprint=keyed_fingerprint(secret, key), preview=redact(secret, found.family),
            secret_length=len(secret), lookalike=found.family, offset=start, _value=secret,
        )
    if matches:
        return
    inside = _basic_token(candidate, text, families)
    if inside is not None:
        # HTTP Basic as sent: the whole base64 blob is the secret, named by the token inside it.
        found, token = inside
        start = candidate.start + offset if candidate.start >= 0 else -1
        yield Credential(
            config=config, server=server, candidate=candidate, family=found.family,
            generic_kind="", span=_candidate_span(candidate, start, len(text)),
            fingerprint=keyed_fingerprint(token, key), preview=redact(token, found.family),
            secret_length=len(text), claims=_claims(found.claims), offset=start, _value=token,
        )
        return
    if (is_placeholder(text, candidate.context) or len(text) < MIN_GENERIC_LENGTH or refs.expanded
            or refs.unexpanded or candidate.composite):
        return
    if in_name_field:
        return  # an env-var or secret NAME (catalogue name_fields); a token family still counts above
    provider = None
    if candidate.place == "phrase":
        # A value labelled in a line of text: only a generated-looking one, after a credential
        # word (the key-name judgement decides) or after a provider's name (that says whose).
        if not _looks_generated(text):
            return
        labelled = credential_label(candidate.context)
        # Without a credential word only the name right before the value may name a provider
        # ("skrapp V"): "Endpoint=https://x.azconfig.io;Id=V" is an id, not an Azure secret.
        name = candidate.context if labelled else candidate.context.rpartition(" ")[2]
        provider = provider_catalogue().named_by(name)
        if provider is None and not labelled:
            return
    verdict = _generic(candidate) or ("keyword" if provider is not None else "")
    if verdict:
        start = candidate.start + offset if candidate.start >= 0 else -1
        yield Credential(
            config=config, server=server, candidate=candidate, family=None, generic_kind=verdict,
            span=_candidate_span(candidate, start, len(text)),
            fingerprint=keyed_fingerprint(text, key), preview=redact(text, None),
            secret_length=len(text), _value=text,
            provider=provider or _named_provider(candidate),
        )


BASIC_BLOB = lazy_compile(r"^[A-Za-z0-9+/]{8,}={0,2}$")


def _basic_token(candidate: SecretCandidate, text: str,
                 families: Sequence[TokenFamily]) -> tuple[TokenMatch, str] | None:
    """The family token in the password of a ``Basic base64(user:password)`` credential."""
    if not candidate.context.endswith(" Basic") or not BASIC_BLOB.match(text):
        return None
    try:
        decoded = base64.b64decode(text, validate=True).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return None
    _, colon, password = decoded.partition(":")
    if not colon or not password.isprintable():
        return None
    for found in match_value(families, password, None):
        token = password[found.start:found.end]
        if not found.rejected and not is_placeholder(token):
            return found, token
    return None


def _client_name(catalogue: Catalogue, client_id: str) -> str:
    try:
        return catalogue.client(client_id).name
    except KeyError:
        return client_id


def _candidate_span(candidate: SecretCandidate, start: int, length: int) -> Span:
    return candidate.span_of(start, length)


REPORTED_CLAIMS = ("exp", "iat", "role", "scope", "scp", "aud", "iss")


def _claims(claims: object) -> tuple[tuple[str, str], ...]:
    """The JWT claims that say who a token is and how long it lives (never the signature)."""
    if not isinstance(claims, dict):
        return ()
    return tuple((k, str(claims[k])) for k in REPORTED_CLAIMS if k in claims)
