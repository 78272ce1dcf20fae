"""Credentials inside shell command strings, read word by word as the shell reads them.

``NAME=value`` assignments (several in one string, after ``export`` or ``env``), ``--flag=value``
and ``--flag value``, what ``echo``/``printf`` print in a credential helper, and every word on its
own (a header, a URL); a permission rule ``Bash(...)`` is read for its command. Each part keeps
its exact place in the string, quotes and escapes included.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from mcpiam.core.lazy_pattern import lazy_compile
from mcpiam.core.valuetype import replace
from enum import Enum

from mcpiam.catalogue import name_field_at
from mcpiam.core.document import Route
from mcpiam.model.launch import executable_name
from mcpiam.model.servers import ConfigFile, ServerIndex, Value
from mcpiam.model.shell_words import ShellWord, shell_words
from mcpiam.secrets.locate import SECRET_FLAG, SecretCandidate, split_value

ASSIGNMENT = lazy_compile(r"[A-Za-z_][A-Za-z0-9_]*=")
FLAG_EQUALS = lazy_compile(r"--?[A-Za-z0-9][A-Za-z0-9_.-]*=")
# A Claude Code permission rule for a shell command: ``Bash(cmd args:*)``, ``Bash(cmd *)``.
PERMISSION_RULE = lazy_compile(r"\s*Bash\((.*)\)\s*", re.DOTALL)
RULE_WILDCARD = lazy_compile(r":?\*$")
PRINTERS = frozenset({"echo", "printf"})
# Words before the command that set its environment: ``export A=1``, ``env -u X A=1 cmd``.
ENVIRONMENT_SETTERS = frozenset({"export", "env"})
# ``env`` options that take a value as the next word.
ENV_VALUE_OPTIONS = frozenset({"-u", "--unset", "-C", "--chdir"})
SHELLS = frozenset({"sh", "bash", "zsh", "dash", "ksh", "ash"})
# ``-c`` alone or among other single-letter options (``-lc``, ``-ec``): the next word is a script.
SCRIPT_OPTION = lazy_compile(r"-[A-Za-z]*c[A-Za-z]*")
MAX_NESTING = 2  # sh -c "bash -c '...'" is read twice over, no deeper


class ShellReading(str, Enum):
    """How a string is read: as words only (a server's command line, which its client may start
    without a shell), or as a script a shell runs (whose ``$VAR`` the shell expands)."""

    WORDS = "words"
    SCRIPT = "script"


def shell_candidates(value: Value, text: str, context: str, place: str,
                     reading: ShellReading = ShellReading.WORDS) -> Iterator[SecretCandidate]:
    """The string itself, then each credential-bearing part of its shell words."""
    parts = list(_parts(value, text, 0, context, depth=0))
    shell = reading is ShellReading.SCRIPT
    yield SecretCandidate(value, text, 0, context, place, composite=bool(parts), shell=shell)
    for part in parts:
        yield replace(part, shell=True) if shell else part


def _command_of(text: str) -> tuple[str, int]:
    """The command a string holds and where it starts: a permission rule's inside, its trailing
    ``:*`` wildcard left out; any other string whole."""
    rule = PERMISSION_RULE.fullmatch(text)
    if rule is None:
        return text, 0
    inner = RULE_WILDCARD.sub("", rule.group(1))
    return inner, rule.start(1)


def _parts(value: Value, text: str, base: int, context: str, depth: int) -> Iterator[SecretCandidate]:
    command, start = _command_of(text)
    base += start
    words = shell_words(command, operators=True)
    printed = _printed_label(context)
    first_word: str | None = None  # the program of the simple command being read
    setting_environment = False  # after ``export`` or ``env``, before the command
    skip_next = False
    for index, word in enumerate(words):
        if word.operator:
            first_word, setting_environment = None, False
            continue
        if skip_next:
            skip_next = False
            continue
        following = words[index + 1] if index + 1 < len(words) else None
        assignment = ASSIGNMENT.match(word.text)
        flag_equals = FLAG_EQUALS.match(word.text)
        if assignment is not None:
            yield from _part(value, word, base, assignment.end(), word.text[:assignment.end() - 1], "env")
            continue
        if first_word is None and setting_environment and word.text.startswith("-"):
            skip_next = word.text in ENV_VALUE_OPTIONS  # ``env -u NAME``: NAME is no command
            continue
        if first_word is None:
            name = executable_name(word.text)
            if name in ENVIRONMENT_SETTERS:
                setting_environment = True  # the command, if any, comes after the assignments
            else:
                first_word = name
            continue
        if flag_equals is not None:
            flag = word.text[:flag_equals.end() - 1]
            place = "flag-value" if SECRET_FLAG.match(flag) else "pair"
            yield from _part(value, word, base, flag_equals.end(), flag.lstrip("-"), place)
            continue
        if SECRET_FLAG.match(word.text) and following is not None and not following.operator:
            yield from _part(value, following, base, 0, word.text.lstrip("-"), "flag-value")
            skip_next = True
            continue
        if (first_word in SHELLS and SCRIPT_OPTION.fullmatch(word.text) and following is not None
                and not following.operator and following.is_verbatim() and depth < MAX_NESTING):
            inner_base = base + following.raw_start(0)
            yield from _parts(value, following.text, inner_base, context, depth + 1)
            skip_next = True
            continue
        if first_word in PRINTERS and not word.text.startswith("-"):
            yield from _part(value, word, base, 0, printed, "arg")
            continue
        if word.start > 0 or word.end < len(command):  # the whole string is a candidate already
            yield from _part(value, word, base, 0, context, "arg")


def _printed_label(context: str) -> str:
    """What a helper prints is the credential it helps with: ``apiKeyHelper`` prints an API key."""
    if context.lower().endswith("helper") and len(context) > len("helper"):
        return context[: -len("helper")]
    return context


def _part(value: Value, word: ShellWord, base: int, begin: int, context: str,
          place: str) -> Iterator[SecretCandidate]:
    """The part of a word from ``begin`` on: split further when written as one unbroken run;
    else (quotes or escapes inside) a candidate carrying where each of its characters is."""
    text = word.text[begin:]
    if not text.strip():
        return
    if word.is_verbatim(begin):
        yield from split_value(value, text, base + word.raw_start(begin), context, place, depth=1)
        return
    offsets = tuple(base + offset for offset in word.offsets[begin:])
    yield SecretCandidate(value, text, offsets[0], context, place, offsets=offsets)


def shell_reading_at(config: ConfigFile, servers: ServerIndex) -> Callable[[Route], ShellReading | None]:
    """Which string values of a config are shell commands, and how each is read: catalogue
    ``shell_fields`` (hook commands, permission rules, credential helpers) and a ``sh -c`` script
    are scripts; a server's ``command`` written as a whole command line is read as words."""
    readings: dict[Route, ShellReading] = {}
    for server in config.servers:
        command = server.command
        if command is None or command.text is None:
            continue
        if len(command.text.split()) > 1:
            readings[command.route] = ShellReading.WORDS
        if executable_name(command.text) in SHELLS:
            for flag, script in zip(server.args, server.args[1:]):
                if flag.text is not None and SCRIPT_OPTION.fullmatch(flag.text):
                    readings[script.route] = ShellReading.SCRIPT
                    break

    def reading(route: Route) -> ShellReading | None:
        known = readings.get(route)
        if known is not None:
            return known
        if not config.shell_fields:
            return None
        server = servers.at(route)
        field = name_field_at(config.shell_fields, route, server.route if server else None)
        return ShellReading.SCRIPT if field is not None else None

    return reading
