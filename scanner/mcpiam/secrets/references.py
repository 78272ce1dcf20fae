"""Is a value a reference the client expands, a placeholder, or possibly a literal secret?

A value is a reference only when it matches a syntax that the client owning the file expands
(the catalogue says which); the same text in a client that does not expand it reaches the server
literally. Placeholders are documentation values that no one would use as a credential.
"""

from __future__ import annotations

import json
import re
from mcpiam.core.lazy_pattern import compile_ahead, lazy_compile
from mcpiam.core.valuetype import dataclass
from functools import lru_cache
from pathlib import Path

from mcpiam.catalogue import Catalogue

# Secret-manager URIs: never expanded by a client natively, but never a secret either.
SECRET_MANAGER_URI = lazy_compile(
    r"^(?:op|vault|aws-secretsmanager|awssm|secretsmanager|gcp-secretmanager|gcpsm|azure-keyvault|"
    r"azkv|keyvault|doppler|infisical|bws|sops|pass|keychain|keyring|secret|ssm|env)://\S+$",
    re.IGNORECASE,
)
# A known prefix followed by nothing secret ("sk-", "ghp_", "sk-..."). At most 16 characters
# before any dots: a 20-character random body can have the same shape (12 + "_" + 6 + "_").
BARE_PREFIX = lazy_compile(
    r"^(?=[A-Za-z0-9_.-]{1,16}(?:…|\*+)?$)"
    r"[A-Za-z0-9]{1,12}[-_.]{1,2}(?:[A-Za-z0-9]{0,6}[-_])?(?:\.{2,}|…|\*+)?$")


@dataclass(frozen=True, slots=True)
class ReferenceOccurrence:
    """One reference written in a syntax the owning client does not expand."""

    syntax: str  # catalogue syntax id
    description: str  # e.g. "${VAR} environment variable"
    text: str  # the reference as written, e.g. "${GITHUB_TOKEN}" (never a secret: see below)
    start: int  # offset in the checked text


@dataclass(frozen=True, slots=True)
class ReferenceCheck:
    """The references in one value: which the client expands and what is left."""

    expanded: tuple[str, ...]  # syntax ids that matched and that the client expands
    unexpanded: tuple[ReferenceOccurrence, ...]  # references the client passes on literally
    residue: str  # the text with every expanded reference removed
    literal: str  # the text with every reference removed, expanded or not


# An environment-variable name: what a bare ``$NAME`` or ``%NAME%`` must hold to count as a
# reference. Mixed-case runs such as the ``$sw0rd`` in a password are not references.
ENV_NAME = lazy_compile(r"[A-Z_][A-Z0-9_]*")
BARE_SYNTAXES = frozenset({"dollar", "percent"})


def _names_a_variable(reference: str) -> bool:
    """A reference names a variable, not a random string in braces (``{x7Qp2…}`` is a literal)."""
    inner = reference.strip("${}%() \t")
    return len(inner) <= 64 and sum(ch.isdigit() for ch in inner) <= 4


def _is_delimited(text: str, start: int, end: int) -> bool:
    before = text[start - 1] if start > 0 else " "
    after = text[end] if end < len(text) else " "
    return not before.isalnum() and not (after.isalnum() or after == "_")


def _unexpanded_occurrence(syntax, match: re.Match[str], text: str) -> ReferenceOccurrence | None:
    """A match counts as a reference only when it stands apart from the text around it (and, for
    the bare ``$NAME``/``%NAME%`` forms, names an environment variable in capitals): otherwise it
    is part of a literal, and the literal is checked as a possible secret."""
    if not _is_delimited(text, match.start(), match.end()):
        return None
    if syntax.id in BARE_SYNTAXES and not ENV_NAME.fullmatch(match.group(0).strip("$%")):
        return None
    if not _names_a_variable(match.group(0)):
        return None
    return ReferenceOccurrence(syntax.id, syntax.description, match.group(0), match.start())


def check_references(text: str, expands: tuple[str, ...], catalogue: Catalogue) -> ReferenceCheck:
    expanded: list[str] = []
    expanded_spans: list[tuple[int, int]] = []
    unexpanded: list[ReferenceOccurrence] = []
    residue = text
    literal = text
    matching = catalogue.references_in(text)
    for syntax in matching:
        if syntax.id in expands or "*" in expands:
            expanded.append(syntax.id)
            expanded_spans.extend(m.span() for m in syntax.pattern.finditer(text))
            residue = syntax.pattern.sub(" ", residue)
            literal = syntax.pattern.sub(" ", literal)
    for syntax in matching:
        if syntax.id in expanded:
            continue
        for match in syntax.pattern.finditer(text):
            # Part of a reference the client does expand ("{env:X}" inside "${env:X}").
            if any(start < match.end() and match.start() < end for start, end in expanded_spans):
                continue
            occurrence = _unexpanded_occurrence(syntax, match, text)
            if occurrence is not None:
                unexpanded.append(occurrence)
                literal = literal.replace(occurrence.text, " ")
    return ReferenceCheck(tuple(expanded), _outermost(unexpanded), residue.strip(), literal.strip())


def _outermost(found: list[ReferenceOccurrence]) -> tuple[ReferenceOccurrence, ...]:
    """Drop occurrences inside another one (``$A`` inside ``${A:-x}`` read by two syntaxes)."""
    kept = []
    for item in sorted(found, key=lambda o: (o.start, -len(o.text))):
        if any(k.start <= item.start and item.start + len(item.text) <= k.start + len(k.text)
               for k in kept):
            continue
        kept.append(item)
    return tuple(kept)


# The same managers written "name:path" (vault:secret/data/x#key, aws-secretsmanager:prod/key)
# and AWS ARNs of a secret or parameter. Generic words (env:, secret:, pass:) need "://".
SECRET_MANAGER_REFERENCE = lazy_compile(
    r"^(?:(?:vault|aws-secretsmanager|awssm|secretsmanager|gcp-secretmanager|gcpsm|azure-keyvault|"
    r"azkv|keyvault|doppler|infisical|bws|sops|ssm|keychain|keyring):[A-Za-z0-9_./#:@-]+|"
    r"arn:aws[a-z-]*:(?:secretsmanager|ssm):\S+)$",
    re.IGNORECASE,
)


def is_secret_manager_uri(text: str) -> bool:
    value = text.strip()
    return SECRET_MANAGER_URI.match(value) is not None or SECRET_MANAGER_REFERENCE.match(value) is not None


def random_part_is_repetitive(text: str) -> bool:
    """True when the part after any prefix is one character repeated (``ghp_aaaaaaaa…``)."""
    body = text[max(text.rfind("-"), text.rfind("_"), text.rfind(".")) + 1:]  # after the last one
    return len(body) >= 4 and len(set(body)) <= 1


@dataclass(frozen=True, slots=True)
class PlaceholderRules:
    """The placeholder data (``placeholders.json`` beside this module), compiled."""

    anywhere: re.Pattern[str]
    whole: re.Pattern[str]
    marker_words: frozenset[str]
    filler_words: frozenset[str]
    doc_examples: frozenset[str]


@lru_cache(maxsize=1)
def placeholder_rules() -> PlaceholderRules:
    data = json.loads((Path(__file__).parent / "placeholders.json").read_text(encoding="utf-8"))
    return PlaceholderRules(
        anywhere=compile_ahead("|".join(e["pattern"] for e in data["anywhere"]), re.IGNORECASE),
        whole=compile_ahead("^(?:" + "|".join(e["pattern"] for e in data["whole"]) + ")$", re.IGNORECASE),
        marker_words=frozenset(data["marker_words"]),
        filler_words=frozenset(data["filler_words"]),
        doc_examples=frozenset(e["value"] for e in data["doc_examples"]),
    )


WORD_SEPARATORS = lazy_compile(r"[-_.\s]+")
LONGEST_OTHER_WORD = 12  # a service name in "fake-brave-key"; random letters run longer
# A short lower-case family prefix, then an upper-case variable name of two words or more
# (sk_STRIPE_SECRET_KEY, sk_live_STRIPE_KEY); an all-capitals name alone is a name, not this.
PREFIX_AND_NAME = lazy_compile(
    r"^[a-z][a-z0-9]{0,11}(?:[-_][a-z0-9]{1,8})?[-_][A-Z]{1,12}(?:_[A-Z]{1,12})+$")


def _words(value: str) -> list[str] | None:
    """A value as lower-case words, or None when a part is not a word (digits mixed in, symbols)."""
    words: list[str] = []
    for part in WORD_SEPARATORS.split(value.strip()):
        if not part or (part.isdigit() and len(part) <= 4):  # "test-token-1"
            continue
        if not part.isalpha() or not part.isascii():
            return None
        words.extend(_camel_words(part))
    return words


def _camel_words(part: str) -> list[str]:
    """``fakeGithubToken`` -> fake, github, token; ``APIKey`` -> api, key (letters only)."""
    words, start = [], 0
    for index in range(1, len(part)):
        before, here, after = part[index - 1], part[index], part[index + 1:index + 2]
        if here.isupper() and (before.islower() or (before.isupper() and after.islower())):
            words.append(part[start:index].lower())
            start = index
    words.append(part[start:].lower())
    return words


def made_of_placeholder_words(value: str) -> bool:
    """``fake-token-value``, ``my_test_secret``: marker and filler words, at most one other word."""
    rules = placeholder_rules()
    words = _words(value)
    if not words or not rules.marker_words.intersection(words):
        return False
    others = [w for w in words if w not in rules.marker_words and w not in rules.filler_words]
    return len(others) <= 1 and all(len(w) <= LONGEST_OTHER_WORD for w in others)


_NOT_LETTER_OR_DIGIT = lazy_compile(r"[^a-z0-9]+")  # one pattern (not re's cache lookup per call)


def _letters(text: str) -> str:
    return _NOT_LETTER_OR_DIGIT.sub("", text.lower())


def prefix_and_variable_name(value: str, key: str = "") -> bool:
    """A family prefix followed by a variable's name (``sk_STRIPE_SECRET_KEY``, ``ghp_YOUR_TOKEN``),
    or by the key's own name in any case (``ghp_github_token`` under ``GITHUB_TOKEN``)."""
    if PREFIX_AND_NAME.match(value):
        return True
    if len(_letters(key)) < 6:
        return False
    separator = "_" if "_" in value[:13] else "-"
    head, found, rest = value.partition(separator)
    return bool(found) and len(head) <= 12 and _letters(rest) == _letters(key)


def is_placeholder(text: str, key: str = "") -> bool:
    """Documentation values: ``<YOUR_TOKEN>``, ``your-api-key-here``, ``xxxx``, ``sk-...``,
    ``fake-token-value``, ``sk_STRIPE_SECRET_KEY``, vendor samples (``placeholders.json``).
    ``key`` is the name that holds the value, when it has one."""
    value = text.strip().strip("'\"")
    if not value:
        return True
    rules = placeholder_rules()
    if value in rules.doc_examples or rules.anywhere.search(value) or rules.whole.match(value):
        return True
    if BARE_PREFIX.match(value) or made_of_placeholder_words(value):
        return True
    return prefix_and_variable_name(value, key) or random_part_is_repetitive(value)
