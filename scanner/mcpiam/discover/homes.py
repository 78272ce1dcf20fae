"""Workstation sweep: every MCP config the catalogue knows for a user's home, as scan candidates.

A discovery source beside ``mcpiam.discover.walk``: it reads the catalogue's user, managed and plugin
locations for one platform, resolves their path variables against the home being swept (and any
overrides), globs them with bounds, and hands the engine the same ``Candidate``s a project scan
would. Paths are shown home-relative (``~/.cursor/mcp.json``, ``~alice/...`` for other users),
which keeps reports private and comparable across machines. Nothing is opened before it is
stat'ed as a regular file, a link is never followed out of the tree it was found in, and every file
is read through ``mcpiam.core.safe_open`` as the one admitted, owned by the home's user or root.
"""

from __future__ import annotations

import errno
import fnmatch
import os
import re
import stat
from collections.abc import Callable, Iterator
from mcpiam.core.valuetype import dataclass, replace
from pathlib import Path

from mcpiam.catalogue import Catalogue, FileKind, default_catalogue, home_relative, specificity
from mcpiam.discover.walk import SKIPPED_DIRS, Candidate, Discovery, discover
from mcpiam.core.document import Mapping, lookup
from mcpiam.core.notes import Note
from mcpiam.core.safe_open import FileIdentity, Fence, Refusal, admit, owner_of

# Where --all-users finds homes (globs under the system root), and folder names that are not users.
HOME_ROOTS = {"linux": ("home/*", "root"), "macos": ("Users/*", "var/root"), "windows": ("Users/*",)}
NOT_USER_HOMES = frozenset({"Shared", "Public", "Default", "Default User", "All Users", "defaultuser0",
                            "Guest", "lost+found", "WDAGUtilityAccount"})
MAX_GLOBSTAR_DEPTH = 8  # "**" in plugin paths: deeper trees are not walked
MAX_LISTED_ENTRIES = 200_000  # directory entries listed per sweep, across every wildcard
WILDCARDS = "*?["
SYSTEM_USER = "(system)"  # whose managed files are: every user's

Progress = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class Home:
    """One home directory to sweep and whose it is."""

    path: Path  # absolute
    user: str
    prefix: str = "~"  # how its paths are shown: "~" for the sweeping user, "~name" for others
    # Path-variable overrides, by variable name without $ or %: (("XDG_CONFIG_HOME", "/abs"), ...).
    env: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class SweepPlan:
    platform: str  # linux | macos | windows: whose catalogue locations to read
    homes: tuple[Home, ...]
    system_root: Path | None = None  # where managed (system) files are read; None: not swept
    projects: bool = False  # also scan the project folders that client files list


@dataclass(frozen=True, slots=True)
class _Base:
    directory: Path  # where a glob starts
    display: str  # how paths under it are shown ("~", "~/.config", "$XDG_CONFIG_HOME", "")
    fence: str  # the real path no link may lead out of
    owner: int | None = None  # whose files may be read here (and root's); None: not checked


@dataclass(frozen=True, slots=True)
class _Claim:
    """A file some catalogue locations name: where it was found, and each kind's claim rank."""

    path: Path
    display: str
    fence: Fence
    identity: FileIdentity
    ranks: tuple[tuple[tuple[int, int], FileKind], ...] = ()


def _inside(real: str, fence: str) -> bool:
    real, fence = os.path.normcase(real), os.path.normcase(fence)
    return real == fence or real.startswith(fence.rstrip(os.sep) + os.sep)


def _real(path: Path) -> str:
    return os.path.realpath(path)


class _Walker:
    """Bounded globbing that never follows a link out of its fence and never opens a file."""

    def __init__(self, notes: list[Note]) -> None:
        self.notes = notes
        self.listed = 0
        self.considered = 0
        self._noted: set[tuple[str, str]] = set()
        self._enterable: dict[Path, bool] = {}

    def note(self, display: str, code: str, message: str, level: str = "warning") -> None:
        if (display, code) not in self._noted:
            self._noted.add((display, code))
            self.notes.append(Note(display, level, code, message))

    def glob(self, base: _Base, pattern: str) -> Iterator[tuple[Path, str]]:
        """(path, display) of everything matching ``pattern`` under ``base`` (not yet admitted)."""
        if not self.enterable(base.directory, base.display, base):
            return
        yield from self._match(base.directory, pattern.split("/"), [], base, 0)

    @staticmethod
    def _shown(base: _Base, parts: list[str]) -> str:
        return "/".join([base.display, *parts]) if parts else (base.display or "/")

    def _match(self, directory: Path, parts: list[str], done: list[str], base: _Base,
               depth: int) -> Iterator[tuple[Path, str]]:
        head, rest = parts[0], parts[1:]
        if head == "**":
            yield from self._match(directory, rest, done, base, depth)
            if depth >= MAX_GLOBSTAR_DEPTH:
                return
            for entry in self._list(directory, self._shown(base, done)):
                try:
                    is_directory = entry.is_dir(follow_symlinks=False)  # "**" never follows links
                except OSError:
                    continue
                if is_directory and entry.name not in SKIPPED_DIRS:
                    yield from self._match(Path(entry.path), parts, [*done, entry.name], base, depth + 1)
        elif any(char in head for char in WILDCARDS):
            for entry in self._list(directory, self._shown(base, done)):
                if not fnmatch.fnmatchcase(entry.name, head):
                    continue
                child, shown = Path(entry.path), [*done, entry.name]
                if not rest:
                    yield child, self._shown(base, shown)
                elif self.enterable(child, self._shown(base, shown), base):
                    yield from self._match(child, rest, shown, base, depth)
        else:
            child, shown = directory / head, [*done, head]
            if not rest:
                try:
                    os.lstat(child)
                except (FileNotFoundError, NotADirectoryError):
                    return
                except OSError:
                    pass  # permission denied and the like: admit() notes why it is skipped
                yield child, self._shown(base, shown)
            elif self.enterable(child, self._shown(base, shown), base):
                yield from self._match(child, rest, shown, base, depth)

    def _list(self, directory: Path, shown: str) -> list[os.DirEntry[str]]:
        if self.listed >= MAX_LISTED_ENTRIES:
            self.note(shown, "sweep-limit", f"not listed: the sweep listed {MAX_LISTED_ENTRIES} "
                      "directory entries already")
            return []
        try:
            with os.scandir(directory) as entries:
                listed = sorted(entries, key=lambda e: e.name)
        except FileNotFoundError:
            return []
        except OSError as error:
            self.note(shown, "unreadable-directory", f"directory skipped: {_reason(error)}")
            return []
        self.listed += len(listed)
        return listed

    def enterable(self, directory: Path, shown: str, base: _Base) -> bool:
        """A directory the walk may enter: it exists, is readable, and stays inside the fence."""
        known = self._enterable.get(directory)
        if known is not None:
            return known
        verdict = self._judge_directory(directory, shown, base)
        self._enterable[directory] = verdict
        return verdict

    def _judge_directory(self, directory: Path, shown: str, base: _Base) -> bool:
        real = self._follow(directory, shown, base, "skipped", "not followed")
        return real is not None and os.path.isdir(real)

    def _follow(self, path: Path, shown: str, base: _Base, skipped: str, outside: str) -> str | None:
        """The real path behind ``path`` when it exists and stays inside the fence, else None with
        a note saying why (``skipped`` and ``outside`` start the notes' messages)."""
        try:
            link = stat.S_ISLNK(os.lstat(path).st_mode)
        except FileNotFoundError:
            return None
        except OSError as error:
            self.note(shown, "unreadable-path", f"{skipped}: {_reason(error)}")
            return None
        real = self._resolve(path, shown, link)
        if real is None:
            return None
        if not _inside(real, base.fence):
            self.note(shown, "link-outside-home", f"{outside}: a link that leads out of the home")
            return None
        return real

    def _resolve(self, path: Path, shown: str, link: bool) -> str | None:
        try:
            return os.path.realpath(path, strict=True)
        except OSError as error:
            if error.errno == errno.ELOOP:
                self.note(shown, "link-loop", "skipped: symbolic link loop")
            elif isinstance(error, FileNotFoundError):
                if link:
                    self.note(shown, "dangling-link", "skipped: the link points at nothing")
            else:
                self.note(shown, "unreadable-path", f"skipped: {_reason(error)}")
            return None

    def admit(self, path: Path, shown: str, base: _Base) -> tuple[str, Fence, FileIdentity] | None:
        """The file's real path, fence and identity when it may be read (a regular file inside the
        fence, owned by the home's user or root), else None with a note."""
        self.considered += 1
        real = self._follow(path, shown, base, "config skipped", "config skipped")
        if real is None:
            return None
        try:
            mode = os.stat(real).st_mode
        except OSError as error:
            self.note(shown, "unreadable-path", f"config skipped: {_reason(error)}")
            return None
        if stat.S_ISDIR(mode):
            return None
        if not stat.S_ISREG(mode):
            self.note(shown, "special-file", "config skipped: not a regular file (FIFO, socket or "
                      "device); never opened")
            return None
        fence = Fence(base.fence, base.owner)
        admitted = admit(path, fence)
        if isinstance(admitted, Refusal):
            self.note(shown, admitted.code, f"config skipped: {admitted.message}")
            return None
        return real, fence, admitted


def _reason(error: OSError) -> str:
    if isinstance(error, PermissionError):
        return "permission denied"
    return error.strerror or type(error).__name__


def is_system_path(pattern: str, catalogue: Catalogue) -> bool:
    """A managed location outside every home (/etc/..., %PROGRAMDATA%/...)."""
    return pattern.startswith("/") or pattern.partition("/")[0] in catalogue.system_path_variables


def _home_bases(pattern: str, home: Home, catalogue: Catalogue) -> Iterator[tuple[_Base, str]]:
    """Where a catalogue user path starts in this home, with the glob left to match under it.

    A path variable's default (``~/.config``) is always swept; an override (``XDG_CONFIG_HOME``)
    adds its own directory, so files left at the default are found too.
    """
    home_fence = _real(home.path)
    owner = owner_of(home.path)
    head, _, rest = pattern.partition("/")
    if pattern.startswith("~/"):
        yield _Base(home.path, home.prefix, home_fence, owner), pattern[2:]
    elif head in catalogue.path_variables:
        default = catalogue.path_variables[head]
        below = default[2:] if default.startswith("~/") else ""
        directory = home.path / below if below else home.path
        yield _Base(directory, f"{home.prefix}/{below}" if below else home.prefix, home_fence, owner), rest
        override = dict(home.env).get(head.strip("$%"))
        if override and os.path.isabs(override) and Path(override) != directory:
            target = Path(override)
            if _inside(_real(target), home_fence):
                relative = os.path.relpath(_real(target), home_fence).replace(os.sep, "/")
                display = home.prefix if relative == "." else f"{home.prefix}/{relative}"
                yield _Base(target, display, home_fence, owner), rest
            else:  # an override outside the home is the user's own choice: swept, fenced to itself
                yield _Base(target, head, _real(target), owner), rest


def _system_bases(pattern: str, system_root: Path, catalogue: Catalogue) -> Iterator[tuple[_Base, str]]:
    """Where a managed location is under the system root; shown as the catalogue writes it."""
    fence = _real(system_root)
    head, _, rest = pattern.partition("/")
    if pattern.startswith("/"):
        yield _Base(system_root, "", fence), pattern[1:]
    elif head in catalogue.system_path_variables:
        below = catalogue.system_path_variables[head].lstrip("/")
        yield _Base(system_root / below, head, fence), rest


def _readable_home(home: Home, walker: _Walker) -> bool:
    """One note for a home this account may not list (another user's 0700 home), not one per file."""
    try:
        with os.scandir(home.path):
            return True
    except FileNotFoundError:
        return True  # nothing under it; overrides elsewhere may still hold files
    except OSError as error:
        walker.note(home.prefix, "unreadable-home", f"home of {home.user} skipped: {_reason(error)}")
        return False


def _rank(pattern: str, order: int, catalogue: Catalogue) -> tuple[int, int]:
    """The catalogue's claim order: the more specific pattern first, then the kind listed first."""
    relative = home_relative(pattern, catalogue.path_variables) or pattern.lstrip("/")
    return (-specificity(relative), order)


def sweep(plan: SweepPlan, catalogue: Catalogue, progress: Progress | None = None) -> Discovery:
    """Every config file of the plan's homes (and system locations) the catalogue names."""
    notes: list[Note] = []
    walker = _Walker(notes)
    claims: dict[str, _Claim] = {}
    kinds = catalogue.file_kinds()

    def collect(base: _Base, glob: str, pattern: str, order: int, kind: FileKind) -> None:
        for path, shown in walker.glob(base, glob):
            admitted = walker.admit(path, shown, base)
            if admitted is not None:
                real, fence, identity = admitted
                key = os.path.normcase(real)
                claim = claims.get(key) or _Claim(path, shown, fence, identity)  # the first path found is shown
                claims[key] = replace(claim, ranks=(*claim.ranks, (_rank(pattern, order, catalogue), kind)))

    for home in plan.homes:
        if progress:
            progress(f"sweeping {home.prefix} ({home.user})")
        if not _readable_home(home, walker):
            continue
        for order, kind in enumerate(kinds):
            for pattern in kind.user.get(plan.platform, ()):
                if not is_system_path(pattern, catalogue):
                    for base, glob in _home_bases(pattern, home, catalogue):
                        collect(base, glob, pattern, order, kind)
    if plan.system_root is not None:
        if progress:
            progress("sweeping managed locations")
        for order, kind in enumerate(kinds):
            for pattern in kind.user.get(plan.platform, ()):
                if is_system_path(pattern, catalogue):
                    for base, glob in _system_bases(pattern, plan.system_root, catalogue):
                        collect(base, glob, pattern, order, kind)
    candidates = [_candidate(claim, plan) for claim in claims.values()]
    considered = walker.considered
    if plan.projects:
        extra, project_notes, project_files = _project_candidates(plan, catalogue, candidates, set(claims))
        candidates += extra
        notes += project_notes
        considered += project_files
    if progress:
        progress(f"found {len(candidates)} config files")
    if len(plan.homes) == 1:
        root = plan.homes[0].path
    else:
        root = plan.system_root or (plan.homes[0].path if plan.homes else Path.cwd())
    ordered = tuple(sorted(candidates, key=lambda c: c.display))
    return Discovery(Path(os.path.abspath(root)), ordered, tuple(notes), considered)


def _candidate(claim: _Claim, plan: SweepPlan) -> Candidate:
    ranked: list[FileKind] = []
    for _, kind in sorted(claim.ranks, key=lambda item: item[0]):
        if kind not in ranked:
            ranked.append(kind)
    return Candidate(os.path.abspath(claim.path), claim.display, tuple(ranked), named=False,
                     posix_modes=plan.platform != "windows", fence=claim.fence, identity=claim.identity)


# --- project folders listed by client files (--projects) -----------------------------------------


def _home_of(path: Path, plan: SweepPlan) -> Home | None:
    for home in plan.homes:
        if _inside(_real(path), _real(home.path)):
            return home
    return None


def _home_root_patterns(platform: str) -> list[re.Pattern[str]]:
    """A project path as recorded on its own machine: the part after /home/<user>, C:/Users/<user>..."""
    patterns = []
    for root in HOME_ROOTS[platform]:
        regex = "/".join("[^/]+" if part == "*" else re.escape(part) for part in root.split("/"))
        patterns.append(re.compile(rf"^(?:[A-Za-z]:)?/{regex}(?:/(.*))?$"))
    return patterns


def project_folder(recorded: str, home: Home, platform: str) -> Path | None:
    """Where a project folder recorded in a client file is in the home being swept, if inside it."""
    fence = _real(home.path)
    if os.path.isabs(recorded) and _inside(_real(Path(recorded)), fence):
        return Path(recorded)
    normal = recorded.replace("\\", "/")
    for pattern in _home_root_patterns(platform):
        match = pattern.match(normal)
        if match:
            rest = match.group(1) or ""
            return home.path / rest if rest else home.path
    return None


def _listed_projects(candidate: Candidate) -> list[str]:
    from mcpiam.parse import parse_file

    routes = [kind.projects_at for kind in candidate.kinds if kind.projects_at is not None]
    if not routes:
        return []
    document = parse_file(candidate.path, candidate.kinds[0].format, fence=candidate.fence,
                          expected=candidate.identity)
    listed: list[str] = []
    for route in routes:
        node = lookup(document.root, tuple(route)) if document.root is not None else None
        if isinstance(node, Mapping):
            listed += [key for key in node.keys() if key not in listed]
    return listed


def _project_candidates(plan: SweepPlan, catalogue: Catalogue, found: list[Candidate],
                        seen: set[str]) -> tuple[list[Candidate], list[Note], int]:
    candidates: list[Candidate] = []
    notes: list[Note] = []
    considered = 0
    folders: dict[str, tuple[Path, Home]] = {}
    for candidate in found:
        home = _home_of(candidate.path, plan)
        if home is None:
            continue
        for recorded in _listed_projects(candidate):
            folder = project_folder(recorded, home, plan.platform)
            if folder is None:
                continue  # outside the home: not swept (links and paths never leave it)
            real = _real(folder)
            if not os.path.isdir(real) or not _inside(real, _real(home.path)):
                continue
            if os.path.normcase(real) == os.path.normcase(_real(home.path)):
                notes.append(Note(candidate.display, "info", "project-is-home",
                                  "a project folder listed here is the home itself: not walked "
                                  "(its user-level files are swept)"))
                continue
            folders.setdefault(os.path.normcase(real), (folder, home))
    for folder, home in sorted(folders.values(), key=lambda item: str(item[0])):
        # Fenced like the home's own files: no link out of it, no other user's file, no index entry
        # leaving the project, every file read as the one admitted here. A workstation audit wants
        # what is on disk: the git-ignored configs too (a developer's .cursor/mcp.json).
        result = discover([folder], catalogue, root=home.path, fence=Fence.around(home.path, owner_of(home.path)),
                          include_ignored=True)
        considered += result.files_considered
        for note in result.notes:
            notes.append(Note(_prefixed(note.path, home), note.level, note.code, note.message, note.span))
        for candidate in result.candidates:
            key = os.path.normcase(_real(candidate.path))
            if key in seen:
                continue
            seen.add(key)
            candidates.append(Candidate(candidate.location, _prefixed(candidate.display, home),
                                        candidate.kinds, named=False,
                                        posix_modes=plan.platform != "windows",
                                        fence=candidate.fence, identity=candidate.identity))
    return candidates, notes, considered


def _prefixed(display: str, home: Home) -> str:
    return display if os.path.isabs(display) else f"{home.prefix}/{display}"


def user_of(path: str, homes: tuple[tuple[str, str], ...]) -> str:
    """Whose file a swept path is, from (prefix, user) pairs: ``~alice/...`` is alice's; a path under
    an overridden variable (``$CLAUDE_CONFIG_DIR/...``) belongs to the one home swept; managed
    files (``/etc/...``, ``%PROGRAMDATA%/...``) to every user."""
    head = path.split("/", 1)[0]
    for prefix, user in homes:
        if head == prefix:
            return user
    system = path.startswith("/") or head in default_catalogue().system_path_variables
    if not system and len(homes) == 1 and head[:1] in ("$", "%"):
        return homes[0][1]
    return SYSTEM_USER


# --- homes ----------------------------------------------------------------------------------------


def all_user_homes(system_root: Path, platform: str) -> tuple[list[Home], list[Note]]:
    """Every home under the platform's home roots that this account may list, one per user."""
    homes: list[Home] = []
    notes: list[Note] = []
    for root in HOME_ROOTS[platform]:
        parent, _, leaf = root.rpartition("/")
        directory = system_root / parent if parent else system_root
        if leaf != "*":
            path = directory / leaf
            if path.is_dir() and not path.is_symlink():
                homes.append(Home(path, leaf, f"~{leaf}"))
            continue
        try:
            with os.scandir(directory) as entries:
                names = sorted(e.name for e in entries if e.is_dir(follow_symlinks=False))
        except FileNotFoundError:
            continue
        except OSError as error:
            notes.append(Note("/" + root, "warning", "unreadable-directory",
                              f"homes not listed: {_reason(error)}"))
            continue
        for name in names:
            if name in NOT_USER_HOMES or name.startswith("."):
                continue
            homes.append(Home(directory / name, name, f"~{name}"))
    return homes, notes


# --- other files a client keeps in a home (activity records) -------------------------------------


@dataclass(frozen=True, slots=True)
class HomeFile:
    """A file named by a home-relative pattern, admitted as the sweep admits configs."""

    path: Path  # absolute
    display: str  # ~/..., ~alice/...
    fence: Fence
    identity: FileIdentity
    home: Home
    pattern: str  # the pattern that named it


def home_files(plan: SweepPlan, patterns: tuple[str, ...], catalogue: Catalogue) -> tuple[list[HomeFile], list[Note]]:
    """Every file the home-relative ``patterns`` (``~/...``, ``$CLAUDE_CONFIG_DIR/...``) name in the
    plan's homes: globbed with the same bounds, fences and owner rules as a sweep's configs, each
    real file once (the first pattern that names it wins)."""
    notes: list[Note] = []
    walker = _Walker(notes)
    seen: set[str] = set()
    found: list[HomeFile] = []
    for home in plan.homes:
        if not _readable_home(home, walker):
            continue
        for pattern in patterns:
            for base, glob in _home_bases(pattern, home, catalogue):
                for path, shown in walker.glob(base, glob):
                    admitted = walker.admit(path, shown, base)
                    if admitted is None:
                        continue
                    real, fence, identity = admitted
                    if os.path.normcase(real) in seen:
                        continue
                    seen.add(os.path.normcase(real))
                    found.append(HomeFile(Path(os.path.abspath(path)), shown, fence, identity, home, pattern))
    # The walker speaks of configs; these files are not.
    return found, [replace(note, message=note.message.replace("config skipped", "skipped")) for note in notes]
