"""What a package or image argument names: its registry, its name, and the version, tag or digest
it is pinned to, read as the package managers read them.

npm specs as npm-package-arg reads them (``@scope/pkg@1.2.3``; an ``npm:`` alias names the same
registry package), PEP 508 requirements as uv and pipx take them (``pkg[extra]==1.2``, uvx's
``pkg@1.2``), container image references (``registry/name[:tag][@digest]``), Go package paths as
``go run`` takes them (``example.com/mod/cmd@v1.2.3``) and the specifiers ``deno run`` takes
(``jsr:@scope/pkg@1``, ``npm:pkg@1/sub``, ``https://deno.land/x/mod@v1/cli.ts``). Paths, URLs
(but deno's), git and GitHub specs, PEP 508 direct references and values built from references
(``${IMAGE}``) name no registry package: they give None.
"""

from __future__ import annotations

import re
from mcpiam.core.lazy_pattern import lazy_compile
from mcpiam.core.valuetype import dataclass
from urllib.parse import urlsplit

NPM_NAME = lazy_compile(r"(?:@[A-Za-z0-9~][\w.~-]*/)?[A-Za-z0-9~][\w.~-]*")
PYPI_NAME = lazy_compile(r"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?")
NOT_A_REGISTRY_SPEC = lazy_compile(r"^(?:[./~\\]|[A-Za-z]:[\\/])|://|^(?:git\+|github:|gitlab:|file:|link:)")
NPM_ALIAS = "npm:"  # ``npm:pkg@1`` is an alias spec: the registry package ``pkg@1``
PEP440_SPEC = lazy_compile(r"\s*(===|==|~=|!=|<=|>=|<|>|@)\s*(.*)")
EXACT_PYPI_OPERATORS = ("@", "==", "===")
DIRECT_REFERENCE = ("http", "git+", "file:")
NOT_AN_IMAGE = lazy_compile(r"[${}% ]|^-|://")
# jsr:@scope/name[@version][/path]: JSR names are always scoped, lower-case letters, digits and '-'.
JSR_SPEC = lazy_compile(r"jsr:(@[a-z0-9][a-z0-9-]*/[a-z0-9][a-z0-9-]*)(?:@([^/]*))?(?:/.*)?", re.IGNORECASE)
DENO_NPM_SPEC = lazy_compile(r"npm:(" + NPM_NAME.pattern + r")(@[^/]*)?(?:/.*)?", re.IGNORECASE)
# A Go package path outside the standard library: its first element is a domain (``github.com``).
GO_PACKAGE = lazy_compile(r"[A-Za-z0-9][\w~-]*(?:\.[\w~-]+)+(?:/[\w.~+-]+)*")
# A version in a URL path: ``mod@v1.2.3`` (deno.land/x, esm.sh, unpkg, jsdelivr), or a path segment
# that is a release (``/@std/http/1.0.0/``: jsr.io) or a full commit (raw.githubusercontent.com).
URL_RELEASE_SEGMENT = lazy_compile(r"v?\d+\.\d+\.\d+(?:[-+][\w.+-]*)?|[0-9a-f]{40}")


@dataclass(frozen=True, slots=True)
class PackageRef:
    """A registry package or container image as written.

    ``version`` is an npm or jsr version, range or dist-tag, an image tag, a Go version query, a
    version a URL's path pins, or a pip constraint: the version alone for an exact pin (``==``,
    ``===``, uvx's ``@``), the whole constraint otherwise (``>=1.0,<2``).
    """

    ecosystem: str  # npm | pypi | docker | go | jsr | url (a remote module deno runs)
    name: str  # as written; an image repository lower-cased
    version: str = ""  # "" when none
    operator: str = ""  # how attached: "@" (npm, uvx, go, jsr), "==", ">=", ... (pip), ":" (tag), "/" (URL path)
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


def go_ref(spec: str) -> PackageRef | None:
    """``example.com/mod/cmd@v1.2.3`` -> (``example.com/mod/cmd``, ``v1.2.3``); a package path with no
    version names the package too; None for paths (``./cmd``), files (``main.go``) and packages of
    the standard library or the current module (no domain)."""
    spec = spec.strip()
    if not spec or NOT_A_REGISTRY_SPEC.search(spec) or "$" in spec:
        return None
    path, at, version = spec.partition("@")
    if not GO_PACKAGE.fullmatch(path) or path.endswith(".go"):
        return None
    return PackageRef("go", path, version, "@" if at else "")


def jsr_ref(spec: str) -> PackageRef | None:
    """``jsr:@scope/pkg@1.2.3/mod.ts`` -> (``@scope/pkg``, ``1.2.3``)."""
    match = JSR_SPEC.fullmatch(spec.strip())
    if match is None:
        return None
    name, version = match.group(1), match.group(2) or ""
    return PackageRef("jsr", name.lower(), version, "@" if version else "")


def url_ref(text: str) -> PackageRef | None:
    """A remote module ``deno run`` fetches: its host and path (no user, query or fragment) and the
    version its path pins (``mod@v1.2.3``, a release or commit segment), "" when none."""
    try:
        parts = urlsplit(text.strip())
        host = (parts.hostname or "").lower()
        port = parts.port
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not host:
        return None
    segments = parts.path.split("/")
    at_versions = [segment.rpartition("@")[2] for segment in segments if "@" in segment[1:]]
    if at_versions:
        return PackageRef("url", f"{host}{':' + str(port) if port else ''}{parts.path}", at_versions[-1], "@")
    release = next((segment for segment in segments if URL_RELEASE_SEGMENT.fullmatch(segment)), "")
    return PackageRef("url", f"{host}{':' + str(port) if port else ''}{parts.path}", release,
                      "/" if release else "")


def deno_ref(spec: str) -> PackageRef | None:
    """What ``deno run`` fetches: a ``jsr:`` or ``npm:`` package (its sub-path dropped) or a remote
    module (``https://...``); None for a local file."""
    text = spec.strip()
    lowered = text.lower()
    if lowered.startswith("jsr:"):
        return jsr_ref(text)
    if lowered.startswith("npm:"):
        match = DENO_NPM_SPEC.fullmatch(text)
        return npm_ref(match.group(1) + (match.group(2) or "")) if match is not None else None
    if lowered.startswith(("http://", "https://")):
        return url_ref(text)
    return None


READERS = {"npm": npm_ref, "pypi": pypi_ref, "docker": image_ref, "go": go_ref, "jsr": jsr_ref, "deno": deno_ref}


def package_ref(ecosystem: str, text: str) -> PackageRef | None:
    """The package ``text`` names in an ecosystem (npm, pypi, docker, go, jsr; deno: whatever a
    ``deno run`` specifier names); None for any other."""
    reader = READERS.get(ecosystem)
    return reader(text) if reader is not None else None
