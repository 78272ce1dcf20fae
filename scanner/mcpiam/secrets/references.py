"""Is a value a reference the client expands, a placeholder, or possibly a literal secret?

A value is a reference only when it matches a syntax that the client owning the file expands
(the catalogue says which); the same text in a client that does not expand it reaches the server
literally. Placeholders are documentation values that no one would use as a credential.
"""

from __future__ import annotations

import re
from mcpiam.core.valuetype import dataclass

from mcpiam.catalogue import Catalogue

# Secret-manager URIs: never expanded by a client natively, but never a secret either.
SECRET_MANAGER_URI = re.compile(
    r"^(?:op|vault|aws-secretsmanager|awssm|secretsmanager|gcp-secretmanager|gcpsm|azure-keyvault|"
    r"azkv|keyvault|doppler|infisical|bws|sops|pass|keychain|keyring|secret|ssm|env)://\S+$",
    re.IGNORECASE,
)
PLACEHOLDER_WORDS = re.compile(
    r"your[_\-\s.]?|<[^<>]*>|\[[^\[\]]*\]|x{4,}|X{4,}|\*{3,}|\.{3,}|…|changeme|change[_-]me|"
    r"placeholder|replace[_-]?(?:me|with|this)|insert[_-]|redacted|dummy|sample|example|"
    r"(?:api|access|secret|auth)[_-]?(?:key|token)[_-]?here|token[_-]?here|key[_-]?here|"
    r"^(?:none|null|nil|todo|tbd|n/?a|test|secret|password|passwd|token|apikey|api[_-]key|"
    r"foo|bar|baz|abc|abc123|123456|1234567890|\*+|-+)$",
    re.IGNORECASE,
)
# Vendor documentation examples (AWS publishes these exact values).
DOC_EXAMPLES = frozenset({
    "AKIAIOSFODNN7EXAMPLE",
    "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "ASIAIOSFODNN7EXAMPLE",
})
# A known prefix followed by nothing secret ("sk-", "ghp_", "sk-...").
BARE_PREFIX = re.compile(r"^[A-Za-z0-9]{1,12}[-_.]{1,2}(?:[A-Za-z0-9]{0,6}[-_])?(?:\.{2,}|…|\*+)?$")


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
ENV_NAME = re.compile(r"[A-Z_][A-Z0-9_]*")
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
    matching = [syntax for syntax in catalogue.references if syntax.pattern.search(text)]
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
SECRET_MANAGER_REFERENCE = re.compile(
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
    body = re.split(r"[-_.]", text)[-1] if re.search(r"[-_.]", text) else text
    return len(body) >= 4 and len(set(body)) <= 1


def is_placeholder(text: str) -> bool:
    """Documentation values: ``<YOUR_TOKEN>``, ``your-api-key-here``, ``xxxx``, ``sk-...``, AWS examples."""
    value = text.strip().strip("'\"")
    if not value:
        return True
    if value in DOC_EXAMPLES or value.upper().endswith("EXAMPLE") or "EXAMPLEKEY" in value:
        return True
    if PLACEHOLDER_WORDS.search(value):
        return True
    if BARE_PREFIX.match(value):
        return True
    return random_part_is_repetitive(value)
