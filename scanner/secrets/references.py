"""Is a value a reference the client expands, a placeholder, or possibly a literal secret?

A value is a reference only when it matches a syntax that the client owning the file expands
(the catalogue says which); the same text in a client that does not expand it reaches the server
literally. Placeholders are documentation values that no one would use as a credential.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from scanner.catalogue import Catalogue

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
class ReferenceCheck:
    expanded: tuple[str, ...]  # syntax ids that matched and that the client expands
    unexpanded: tuple[str, ...]  # syntax ids that matched but that the client does not expand
    residue: str  # the text with every expanded reference removed


def check_references(text: str, expands: tuple[str, ...], catalogue: Catalogue) -> ReferenceCheck:
    expanded: list[str] = []
    unexpanded: list[str] = []
    residue = text
    for syntax in catalogue.references:
        if not syntax.pattern.search(text):
            continue
        if syntax.id in expands or "*" in expands:
            expanded.append(syntax.id)
            residue = syntax.pattern.sub(" ", residue)
        else:
            unexpanded.append(syntax.id)
    return ReferenceCheck(tuple(expanded), tuple(unexpanded), residue.strip())


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
