"""How a stdio server is launched, read once from its command line: the executable, the package
runner and the registry packages it fetches (npx, uvx, pipx, bunx, pnpm/yarn dlx, ``go run
module@v``, ``deno run jsr:/npm:/URL``, ...), the container image and options of ``docker run``
(global options before ``run`` read through), or the script or module an interpreter runs.

Read by the rules that judge what a server runs (unpinned-server) and what it may reach
(excessive-scope), by ``mcpiam.model.identity`` (which package a server is, for policy matching) and by
the inventory (what it shows of a command line).
Every part keeps the located value it came from, so a finding points at the exact argument.
Nothing here runs or resolves anything: it only reads the written arguments.
"""

from __future__ import annotations

import re
from mcpiam.core.lazy_pattern import lazy_compile
from mcpiam.core.valuetype import dataclass

from mcpiam.model.servers import Server, Value
from mcpiam.model.package_refs import PackageRef, package_ref
from mcpiam.model.shell_words import shell_words

# Runners that fetch a package from a registry and run it, keyed by executable name.
NODE_RUNNERS = frozenset({"npx", "bunx", "pnpx"})  # pnpx: pnpm's alias for ``pnpm dlx``
PYTHON_RUNNERS = frozenset({"uvx"})
# Executables whose subcommand words (after any global options) select what they run: a package
# fetched from a registry (its ecosystem), or what is already installed or local (""): ``npm start``,
# ``uv run`` and ``pnpm exec`` fetch nothing.
SUBCOMMAND_RUNNERS: dict[str, tuple[tuple[tuple[str, ...], str], ...]] = {
    "npm": ((("exec",), "npm"), (("x",), "npm"), (("run",), ""), (("run-script",), ""), (("start",), "")),
    "pnpm": ((("dlx",), "npm"), (("exec",), ""), (("run",), "")),
    "yarn": ((("dlx",), "npm"), (("run",), "")),
    "bun": ((("x",), "npm"), (("run",), "")),
    "uv": ((("tool", "run"), "pypi"), (("run",), "")),
    "pipx": ((("run",), "pypi"),),
}
CONTAINER_ENGINES = frozenset({"docker", "podman", "nerdctl"})
# Container engine subcommands: ``run`` fetches and runs an image; ``docker mcp gateway run`` (the
# MCP Toolkit gateway) runs the engine's own gateway.
CONTAINER_RUN = (("run",), ("container", "run"))
CONTAINER_LOCAL = (("mcp", "gateway", "run"),)
PYTHON_INTERPRETERS = frozenset({"python", "python3", "py"})
INTERPRETERS = PYTHON_INTERPRETERS | {"node", "deno", "bun", "go", "java"}
# Interpreter options whose value is what the interpreter runs: ``python -m module``, ``java -jar app.jar``.
PROGRAM_OPTIONS = {"python": "-m", "python3": "-m", "py": "-m", "java": "-jar"}
SHELL_WRAPPERS = {"cmd": ("/c", "/C", "/k", "/K")}
EXECUTABLE_SUFFIXES = (".cmd", ".exe", ".bat", ".ps1")
KNOWN_EXECUTABLES = (
    NODE_RUNNERS | PYTHON_RUNNERS | set(SUBCOMMAND_RUNNERS) | CONTAINER_ENGINES | INTERPRETERS | set(SHELL_WRAPPERS)
)
ASSIGNMENT = lazy_compile(r"[A-Za-z_]\w*=")  # ``NAME=value`` before a shell command line

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
# Global options of the container engines (before the subcommand) that take a value.
DOCKER_GLOBAL_VALUE_OPTIONS = frozenset({
    "--config", "-c", "--context", "-H", "--host", "-l", "--log-level", "--tlscacert", "--tlscert", "--tlskey",
})
PODMAN_GLOBAL_VALUE_OPTIONS = frozenset({
    "--cdi-spec-dir", "--cgroup-manager", "--config", "--conmon", "-c", "--connection", "--db-backend",
    "--events-backend", "--hooks-dir", "--identity", "--imagestore", "--log-level", "--module",
    "--network-cmd-path", "--network-config-dir", "--out", "--root", "--runroot", "--runtime",
    "--runtime-flag", "--ssh", "--storage-driver", "--storage-opt", "--tmpdir", "--url", "--volumepath",
})
NERDCTL_GLOBAL_VALUE_OPTIONS = frozenset({
    "-a", "-H", "--address", "--host", "-n", "--namespace", "--snapshotter", "--storage-driver", "--cni-path",
    "--cni-netconfpath", "--data-root", "--cgroup-manager", "--hosts-dir", "--host-gateway-ip", "--bridge-ip",
    "--cdi-spec-dirs",
})
# ``go run`` build flags that take a value (Go's flag package: ``-tags x`` or ``-tags=x``).
GO_VALUE_OPTIONS = frozenset({
    "-C", "-p", "-asmflags", "-buildmode", "-buildvcs", "-compiler", "-gccgoflags", "-gcflags", "-installsuffix",
    "-ldflags", "-mod", "-modfile", "-overlay", "-pgo", "-pkgdir", "-tags", "-toolexec", "-exec", "-covermode",
    "-coverpkg", "-o",
})
# ``deno run`` options that take a value as the next word (the permission, --check, --inspect and
# --env-file options take theirs only as ``--opt=value``).
DENO_VALUE_OPTIONS = frozenset({
    "-c", "--config", "--import-map", "--importmap", "--lock", "--cert", "--location", "--seed", "--preload",
    "--import", "--require", "--ext", "--conditions", "--minimum-dependency-age", "--cpu-prof-dir",
    "--cpu-prof-name", "--cpu-prof-interval", "-L", "--log-level",
})
# python (-m -c -W -X), node (-r -e -p -C --import ...), java (-jar -cp): options that take a value.
INTERPRETER_VALUE_OPTIONS = frozenset({
    "-m", "-c", "-W", "-X", "-r", "--require", "-e", "--eval", "-p", "--print", "--import", "--loader",
    "--experimental-loader", "-C", "--conditions", "--input-type", "--title", "-jar", "-cp", "-classpath",
    "--class-path",
})


# Options known to take no value. Any other option that is not a value option is read as a flag
# too (as npm's parser reads it), but an unknown one is marked so: in a config it is as likely a
# misspelt or misplaced option that takes a value (``--token X``), so the inventory never shows
# the word after it.
NPM_FLAGS = frozenset({
    "-y", "--yes", "--no", "--no-yes", "-q", "--quiet", "-s", "--silent", "-d", "--verbose", "--prefer-offline",
    "--prefer-online", "--offline", "--ignore-existing", "--no-install", "--legacy-peer-deps",
    "--foreground-scripts", "--bun",
})
PYPI_FLAGS = frozenset({
    "-q", "--quiet", "-v", "--verbose", "-n", "--no-cache", "--isolated", "--refresh", "--offline", "--native-tls",
    "-U", "--upgrade", "--reinstall", "--no-build", "--no-binary", "--no-config", "--no-progress",
    "--no-python-downloads", "--managed-python", "--no-managed-python", "--no-sources", "--no-project",
    "--frozen", "--locked", "--no-sync", "--no-dev", "--all-extras", "--system-site-packages",
})
DOCKER_FLAGS = frozenset({
    "-i", "-t", "-d", "-it", "-ti", "-P", "--rm", "--init", "--privileged", "--read-only", "--interactive",
    "--tty", "--detach", "--sig-proxy", "--use-api-socket", "--no-healthcheck", "--oom-kill-disable",
    "--publish-all", "--disable-content-trust", "-q", "--quiet",
})
ENGINE_GLOBAL_FLAGS = frozenset({
    "-D", "--debug", "--tls", "--tlsverify", "-r", "--remote", "--syslog", "--transient-store", "--debug-full",
    "--experimental", "--insecure-registry", "--kube-hide-dupe",
})
GO_FLAGS = frozenset({
    "-a", "-n", "-race", "-msan", "-asan", "-v", "-work", "-x", "-trimpath", "-linkshared", "-modcacherw", "-cover",
})
DENO_FLAGS = frozenset({
    "-A", "--allow-all", "-R", "--allow-read", "-W", "--allow-write", "-N", "--allow-net", "-E", "--allow-env",
    "-S", "--allow-sys", "--allow-run", "--allow-ffi", "-I", "--allow-import", "-P", "--permission-set",
    "--allow-hrtime", "--deny-read", "--deny-write", "--deny-net", "--deny-env", "--deny-sys", "--deny-run",
    "--deny-ffi", "--deny-import", "-q", "--quiet", "--no-prompt", "--cached-only", "--no-remote", "--no-npm",
    "--no-config", "--no-lock", "--frozen", "--no-check", "--check", "-r", "--reload", "--watch", "--watch-hmr",
    "--no-clear-screen", "--no-code-cache", "--inspect", "--inspect-brk", "--inspect-wait", "--node-modules-dir",
    "--vendor", "--env-file", "--env", "--unstable", "--unstable-sloppy-imports", "--unstable-kv",
    "--unstable-net", "--unstable-cron", "--unstable-fs", "--unstable-ffi",
})
INTERPRETER_FLAGS = frozenset({
    "-u", "-B", "-E", "-I", "-O", "-OO", "-q", "-s", "-S", "-b", "-bb", "-d", "-i", "-P", "-R", "-v", "-x",
    "--no-warnings", "--enable-source-maps", "--inspect", "--inspect-brk", "--trace-warnings", "--no-deprecation",
    "--expose-gc", "--experimental-strip-types", "--experimental-vm-modules",
})


@dataclass(frozen=True, slots=True)
class OptionSyntax:
    """How a program reads its options: which take a value, which are known to take none, and
    whether a short option's value may be attached (``-p8080:80``: yes for docker's and uv's
    parsers; npm's reads ``-ppkg`` as an unknown flag of its own)."""

    value_options: frozenset[str]
    attached_short_values: bool = True
    flags: frozenset[str] = frozenset()


NPM_OPTIONS = OptionSyntax(NPM_VALUE_OPTIONS, attached_short_values=False, flags=NPM_FLAGS)
PYPI_OPTIONS = OptionSyntax(PYPI_VALUE_OPTIONS, flags=PYPI_FLAGS)
DOCKER_OPTIONS = OptionSyntax(DOCKER_VALUE_OPTIONS, flags=DOCKER_FLAGS)
INTERPRETER_OPTIONS = OptionSyntax(INTERPRETER_VALUE_OPTIONS, flags=INTERPRETER_FLAGS)
GO_OPTIONS = OptionSyntax(GO_VALUE_OPTIONS, attached_short_values=False, flags=GO_FLAGS)
DENO_OPTIONS = OptionSyntax(DENO_VALUE_OPTIONS, flags=DENO_FLAGS)
ENGINE_GLOBAL_OPTIONS = {
    "docker": OptionSyntax(DOCKER_GLOBAL_VALUE_OPTIONS, flags=ENGINE_GLOBAL_FLAGS),
    "podman": OptionSyntax(PODMAN_GLOBAL_VALUE_OPTIONS, flags=ENGINE_GLOBAL_FLAGS),
    "nerdctl": OptionSyntax(NERDCTL_GLOBAL_VALUE_OPTIONS, flags=ENGINE_GLOBAL_FLAGS),
}
# ``go run`` and ``deno run``: how each reads its options, and which reader names what it runs.
RUN_SUBCOMMANDS = {"go": (GO_OPTIONS, "go"), "deno": (DENO_OPTIONS, "deno")}
# How each subcommand runner reads its own options, before and after the subcommand.
RUNNER_OPTIONS = {"npm": NPM_OPTIONS, "pnpm": NPM_OPTIONS, "yarn": NPM_OPTIONS, "bun": NPM_OPTIONS,
                  "uv": PYPI_OPTIONS, "pipx": PYPI_OPTIONS}


@dataclass(frozen=True, slots=True)
class Token:
    """One word of the command line and the located value it was written in (a command written as
    a whole command line gives several words of one value)."""

    text: str
    value: Value


@dataclass(frozen=True, slots=True)
class Option:
    """A runner or ``docker run`` option: its flag and, when it takes one, its value.

    ``value`` is the flag's own token for ``--opt=value`` and ``-e K=V`` written as one word.
    ``known`` is False for a flag the runner's syntax does not list (read as taking no value).
    """

    flag: str
    flag_token: Token
    text: str | None = None  # the option's value as text
    value: Token | None = None  # where the value is written
    known: bool = True


@dataclass(frozen=True, slots=True)
class Fetched:
    """A registry package or image the runner fetches, and the word that names it."""

    token: Token
    ref: PackageRef


@dataclass(frozen=True, slots=True)
class Launch:
    """What a server's command line runs.

    ``executable`` is the name of what is started (``npx``, ``docker``, ``github-mcp-server``);
    ``runner`` the fetching runner or interpreter ("npx", "npm exec", "docker", "python", ...) or ""
    for a plain executable, and ``subcommand`` the words after the executable that select what it
    does (``exec``, ``tool run``, ``run``, ``container run``), written after any ``global_options``
    (``docker --context x run``, ``uv --directory d run``). ``program`` is the package spec, image,
    script or executable actually run (its token), ``packages`` every registry package or image
    the runner fetches (``-p`` / ``--from`` / ``--spec`` values first, else the program),
    ``module`` what ``python -m`` runs, and ``program_args`` what follows the program: the
    server's own arguments.
    """

    executable: str
    runner: str
    ecosystem: str  # npm | pypi | docker | go | jsr | "" (nothing fetched from a registry; a URL deno runs)
    program: Token | None
    tokens: tuple[Token, ...]  # the whole command line as read (a ``cmd /c`` wrapper stepped over)
    packages: tuple[Fetched, ...] = ()
    options: tuple[Option, ...] = ()  # the runner's (or docker run's, or the interpreter's) options
    program_args: tuple[Token, ...] = ()
    module: Token | None = None
    subcommand: tuple[Token, ...] = ()
    global_options: tuple[Option, ...] = ()  # the executable's options before its subcommand

    def after_unknown_flag(self, token: Token) -> bool:
        """Whether ``token`` directly follows a flag the runner does not list (``--token X``)."""
        index = next((i for i, t in enumerate(self.tokens) if t is token), 0)
        previous = self.tokens[index - 1] if index > 0 else None
        return any(o.flag_token is previous and not o.known for o in (*self.global_options, *self.options))

    def option_naming(self, token: Token) -> Option | None:
        """The option whose value ``token`` is (``-m module``, ``-p pkg``, ``--from=pkg``), if any."""
        return next((o for o in self.options if o.value is token), None)


def executable_name(text: str) -> str:
    """``/usr/local/bin/npx`` and ``C:\\...\\npx.cmd`` are both ``npx``."""
    name = re.split(r"[\\/]", text.strip())[-1].lower()
    for suffix in EXECUTABLE_SUFFIXES:
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def _command_words(command: Value) -> list[Token]:
    """A ``command`` written as a whole command line (``npx -y 'pkg'``) is split into shell words,
    as the clients that run it through a shell do (quotes read, unless the text holds a backslash:
    a Windows path, split at white space); a path with spaces and no options stays whole, and
    so does a value spread over several lines (a folded YAML scalar, most often a mis-indented
    ``args:`` swallowed into ``command``: not a command line anyone wrote)."""
    text = (command.text or "").strip()
    words = text.split() if "\\" in text else [word.text for word in shell_words(text)]
    span = command.node.span
    if len(words) > 1 and span.start_line != span.end_line:
        words = [text]
    elif (len(words) > 1 and executable_name(words[0]) not in KNOWN_EXECUTABLES and ("/" in text or "\\" in text)
            and not any(word.startswith("-") for word in words)):
        words = [text]  # "C:\\Program Files\\App\\server.exe": one program
    return [Token(word, command) for word in words]


def command_tokens(server: Server) -> list[Token]:
    """Command then arguments, as located words; leading ``NAME=value`` assignments and a shell
    wrapper (``cmd /c``) are stepped over."""
    tokens = _command_words(server.command) if server.command is not None else []
    tokens += [Token(v.text, v) for v in server.args if v.text is not None]
    while tokens and ASSIGNMENT.match(tokens[0].text):
        tokens = tokens[1:]
    if len(tokens) >= 2 and executable_name(tokens[0].text) in SHELL_WRAPPERS:
        if tokens[1].text in SHELL_WRAPPERS[executable_name(tokens[0].text)]:
            tokens = tokens[2:]
    return tokens


def _split_option(token: Token, syntax: OptionSyntax) -> tuple[str, bool, str | None]:
    """(flag, takes a value, value written in the same word)."""
    text = token.text
    flag, equals, inline = text.partition("=")
    if equals and (text.startswith("--") or flag in syntax.value_options):
        return flag, True, inline  # --opt=value; -e=KEY=V (pflag), -tags=x (go)
    if text in syntax.value_options:
        return text, True, None
    # Short option with its value attached: -eKEY=V, -p8080:80 (docker), -p3.12 (uvx).
    if (syntax.attached_short_values and len(text) > 2 and text[:2] in syntax.value_options
            and not text.startswith("--")):
        return text[:2], True, text[2:]
    return text, False, None


def _read_options(tokens: tuple[Token, ...], syntax: OptionSyntax) -> tuple[list[Option], int]:
    """Options up to the first positional word; returns them and that word's index."""
    options: list[Option] = []
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if token.text == "--":
            return options, index + 1
        if not token.text.startswith("-") or token.text == "-":
            break
        flag, takes_value, inline = _split_option(token, syntax)
        if not takes_value:
            options.append(Option(flag, token, known=flag in syntax.flags))
        elif inline is not None:
            options.append(Option(flag, token, inline, Token(inline, token.value)))
        elif index + 1 < len(tokens):
            index += 1
            options.append(Option(flag, token, tokens[index].text, tokens[index]))
        else:
            options.append(Option(flag, token))
        index += 1
    return options, index


@dataclass(frozen=True, slots=True)
class _Parts:
    """A command line cut at its program: the options before it, the program, what follows."""

    options: tuple[Option, ...]
    program: Token | None
    program_args: tuple[Token, ...]


def _cut(tokens: tuple[Token, ...], syntax: OptionSyntax) -> _Parts:
    options, first = _read_options(tokens, syntax)
    program = tokens[first] if first < len(tokens) else None
    return _Parts(tuple(options), program, tokens[first + 1:])


def _fetched(ecosystem: str, tokens: tuple[Token, ...]) -> tuple[Fetched, ...]:
    """The tokens that name a registry package or image; paths, URLs and references name none."""
    found = ((token, package_ref(ecosystem, token.text)) for token in tokens)
    return tuple(Fetched(token, ref) for token, ref in found if ref is not None)


@dataclass(frozen=True, slots=True)
class _Selected:
    """The subcommand an executable was given after its global options, and what follows it."""

    global_options: tuple[Option, ...]
    words: tuple[Token, ...]
    rest: tuple[Token, ...]


def _select(args: tuple[Token, ...], syntax: OptionSyntax, choices: tuple[tuple[str, ...], ...]
            ) -> tuple[tuple[str, ...], _Selected] | None:
    """The first of ``choices`` written after the global options, or None."""
    options, first = _read_options(args, syntax)
    for words in choices:
        written = args[first: first + len(words)]
        if tuple(t.text for t in written) == words:
            return words, _Selected(tuple(options), written, args[first + len(words):])
    return None


def _package_launch(executable: str, runner: str, ecosystem: str, all_tokens: tuple[Token, ...],
                    tokens: tuple[Token, ...], selected: _Selected | None = None) -> Launch:
    """A package runner: what it fetches from ``ecosystem``; with no ecosystem (``uv run``,
    ``npm start``) what it runs from what is installed, fetching nothing."""
    syntax = RUNNER_OPTIONS.get(executable) or (NPM_OPTIONS if ecosystem == "npm" else PYPI_OPTIONS)
    package_options = NPM_PACKAGE_OPTIONS if syntax is NPM_OPTIONS else PYPI_PACKAGE_OPTIONS
    parts = _cut(tokens, syntax)
    named = tuple(o.value for o in parts.options if o.flag in package_options and o.value is not None)
    # With -p/--from the positional word is a command inside the package, not a package.
    packages = named or ((parts.program,) if parts.program is not None else ())
    fetched = _fetched(ecosystem, packages) if ecosystem else ()
    return Launch(executable, runner, ecosystem, parts.program, all_tokens, fetched, parts.options,
                  parts.program_args, subcommand=selected.words if selected else (),
                  global_options=selected.global_options if selected else ())


def _container_launch(executable: str, all_tokens: tuple[Token, ...], args: tuple[Token, ...]) -> Launch | None:
    """``docker [global options] run [options] image [args]`` (also ``container run``, podman, nerdctl)."""
    syntax = ENGINE_GLOBAL_OPTIONS[executable]
    chosen = _select(args, syntax, CONTAINER_RUN + CONTAINER_LOCAL)
    if chosen is None:
        return None
    words, selected = chosen
    if words in CONTAINER_LOCAL:
        return Launch(executable, " ".join((executable, *words)), "", None, all_tokens, (), (), selected.rest,
                      subcommand=selected.words, global_options=selected.global_options)
    parts = _cut(selected.rest, DOCKER_OPTIONS)
    image = (parts.program,) if parts.program is not None else ()
    return Launch(executable, executable, "docker", parts.program, all_tokens, _fetched("docker", image),
                  parts.options, parts.program_args, subcommand=selected.words,
                  global_options=selected.global_options)


def _run_launch(executable: str, all_tokens: tuple[Token, ...], args: tuple[Token, ...]) -> Launch | None:
    """``go run [build flags] package[@version]`` and ``deno run [options] specifier``: a local
    package or script, or one fetched from its registry (``example.com/cmd@v1``, ``jsr:@s/p``,
    ``npm:pkg``) or a URL (``https://deno.land/x/mod@v1/cli.ts``: ecosystem "url", not a registry)."""
    syntax, reader = RUN_SUBCOMMANDS[executable]
    chosen = _select(args, syntax, (("run",),))
    if chosen is None:
        return None
    _, selected = chosen
    parts = _cut(selected.rest, syntax)
    ref = package_ref(reader, parts.program.text) if parts.program is not None else None
    fetched = (Fetched(parts.program, ref),) if parts.program is not None and ref is not None else ()
    ecosystem = ref.ecosystem if ref is not None and ref.ecosystem != "url" else ""
    return Launch(executable, f"{executable} run", ecosystem, parts.program, all_tokens, fetched, parts.options,
                  parts.program_args, subcommand=selected.words, global_options=selected.global_options)


def _interpreter_launch(executable: str, all_tokens: tuple[Token, ...], args: tuple[Token, ...]) -> Launch:
    """``node build/index.js``, ``python -m server``, ``java -jar app.jar``: the script or module is
    the program; nothing is fetched from a registry."""
    options, first = _read_options(args, INTERPRETER_OPTIONS)
    program_flag = PROGRAM_OPTIONS.get(executable)
    named = next((o.value for o in options if o.flag == program_flag and o.value is not None), None)
    if named is not None:
        module = named if executable in PYTHON_INTERPRETERS else None
        return Launch(executable, executable, "", named, all_tokens, (), tuple(options), args[first:], module)
    program = args[first] if first < len(args) else None
    return Launch(executable, executable, "", program, all_tokens, (), tuple(options), args[first + 1:])


def read_launch(server: Server) -> Launch | None:
    """The launch of a stdio server, or None when it has neither command nor arguments (read
    once per server: kept in its ``launch_memo``)."""
    memo = server.launch_memo
    if isinstance(memo, str):  # NOT_READ (a launch is never a string)
        memo = _read_launch(server)
        object.__setattr__(server, "launch_memo", memo)  # the frozen guard refuses setattr
    return memo  # type: ignore[return-value]


def _read_launch(server: Server) -> Launch | None:
    tokens = tuple(command_tokens(server))
    if server.command is not None and server.command.text is not None and not server.command.text.strip():
        return Launch("", "", "", None, tokens)  # a blank command starts nothing
    if not tokens:
        return None
    executable = executable_name(tokens[0].text)
    args = tokens[1:]
    # A Docker catalog entry names only its image; its command is the image's own value.
    if (
        server.command is not None and server.args
        and server.command.route == server.args[0].route and executable == "docker"
    ):
        image = args[0]
        return Launch("docker", "docker", "docker", image, tokens, _fetched("docker", (image,)), (), args[1:])
    if executable in NODE_RUNNERS:
        return _package_launch(executable, executable, "npm", tokens, args)
    if executable in PYTHON_RUNNERS:
        return _package_launch(executable, executable, "pypi", tokens, args)
    if executable in SUBCOMMAND_RUNNERS:
        choices = SUBCOMMAND_RUNNERS[executable]
        chosen = _select(args, RUNNER_OPTIONS[executable], tuple(words for words, _ in choices))
        if chosen is not None:
            words, selected = chosen
            ecosystem = dict(choices)[words]
            runner = " ".join((executable,) + words)
            return _package_launch(executable, runner, ecosystem, tokens, selected.rest, selected)
    if executable in CONTAINER_ENGINES:
        launch = _container_launch(executable, tokens, args)
        if launch is not None:
            return launch
    if executable in RUN_SUBCOMMANDS:
        launch = _run_launch(executable, tokens, args)
        if launch is not None:
            return launch
    if executable in INTERPRETERS:
        return _interpreter_launch(executable, tokens, args)
    return Launch(executable, "", "", tokens[0], tokens, (), (), args)
