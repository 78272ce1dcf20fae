"""What a package or image argument names: its registry, its name, and the version, tag or digest
it is pinned to, read as the package managers read them.

npm specs as npm-package-arg reads them (``@scope/pkg@1.2.3``; an ``npm:`` alias names the same
registry package), PEP 508 requirements as uv and pipx take them (``pkg[extra]==1.2``, uvx's
``pkg@1.2``), container image references (``registry/name[:tag][@digest]``). Paths, URLs, git and
GitHub specs, PEP 508 direct references and values built from references (``${IMAGE}``) name no
registry package: they give None.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

NPM_NAME = re.compile(r"(?:@[A-Za-z0-9~][\w.~-]*/)?[A-Za-z0-9~][\w.~-]*")
PYPI_NAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?")
NOT_A_REGISTRY_SPEC = re.compile(r"^(?:[./~\\]|[A-Za-z]:[\\/])|://|^(?:git\+|github:|gitlab:|file:|link:)")
NPM_ALIAS = "npm:"  # ``npm:pkg@1`` is an alias spec: the registry package ``pkg@1``
PEP440_SPEC = re.compile(r"\s*(===|==|~=|!=|<=|>=|<|>|@)\s*(.*)")
EXACT_PYPI_OPERATORS = ("@", "==", "===")
DIRECT_REFERENCE = ("http", "git+", "file:")
NOT_AN_IMAGE = re.compile(r"[${}% ]|^-|://")


@dataclass(frozen=True, slots=True)
class PackageRef:
    """A registry package or container image as written.

    ``version`` is an npm version, range or dist-tag, an image tag, or a pip constraint: the
    version alone for an exact pin (``==``, ``===``, uvx's ``@``), the whole constraint otherwise
    (``>=1.0,<2``).
    """

    ecosystem: str  # npm | pypi | docker
    name: str  # as written; an image repository lower-cased
    version: str = ""  # "" when none
    operator: str = ""  # how the version is attached: "@" (npm, uvx), "==", ">=", ... (pip), ":" (tag)
    digest: str = ""  # an image digest (``sha256:...``, lower-cased); "" when none


def _registry_name(spec: str, name_pattern: re.Pattern[str]) -> tuple[str, str] | None:
    """(name, what follows it) for a spec that starts with a registry name; None for paths, URLs,
    git specs and values built from references."""
    if not spec or NOT_A_REGISTRY_SPEC.search(spec) or "$" in spec:
        return None
    match = name_pattern.match(spec)
    return (match.group(0), spec[match.end():]) if match is not None else None


def npm_ref(spec: str) -> PackageRef | None:
    """``@scope/pkg@1.2.3`` -> (``@scope/pkg``, ``1.2.3``); None for paths, URLs, git and GitHub specs."""
    spec = spec.strip()
    if spec.lower().startswith(NPM_ALIAS):
        spec = spec[len(NPM_ALIAS):]
    found = _registry_name(spec, NPM_NAME)
    if found is None:
        return None
    name, rest = found
    if rest and not rest.startswith("@"):
        return None
    if "/" in name and not name.startswith("@"):
        return None  # owner/repo: a GitHub shorthand, not a registry name
    return PackageRef("npm", name, rest[1:], "@" if rest[1:] else "")


def pypi_ref(spec: str) -> PackageRef | None:
    """``pkg[extra]==1.2`` -> (``pkg``, ``1.2``, ``==``); ``pkg@latest`` (uvx); None for paths, URLs."""
    found = _registry_name(spec.strip(), PYPI_NAME)
    if found is None:
        return None
    name, rest = found
    rest = re.sub(r"^\[[^\]]*\]", "", rest)
    if not rest.strip():
        return PackageRef("pypi", name)
    constraint = PEP440_SPEC.match(rest)
    if constraint is None:
        return None
    operator, version = constraint.groups()
    if operator == "@" and version.strip().startswith(DIRECT_REFERENCE):
        return None  # PEP 508 direct reference: not a registry release
    exact = operator in EXACT_PYPI_OPERATORS
    return PackageRef("pypi", name, version.strip() if exact else rest.strip(), operator)


def image_ref(text: str) -> PackageRef | None:
    """``localhost:5000/img`` has no tag; ``img:1@sha256:...`` is tag ``1`` pinned by digest."""
    text = text.strip()
    if not text or NOT_AN_IMAGE.search(text):
        return None
    reference, at, digest = text.partition("@")
    head, slash, last = reference.rpartition("/")
    name, colon, tag = last.partition(":")
    repository = (head + slash + name).lower()
    if not name:
        return None
    return PackageRef("docker", repository, tag if colon else "", ":" if colon else "", digest.lower() if at else "")


READERS = {"npm": npm_ref, "pypi": pypi_ref, "docker": image_ref}


def package_ref(ecosystem: str, text: str) -> PackageRef | None:
    """The package ``text`` names in an ecosystem (npm, pypi, docker); None for any other."""
    reader = READERS.get(ecosystem)
    return reader(text) if reader is not None else None
