"""The files git would list, read from the repository itself: no ``git`` process is started.

``listing(top, directory)`` answers what ``git ls-files --cached --others --exclude-standard``
answers: every path in the index (tracked), plus every file on disk that no ignore rule excludes
(untracked). The index is read directly (format versions 2, 3 and 4); ignore rules come from
``.gitignore`` files, ``.git/info/exclude`` and ``core.excludesFile`` with git's precedence and
pattern syntax (``mcpiam.core.globs``: ``GITIGNORE_SYNTAX``, ``read_path_rule``). Anything this module
cannot read (an unknown index version, a split index) returns None and discovery falls back to a
plain walk. Every file is read through ``mcpiam.core.safe_open``; an index entry that would leave the
work tree (``..``, an absolute path) or name ``.git`` is rejected, as git itself rejects it.
"""

from __future__ import annotations

import fnmatch
import os
import re
import struct
from collections.abc import Callable, Iterator
from mcpiam.core.valuetype import dataclass
from pathlib import Path

from mcpiam.core.globs import GITIGNORE_SYNTAX, PathRule, glob_regex_text, read_path_rule
from mcpiam.core.safe_open import Fence, Refusal, read_prefix

INDEX_SIGNATURE = b"DIRC"
GITLINK_MODE = 0o160000
DIRECTORY_MODE = 0o040000
MAX_INDEX_BYTES = 512 * 1024 * 1024
MAX_TEXT_BYTES = 16 * 1024 * 1024  # a .gitignore, exclude or config file larger than this is not read


def _read_text(path: Path, fence: Fence | None = None) -> str | None:
    """A git text file (ignore rules, config, pointers), or None when it is not a readable file."""
    data = read_prefix(path, MAX_TEXT_BYTES, whole=True, fence=fence)
    if isinstance(data, Refusal):
        return None
    return data.decode("utf-8", "surrogateescape")


def unsafe_entry(name: str) -> bool:
    """An index path git would refuse to check out: absolute, with ``..``/``.``/empty parts, or
    naming ``.git`` in any case (joined onto the work tree it would lead out of it)."""
    if name.startswith("/"):
        return True
    if os.name == "nt" and ("\\" in name or ":" in name):  # a drive or a second separator there
        return True
    return any(part in ("", ".", "..") or part.lower() == ".git" for part in name.split("/"))


def git_dir(top: Path, fence: Fence | None = None) -> Path | None:
    """The repository directory of a work tree: ``.git`` itself or where a ``.git`` file points."""
    dot_git = top / ".git"
    if dot_git.is_dir():
        return dot_git
    text = _read_text(dot_git, fence)
    if text is None:
        return None
    # The path ends at its last non-space character (greedy): a lazy path before "\s*$" is
    # quadratic on a long run of spaces (tests/test_backtracking.py).
    match = re.match(r"gitdir:\s*+(\S(?:.*\S)?)\s*$", text, re.MULTILINE)
    if not match:
        return None
    target = Path(match.group(1))
    return target if target.is_absolute() else (top / target).resolve()


def _common_dir(repository: Path, fence: Fence | None = None) -> Path:
    """Shared files (info/exclude, config) of a linked work tree live in the main repository."""
    text = _read_text(repository / "commondir", fence)
    if text is None:
        return repository
    pointer = text.strip()
    target = Path(pointer)
    return target if target.is_absolute() else (repository / target).resolve()


# --- the index ----------------------------------------------------------------------------------


def _hash_size(repository: Path, fence: Fence | None = None) -> int:
    config = _read_config(_common_dir(repository, fence) / "config", fence)
    return 32 if config.get(("extensions", "objectformat"), "").lower() == "sha256" else 20


def read_index(repository: Path, fence: Fence | None = None,
               rejected: list[str] | None = None) -> set[str] | None:
    """Paths recorded in the index (POSIX, relative to the work tree), or None if unreadable.

    Entries that would lead out of the work tree are left out and added to ``rejected``.
    """
    data = read_prefix(repository / "index", MAX_INDEX_BYTES, whole=True, fence=fence)
    if isinstance(data, Refusal):
        return set() if data.code == "not-found" else None  # not found: nothing staged yet
    try:
        paths = _parse_index(data, _hash_size(repository, fence))
    except (ValueError, struct.error, IndexError):
        return None
    if paths is None:
        return None
    unsafe = sorted(name for name in paths if unsafe_entry(name))
    if rejected is not None:
        rejected.extend(unsafe)
    return paths.difference(unsafe)


def _parse_index(data: bytes, hash_size: int) -> set[str] | None:
    if len(data) < 12 or data[:4] != INDEX_SIGNATURE:
        raise ValueError("not an index")
    version, count = struct.unpack(">II", data[4:12])
    if version not in (2, 3, 4):
        return None
    paths: set[str] = set()
    offset = 12
    previous = b""
    fixed = 40 + hash_size  # ten 32-bit stat fields, then the object id
    for _ in range(count):
        start = offset
        mode = struct.unpack(">I", data[offset + 24: offset + 28])[0]
        flags = struct.unpack(">H", data[offset + fixed: offset + fixed + 2])[0]
        offset += fixed + 2
        if version >= 3 and flags & 0x4000:
            offset += 2  # extended flags (skip-worktree, intent-to-add): still listed by ls-files
        if version == 4:
            strip, offset = offset_varint(data, offset)
            end = data.index(b"\0", offset)
            name = previous[: len(previous) - strip] + data[offset:end]
            offset = end + 1
        else:
            end = data.index(b"\0", offset)
            name = data[offset:end]
            length = end - start + 1
            offset = start + ((length + 7) // 8) * 8
        previous = name
        kind = mode & 0o170000
        if kind in (GITLINK_MODE, DIRECTORY_MODE):
            continue  # a submodule or a sparse-index directory: not a file to read
        paths.add(name.decode("utf-8", "surrogateescape"))
    return paths


def offset_varint(data: bytes, offset: int) -> tuple[int, int]:
    """git's offset varint (index v4 path prefix lengths, a pack's OFS_DELTA base offsets):
    the value and the offset after it."""
    byte = data[offset]
    offset += 1
    value = byte & 0x7F
    while byte & 0x80:
        byte = data[offset]
        offset += 1
        value = ((value + 1) << 7) | (byte & 0x7F)
    return value, offset


# --- ignore rules -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class IgnoreRule:
    base: str  # directory the rule is relative to ("" = work tree root), POSIX
    pattern: PathRule
    regex: re.Pattern[str]  # the glob over the path below base, or over the name if unanchored


def _trim_trailing_spaces(line: str) -> str:
    """Trailing spaces are ignored unless escaped with a backslash (itself not escaped)."""
    last_space = None
    index = 0
    while index < len(line):
        if line[index] == " ":
            last_space = index if last_space is None else last_space
        else:
            last_space = None
            index += line[index] == "\\"  # the escaped character, whatever it is
        index += 1
    return line if last_space is None else line[:last_space]


def parse_ignore_line(line: str, base: str) -> IgnoreRule | None:
    """One line of a gitignore file as a rule, or None for blanks and comments."""
    line = line.rstrip("\n").rstrip("\r")
    if not line or line.startswith("#"):
        return None
    pattern = read_path_rule(_trim_trailing_spaces(line), negation=True)
    if not pattern.glob:
        return None
    regex = re.compile(glob_regex_text(pattern.glob, GITIGNORE_SYNTAX) + r"\Z", re.DOTALL)
    return IgnoreRule(base, pattern, regex)


def _rules_from(path: Path, base: str, fence: Fence | None = None) -> list[IgnoreRule]:
    text = _read_text(path, fence)
    if text is None:
        return []
    text = text.removeprefix("\ufeff")  # git skips a byte order mark
    return [rule for line in text.split("\n") if (rule := parse_ignore_line(line, base))]


def _is_ignored(relative: str, is_dir: bool, rules: list[IgnoreRule]) -> bool:
    """git's verdict: the last matching rule decides (rules ordered lowest precedence first)."""
    name = relative.rsplit("/", 1)[-1]
    for rule in reversed(rules):
        if rule.pattern.directory_only and not is_dir:
            continue
        if rule.base:
            if not relative.startswith(rule.base + "/"):
                continue
            below = relative[len(rule.base) + 1:]
        else:
            below = relative
        if rule.regex.match(below if rule.pattern.anchored else name):
            return not rule.pattern.negated
    return False


def _read_config(path: Path, fence: Fence | None = None) -> dict[tuple[str, str], str]:
    """The few ``section.key = value`` pairs of a git config file (no includes, no subsections)."""
    values: dict[tuple[str, str], str] = {}
    text = _read_text(path, fence)
    if text is None:
        return values
    section = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        header = re.match(r"\[\s*([A-Za-z0-9.-]+)(?:\s+\"[^\"]*\")?\s*\]", line)
        if header:
            section = header.group(1).lower() if '"' not in line else ""
            continue
        pair = re.match(r"([A-Za-z][A-Za-z0-9-]*)\s*(?:=\s*+(.*))?$", line)  # *+: linear
        if pair and section:
            value = (pair.group(2) or "true").strip()
            if len(value) >= 2 and value[0] == value[-1] == '"':
                value = value[1:-1]
            values[(section, pair.group(1).lower())] = value
    return values


def _global_excludes(repository: Path, environ: dict[str, str]) -> Path | None:
    home = environ.get("HOME") or str(Path.home())
    xdg = environ.get("XDG_CONFIG_HOME") or os.path.join(home, ".config")
    configured = ""
    for config in (Path(xdg) / "git" / "config", Path(home) / ".gitconfig",
                   _common_dir(repository) / "config"):
        configured = _read_config(config).get(("core", "excludesfile"), configured)
    if configured:
        return Path(os.path.expanduser(configured.replace("~", home, 1) if configured.startswith("~")
                                       else configured))
    return Path(xdg) / "git" / "ignore"


def base_rules(top: Path, repository: Path, environ: dict[str, str] | None = None,
               fence: Fence | None = None) -> list[IgnoreRule]:
    """``core.excludesFile`` then ``info/exclude``: the rules below every ``.gitignore``."""
    rules: list[IgnoreRule] = []
    excludes = _global_excludes(repository, dict(environ if environ is not None else os.environ))
    if excludes is not None:
        rules.extend(_rules_from(excludes, ""))
    rules.extend(_rules_from(_common_dir(repository, fence) / "info" / "exclude", "", fence))
    return rules


@dataclass(frozen=True, slots=True)
class IgnoredWanted:
    """Which git-ignored files a listing reports apart (MCP configs a developer keeps out of git):
    ``claims`` judges a relative path; ``globs`` (path globs, ``**`` allowed) say which paths to
    look for inside an ignored folder, which is never walked as a whole (node_modules, build trees)."""

    claims: Callable[[str], bool]
    globs: tuple[str, ...]


def _existing(top: Path, relative: str, parts: list[str]) -> Iterator[str]:
    """Paths below ``relative`` matching ``parts`` (no ``**``), listing only wildcard steps."""
    head, rest = parts[0], parts[1:]
    names: list[str]
    if any(char in head for char in "*?["):
        try:
            with os.scandir(top / relative) as entries:
                names = sorted(e.name for e in entries if fnmatch.fnmatchcase(e.name, head))
        except OSError:
            return
    else:
        names = [head]
    for name in names:
        child = f"{relative}/{name}"
        path = top / child
        if rest:
            if path.is_dir() and not path.is_symlink():
                yield from _existing(top, child, rest)
        elif os.path.lexists(path) and not path.is_dir():
            yield child


def _ignored_in_folder(top: Path, relative: str, wanted: IgnoredWanted) -> Iterator[str]:
    """Claimed files inside an ignored folder, found by probing the globs' literal tails only:
    a glob step naming the folder (``**/.cursor/mcp.json`` for ``.cursor``), or a leading ``**``
    one level down (``**/.vscode/mcp.json`` for ``config/.vscode/mcp.json``)."""
    name = relative.rsplit("/", 1)[-1]
    found: set[str] = set()
    for glob in wanted.globs:
        parts = glob.split("/")
        tails = [parts[index + 1:] for index, part in enumerate(parts[:-1])
                 if part != "**" and fnmatch.fnmatchcase(name, part)]
        if parts[0] == "**":
            tails.append(parts[1:])
        for tail in tails:
            if tail and "**" not in tail:
                found.update(path for path in _existing(top, relative, tail) if wanted.claims(path))
    yield from sorted(found)


def _untracked(top: Path, start: str, rules: list[IgnoreRule], tracked: set[str],
               fence: Fence | None = None,
               unlisted: list[tuple[str, str]] | None = None,
               wanted: IgnoredWanted | None = None, ignored: list[str] | None = None) -> Iterator[str]:
    """Files not ignored under ``start`` (relative dir), walking only into directories git would;
    each directory that cannot be listed is added to ``unlisted`` as (relative dir, reason), and
    each ignored file ``wanted`` claims to ``ignored``."""
    # The .gitignore files from the top down to the start directory are all in force there.
    inherited = list(rules) + _rules_from(top / ".gitignore", "", fence)
    here = ""
    for part in [p for p in start.split("/") if p]:
        here = f"{here}/{part}" if here else part
        inherited.extend(_rules_from(top / here / ".gitignore", here, fence))
    # Each stack item: (relative dir, the rules in force there).
    stack: list[tuple[str, list[IgnoreRule]]] = [(start, inherited)]
    while stack:
        relative, in_force = stack.pop()
        directory = top / relative if relative else top
        try:
            with os.scandir(directory) as entries:
                listed = sorted(entries, key=lambda e: e.name)
        except OSError as error:
            if unlisted is not None:
                unlisted.append((relative, error.strerror or type(error).__name__))
            continue
        for entry in listed:
            if entry.name == ".git":  # the repository (a directory, or a file in a linked work tree)
                continue
            child = f"{relative}/{entry.name}" if relative else entry.name
            try:
                is_dir = entry.is_dir(follow_symlinks=False)
            except OSError:
                continue
            if is_dir:
                if (Path(entry.path) / ".git").exists() and child not in tracked:
                    continue  # a nested repository: git lists it as one entry, not its files
                if _is_ignored(child, True, in_force):
                    if wanted is not None and ignored is not None:
                        ignored.extend(_ignored_in_folder(top, child, wanted))
                    continue
                stack.append((child, in_force + _rules_from(Path(entry.path) / ".gitignore", child, fence)))
            elif child not in tracked:
                if not _is_ignored(child, False, in_force):
                    yield child
                elif wanted is not None and ignored is not None and wanted.claims(child):
                    ignored.append(child)


def _metadata_fence(fence: Fence | None) -> Fence | None:
    """How the repository's own files are read: a linked work tree's live outside the tree, so only
    the owner is held (in a sweep); the entries they yield are judged by ``unsafe_entry``."""
    if fence is None or fence.owner is None:
        return None
    return Fence(os.path.realpath(os.sep), fence.owner)


def listing(top: Path, directory: Path, environ: dict[str, str] | None = None, *,
            fence: Fence | None = None, rejected: list[str] | None = None,
            unlisted: list[tuple[str, str]] | None = None,
            wanted: IgnoredWanted | None = None, ignored: list[str] | None = None,
            indexed: set[str] | None = None) -> list[str] | None:
    """Tracked plus untracked-but-not-ignored files under ``directory``, relative to ``top``.

    ``fence``: the tree the work tree's files (``.gitignore``) must lie in; index entries leading
    out of the work tree are left out and added to ``rejected``. ``unlisted`` collects the
    directories that could not be listed, with the reason; ``ignored`` the git-ignored files
    ``wanted`` claims (not part of the listing); ``indexed`` the listed files git tracks (in its
    index), so a report can say that a secret in one stays in the history.
    """
    metadata = _metadata_fence(fence)
    repository = git_dir(top, metadata)
    if repository is None:
        return None
    tracked = read_index(repository, metadata, rejected)
    if tracked is None or (repository / "sharedindex").exists() or _has_split_index(repository):
        return None
    try:
        start = directory.relative_to(top).as_posix() if directory != top else ""
    except ValueError:
        return None
    start = "" if start == "." else start
    within = {path for path in tracked if not start or path.startswith(start + "/")}
    if indexed is not None:
        indexed.update(within)
    untracked = set(_untracked(top, start, base_rules(top, repository, environ, metadata), tracked, fence,
                               unlisted, wanted, ignored))
    return sorted(within | untracked)


def _has_split_index(repository: Path) -> bool:
    try:
        return any(name.startswith("sharedindex.") for name in os.listdir(repository))
    except OSError:
        return False
