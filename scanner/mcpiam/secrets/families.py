"""Token families: what a credential looks like, what it grants, how long it lives.

Families are data, one YAML file per provider (``rules/*.yaml`` in a checkout, packaged as
``mcpiam/token_rules``), validated against ``token-family.schema.json`` beside this module. This
module loads them into frozen dataclasses, matches them against one extracted config value, and
expands the synthetic example templates the rule files carry instead of real-looking tokens.

Matching one value (``match_value``)
    Each family's pattern runs on the value (never a whole line). A family with
    ``context_keywords`` only runs when the key name holding the value contains one of them
    (both lower-cased with every non-alphanumeric character removed: ``AWS_SECRET_ACCESS_KEY``,
    ``aws-secret-access-key`` and ``awsSecretAccessKey`` all read ``awssecretaccesskey``). The
    family's validator, if any, then judges the captured secret.

Which family wins when matches overlap (the specificity rule)
    Matches overlap when their secret spans share a character. For each overlapping pair:

    1. a match whose validator failed yields to one whose validator passed or that has none;
    2. an explicit ``overrides`` (transitive) decides next: the overriding family wins;
    3. otherwise the higher specificity wins: ``exact`` (a distinctive prefix or structure) over
       ``contextual`` (a plain shape that needs a key-name keyword) over ``generic`` (a shape
       shared across vendors: any JWT, any URI with a password, any PEM private key);
    4. anything still overlapping is reported as is; the shipped rules are tested to leave none.

    ``specificity`` defaults to ``contextual`` for families with ``context_keywords`` and to
    ``exact`` otherwise; ``generic`` is always declared.

Example templates (``expand_example``)
    Literal text, with placeholders in braces; ``{{`` and ``}}`` are literal braces.
    Characters are deterministic for a given template (a SHA-256 stream keyed by the template
    and the placeholder's position) but not repetitive: no character repeats its neighbour, no
    run of three consecutive code points, no placeholder words (``test``, ``example``, ...).

    - ``{alnum:N}``: N of ``[A-Za-z0-9]``; ``{lower_alnum:N}`` ``[a-z0-9]``;
      ``{upper_alnum:N}`` ``[A-Z0-9]``; ``{lower:N}``, ``{upper:N}``, ``{alpha:N}`` letters;
      ``{digits:N}``; ``{hex:N}`` ``[0-9a-f]``; ``{upper_hex:N}``; ``{b64:N}``
      ``[A-Za-z0-9+/]``; ``{b64url:N}`` ``[A-Za-z0-9_-]``; ``{base32:N}`` ``[A-Z2-7]``
    - ``{github_crc:N}``: N of ``[A-Za-z0-9]``, then their 6-character base62 CRC32
    - ``{uuid}``, ``{upper_uuid}``: an 8-4-4-4-12 hex UUID
    - ``{jwt:JSON}``: an HS256 JWT whose claims are the JSON object (no braces inside strings)
    - ``{pem:LABEL}``: ``-----BEGIN LABEL-----``, base64 lines, ``-----END LABEL-----``;
      ``{pem_escaped:LABEL}`` the same joined with two-character ``\\n`` escapes (as inside
      JSON text); ``{pem_proc_encrypted:LABEL}`` with legacy ``Proc-Type``/``DEK-Info`` headers;
      ``{pem_base64:LABEL}`` the ``{pem:LABEL}`` text base64-encoded on one line (``LS0tLS1CRUdJTi...``)
    - ``{<}`` and ``{>}``: where the secret starts and ends (default: the whole value)
"""

from __future__ import annotations

import base64
import json
import os
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from mcpiam.core.digest import sha256
from mcpiam.core.lazy_pattern import compile_ahead, lazy_compile
from mcpiam.core.valuetype import dataclass, field, replace
from enum import Enum
from functools import lru_cache
from pathlib import Path

from mcpiam.core.findings import Severity
from mcpiam.core.snapshot import read_bytes, snapshot_data, snapshot_text, sources_digest
from mcpiam.secrets.validators import (
    CHECKSUM_VALIDATORS,
    JWT_VALIDATORS,
    VALIDATORS,
    decode_jwt_claims,
    github_checksum,
)

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing on the hook's path
if TYPE_CHECKING:
    from typing import Any
    import jsonschema
    import yaml

SCHEMA_PATH = Path(__file__).with_name("token-family.schema.json")


class Grants(str, Enum):
    """What holding the credential lets its bearer do."""

    SCOPED = "scoped"  # limited to chosen resources or permissions
    BROAD = "broad"  # everything its owner can do, or a whole API
    USER = "user"  # acts as a person
    ADMIN = "admin"  # administers an organisation, account or instance
    SERVICE_ACCOUNT = "service-account"  # a shared, non-human identity
    PUBLIC = "public"  # meant to be published; not a secret


class Lifetime(str, Enum):
    SHORT = "short"  # minutes to a day
    LONG = "long"  # expires, but after weeks or more
    NO_EXPIRY = "no-expiry"  # lives until revoked
    UNKNOWN = "unknown"


class Specificity(str, Enum):
    """How distinctive a family's shape is; the higher rank wins an overlap."""

    GENERIC = "generic"
    CONTEXTUAL = "contextual"
    EXACT = "exact"

    @property
    def rank(self) -> int:
        return {"generic": 0, "contextual": 1, "exact": 2}[self.value]


@dataclass(frozen=True, slots=True)
class Example:
    """One example template, with the key name it sits under (for context-keyword families)."""

    template: str
    key: str | None = None


@dataclass(frozen=True, slots=True)
class FamilyExamples:
    """The example templates a family is checked against, kept as loaded and read on use: only
    the example checks, the tests and the rule docs read them, and building ~900 ``Example``
    objects on every scan was ~0.5 ms of a pre-commit run."""

    # The family's ``examples`` as loaded: lists under positive, negative and (optional) invalid,
    # each item a template or a mapping with ``value`` and ``key``.
    data: Mapping[str, Any]

    @property
    def positive(self) -> tuple[Example, ...]:
        return _examples(self.data["positive"])

    @property
    def negative(self) -> tuple[Example, ...]:
        return _examples(self.data["negative"])

    @property
    def invalid(self) -> tuple[Example, ...]:
        """Match the pattern but fail the validator (a bad checksum, an anon JWT, ...)."""
        return _examples(self.data.get("invalid", ()))


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class TokenFamily:
    """One kind of credential. Identity is the object; ``id`` is unique across a loaded set."""

    id: str
    provider: str
    name: str
    regex: str  # the pattern's source; compiled on first use (``pattern``)
    grants: Grants
    lifetime: Lifetime
    severity: Severity
    description: str
    remediation: str
    references: tuple[str, ...]
    examples: FamilyExamples
    validator: str | None = None
    context_keywords: tuple[str, ...] = ()  # normalised: lower-case, alphanumerics only
    pairs_with: tuple[str, ...] = ()
    overrides: tuple[str, ...] = ()
    specificity: Specificity = Specificity.EXACT
    shared_identity: bool = False  # a non-personal identity shared by design (sk-svcacct-, ops_)
    source: Path | None = None
    line: int = 1
    # Derived at load: a literal every match contains (a cheap pre-filter), and the transitive
    # closure of ``overrides`` over the loaded set.
    prefilter: str | None = None
    outranks: frozenset[str] = field(default=frozenset())

    def __repr__(self) -> str:
        return f"TokenFamily({self.id!r})"

    @property
    def pattern(self) -> re.Pattern[str]:
        """The compiled pattern. Compiling all families costs a short scan more than scanning
        (Python compiles regular expressions slowly), so each compiles when first run."""
        return compile_pattern(self.regex)


# A memo of a pure function over the (few hundred) family patterns loaded in a process.
compile_pattern = lru_cache(maxsize=None)(compile_ahead)


@dataclass(frozen=True, slots=True)
class TokenMatch:
    """A family found in a value. Offsets are code points into the value, never the text itself."""

    family: TokenFamily
    start: int  # the secret's span
    end: int
    valid: bool | None  # the validator's verdict; None when the family has no validator
    match_start: int  # the whole pattern match (may include a scheme, user name, key name)
    match_end: int
    # Decoded claims (exp, role, scope, ...) when the family's validator reads a JWT.
    claims: Mapping[str, Any] | None = field(default=None, compare=False)
    # The account the credential logs in as (the pattern's ``user`` group), when it names one.
    account_start: int = -1
    account_end: int = -1

    @property
    def rejected(self) -> bool:
        """The validator ran and failed: a look-alike, not a credential of this family."""
        return self.valid is False

    @property
    def checksum_failed(self) -> bool:
        """The family's shape with a checksum that does not add up: a test value, a typo, or a
        damaged real token (which still leaks most of one). Reported, at low severity."""
        return self.valid is False and self.family.validator in CHECKSUM_VALIDATORS

    def overlaps(self, other: TokenMatch) -> bool:
        return self.start < other.end and other.start < self.end


class FamilyFileError(Exception):
    """A rule file that cannot be used. Names the file, line and field; never echoes values."""

    def __init__(self, path: Path, line: int, field: str, reason: str) -> None:
        self.path = path
        self.line = line
        self.field = field
        self.reason = reason
        where = f"{field}: " if field else ""
        super().__init__(f"{path}:{line}: {where}{reason}")


class TemplateError(ValueError):
    """An example template that cannot be expanded."""


# --- locating the shipped data ------------------------------------------------------------------


def shipped_rules_dir() -> Path:
    """Shipped family files: ``mcpiam/token_rules`` in a wheel, else ``rules/`` at the top of a
    checkout (two folders above the package: ``scanner/mcpiam``)."""
    package_dir = Path(__file__).parent.parent
    if (package_dir / "token_rules").is_dir():
        return package_dir / "token_rules"
    return package_dir.parent.parent / "rules"


# --- example templates --------------------------------------------------------------------------

_ALPHABETS: Mapping[str, str] = {
    "alnum": "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
    "lower_alnum": "abcdefghijklmnopqrstuvwxyz0123456789",
    "upper_alnum": "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
    "lower": "abcdefghijklmnopqrstuvwxyz",
    "upper": "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "alpha": "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
    "digits": "0123456789",
    "hex": "0123456789abcdef",
    "upper_hex": "0123456789ABCDEF",
    "b64": "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
    "b64url": "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_",
    "base32": "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567",
}
# Words another filter reads as "placeholder"; generated text never contains them.
_PLACEHOLDER_WORDS = (
    "example", "sample", "test", "fake", "dummy", "xxx", "changeme", "placeholder", "your",
    "secret", "token", "password", "redacted", "null", "none", "todo",
)  # fmt: skip
_SECRET_START, _SECRET_END = "<", ">"
# One search instead of a test per word for every generated character.
_PLACEHOLDER_TAIL = lazy_compile("(?:" + "|".join(map(re.escape, _PLACEHOLDER_WORDS)) + ")$")


class _Stream:
    """Deterministic bytes: SHA-256 of a seed and a counter."""

    def __init__(self, seed: str) -> None:
        self._seed = seed.encode("utf-8")
        self._counter = 0
        self._buffer = b""

    def below(self, bound: int) -> int:
        limit = 256 - 256 % bound
        while True:
            if not self._buffer:
                self._buffer = sha256(
                    self._seed + self._counter.to_bytes(8, "big")
                ).digest()
                self._counter += 1
            byte, self._buffer = self._buffer[0], self._buffer[1:]
            if byte < limit:
                return byte % bound


def _characters(stream: _Stream, alphabet: str, count: int) -> str:
    out: list[str] = []
    while len(out) < count:
        char = alphabet[stream.below(len(alphabet))]
        if out and char == out[-1]:
            continue
        if len(out) >= 2:
            step = ord(out[-1]) - ord(out[-2])
            if step in (1, -1) and ord(char) - ord(out[-1]) == step:
                continue
        out.append(char)
        if _PLACEHOLDER_TAIL.search("".join(out[-12:]).lower()):
            out.pop()
    return "".join(out)


def _b64url_nopad(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def _expand_placeholder(name: str, arg: str, stream: _Stream) -> str:
    if name in _ALPHABETS or name == "github_crc":
        if not arg.isdigit() or int(arg) < 1:
            raise TemplateError(f"{{{name}:N}} needs a positive length")
        count = int(arg)
        if name == "github_crc":
            body = _characters(stream, _ALPHABETS["alnum"], count)
            return body + github_checksum(body)
        return _characters(stream, _ALPHABETS[name], count)
    if name in ("uuid", "upper_uuid"):
        hexes = _characters(stream, _ALPHABETS["hex"], 32)
        text = "-".join((hexes[:8], hexes[8:12], hexes[12:16], hexes[16:20], hexes[20:]))
        return text.upper() if name == "upper_uuid" else text
    if name == "jwt":
        try:
            claims = json.loads(arg)
        except ValueError as error:
            raise TemplateError("{jwt:...} needs a JSON object") from error
        if not isinstance(claims, dict):
            raise TemplateError("{jwt:...} needs a JSON object")
        header = _b64url_nopad(b'{"alg":"HS256","typ":"JWT"}')
        payload = _b64url_nopad(json.dumps(claims, separators=(",", ":")).encode("utf-8"))
        return f"{header}.{payload}.{_characters(stream, _ALPHABETS['b64url'], 43)}"
    if name == "pem_base64":
        block = _expand_placeholder("pem", arg, stream)
        return base64.b64encode(block.encode("ascii")).decode("ascii")
    if name in ("pem", "pem_escaped", "pem_proc_encrypted"):
        if not re.fullmatch(r"[A-Z0-9 ]+", arg):
            raise TemplateError("{pem:LABEL} needs an upper-case label")
        lines = [_characters(stream, _ALPHABETS["b64"], 64) for _ in range(4)]
        lines.append(_characters(stream, _ALPHABETS["b64"], 40))
        if "PGP" in arg:
            lines = ["", *lines, "=" + _characters(stream, _ALPHABETS["b64"], 4)]
        if name == "pem_proc_encrypted":
            iv = _characters(stream, _ALPHABETS["upper_hex"], 32)
            lines = ["Proc-Type: 4,ENCRYPTED", f"DEK-Info: AES-128-CBC,{iv}", "", *lines]
        newline = "\\n" if name == "pem_escaped" else "\n"
        return newline.join([f"-----BEGIN {arg}-----", *lines, f"-----END {arg}-----"])
    raise TemplateError(f"unknown placeholder {{{name}}}")


def _tokens(template: str) -> Iterator[tuple[str, str, str]]:
    """(kind, name, arg) triples: ("text", text, ""), ("placeholder", name, arg)."""
    i = 0
    text: list[str] = []
    while i < len(template):
        char = template[i]
        if char == "{" and template.startswith("{{", i):
            text.append("{")
            i += 2
        elif char == "}" and template.startswith("}}", i):
            text.append("}")
            i += 2
        elif char == "}":
            raise TemplateError("unbalanced '}' (write '}}' for a literal brace)")
        elif char == "{":
            depth, j = 1, i + 1
            while j < len(template) and depth:
                depth += {"{": 1, "}": -1}.get(template[j], 0)
                j += 1
            if depth:
                raise TemplateError("unterminated placeholder")
            if text:
                yield "text", "".join(text), ""
                text = []
            name, _, arg = template[i + 1 : j - 1].partition(":")
            yield "placeholder", name, arg
            i = j
        else:
            text.append(char)
            i += 1
    if text:
        yield "text", "".join(text), ""


@lru_cache(maxsize=4096)
def expand_example_with_span(template: str, salt: str = "") -> tuple[str, tuple[int, int]]:
    """The expanded text and the secret's span in it (``{<}``..``{>}``, else the whole text).

    The same template always gives the same text; a ``salt`` gives another text of the same shape
    (a generated corpus plants a distinct token in every place).
    """
    parts: list[str] = []
    length = 0
    start: int | None = None
    end: int | None = None
    for index, (kind, name, arg) in enumerate(_tokens(template)):
        if kind == "text":
            piece = name
        elif name == _SECRET_START and not arg:
            start = length
            continue
        elif name == _SECRET_END and not arg:
            end = length
            continue
        else:
            seed = f"{template}\x00{index}" if not salt else f"{template}\x00{salt}\x00{index}"
            piece = _expand_placeholder(name, arg, _Stream(seed))
        parts.append(piece)
        length += len(piece)
    if (start is None) != (end is None) or (start is not None and end is not None and end < start):
        raise TemplateError("secret markers must come as {<} then {>}")
    span = (start, end) if start is not None and end is not None else (0, length)
    return "".join(parts), span


def expand_example(template: str) -> str:
    """Expand an example template (see the module docstring for the language)."""
    return expand_example_with_span(template)[0]


# --- matching -----------------------------------------------------------------------------------

_NON_ALNUM = lazy_compile(r"[^a-z0-9]+")


def normalize_key(key_name: str) -> str:
    """Key names and context keywords compare lower-cased with every non-alphanumeric removed."""
    return _NON_ALNUM.sub("", key_name.lower())


def _secret_span(found: re.Match[str]) -> tuple[int, int]:
    if "secret" in found.re.groupindex and found.start("secret") >= 0:
        return found.span("secret")
    return found.span()


def _account_span(found: re.Match[str]) -> tuple[int, int]:
    if "user" in found.re.groupindex and found.start("user") < found.end("user"):
        return found.span("user")
    return (-1, -1)


def family_candidates(family: TokenFamily, value: str, normalized_key: str) -> Iterator[TokenMatch]:
    """Every match of one family in a value, before overlaps are resolved."""
    if family.prefilter is not None and family.prefilter not in value:
        return
    if family.context_keywords and not any(k in normalized_key for k in family.context_keywords):
        return
    check = VALIDATORS[family.validator] if family.validator else None
    reads_jwt = family.validator in JWT_VALIDATORS
    for found in family.pattern.finditer(value):
        start, end = _secret_span(found)
        if start == end:
            continue
        secret = value[start:end]
        valid = check(secret) if check else None
        claims = decode_jwt_claims(secret) if reads_jwt and valid else None
        account = _account_span(found)
        yield TokenMatch(family, start, end, valid, found.start(), found.end(), claims, *account)


def family_preferred(winner: TokenFamily, loser: TokenFamily) -> bool:
    """Whether ``winner`` is preferred to ``loser`` for the same text: an explicit ``overrides``
    either way decides, else the more specific family (the specificity rule)."""
    if loser.id in winner.outranks:
        return True
    if winner.id in loser.outranks:
        return False
    return winner.specificity.rank > loser.specificity.rank


def _beats(winner: TokenMatch, loser: TokenMatch) -> bool:
    """Whether ``winner`` suppresses an overlapping ``loser``: a valid reading beats an invalid
    one, then the family rule."""
    if winner.valid is False:
        return False
    if loser.valid is False:
        return True
    return family_preferred(winner.family, loser.family)


def resolve_overlaps(candidates: Sequence[TokenMatch]) -> list[TokenMatch]:
    """Drop every candidate that an overlapping candidate beats; sort the rest by position."""
    kept = [
        match
        for match in candidates
        if not any(
            other is not match and other.overlaps(match) and _beats(other, match)
            for other in candidates
        )
    ]
    return sorted(kept, key=lambda m: (m.start, m.end, m.family.id))


def match_value(
    families: Sequence[TokenFamily], value: str, key_name: str | None
) -> list[TokenMatch]:
    """Token families found in one config value held under ``key_name`` (None when it has none)."""
    normalized_key = normalize_key(key_name) if key_name else ""
    screen = _screen(families if isinstance(families, tuple) else tuple(families))
    named = _named_by_key(screen, normalized_key) if normalized_key else frozenset()
    candidates: list[TokenMatch] = []
    for index in screen.with_literal_in(value):
        # A family that needs a key-name keyword the key does not hold is skipped before a
        # generator is made for it: a generator per family and value was most of a scan's time.
        if index in screen.keyworded and index not in named:
            continue
        candidates.extend(family_candidates(screen.families[index], value, normalized_key))
    return resolve_overlaps(candidates) if len(candidates) > 1 else candidates


# Up to this length, listing a value's two-character pieces is cheaper than looking for every
# family's pre-filter literal in it (about 240 of them).
_SCREEN_BY_PAIRS_UP_TO = 200


@dataclass(frozen=True, slots=True, eq=False)
class _Screen:
    """A family list arranged so that ``match_value`` finds the few families a value could hold
    without a search per family: most values contain no family's literal, most keys no family's
    keyword. Identity is the object (one per family list, made by ``_screen``)."""

    families: tuple[TokenFamily, ...]
    by_pair: Mapping[str, tuple[tuple[str, tuple[int, ...]], ...]]  # literals by first two characters
    short: tuple[tuple[str, tuple[int, ...]], ...]  # one-character literals
    unfiltered: tuple[int, ...]  # families without a literal
    keyworded: frozenset[int]  # families that need a key-name keyword

    def with_literal_in(self, value: str) -> list[int]:
        """The families, by index in order, whose literal ``value`` contains or that have none."""
        if len(value) > _SCREEN_BY_PAIRS_UP_TO:
            return [index for index, family in enumerate(self.families)
                    if family.prefilter is None or family.prefilter in value]
        chosen = list(self.unfiltered)
        for literal, indexes in self.short:
            if literal in value:
                chosen.extend(indexes)
        by_pair = self.by_pair
        for pair in {value[i:i + 2] for i in range(len(value) - 1)}.intersection(by_pair):
            for literal, indexes in by_pair[pair]:
                if literal in value:
                    chosen.extend(indexes)
        chosen.sort()
        return chosen


@lru_cache(maxsize=8)
def _screen(families: tuple[TokenFamily, ...]) -> _Screen:
    by_literal: dict[str, list[int]] = {}
    unfiltered = []
    for index, family in enumerate(families):
        if family.prefilter is None:
            unfiltered.append(index)
        else:
            by_literal.setdefault(family.prefilter, []).append(index)
    by_pair: dict[str, list[tuple[str, tuple[int, ...]]]] = {}
    short = []
    for literal, indexes in by_literal.items():
        if len(literal) < 2:
            short.append((literal, tuple(indexes)))
        else:
            by_pair.setdefault(literal[:2], []).append((literal, tuple(indexes)))
    keyworded = frozenset(index for index, family in enumerate(families) if family.context_keywords)
    return _Screen(families, {pair: tuple(group) for pair, group in by_pair.items()}, tuple(short),
                   tuple(unfiltered), keyworded)


@lru_cache(maxsize=1024)
def _named_by_key(screen: _Screen, normalized_key: str) -> frozenset[int]:
    """The keyword families whose keyword a (normalised) key name holds; key names repeat."""
    return frozenset(index for index in screen.keyworded
                     if any(k in normalized_key for k in screen.families[index].context_keywords))


# --- the pre-filter literal ---------------------------------------------------------------------


def required_literal(pattern: re.Pattern[str]) -> str | None:
    """The longest literal every match contains, or None (never wrong, sometimes absent).

    Reads ``re``'s own parse of the pattern; a literal run continues across zero-width
    assertions and into plain groups, and stops at anything else.
    """
    if pattern.flags & re.IGNORECASE:
        return None
    try:
        from re import _constants as sre_constants  # type: ignore[attr-defined]
        from re import _parser as sre_parser  # type: ignore[attr-defined]

        parsed = sre_parser.parse(pattern.pattern, pattern.flags)
    except Exception:  # a private API: no pre-filter rather than a crash
        return None
    zero_width = {sre_constants.ASSERT, sre_constants.ASSERT_NOT, sre_constants.AT}
    best = ""
    run: list[str] = []

    def flush() -> None:
        nonlocal best
        if len(run) > len(best):
            best = "".join(run)
        run.clear()

    def walk(items: Iterable[tuple[Any, Any]]) -> None:
        for op, arg in items:
            if op is sre_constants.LITERAL:
                run.append(chr(arg))
            elif op in zero_width:
                continue
            elif op is sre_constants.SUBPATTERN and not arg[1] & re.IGNORECASE:
                walk(arg[3])
            else:
                flush()

    walk(parsed)
    flush()
    return best or None


# --- loading ------------------------------------------------------------------------------------

Route = tuple[str | int, ...]


@lru_cache(maxsize=1)
def _schema_validator() -> jsonschema.protocols.Validator:
    import jsonschema  # on first use: a plain scan trusts the shipped files the test suite checks

    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)


def _node_lines(
    node: yaml.Node, route: Route = (), lines: dict[Route, int] | None = None
) -> dict[Route, int]:
    """1-based line of every node, by its route of keys and indices."""
    import yaml

    lines = {} if lines is None else lines
    lines[route] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            _node_lines(value_node, (*route, str(key_node.value)), lines)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _node_lines(item, (*route, index), lines)
    return lines


def _format_route(route: Iterable[str | int]) -> str:
    text = ""
    for part in route:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _line_of(lines: Mapping[Route, int], route: Route) -> int:
    while route and route not in lines:
        route = route[:-1]
    return lines.get(route, 1)


def _schema_problem(error: jsonschema.ValidationError) -> tuple[Route, str]:
    """Route and wording for a schema error, without the offending value."""
    route: Route = tuple(error.absolute_path)
    kind, expected = error.validator, error.validator_value
    instance = error.instance
    if kind == "required" and isinstance(instance, dict):
        missing = [name for name in expected if name not in instance]
        return (*route, missing[0] if missing else ""), "is required"
    if kind == "additionalProperties" and isinstance(instance, dict):
        known = set(error.schema.get("properties", {}))
        unknown = sorted(str(name) for name in instance if name not in known)
        return (*route, unknown[0] if unknown else ""), "is not a known field"
    if kind == "enum":
        return route, "must be one of: " + ", ".join(str(item) for item in expected)
    if kind == "type":
        return route, f"must be of type {expected}"
    if kind == "pattern":
        return route, f"must match {expected}"
    if kind in ("oneOf", "anyOf"):
        return route, "has an unexpected shape"
    return route, f"fails the schema's {kind!r} ({expected})"


def _examples(raw: Iterable[Any]) -> tuple[Example, ...]:
    out = []
    for item in raw:
        if isinstance(item, str):
            out.append(Example(item))
        else:
            out.append(Example(item["value"], item.get("key")))
    return tuple(out)


@dataclass(frozen=True, slots=True)
class _Loaded:
    """A family as loaded, with what is needed to point at its file's lines."""

    family: TokenFamily
    index: int  # position in its file's ``families`` list
    lines: Mapping[Route, int]


def _parse_file(path: Path) -> tuple[Any, dict[Route, int]]:
    """A family file's data and the line of every node in it."""
    import yaml

    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise FamilyFileError(
            path, 1, "", f"cannot be read as UTF-8 ({type(error).__name__})"
        ) from None
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)(text)  # libyaml when PyYAML has it
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        problem = getattr(error, "problem", None) or "is not valid YAML"
        raise FamilyFileError(
            path, mark.line + 1 if mark else 1, "", f"invalid YAML: {problem}"
        ) from None
    finally:
        loader.dispose()
    return data, (_node_lines(node) if node is not None else {(): 1})


@dataclass(frozen=True, slots=True)
class _Derived:
    """What loading works out for one family, kept in the shipped snapshot."""

    line: int
    prefilter: str | None


def _load_file(path: Path, validate: bool = True) -> list[_Loaded]:
    data, lines = _parse_file(path)
    return _families_in(path, data, lines, validate)


def _families_in(
    path: Path,
    data: Any,
    lines: Mapping[Route, int],
    validate: bool,
    derived: Sequence[_Derived] | None = None,
) -> list[_Loaded]:
    """The families in one file's data. With ``derived`` (from the shipped snapshot, made by
    this same function from the same data) patterns are neither compiled nor analysed here."""

    def fail(route: Route, reason: str) -> FamilyFileError:
        return FamilyFileError(path, _line_of(lines, route), _format_route(route), reason)

    if validate:
        import jsonschema

        error = jsonschema.exceptions.best_match(_schema_validator().iter_errors(data))
        if error is not None:
            route, reason = _schema_problem(error)
            raise fail(route, reason) from None

    loaded = []
    for index, raw in enumerate(data["families"]):
        at: Route = ("families", index)
        if raw["provider"] != data["provider"]:
            raise fail((*at, "provider"), "must equal the file's provider")
        if derived is None:
            try:
                pattern = compile_pattern(raw["pattern"])
            except re.error as problem:
                raise fail((*at, "pattern"), f"does not compile ({problem.msg})") from None
            except RecursionError:
                raise fail((*at, "pattern"), "does not compile (nested too deeply)") from None
            if pattern.search("") is not None:
                raise fail((*at, "pattern"), "matches the empty string")
            # Imported here: the shipped snapshot (a plain scan) was checked when it was made.
            from mcpiam.secrets.backtracking import backtracking_risk

            risk = backtracking_risk(raw["pattern"])
            if risk is not None:
                raise fail((*at, "pattern"),
                           f"may take super-linear time on a hostile value ({risk.describe()})")
            found = _Derived(_line_of(lines, at), required_literal(pattern))
        else:
            found = derived[index]
        validator = raw.get("validator")
        if validator is not None and validator not in VALIDATORS:
            raise fail(
                (*at, "validator"), "is not a known validator: " + ", ".join(sorted(VALIDATORS))
            )
        keywords = tuple(normalize_key(k) for k in raw.get("context_keywords", ()))
        if any(not k for k in keywords):
            raise fail((*at, "context_keywords"), "must contain letters or digits")
        default = Specificity.CONTEXTUAL if keywords else Specificity.EXACT
        family = TokenFamily(
            id=raw["id"],
            provider=raw["provider"],
            name=raw["name"],
            regex=raw["pattern"],
            grants=Grants(raw["grants"]),
            lifetime=Lifetime(raw["lifetime"]),
            severity=Severity.parse(raw["severity"]),
            description=raw["description"].strip(),
            remediation=raw["remediation"].strip(),
            references=tuple(raw["references"]),
            examples=FamilyExamples(raw["examples"]),
            validator=validator,
            context_keywords=keywords,
            pairs_with=tuple(raw.get("pairs_with", ())),
            overrides=tuple(raw.get("overrides", ())),
            specificity=Specificity(raw.get("specificity", default.value)),
            shared_identity=bool(raw.get("shared_identity", False)),
            source=path,
            line=found.line,
            prefilter=found.prefilter,
        )
        loaded.append(_Loaded(family, index, lines))
    return loaded


def _fail_at(item: _Loaded, route: Route, reason: str) -> FamilyFileError:
    full = ("families", item.index, *route)
    assert item.family.source is not None
    return FamilyFileError(
        item.family.source, _line_of(item.lines, full), _format_route(full), reason
    )


def _check_examples(item: _Loaded) -> None:
    """A family's own examples must behave: positives match, negatives do not, invalids fail."""
    family = item.family
    groups = (
        ("positive", family.examples.positive),
        ("negative", family.examples.negative),
        ("invalid", family.examples.invalid),
    )
    for group, examples in groups:
        for index, example in enumerate(examples):
            route = ("examples", group, index)
            try:
                text, span = expand_example_with_span(example.template)
            except TemplateError as error:
                raise _fail_at(item, route, f"bad template ({error})") from None
            key = normalize_key(example.key) if example.key else ""
            found = list(family_candidates(family, text, key))
            if group == "negative":
                if found:
                    raise _fail_at(item, route, "matches the family")
            elif group == "positive":
                if not any((m.start, m.end) == span and m.valid is not False for m in found):
                    raise _fail_at(
                        item, route, "is not matched (with a passing validator) at its span"
                    )
            elif not any(m.valid is False for m in found):
                raise _fail_at(item, route, "does not match with a failing validator")


def _closures(items: Sequence[_Loaded]) -> dict[str, frozenset[str]]:
    direct = {item.family.id: item.family.overrides for item in items}
    done: dict[str, frozenset[str]] = {}

    def visit(family_id: str, trail: tuple[str, ...]) -> frozenset[str]:
        if family_id in done:
            return done[family_id]
        reach: set[str] = set()
        for target in direct.get(family_id, ()):
            if target in trail or target == family_id:
                raise ValueError(target)
            reach.add(target)
            reach |= visit(target, (*trail, family_id))
        done[family_id] = frozenset(reach)
        return done[family_id]

    for family_id in direct:
        visit(family_id, ())
    return done


def _rule_files(directory: Path) -> list[Path]:
    if not directory.is_dir():
        raise FamilyFileError(directory, 1, "", "is not a directory of rule files")
    return sorted([*directory.glob("*.yaml"), *directory.glob("*.yml")])


SNAPSHOT_PATH = Path(__file__).with_name("token_families.snapshot.json")


def _sources(directory: Path) -> list[tuple[str, bytes]]:
    """Each rule file's name and bytes, in ``_rule_files`` order (read on every scan to check the
    snapshot, so with plain ``os`` calls: globbing and sorting ``Path`` objects cost more)."""
    if not directory.is_dir():
        raise FamilyFileError(directory, 1, "", "is not a directory of rule files")
    folder = os.fspath(directory)
    names = sorted((name for name in os.listdir(folder)
                    if os.path.normcase(name).endswith((".yaml", ".yml"))), key=os.path.normcase)
    sources = []
    for name in names:
        with open(os.path.join(folder, name), "rb") as handle:
            sources.append((name, handle.read()))
    return sources


def snapshot_of(directory: Path) -> str:
    """The snapshot of a directory of family files (``generate-snapshots`` writes the shipped one):
    each file's data as parsed, with each family's line and pre-filter literal."""
    files = []
    for path in _rule_files(directory):
        data, lines = _parse_file(path)
        loaded = _families_in(path, data, lines, validate=True)
        derived = [[item.family.line, item.family.prefilter] for item in loaded]
        files.append({"name": path.name, "data": data, "derived": derived})
    return snapshot_text(sources_digest(_sources(directory)), {"files": files})


def _from_snapshot(directory: Path) -> list[list[_Loaded]] | None:
    """The families of ``directory`` from the shipped snapshot when it was made from these very
    files; None (parse them) otherwise."""
    try:
        digest = sources_digest(_sources(directory))
    except OSError:
        return None
    data = snapshot_data(read_bytes(SNAPSHOT_PATH), digest)
    if not isinstance(data, dict):
        return None
    loaded = []
    for entry in data["files"]:
        path = directory / entry["name"]
        derived = [_Derived(line, prefilter) for line, prefilter in entry["derived"]]
        lines = {("families", index): item.line for index, item in enumerate(derived)}
        loaded.append(_families_in(path, entry["data"], lines, validate=False, derived=derived))
    return loaded


def load_families(
    dirs: Sequence[Path] = (), *, shipped: bool = True, check_examples: bool = True
) -> tuple[TokenFamily, ...]:
    """Load the shipped families (unless ``shipped=False``) and every ``*.yaml`` in ``dirs``.

    Raises ``FamilyFileError`` for the first problem: a file that fails the schema, a pattern
    that does not compile, a duplicate id, an unknown validator or family reference, a cycle of
    ``overrides``, or (with ``check_examples``) an example that does not behave. The shipped
    files are checked against the schema only with ``check_examples`` (the test suite checks
    them; a plain scan need not pay for it): a user's files always are.
    """
    directories: list[Path] = [shipped_rules_dir()] if shipped else []
    for directory in dirs:
        if all(directory.resolve() != seen.resolve() for seen in directories):
            directories.append(directory)

    items: list[_Loaded] = []
    seen_ids: dict[str, _Loaded] = {}
    for directory in directories:
        is_shipped = shipped and directory is directories[0]
        validate = check_examples or not is_shipped
        snapshot = None if validate else _from_snapshot(directory)
        per_file = snapshot if snapshot is not None else (
            _load_file(path, validate) for path in _rule_files(directory)
        )
        for file_items in per_file:
            for item in file_items:
                if item.family.id in seen_ids:
                    first = seen_ids[item.family.id].family
                    raise _fail_at(item, ("id",), f"duplicates a family defined in {first.source}")
                seen_ids[item.family.id] = item
                items.append(item)

    for item in items:
        for name in ("pairs_with", "overrides"):
            for index, target in enumerate(getattr(item.family, name)):
                if target not in seen_ids:
                    raise _fail_at(item, (name, index), "names a family that is not loaded")
    try:
        closures = _closures(items)
    except ValueError as cycle:
        culprit = seen_ids[str(cycle)]
        raise _fail_at(culprit, ("overrides",), "is part of a cycle of overrides") from None

    if check_examples:
        for item in items:
            _check_examples(item)
    # Most families override none: built with the empty closure already, they are not built again.
    return tuple(item.family if item.family.outranks == closures[item.family.id]
                 else replace(item.family, outranks=closures[item.family.id]) for item in items)
