"""How a stdio server is launched, read from its command line: the package runner and the package it
fetches (npx, uvx, pipx, bunx, pnpm/yarn dlx), or the container image and options of ``docker run``.

Shared by the rules that judge what a server runs (unpinned-server) and what it may reach
(excessive-scope). Every part keeps the located value it came from, so a finding points at the
exact argument. Nothing here runs or resolves anything: it only reads the written arguments.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from scanner.model import Server, Value

# Runners that fetch a package from a registry and run it, keyed by executable name.
NODE_RUNNERS = frozenset({"npx", "bunx"})
PYTHON_RUNNERS = frozenset({"uvx"})
# Executables whose first argument(s) name a fetch-and-run subcommand: npm exec, pnpm dlx, ...
SUBCOMMAND_RUNNERS: dict[str, tuple[tuple[tuple[str, ...], str], ...]] = {
    "npm": ((("exec",), "npm"), (("x",), "npm")),
    "pnpm": ((("dlx",), "npm"),),
    "yarn": ((("dlx",), "npm"),),
    "bun": ((("x",), "npm"),),
    "uv": ((("tool", "run"), "pypi"),),
    "pipx": ((("run",), "pypi"),),
}
CONTAINER_ENGINES = frozenset({"docker", "podman", "nerdctl"})
INTERPRETERS = frozenset({"node", "deno", "python", "python3", "bun", "go"})
SHELL_WRAPPERS = {"cmd": ("/c", "/C", "/k", "/K")}
EXECUTABLE_SUFFIXES = (".cmd", ".exe", ".bat", ".ps1")

# Runner options that take a value (the value is the next argument unless written "--opt=value").
NPM_VALUE_OPTIONS = frozenset({
    "-p", "--package", "-c", "--call", "--registry", "--cache", "--userconfig", "-w", "--workspace",
    "--prefix", "--loglevel", "--allow-build",
})
NPM_PACKAGE_OPTIONS = frozenset({"-p", "--package"})
PYPI_VALUE_OPTIONS = frozenset({
    "--from", "--with", "-w", "--with-editable", "--with-requirements", "--python", "-p", "--index",
    "--index-url", "-i", "--extra-index-url", "--default-index", "--find-links", "-f",
    "--constraints", "-c", "--overrides", "--build-constraints", "-b", "--env-file", "--directory",
    "--project", "--config-file", "--cache-dir", "--color", "--index-strategy", "--keyring-provider",
    "--resolution", "--prerelease", "--exclude-newer", "--link-mode", "--upgrade-package", "-P",
    "--reinstall-package", "--refresh-package", "--no-binary-package", "--only-binary-package",
    "--python-platform", "--allow-insecure-host", "--config-setting", "-C",
    # pipx run
    "--spec", "--pip-args", "--backend",
})
PYPI_PACKAGE_OPTIONS = frozenset({"--from", "--spec"})
# docker run options that take a value; any other option is read as a flag.
DOCKER_VALUE_OPTIONS = frozenset({
    "-a", "--attach", "--add-host", "--annotation", "--blkio-weight", "--cap-add", "--cap-drop",
    "--cgroup-parent", "--cgroupns", "--cidfile", "-c", "--cpu-shares", "--cpus", "--cpuset-cpus",
    "--cpuset-mems", "--detach-keys", "--device", "--dns", "--dns-option", "--dns-search",
    "--domainname", "-e", "--env", "--entrypoint", "--env-file", "--expose", "--gpus", "--group-add",
    "--health-cmd", "--health-interval", "--health-retries", "--health-start-period",
    "--health-timeout", "-h", "--hostname", "--ip", "--ip6", "--ipc", "--isolation", "-l",
    "--label", "--label-file", "--link", "--log-driver", "--log-opt", "--mac-address", "-m",
    "--memory", "--memory-reservation", "--memory-swap", "--mount", "--name", "--network", "--net",
    "--network-alias", "--pid", "--platform", "-p", "--publish", "--pull", "--restart", "--runtime",
    "--security-opt", "--shm-size", "--stop-signal", "--stop-timeout", "--storage-opt", "--sysctl",
    "--tmpfs", "--ulimit", "-u", "--user", "--userns", "--uts", "-v", "--volume", "--volumes-from",
    "-w", "--workdir",
})


@dataclass(frozen=True, slots=True)
class Token:
    """One word of the command line and the located value it was written as."""

    text: str
    value: Value


@dataclass(frozen=True, slots=True)
class Option:
    """A runner or ``docker run`` option: its flag and, when it takes one, its value.

    ``value`` is the flag's own token for ``--opt=value`` and ``-e K=V`` written as one word.
    """

    flag: str
    flag_token: Token
    text: str | None = None  # the option's value as text
    value: Token | None = None  # where the value is written


@dataclass(frozen=True, slots=True)
class Launch:
    """What a server's command line runs.

    ``runner`` is the fetching runner's name ("npx", "uvx", "docker", ...) or "" for a plain
    executable. ``program`` is the package spec, image or executable actually run (its token),
    ``packages`` every registry package the runner fetches (``-p``/``--from`` specs first), and
    ``program_args`` what follows the program: the server's own arguments.
    """

    runner: str
    ecosystem: str  # npm | pypi | docker | "" (not a package)
    program: Token | None
    packages: tuple[Token, ...] = ()
    options: tuple[Option, ...] = ()  # the runner's (or docker run's) options
    program_args: tuple[Token, ...] = ()


def executable_name(text: str) -> str:
    """``/usr/local/bin/npx`` and ``C:\\...\\npx.cmd`` are both ``npx``."""
    name = re.split(r"[\\/]", text.strip())[-1].lower()
    for suffix in EXECUTABLE_SUFFIXES:
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def command_tokens(server: Server) -> list[Token]:
    """Command then arguments, as located words; a shell wrapper (``cmd /c``) is stepped over."""
    values = ([server.command] if server.command is not None else []) + list(server.args)
    tokens = [Token(v.text, v) for v in values if v.text is not None]
    if len(tokens) >= 2 and executable_name(tokens[0].text) in SHELL_WRAPPERS:
        if tokens[1].text in SHELL_WRAPPERS[executable_name(tokens[0].text)]:
            tokens = tokens[2:]
    return tokens


def _split_option(token: Token, value_options: frozenset[str]) -> tuple[str, bool, str | None]:
    """(flag, takes a value, value written in the same word)."""
    text = token.text
    if text.startswith("--") and "=" in text:
        flag, _, inline = text.partition("=")
        return flag, True, inline
    if text in value_options:
        return text, True, None
    # Short option with its value attached: -eKEY=V, -p8080:80 (docker), -ppkg (npx).
    if len(text) > 2 and text[:2] in value_options and not text.startswith("--"):
        return text[:2], True, text[2:]
    return text, False, None


def _read_options(
    tokens: list[Token], value_options: frozenset[str]
) -> tuple[list[Option], int]:
    """Options up to the first positional word; returns them and that word's index."""
    options: list[Option] = []
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if token.text == "--":
            return options, index + 1
        if not token.text.startswith("-") or token.text == "-":
            break
        flag, takes_value, inline = _split_option(token, value_options)
        if not takes_value:
            options.append(Option(flag, token))
        elif inline is not None:
            options.append(Option(flag, token, inline, Token(inline, token.value)))
        elif index + 1 < len(tokens):
            index += 1
            options.append(Option(flag, token, tokens[index].text, tokens[index]))
        else:
            options.append(Option(flag, token))
        index += 1
    return options, index


def _package_launch(
    runner: str, ecosystem: str, tokens: list[Token]
) -> Launch:
    value_options = NPM_VALUE_OPTIONS if ecosystem == "npm" else PYPI_VALUE_OPTIONS
    package_options = NPM_PACKAGE_OPTIONS if ecosystem == "npm" else PYPI_PACKAGE_OPTIONS
    options, first = _read_options(tokens, value_options)
    named = [o.value for o in options if o.flag in package_options and o.value is not None]
    program = tokens[first] if first < len(tokens) else None
    # With -p/--from the positional word is a command inside the package, not a package.
    packages = tuple(named) if named else ((program,) if program is not None else ())
    return Launch(
        runner=runner,
        ecosystem=ecosystem,
        program=program,
        packages=packages,
        options=tuple(options),
        program_args=tuple(tokens[first + 1:]),
    )


def _docker_launch(runner: str, tokens: list[Token]) -> Launch | None:
    """``docker run [options] image [args]`` (also ``docker container run``)."""
    if tokens and tokens[0].text == "container":
        tokens = tokens[1:]
    if not tokens or tokens[0].text != "run":
        return None
    options, first = _read_options(tokens[1:], DOCKER_VALUE_OPTIONS)
    rest = tokens[1:]
    image = rest[first] if first < len(rest) else None
    return Launch(
        runner=runner,
        ecosystem="docker",
        program=image,
        packages=(image,) if image is not None else (),
        options=tuple(options),
        program_args=tuple(rest[first + 1:]),
    )


def read_launch(server: Server) -> Launch | None:
    """The launch of a stdio server, or None when it has no command."""
    tokens = command_tokens(server)
    if not tokens:
        return None
    command = executable_name(tokens[0].text)
    args = tokens[1:]
    # A Docker catalog entry names only its image; its command is the image's own value.
    if (
        server.command is not None and server.args
        and server.command.route == server.args[0].route and command == "docker"
    ):
        image = args[0]
        return Launch("docker", "docker", image, (image,), (), tuple(args[1:]))
    if command in NODE_RUNNERS:
        return _package_launch(command, "npm", args)
    if command in PYTHON_RUNNERS:
        return _package_launch(command, "pypi", args)
    for words, ecosystem in SUBCOMMAND_RUNNERS.get(command, ()):
        if tuple(t.text for t in args[: len(words)]) == words:
            return _package_launch(" ".join((command,) + words), ecosystem, args[len(words):])
    if command in CONTAINER_ENGINES:
        launch = _docker_launch(command, args)
        if launch is not None:
            return launch
    if command in INTERPRETERS:
        # node build/index.js, python -m server: the script is the program; not a package.
        options, first = _read_options(args, frozenset({"-m", "-c", "-r", "--require"}))
        module = next((o.value for o in options if o.flag == "-m" and o.value is not None), None)
        if module is not None:
            return Launch(command, "", module, (), tuple(options), tuple(args[first:]))
        if command == "go" and args and args[0].text == "run":
            options, first = _read_options(args[1:], frozenset())
            rest = args[1:]
            program = rest[first] if first < len(rest) else None
            return Launch(command, "", program, (), tuple(options), tuple(rest[first + 1:]))
        program = args[first] if first < len(args) else None
        return Launch(command, "", program, (), tuple(options), tuple(args[first + 1:]))
    return Launch("", "", tokens[0], (), (), tuple(args))


# --- package and image references ---------------------------------------------------------------

NPM_NAME = re.compile(r"(?:@[A-Za-z0-9~][\w.~-]*/)?[A-Za-z0-9~][\w.~-]*")
PYPI_NAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?")
NOT_A_REGISTRY_SPEC = re.compile(r"^(?:[./~\\]|[A-Za-z]:[\\/])|://|^(?:git\+|github:|gitlab:|file:|npm:|link:)")


@dataclass(frozen=True, slots=True)
class PackageRef:
    """A registry package as written: its name and version part ("" when none)."""

    name: str
    version: str
    operator: str = "@"  # how the version is attached: @ (npm, uvx), ==, >=, ... (pip), : (image tag)


def npm_package(spec: str) -> PackageRef | None:
    """``@scope/pkg@1.2.3`` -> (``@scope/pkg``, ``1.2.3``); None for paths, URLs, git specs."""
    spec = spec.strip()
    if not spec or NOT_A_REGISTRY_SPEC.search(spec) or "$" in spec:
        return None
    match = NPM_NAME.match(spec)
    if match is None:
        return None
    name, rest = match.group(0), spec[match.end():]
    if rest and not rest.startswith("@"):
        return None
    if "/" in name and not name.startswith("@"):
        return None  # owner/repo: a GitHub shorthand, not a registry name
    return PackageRef(name, rest[1:])


PEP440_SPEC = re.compile(r"\s*(===|==|~=|!=|<=|>=|<|>|@)\s*(.*)")


def pypi_package(spec: str) -> PackageRef | None:
    """``pkg[extra]==1.2`` -> (``pkg``, ``1.2``, ``==``); ``pkg@latest`` (uvx); None for paths, URLs."""
    spec = spec.strip()
    if not spec or NOT_A_REGISTRY_SPEC.search(spec) or "$" in spec:
        return None
    match = PYPI_NAME.match(spec)
    if match is None:
        return None
    name, rest = match.group(0), spec[match.end():]
    rest = re.sub(r"^\[[^\]]*\]", "", rest)
    if not rest.strip():
        return PackageRef(name, "", "")
    constraint = PEP440_SPEC.match(rest)
    if constraint is None:
        return None
    operator, version = constraint.groups()
    if operator == "@" and version.strip().startswith(("http", "git+", "file:")):
        return None  # PEP 508 direct reference: not a registry release
    return PackageRef(name, rest.strip() if operator not in ("@", "==", "===") else version.strip(), operator)


@dataclass(frozen=True, slots=True)
class ImageRef:
    """A container image reference: repository, tag ("" when none) and whether it has a digest."""

    repository: str
    tag: str
    digest: bool


def image_ref(text: str) -> ImageRef | None:
    """``localhost:5000/img`` has no tag; ``img@sha256:...`` is pinned by digest."""
    text = text.strip()
    if not text or any(ch in text for ch in "${}% ") or text.startswith("-"):
        return None
    if "@" in text:
        repository, _, digest = text.partition("@")
        return ImageRef(repository.lower(), "", bool(digest))
    head, slash, last = text.rpartition("/")
    name, colon, tag = last.partition(":")
    return ImageRef((head + slash + name).lower(), tag if colon else "", False)
