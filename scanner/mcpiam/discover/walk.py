"""Discovery: which files under the given paths are MCP configs, or might be.

In a git work tree the candidates are the files git tracks plus untracked files it does not
ignore, read from the index and the ignore files without starting git (``discover/gitfiles.py``);
git-ignored files the catalogue claims (a developer's ``.cursor/mcp.json`` holding their token)
are counted, and read when asked (``include_ignored``); elsewhere a walk that skips VCS
and dependency folders. A file matches the catalogue by its path, or becomes a content candidate
when its name is unknown but its first bytes name an MCP root key. Files named on the command
line are always scanned.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Callable, Iterable, Iterator, Sequence
from mcpiam.core.lazy_pattern import lazy_compile
from mcpiam.core.valuetype import dataclass
from pathlib import Path

from mcpiam.catalogue import Catalogue, FileKind
from mcpiam.core.globs import glob_regex
from mcpiam.core.notes import GIT_IGNORED_NOTE, Note
from mcpiam.core.safe_open import FileIdentity, Fence, Refusal, admit, read_prefix, resolve

# Folders a walk never descends into: VCS metadata, dependencies, virtualenvs, build caches.
SKIPPED_DIRS = frozenset(
    {
        ".git", ".hg", ".svn", "node_modules", "bower_components", "jspm_packages", ".venv", "venv",
        "__pycache__", ".tox", ".nox", ".mypy_cache", ".pytest_cache", ".ruff_cache", "site-packages",
        ".gradle", ".m2", ".cargo", "target", ".next", ".nuxt", ".terraform", ".yarn", ".pnpm-store",
        "vendor", "Pods", "DerivedData",
    }
)
STRUCTURED_SUFFIXES = (".json", ".jsonc", ".json5", ".yaml", ".yml", ".toml")
# Cheap pre-check before parsing a file with an unknown name: does its head mention an MCP root?
CONTENT_HINT = lazy_compile(
    rb"mcpServers|mcp_servers|context_servers|modelContextProtocolServers|mcp-servers"
    rb"|mcp_config|startCommand|modelcontextprotocol\.io/schemas"
    rb"|[\"']?servers[\"']?\s*[:=]|[\"']mcp[\"']\s*:|^\s*mcp\s*:|^\s*extensions\s*:",
    re.MULTILINE,
)
# A file that is one server or lists servers under another key names none of those roots: a
# command key beside an args or env key (or a URL beside headers) is worth a parse too, and so is
# any structured file whose name says MCP (mcp.config.json, .claude/mcp.json, mcp-hub.yaml).
COMMAND_HINT = lazy_compile(rb"(?:^|[\s{,])[\"']?(?:command|cmd)[\"']?\s*[:=]", re.MULTILINE)
COMPANION_HINT = lazy_compile(rb"(?:^|[\s{,])[\"']?(?:args|env)[\"']?\s*[:=]", re.MULTILINE)
URL_HINT = lazy_compile(rb"(?:^|[\s{,])[\"']?(?:url|serverUrl|httpUrl)[\"']?\s*[:=]", re.MULTILINE)
HEADERS_HINT = lazy_compile(rb"(?:^|[\s{,])[\"']?headers[\"']?\s*[:=]", re.MULTILINE)
CONTENT_HEAD_BYTES = 64 * 1024


@dataclass(frozen=True, slots=True)
class Candidate:
    """A file that may be an MCP config, with the catalogue kinds its path matches."""

    # The absolute path as text; ``path`` makes the Path when a file is read. A scan keeps every
    # candidate until its report is written, and a Path (its list of parts) costs ~0.65 KB more a
    # candidate than its text: 13 MB of a 20,000-config scan's peak (issue 15, goal 3).
    location: str
    display: str  # relative to the scan root when under it, POSIX separators
    kinds: tuple[FileKind, ...]  # catalogue kinds matched by path, most specific first
    named: bool  # named on the command line: always scanned
    posix_modes: bool = True  # do POSIX permission bits apply (False when swept as a Windows home)
    # Found by a walk: the tree it may not leave, and the file admitted (what the reader must find).
    fence: Fence | None = None
    identity: FileIdentity | None = None
    # In git's index (found through a git listing): a secret in it stays in the history. False
    # also when unknown (a file named on the command line, a tree that is no work tree).
    tracked: bool = False

    @property
    def path(self) -> Path:
        return Path(self.location)


@dataclass(frozen=True, slots=True)
class Discovery:
    """What discovery found under the given paths, and what it could not read."""

    root: Path
    candidates: tuple[Candidate, ...]
    notes: tuple[Note, ...]
    files_considered: int


class _PathMatcher:
    """Claims relative paths for catalogue kinds; one combined pattern keeps a walk fast.

    The pattern only filters: it matches exactly the paths some catalogue glob matches (a glob
    without "/" on the file name, any other on the whole path, as ``glob_match`` does), and
    every such path gets the catalogue's own ordered claim (sibling rules included). Built only
    for a directory walk: a named file is claimed directly (``_claim``), compiling nothing.
    """

    def __init__(self, catalogue: Catalogue) -> None:
        self._catalogue = catalogue
        name_globs: set[str] = set()
        path_globs: set[str] = set()
        for kind in catalogue.file_kinds():
            for pattern in list(kind.project) + [rule.glob for rule in kind.project_if_sibling]:
                (path_globs if "/" in pattern else name_globs).add(pattern)
        self._names = _any_of(glob_regex(glob).pattern for glob in sorted(name_globs))
        # A path glob's last segment must match the file name: a cheap test before the whole path.
        self._tails = _any_of(glob_regex(glob.rsplit("/", 1)[-1]).pattern for glob in sorted(path_globs))
        self._paths = _any_of(glob_regex(glob).pattern for glob in sorted(path_globs))
        self.path_globs = tuple(sorted(path_globs))

    def might_claim(self, relative: str) -> bool:
        """Whether some catalogue glob matches ``relative`` (sibling conditions not yet asked)."""
        name = relative.rsplit("/", 1)[-1]
        return bool(self._names.match(name) or (self._tails.match(name) and self._paths.match(relative)))

    def match(self, relative: str, base: Path) -> tuple[FileKind, ...]:
        if not self.might_claim(relative):
            return ()
        return _claim(self._catalogue, relative, base)


def path_matcher(catalogue: Catalogue) -> _PathMatcher:
    """The catalogue's claims on relative paths, for a source other than a directory walk (git
    history): ``might_claim`` filters, ``catalogue.claim_project_path`` then decides."""
    return _PathMatcher(catalogue)


def _claim(catalogue: Catalogue, relative: str, base: Path) -> tuple[FileKind, ...]:
    return catalogue.claim_project_path(relative, exists=lambda rel: (base / rel).exists())


def _any_of(patterns: Iterable[str]) -> re.Pattern[str]:
    alternatives = [f"(?:{pattern})" for pattern in patterns]
    return re.compile("|".join(alternatives) if alternatives else "(?!)")


def git_toplevel(path: Path) -> Path | None:
    """The work tree containing ``path``, found by looking for ``.git`` upwards (no subprocess)."""
    current = path if path.is_dir() else path.parent
    for candidate in (current, *current.parents):
        if (candidate / ".git").exists():
            return candidate
    return None


def _git_files(top: Path, directory: Path, fence: Fence, notes: list[Note], root: Path,
               matcher: _PathMatcher, include_ignored: bool, indexed: set[str]) -> list[str] | None:
    """Tracked plus untracked-but-not-ignored files under ``directory``, relative to ``top``,
    read from the repository itself (mcpiam never starts a process); None means "walk". A folder
    that cannot be listed is a note, as in a walk. Git-ignored files the catalogue claims are
    added with ``include_ignored``, else each is an info note (git's view is the default); the
    listed files git tracks are added to ``indexed``."""
    from mcpiam.discover.gitfiles import IgnoredWanted, listing

    rejected: list[str] = []
    unlisted: list[tuple[str, str]] = []
    ignored: list[str] = []
    wanted = IgnoredWanted(lambda relative: bool(matcher.match(relative, top)), matcher.path_globs)
    listed = listing(top, directory, fence=fence, rejected=rejected, unlisted=unlisted,
                     wanted=wanted, ignored=ignored, indexed=indexed)
    for name in rejected:
        notes.append(Note(_display(top / ".git" / "index", root), "warning", "unsafe-index-entry",
                          f"index entry not read: {name!r} leaves the work tree or names .git"))
    for relative, reason in unlisted:
        notes.append(Note(_display(top / relative, root), "warning", "unreadable-directory",
                          f"directory skipped: {reason}"))
    if listed is None or not ignored:
        return listed
    if include_ignored:
        return sorted(set(listed).union(ignored))
    for relative in sorted(set(ignored)):
        notes.append(Note(_display(top / relative, root), "info", GIT_IGNORED_NOTE,
                          "git-ignored MCP config not read (the scan follows git's view); "
                          "--include-ignored reads it"))
    return listed


def _walk(directory: Path, notes: list[Note], root: Path) -> Iterator[tuple[str, bool]]:
    """Every file under ``directory`` as a path string (Path objects only for the few kept:
    building one per file dominates a large tree), with whether the listing says it is a regular
    file and no link (``d_type``: no ``stat``); links to directories are not followed."""
    stack = [str(directory)]
    while stack:
        current = stack.pop()
        try:
            with os.scandir(current) as entries:
                listed = sorted(entries, key=lambda e: e.name)
        except OSError as error:
            notes.append(
                Note(_display(Path(current), root), "warning", "unreadable-directory",
                     f"directory skipped: {error.strerror or type(error).__name__}")
            )
            continue
        subdirs = []
        for entry in listed:
            try:
                if entry.is_dir(follow_symlinks=False):
                    if entry.name not in SKIPPED_DIRS:
                        subdirs.append(entry.path)
                else:  # files, links, and special files (judged by the caller before opening)
                    yield entry.path, entry.is_file(follow_symlinks=False)
            except OSError:
                continue
        stack.extend(reversed(subdirs))


def _in_skipped_dir(relative: str) -> bool:
    """Whether a path (relative, "/"-separated) lies in a folder a walk never enters."""
    return any(part in SKIPPED_DIRS for part in relative.split("/")[:-1])


def _display(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def _relative_text(path: str, base: str) -> str | None:
    """``path`` relative to ``base`` as POSIX text by string slicing (both absolute, same
    spelling: they come from one listing), or None when it is not under ``base``."""
    prefix = base.rstrip(os.sep) + os.sep
    if not path.startswith(prefix):
        return None
    relative = path[len(prefix):]
    return relative.replace(os.sep, "/") if os.sep != "/" else relative


def _project_relative(path: Path, top: Path | None, root: Path) -> str:
    base = top or root
    try:
        return path.relative_to(base).as_posix()
    except ValueError:
        return path.name


def content_hint(path: Path | str, fence: Fence | None = None, identity: FileIdentity | None = None,
                 *, resolved: bool = False) -> bool:
    """Cheap check on the first bytes of a structured file with an unknown name (the parse that
    follows decides; this only spares parsing files that cannot hold a server). ``resolved``:
    ``path`` is already its real path."""
    if "mcp" in os.path.basename(path).lower():
        return True
    head = read_prefix(path, CONTENT_HEAD_BYTES, whole=False, fence=fence, expected=identity,
                       resolved=resolved)
    if isinstance(head, Refusal):
        return False
    return head_hints_a_config(head)


def head_hints_a_config(head: bytes) -> bool:
    """``content_hint`` on a file's first bytes (``CONTENT_HEAD_BYTES``) already read."""
    if CONTENT_HINT.search(head) is not None:
        return True
    if COMMAND_HINT.search(head) is not None and COMPANION_HINT.search(head) is not None:
        return True
    return URL_HINT.search(head) is not None and HEADERS_HINT.search(head) is not None


def _is_special(path: Path) -> str | None:
    """A reason not to open this path (FIFO, device, socket, dangling or looping link), or None."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return "dangling symbolic link" if path.is_symlink() else "file not found"
    except OSError as error:
        if error.errno == 40:  # ELOOP
            return "symbolic link loop"
        return error.strerror or type(error).__name__
    if stat.S_ISDIR(mode):
        return None
    if not stat.S_ISREG(mode):
        return "not a regular file (FIFO, socket or device)"
    return None


# Refusals that say something about the tree (a link out of it, another user's file): noted for
# every structured file, not only for catalogue paths.
_TRUST_REFUSALS = frozenset({"link-outside-tree", "foreign-owner", "foreign-hard-link"})


def _refusal_note(refusal: Refusal, shown: str, claimed: bool) -> Note | None:
    if refusal.code in _TRUST_REFUSALS:
        return Note(shown, "warning", refusal.code, f"config skipped: {refusal.message}")
    if not claimed or refusal.code == "directory":
        return None
    return Note(shown, "warning", "unreadable-path", f"config skipped: {refusal.message}")


# What one file of a walked tree turned out to be: (position, kind ids, admitted identity, in
# git's index) for a candidate, or (position, note) for a file noted and skipped. Plain data, so
# a forked worker can hand it back; kinds travel as ids and are the catalogue's own objects again.
FileVerdict = tuple
# Judges the files [start, stop) of a walk, in order, leaving out those that are nothing.
JudgeRange = Callable[[int, int], list]
# Runs a JudgeRange over files [0, count), in pieces when it pleases (``engine.pool`` spreads
# them over forked workers for a large tree), and yields each piece's verdicts in file order.
Spread = Callable[[JudgeRange, int], Iterable[list]]


class _FileJudge:
    """Judges the files one walk of a directory listed: matched against the catalogue, admitted
    inside the fence, sniffed when only their content can tell. A plain class: it holds the walk's
    context for ``judge_range``, which a forked worker runs on its copy."""

    def __init__(self, listing: Sequence[tuple[str, bool]], catalogue: Catalogue, matcher: "_PathMatcher",
                 base: Path, top: Path | None, absolute: Path, tree: Fence, scan_root: Path,
                 git_listed: bool, walked_from: tuple[str, str] | None, indexed: set[str]) -> None:
        self.listing = listing
        self.catalogue = catalogue
        self.matcher = matcher
        self.base = base
        self.base_text = str(base)
        self.top = top
        self.top_text = str(top) if top is not None else None
        self.absolute = absolute
        self.tree = tree
        self.scan_root = scan_root
        self.git_listed = git_listed
        self.walked_from = walked_from
        self.indexed = indexed

    def judge_range(self, start: int, stop: int) -> list:
        verdicts = []
        for position in range(start, stop):
            verdict = self._judge(position)
            if verdict is not None:
                verdicts.append(verdict)
        return verdicts

    def _judge(self, position: int) -> FileVerdict | None:
        file_text, regular = self.listing[position]
        relative = _relative_text(file_text, self.base_text)
        if relative is None:
            relative = _project_relative(Path(file_text), self.top, self.absolute)
        kinds = self.matcher.match(relative, self.base)
        if not kinds and (not relative.lower().endswith(STRUCTURED_SUFFIXES)
                          or (self.git_listed and _in_skipped_dir(relative))):
            # A file under node_modules, vendor... that git lists (committed, or not
            # ignored) is never opened to be sniffed, as a walk never enters those folders:
            # only a path the catalogue claims is read there.
            return None
        real: str | Refusal
        walked_from = self.walked_from
        if regular and walked_from is not None:
            real = walked_from[1] + file_text[len(walked_from[0]):]
        else:
            if os.path.isdir(file_text):  # a link to a directory: never followed
                return None
            real = resolve(file_text, self.tree)  # once, for both the admission and the sniff
        admitted = real if isinstance(real, Refusal) else admit(real, self.tree, resolved=True)
        if isinstance(admitted, Refusal):
            note = _refusal_note(admitted, _display(Path(file_text), self.scan_root), bool(kinds))
            return None if note is None else (position, note)
        if not kinds and not content_hint(real, self.tree, admitted, resolved=True):
            return None
        in_index = self.git_listed and self.top_text is not None and \
            _relative_text(file_text, self.top_text) in self.indexed
        return (position, tuple(kind.id for kind in kinds), admitted, in_index)


def _serially(judge: JudgeRange, count: int) -> Iterable[list]:
    return (judge(0, count),)


def discover(paths: Iterable[Path], catalogue: Catalogue, root: Path | None = None,
             fence: Fence | None = None, include_ignored: bool = False,
             spread: Spread | None = None) -> Discovery:
    """Find config candidates under ``paths`` (files or directories).

    A file found by walking a directory is read only when it lies inside ``fence`` (by default the
    directory given, or its git work tree): a link out of the scanned tree is noted, not followed.
    In a git work tree, ``include_ignored`` adds the git-ignored files the catalogue claims.
    ``spread``: how the files a walk lists are judged (matched, admitted, sniffed); by default
    here, one after the other. The candidates are the same whoever judges them.
    """
    given = [Path(p) for p in paths] or [Path(".")]
    scan_root = (root or Path.cwd()).resolve()
    matcher: _PathMatcher | None = None
    notes: list[Note] = []
    candidates: dict[str, Candidate] = {}  # by absolute path
    considered = 0

    for raw in given:
        absolute = Path(os.path.abspath(raw))
        reason = _is_special(absolute)
        if reason is not None:
            notes.append(Note(_display(absolute, scan_root), "warning", "unreadable-path",
                              f"path skipped: {reason}"))
            continue
        top = git_toplevel(absolute)
        if absolute.is_dir():
            tree = fence or Fence.around(top or absolute)
            matcher = matcher or _PathMatcher(catalogue)
            indexed: set[str] = set()
            listed = (_git_files(top, absolute, tree, notes, scan_root, matcher, include_ignored, indexed)
                      if top is not None else None)
            base = top or absolute
            # A walk knows each file's real path without resolving it: it follows no link, so a
            # regular file's real path is the walk's real start plus the path below it. Resolving
            # each sniffed file instead (an lstat per path component) dominated a large tree.
            walked_from: tuple[str, str] | None = None
            if listed is not None and top is not None:
                files: Iterable[tuple[str, bool]] = ((os.path.join(top, name), False) for name in listed)
            else:
                files = _walk(absolute, notes, scan_root)
                walked_from = (str(absolute), os.path.realpath(absolute))
            listing: Sequence[tuple[str, bool]] = list(files)
            considered += len(listing)
            judge = _FileJudge(listing, catalogue, matcher, base, top, absolute, tree, scan_root,
                               listed is not None, walked_from, indexed)
            by_id = {kind.id: kind for kind in catalogue.file_kinds()}
            kinds_of: dict[tuple[str, ...], tuple[FileKind, ...]] = {}  # one tuple per match, shared
            for verdicts in (spread or _serially)(judge.judge_range, len(listing)):
                for verdict in verdicts:
                    if len(verdict) == 2:
                        notes.append(verdict[1])
                        continue
                    position, kind_ids, admitted, in_index = verdict
                    key = os.path.abspath(listing[position][0])
                    if key in candidates:
                        continue
                    kinds = kinds_of.get(kind_ids)
                    if kinds is None:
                        kinds = kinds_of[kind_ids] = tuple(by_id[kind] for kind in kind_ids)
                    candidates[key] = Candidate(key, _display(Path(key), scan_root), kinds, named=False,
                                                fence=tree, identity=admitted, tracked=in_index)
        else:
            considered += 1
            relative = _project_relative(absolute, top, scan_root)
            candidates[str(absolute)] = Candidate(
                str(absolute), _display(absolute, scan_root), _claim(catalogue, relative, top or scan_root), named=True
            )

    ordered = tuple(sorted(candidates.values(), key=lambda c: c.display))
    return Discovery(scan_root, ordered, tuple(notes), considered)
