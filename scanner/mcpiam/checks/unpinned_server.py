"""
## What it flags
A server fetched from a package registry at start-up without a fixed version: `npx`, `bunx`,
`npm exec`, `pnpm dlx` (`pnpx`), `yarn dlx`, `uvx`, `uv tool run` and `pipx run` packages written
without a version, with `@latest` or another moving dist-tag (`@next`), a wildcard (`@*`) or
only a lower bound (`pkg>=1.0`); container images run with `docker run` (also `podman`,
`nerdctl`, global options such as `docker --context x run` read through, Docker catalog `image:`
entries) without a tag or digest, or tagged `:latest`; `go run module/cmd@latest` (also a branch,
`@v1`-style prefix or comparison: anything but a full version or commit); and what `deno run`
fetches: `jsr:@scope/pkg` and `npm:pkg` specifiers without a version (or with `@latest`), and
remote modules whose URL names no version (`https://deno.land/x/mod/cli.ts`; `mod@v1.2.3` in the
path pins it). A registry `server.json` package is judged by its own `version` field. The finding
points at the package or image argument (for `npx -p pkg cmd` and `uvx --from pkg cmd`, at the
`-p` / `--from` value).

## Why it matters
Each start runs whatever the registry serves at that moment, with the environment and
credentials the config hands the server. A compromised maintainer account, a hijacked name or
a bad release reaches every machine at its next start, silently; two developers with the same
config may run different code; and a reviewed config says nothing about what actually runs.

## Example
```json
{"mcpServers": {"browser": {"command": "npx", "args": ["-y", "@playwright/mcp@latest"]},
                "github": {"command": "docker",
                           "args": ["run", "-i", "--rm", "ghcr.io/github/github-mcp-server"]}}}
```

## Use instead
```json
{"mcpServers": {"browser": {"command": "npx", "args": ["-y", "@playwright/mcp@0.0.41"]},
                "github": {"command": "docker",
                           "args": ["run", "-i", "--rm", "ghcr.io/github/github-mcp-server:v0.20.1"]}}}
```
Pin an exact version (`pkg@1.2.3`, `pkg==1.2.3`); pin images by digest
(`image@sha256:...`) where you can, and update deliberately (e.g. with Dependabot or Renovate).

## Options
None. Version ranges with an upper bound (`pkg@^1.2`, `pkg~=1.2`, `jsr:@s/p@1`) and image tags
other than `latest` are accepted; local scripts (`node build/index.js`, `./server`,
`deno run main.ts`, `go run ./cmd`), paths, URLs given to npx or uvx, git specs
(`github:owner/repo`) and values built from references (`${IMAGE}`) are not judged, nor is
`go run module/cmd` without a version (it builds inside the current module, whose go.mod and
go.sum pin it). Extra packages (`uvx --with`) are not judged, nor are command lines written as
one shell string (`sh -c "npx pkg"`); `cmd /c npx ...` is read through, and a whole command line
written in `command` (`"command": "npx -y pkg"`) is read word by word, the finding pointing at
the command. Severity is low.

## References
- https://owasp.org/www-project-non-human-identities-top-10/2025/3-vulnerable-third-party-nhi/
- https://genai.owasp.org/resource/owasp-top-10-for-agentic-applications-for-2026/
- https://docs.npmjs.com/cli/commands/npx
- https://docs.astral.sh/uv/guides/tools/#requesting-specific-versions
- https://docs.docker.com/reference/cli/docker/image/pull/#pull-an-image-by-digest-immutable-identifier
- https://go.dev/ref/mod#version-queries
- https://docs.deno.com/runtime/reference/cli/run/
"""

from __future__ import annotations

from collections.abc import Iterator

from mcpiam.checks.base import RuleInfo, ScanInput, finding_at
from mcpiam.core.document import Mapping, Scalar
from mcpiam.core.findings import Finding, Severity
from mcpiam.core.lazy_pattern import lazy_compile
from mcpiam.core.redact import is_safe_to_show
from mcpiam.model.launch import read_launch
from mcpiam.model.servers import ConfigFile, Server, Value
from mcpiam.model.package_refs import PackageRef, image_ref, package_ref

RULE = RuleInfo(
    id="unpinned-server",
    severity=Severity.LOW,
    summary="A server package or container image is fetched without a fixed version, tag or digest.",
    docs=__doc__ or "",
    tags=("supply-chain",),
    controls=("OWASP-ASI04", "OWASP-NHI3"),
)

WILDCARD_VERSIONS = frozenset({"*", "x", "X"})
GO_SEMVER = lazy_compile(r"v\d+\.\d+\.\d+(?:-[\w.-]+)?(?:\+[\w.-]+)?")
GO_COMMIT = lazy_compile(r"[0-9a-f]{7,40}")  # a commit hash or an unambiguous prefix of one
GO_VERSION_PREFIX = lazy_compile(r"v\d+(?:\.\d+)?")
GO_MOVING_QUERIES = frozenset({"latest", "upgrade", "patch"})
DIST_TAG = lazy_compile(r"[A-Za-z][\w.-]*")
SEMVER_LIKE = lazy_compile(r"v?\d")
REGISTRY_TYPE_KEYS = ("registryType", "registry_type")


def npm_version_problem(version: str) -> str | None:
    """Why an npm version part floats, or None when it is fixed (or bounded)."""
    if not version:
        return "without a version"
    if version == "latest":
        return "with @latest"
    if version in WILDCARD_VERSIONS:
        return f"with the wildcard version @{version}"
    if DIST_TAG.fullmatch(version) and not SEMVER_LIKE.match(version):
        return f"with the moving dist-tag @{version}"
    if version.startswith(">") and "<" not in version:
        return f"with only a lower bound ({version})"
    return None


def pypi_version_problem(operator: str, version: str) -> str | None:
    if not operator:
        return "without a version"
    if operator == "@":
        return "with @latest" if version == "latest" else None
    if operator in (">", ">=", "!=") and "<" not in version and "==" not in version:
        return f"with only a lower bound ({version})"
    return None


def image_problem(ref: PackageRef) -> str | None:
    """Why an image reference floats: neither a fixed tag nor a digest; None when pinned."""
    if ref.digest:
        return None
    if not ref.version:
        return "without a tag or digest (so :latest)"
    if ref.version == "latest":
        return "tagged :latest"
    return None


def _registry_problem(body: Mapping, identifier: Value) -> tuple[str, str, str] | None:
    """(kind, name, why) for a registry server.json package judged with its own version field."""
    registry_type = next((body.get(k) for k in REGISTRY_TYPE_KEYS if body.get(k) is not None), None)
    kind = registry_type.value if isinstance(registry_type, Scalar) else None
    text = identifier.text or ""
    version_node = body.get("version")
    version = str(version_node.value) if isinstance(version_node, Scalar) and version_node.value else ""
    if kind == "oci":
        ref = image_ref(text)
        why = image_problem(ref) if ref is not None else None
        if why is None or (version and version != "latest"):
            return None
        return "image", ref.name, why
    if kind not in ("npm", "pypi"):
        return None
    ref = package_ref(kind, text)
    if ref is None:
        return None
    written = ref.version or version
    why = npm_version_problem(written) if kind == "npm" else pypi_version_problem(
        ref.operator or ("==" if version else ""), written)
    return (f"{kind} package", ref.name, why) if why else None


def go_version_problem(version: str) -> str | None:
    """Why a ``go run`` version query floats (``go help module-queries``): ``@latest``, a branch, a
    version prefix (``@v1``: the newest v1.x.x) or a comparison; a full semantic version (a
    pseudo-version too) or a commit hash is fixed. Without a version ``go run`` builds the package
    in the current module, whose go.mod and go.sum pin it: not judged."""
    if not version or GO_SEMVER.fullmatch(version) or GO_COMMIT.fullmatch(version):
        return None
    if version in GO_MOVING_QUERIES:
        return f"with @{version}"
    if GO_VERSION_PREFIX.fullmatch(version):
        return f"with the version prefix @{version} (the newest matching release)"
    if version[:1] in "<>":
        return f"with a version comparison (@{version})"
    return f"with the branch or revision @{version}"


def url_version_problem(ref: PackageRef) -> str | None:
    """Why a remote module's URL floats: no version in its path, or a moving one (``@latest``)."""
    if not ref.version:
        return "without a version in its URL"
    return npm_version_problem(ref.version) if ref.operator == "@" else None


def package_problem(ref: PackageRef) -> tuple[str, str] | None:
    """(kind, why) when a fetched package, image or remote module floats."""
    if ref.ecosystem == "docker":
        why = image_problem(ref)
        return ("image", why) if why else None
    if ref.ecosystem == "url":
        why = url_version_problem(ref)
        return ("remote module", why) if why else None
    if ref.ecosystem in ("npm", "jsr"):
        why = npm_version_problem(ref.version)
    elif ref.ecosystem == "go":
        why = go_version_problem(ref.version)
    else:
        why = pypi_version_problem(ref.operator, ref.version)
    return (f"{ref.ecosystem} package", why) if why else None


def _advice(kind: str, name: str) -> str:
    if kind == "image":
        return f"pin a digest ({name}@sha256:...) or a release tag"
    if kind == "pypi package":
        return f"pin an exact version ({name}==X.Y.Z)"
    if kind == "go package":
        return f"pin a release ({name}@vX.Y.Z)"
    if kind == "remote module":
        return "use a URL that names an exact version (mod@X.Y.Z in its path)"
    return f"pin an exact version ({name}@X.Y.Z)"


def _shown_name(ref: PackageRef) -> str:
    """The package name for the message; a URL by its host and path, and never a name that could
    hide a secret (an argument a misplaced flag left where the package is read)."""
    if is_safe_to_show(ref.name):
        return ref.name
    if ref.ecosystem == "url":
        host = ref.name.split("/", 1)[0]
        return host if is_safe_to_show(host.replace(":", "")) else "(URL not shown)"
    return "(name not shown)"


def floating_packages(server: Server) -> Iterator[tuple[Value, str, str, str]]:
    body = server.body
    if isinstance(body, Mapping) and any(body.get(k) is not None for k in REGISTRY_TYPE_KEYS):
        identifier = next((a for a in server.args if a.route[-1:] == ("identifier",)), None)
        if identifier is not None:
            judged = _registry_problem(body, identifier)
            if judged is not None:
                yield (identifier, *judged)
        return
    launch = read_launch(server)
    for fetched in launch.packages if launch is not None else ():
        judged = package_problem(fetched.ref)
        if judged is not None:
            yield fetched.token.value, judged[0], _shown_name(fetched.ref), judged[1]


def check(scan: ScanInput) -> Iterator[Finding]:
    for config, server in scan.servers():
        yield from _findings(config, server)


def _findings(config: ConfigFile, server: Server) -> Iterator[Finding]:
    for value, kind, name, why in floating_packages(server):
        yield finding_at(
            RULE,
            config,
            value,
            f"Server '{server.name}' runs {kind} '{name}' {why}, so each start may run a different "
            "release.",
            help=f"{_advice(kind, name)[:1].upper()}{_advice(kind, name)[1:]}.",
            server=server,
            properties=(("kind", kind), ("package", name)),
        )
