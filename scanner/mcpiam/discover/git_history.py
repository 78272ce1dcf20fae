"""Git history as a source of config versions: every file version a commit wrote where an MCP config
can be, read from git's object database in-process (dulwich; no ``git`` process is started).

Commits are walked newest first from every ref (or a ``BASE..TIP`` range, or since a date), read
from their raw headers; each commit is diffed against its first parent, tree by tree, so unchanged
subtrees are never opened (nor dependency folders such as ``node_modules``, which the directory
walk skips too), and of a changed tree only the stretch where the two sides' bytes differ is
parsed. Objects come from packs through the walk's own reader (dulwich for anything else).
A changed path is kept when the catalogue claims it, or when it is a structured file outside
dependency folders whose first bytes look like a server map (the walk's own cheap check). What
comes out is a stream of ``PathChange`` values: which blob a commit put at a path and which it took
away; reading and judging the blobs is the engine's business.
"""

from __future__ import annotations

import datetime as _datetime
import heapq
import re
import zlib
from collections import OrderedDict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from mcpiam.catalogue import Catalogue, FileKind
from mcpiam.core.valuetype import dataclass
from mcpiam.discover.gitfiles import offset_varint
from mcpiam.discover.walk import (
    CONTENT_HEAD_BYTES,
    SKIPPED_DIRS,
    STRUCTURED_SUFFIXES,
    git_toplevel,
    head_hints_a_config,
    path_matcher,
)

_FULL_ID = re.compile(r"[0-9a-f]{40}")
_SHORT_ID = re.compile(r"[0-9a-f]{4,39}")
_RESOLVED_BYTES = 32 << 20  # resolved pack objects kept as delta bases for the next reads
_RECENT_TREE_BYTES = 8 << 20  # raw trees kept by id: the last commits' trees, which the next ones share
_OFS_DELTA, _REF_DELTA = 6, 7  # pack object types of deltas (git's pack format)


class HistoryError(Exception):
    """The history cannot be read as asked (not a repository, an unknown revision): a usage error.
    The message names what was asked, never file content."""


@dataclass(frozen=True, slots=True)
class CommitInfo:
    """One commit of the walk: its id and committer time (seconds since the epoch, UTC)."""

    id: str
    time: int

    @property
    def date(self) -> str:
        return _datetime.datetime.fromtimestamp(self.time, _datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True, slots=True)
class WalkedCommit:
    """What the walk needs of a commit (named as dulwich's ``Commit`` names them)."""

    id: bytes  # hex
    commit_time: int  # committer time, seconds since the epoch
    tree: bytes | None
    parents: tuple[bytes, ...]


@dataclass(frozen=True, slots=True)
class PathChange:
    """A commit changed the file at ``path``: ``old_blob`` left (None when added), ``new_blob`` came
    (None when deleted). ``renamed_from`` names the path an identical blob left in the same commit."""

    commit: CommitInfo
    path: str  # repository-relative, POSIX; undecodable bytes kept as surrogate escapes
    old_blob: str | None
    new_blob: str | None
    kinds: tuple[FileKind, ...]  # the catalogue's claim on the path in this commit ((): by content)
    renamed_from: str | None = None


def _text(path: bytes) -> str:
    return path.decode("utf-8", "surrogateescape")


def _parse_date(text: str) -> int:
    try:
        moment = _datetime.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise HistoryError(f"--since: not a date (use YYYY-MM-DD or an ISO 8601 time): {text!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=_datetime.timezone.utc)
    return int(moment.timestamp())


class _PackReader:
    """Reads one pack's objects by offset, resolving delta chains with dulwich's C ``apply_delta``
    and keeping resolved objects in a cache bounded in bytes (recent trees are the next commits'
    delta bases). dulwich's own ``Pack.get_raw`` does the same in Python with a cache entry, and
    its bookkeeping, for every link of every chain; it remains the fallback for anything unusual."""

    def __init__(self, pack: Any, limit: int = _RESOLVED_BYTES) -> None:
        self._pack = pack
        self._index = pack.index
        self._buffer = getattr(pack.data, "_contents", None)  # the pack's mmap
        self._oid_length = getattr(getattr(pack, "object_format", None), "oid_length", 20)
        self._resolved: OrderedDict[int, tuple[int, bytes]] = OrderedDict()
        self._size = 0
        self._limit = limit
        # A version 2 index's tables, searched here: dulwich's lookup calls back into Python for
        # every step of its binary search, and the walk looks up an object for every tree it reads.
        self._fan_out = getattr(self._index, "_fan_out_table", None)
        self._index_buffer = getattr(self._index, "_contents", None)
        self._names_at = getattr(self._index, "_name_table_offset", None)
        self._offsets_at = getattr(self._index, "_pack_offset_table_offset", None)
        self._large_offsets_at = getattr(self._index, "_pack_offset_largetable_offset", None)

    def offset_of(self, binary: bytes) -> int:
        """Where an object (binary id) starts in the pack; KeyError when this pack lacks it."""
        buffer, names_at = self._index_buffer, self._names_at
        if self._fan_out is None or buffer is None or names_at is None or self._offsets_at is None:
            return self._index.object_offset(binary)
        size = len(binary)
        first = binary[0]
        low = self._fan_out[first - 1] if first else 0
        high = self._fan_out[first]
        while low < high:
            middle = (low + high) // 2
            start = names_at + middle * size
            name = buffer[start:start + size]
            if name < binary:
                low = middle + 1
            elif name > binary:
                high = middle
            else:
                at = self._offsets_at + middle * 4
                offset = int.from_bytes(buffer[at:at + 4], "big")
                if offset & 0x80000000 and self._large_offsets_at is not None:  # a pack over 2 GiB
                    at = self._large_offsets_at + (offset & 0x7FFFFFFF) * 8
                    offset = int.from_bytes(buffer[at:at + 8], "big")
                return offset
        raise KeyError(binary)

    def get_raw(self, binary: bytes) -> tuple[int, bytes]:
        offset = self.offset_of(binary)  # KeyError: not in this pack
        if self._buffer is None:
            return self._pack.get_raw(binary)
        try:
            return self._at(offset)
        except (IndexError, KeyError, ValueError, zlib.error):
            return self._pack.get_raw(binary)  # a layout this reader does not know: dulwich's way

    def _header(self, offset: int) -> tuple[int, int, int | bytes | None, int]:
        """An object's type, inflated size, delta base (offset back, or id) and data offset."""
        buffer = self._buffer
        byte = buffer[offset]
        offset += 1
        kind, size, shift = (byte >> 4) & 7, byte & 15, 4
        while byte & 0x80:
            byte = buffer[offset]
            offset += 1
            size |= (byte & 0x7F) << shift
            shift += 7
        base: int | bytes | None = None
        if kind == _OFS_DELTA:
            base, offset = offset_varint(buffer, offset)
        elif kind == _REF_DELTA:
            base = bytes(buffer[offset:offset + self._oid_length])
            offset += self._oid_length
        return kind, size, base, offset

    def _inflate(self, position: int, size: int) -> bytes:
        inflater = zlib.decompressobj()
        step = size + 64  # compressed data is rarely larger than what it inflates to
        data = inflater.decompress(self._buffer[position:position + step])
        while not inflater.eof:
            position += step
            step *= 2
            more = self._buffer[position:position + step]
            if not more:
                raise ValueError("pack data ends inside an object")
            data += inflater.decompress(more)
        if len(data) != size:
            raise ValueError("inflated size differs from the header's")
        return data

    def _at(self, offset: int) -> tuple[int, bytes]:
        known = self._resolved.get(offset)
        if known is not None:
            self._resolved.move_to_end(offset)
            return known
        deltas: list[tuple[int, bytes]] = []
        seen = {offset}
        while True:
            kind, size, base, position = self._header(offset)
            if kind == _OFS_DELTA:
                deltas.append((offset, self._inflate(position, size)))
                offset -= base  # type: ignore[operator]
            elif kind == _REF_DELTA:
                deltas.append((offset, self._inflate(position, size)))
                offset = self.offset_of(base)  # type: ignore[arg-type]
            else:
                resolved = (kind, self._inflate(position, size))
                break
            if offset in seen:
                raise ValueError("delta chain cycles")
            seen.add(offset)
            known = self._resolved.get(offset)
            if known is not None:
                resolved = known
                break
        from dulwich.pack import apply_delta  # the C one when dulwich has its extensions

        kind, data = resolved
        for delta_offset, delta in reversed(deltas):
            data = b"".join(apply_delta(data, delta))
            self._keep(delta_offset, (kind, data))
        return kind, data

    def _keep(self, offset: int, value: tuple[int, bytes]) -> None:
        self._resolved[offset] = value
        self._size += len(value[1])
        while self._size > self._limit:
            _, dropped = self._resolved.popitem(last=False)  # bounded, whatever the history
            self._size -= len(dropped[1])


class GitHistory:
    """One repository's object database, opened read-only."""

    def __init__(self, path: Path) -> None:
        top = git_toplevel(Path(path).resolve())
        if top is None:
            raise HistoryError(f"--history needs a git repository; none found at or above {path}")
        try:
            from dulwich.errors import NotGitRepository
            from dulwich.repo import Repo
        except ImportError:  # pragma: no cover - dulwich is a dependency
            raise HistoryError("--history needs the dulwich package (pip install dulwich)") from None
        try:
            self._repo = Repo(str(top))
        except NotGitRepository:
            raise HistoryError(f"--history needs a git repository; none found at or above {path}") from None
        self.top = top
        self._store = self._repo.object_store
        self.shallow: frozenset[bytes] = frozenset(self._repo.get_shallow())
        self.missing_objects = 0  # objects a partial or damaged clone lacks, skipped
        self._packs = [_PackReader(pack) for pack in self._store.packs]
        self._recent_trees: OrderedDict[bytes, bytes] = OrderedDict()
        self._recent_tree_bytes = 0
        from dulwich.errors import ObjectFormatException
        from dulwich.objects import parse_tree

        self._parse_tree = parse_tree  # looked up once: the walk parses a few entries per tree it reads
        self._format_error = ObjectFormatException

    def close(self) -> None:
        self._repo.close()

    # -- revisions ---------------------------------------------------------------------------

    def _commit_of(self, object_id: bytes) -> bytes | None:
        """Peel tags down to a commit id; None for a ref to a tree or blob."""
        from dulwich.errors import ObjectFormatException
        from dulwich.objects import Commit, Tag

        try:
            target = self._store[object_id]
            while isinstance(target, Tag):
                target = self._store[target.object[1]]
        except (KeyError, ObjectFormatException, ValueError):  # absent, or damaged beyond reading
            self.missing_objects += 1
            return None
        return target.id if isinstance(target, Commit) else None

    def tips(self) -> list[bytes]:
        """The commits every ref (branches, tags, remotes, HEAD) points at: ``git log --all``."""
        found: list[bytes] = []
        for name, object_id in sorted(self._repo.get_refs().items()):
            if not (name == b"HEAD" or name.startswith(b"refs/")):
                continue
            commit = self._commit_of(object_id)
            if commit is not None and commit not in found:
                found.append(commit)
        return found

    def resolve(self, revision: str) -> bytes:
        """A revision as the Action and people give it: a ref name, a branch, a tag, a remote
        branch, HEAD, or a commit id (full or an unambiguous abbreviation)."""
        text = revision.strip()
        refs = self._repo.get_refs()
        for candidate in (text, f"refs/heads/{text}", f"refs/tags/{text}", f"refs/remotes/{text}"):
            object_id = refs.get(candidate.encode("utf-8", "surrogateescape"))
            if object_id is not None:
                commit = self._commit_of(object_id)
                if commit is not None:
                    return commit
        lowered = text.lower()
        if _FULL_ID.fullmatch(lowered):
            commit = self._commit_of(lowered.encode())
            if commit is not None:
                return commit
        elif _SHORT_ID.fullmatch(lowered):
            matches = list(self._store.iter_prefix(lowered.encode())) if hasattr(self._store, "iter_prefix") else []
            commits = {c for c in (self._commit_of(m) for m in matches) if c is not None}
            if len(commits) == 1:
                return commits.pop()
            if len(commits) > 1:
                raise HistoryError(f"--range: {revision!r} is ambiguous; give more of the commit id")
        raise HistoryError(f"--range: no commit or ref named {revision!r} in this repository")

    def head(self) -> bytes | None:
        try:
            return self._commit_of(self._repo.refs[b"HEAD"])
        except KeyError:
            return None  # an empty repository, or HEAD on an unborn branch

    # -- the walk ------------------------------------------------------------------------------

    def _parents(self, commit: Any) -> list[bytes]:
        if commit.id in self.shallow:
            return []  # a shallow clone's boundary: its parents are not in this repository
        return list(commit.parents)

    def _commit(self, commit_id: bytes) -> WalkedCommit | None:
        """A commit's id, tree, parents and committer time, read from its raw header (dulwich's
        ``Commit`` parses every field, message included); None (counted missing) when the clone
        lacks it or it is not a commit."""
        try:
            kind, raw = self._raw(commit_id)
        except KeyError:
            self.missing_objects += 1
            return None
        if kind != 1:
            return None
        tree = b""
        parents: list[bytes] = []
        time = 0
        for line in raw[:raw.find(b"\n\n") if b"\n\n" in raw else len(raw)].split(b"\n"):
            field, _, value = line.partition(b" ")
            if field == b"tree":
                tree = value
            elif field == b"parent":
                parents.append(value)
            elif field == b"committer":
                stamp = value.rsplit(b" ", 2)
                time = int(stamp[1]) if len(stamp) == 3 and stamp[1].isdigit() else 0
        return WalkedCommit(commit_id, time, tree or None, tuple(parents))

    def _ancestors(self, tips: list[bytes]) -> set[bytes]:
        """Every commit reachable from ``tips`` (a range's base side, all of it excluded)."""
        found: set[bytes] = set()
        pending = list(tips)
        while pending:
            commit_id = pending.pop()
            if commit_id in found:
                continue
            found.add(commit_id)
            commit = self._commit(commit_id)
            if commit is not None:
                pending.extend(self._parents(commit))
        return found

    def commits(self, revision_range: str | None = None, since: str | None = None) -> Iterator[WalkedCommit]:
        """Commits, newest first by committer time: all refs, or ``BASE..TIP`` (what TIP reaches
        and BASE does not); none older than ``since``, whose parents are not followed either
        (as git's ``--since`` stops there)."""
        excluded: set[bytes] = set()
        if revision_range:
            base, separator, tip = revision_range.partition("..")
            if not separator or tip.startswith(".") or not base.strip() or not tip.strip():
                raise HistoryError(f"--range: expected BASE..TIP (two revisions), got {revision_range!r}")
            include = [self.resolve(tip)]
            excluded = self._ancestors([self.resolve(base)])
        else:
            include = self.tips()
        oldest = _parse_date(since) if since else None
        queued: set[bytes] = set()
        newest_first: list[tuple[int, bytes, WalkedCommit]] = []
        for commit_id in include:
            commit = self._commit(commit_id)
            if commit is not None and commit_id not in excluded and commit_id not in queued:
                queued.add(commit_id)
                heapq.heappush(newest_first, (-commit.commit_time, commit_id, commit))
        while newest_first:
            _, _, commit = heapq.heappop(newest_first)
            if oldest is not None and commit.commit_time < oldest:
                continue
            yield commit
            for parent_id in self._parents(commit):
                if parent_id in queued or parent_id in excluded:
                    continue
                queued.add(parent_id)
                parent = self._commit(parent_id)
                if parent is not None:
                    heapq.heappush(newest_first, (-parent.commit_time, parent_id, parent))

    def _raw(self, object_id: bytes) -> tuple[int, bytes]:
        """An object's type and bytes: straight from the packs known at opening (dulwich's store
        looks for new packs and a multi-pack index on every lookup), then the store itself
        (loose objects, alternates)."""
        try:
            binary = bytes.fromhex(object_id.decode("ascii")) if len(object_id) == 40 else object_id
        except ValueError:  # not an object id (a damaged or hostile commit or tree): nothing holds it
            raise KeyError(object_id) from None
        for pack in self._packs:
            try:
                return pack.get_raw(binary)
            except KeyError:
                continue
        from dulwich.errors import ObjectFormatException

        try:
            return self._store.get_raw(object_id)
        except (ObjectFormatException, ValueError):  # a loose object dulwich cannot parse: damaged
            raise KeyError(object_id) from None

    def _tree_of(self, commit_id: bytes) -> bytes | None:
        """A commit's root tree id, read from the raw commit's first line (``tree <id>``) without
        parsing the whole commit object; None (counted missing) when the clone lacks it."""
        try:
            kind, raw = self._raw(commit_id)
        except KeyError:
            self.missing_objects += 1
            return None
        if kind == 1 and raw.startswith(b"tree "):
            end = raw.find(b"\n")
            if end > 5:
                return raw[5:end]
        from dulwich.errors import ObjectFormatException

        try:
            return self._store[commit_id].tree  # an unusual layout: let dulwich parse it
        except (KeyError, AttributeError, ObjectFormatException):
            self.missing_objects += 1
            return None

    def _tree_raw(self, tree_id: bytes | None) -> bytes:
        """A tree's raw bytes (empty for none, or when the clone lacks it: counted missing). Recent
        trees are kept by id: a commit's parent tree is the next commit's own, and finding an
        object in a pack's index costs more than comparing two trees."""
        if tree_id is None:
            return b""
        recent = self._recent_trees
        raw = recent.get(tree_id)
        if raw is not None:
            recent.move_to_end(tree_id)
            return raw
        try:
            kind, raw = self._raw(tree_id)
        except KeyError:
            self.missing_objects += 1
            return b""
        if kind != 2:
            return b""
        recent[tree_id] = raw
        self._recent_tree_bytes += len(raw)
        while self._recent_tree_bytes > _RECENT_TREE_BYTES:
            _, dropped = recent.popitem(last=False)  # bounded, whatever the history
            self._recent_tree_bytes -= len(dropped)
        return raw

    def _parsed(self, raw: bytes, sha_length: int) -> set[tuple[bytes, int, bytes]]:
        """Tree entries; a damaged tree counts as a missing object and holds nothing."""
        try:
            return set(self._parse_tree(raw, sha_length))
        except (self._format_error, ValueError):
            self.missing_objects += 1
            return set()

    def _diff(self, old_tree: bytes | None, new_tree: bytes | None, prefix: bytes
              ) -> Iterator[tuple[bytes, bytes | None, bytes | None]]:
        """(path, old blob, new blob) for every regular file that differs; subtrees with equal
        ids are never opened, nor are dependency folders (as the directory walk skips them)."""
        old_raw = self._tree_raw(old_tree)
        new_raw = self._tree_raw(new_tree)
        sha_length = len(old_tree or new_tree or b"") // 2 or 20
        try:
            old_middle, new_middle = changed_entries(old_raw, new_raw, sha_length)
        except ValueError:  # not a sequence of entries: compare what dulwich can parse of each
            old_middle, new_middle = old_raw, new_raw
        # Only the few entries between the trees' common head and tail are parsed and compared.
        old = self._parsed(old_middle, sha_length)
        new = self._parsed(new_middle, sha_length)
        before = {name: (mode, sha) for name, mode, sha in old - new}
        after = {name: (mode, sha) for name, mode, sha in new - old}
        for name in before.keys() | after.keys():
            was = before.get(name)
            now = after.get(name)
            old_dir = was is not None and _is_tree(was[0])
            new_dir = now is not None and _is_tree(now[0])
            path = prefix + name
            if (old_dir or new_dir) and name.decode("utf-8", "surrogateescape") not in SKIPPED_DIRS:
                yield from self._diff(was[1] if old_dir else None,  # type: ignore[index]
                                      now[1] if new_dir else None, path + b"/")  # type: ignore[index]
            old_blob = was[1] if was is not None and _is_file(was[0]) else None
            new_blob = now[1] if now is not None and _is_file(now[0]) else None
            if old_blob != new_blob:
                yield path, old_blob, new_blob

    def changes(self, commit: Any, claims: Callable[[str, bytes], tuple[FileKind, ...] | None]
                ) -> Iterator[PathChange]:
        """What ``commit`` changed against its first parent (a root commit: everything it holds),
        at the paths ``claims`` keeps. A merge is diffed against its first parent only: what it
        brought from the other side was written, and seen, in that side's own commits."""
        info = CommitInfo(commit.id.decode(), int(commit.commit_time))
        parents = self._parents(commit)
        parent_tree = self._tree_of(parents[0]) if parents else None
        added: dict[bytes, list[str]] = {}
        deleted: dict[bytes, str] = {}
        kept: list[tuple[str, bytes | None, bytes | None, tuple[FileKind, ...]]] = []
        for raw_path, old_blob, new_blob in self._diff(parent_tree, commit.tree, b""):
            path = _text(raw_path)
            kinds = claims(path, new_blob or old_blob)  # type: ignore[arg-type]
            if kinds is None:
                continue
            kept.append((path, old_blob, new_blob, kinds))
            if new_blob is not None and old_blob is None:
                added.setdefault(new_blob, []).append(path)
            if old_blob is not None and new_blob is None:
                deleted[old_blob] = path
        for path, old_blob, new_blob, kinds in kept:
            renamed_from = None
            if old_blob is None and new_blob is not None and new_blob in deleted:
                renamed_from = deleted[new_blob]  # the same content left another path: a move
            yield PathChange(info, path, old_blob.decode() if old_blob else None,
                             new_blob.decode() if new_blob else None, kinds, renamed_from)

    def blob(self, blob_id: str, limit: int | None = None) -> bytes | None:
        """A blob's bytes (the first ``limit`` of them when given); None when the clone lacks it."""
        try:
            _, data = self._raw(blob_id.encode())
        except KeyError:
            self.missing_objects += 1
            return None
        return data if limit is None else data[:limit]

    def _lookup(self, tree_id: bytes | None, path: str) -> tuple[int, bytes] | None:
        """The (mode, id) a tree holds at a relative path, or None."""
        mode = 0o040000
        for name in path.encode("utf-8", "surrogateescape").split(b"/"):
            if tree_id is None or not _is_tree(mode):
                return None
            found = None
            raw = self._tree_raw(tree_id)
            for entry_name, entry_mode, entry_id in self._parsed(raw, len(tree_id) // 2) if raw else ():
                if entry_name == name:
                    found = (entry_mode, entry_id)
                    break
            if found is None:
                return None
            mode, tree_id = found
        return mode, tree_id  # type: ignore[return-value]

    def blob_at_head(self, path: str) -> str | None:
        """The blob HEAD holds at ``path``, or None."""
        head = self.head()
        held = self._lookup(self._tree_of(head), path) if head is not None else None
        return held[1].decode() if held is not None and _is_file(held[0]) else None

    def exists_in(self, commit: Any) -> Callable[[str], bool]:
        """Whether a path exists in ``commit``'s tree (the catalogue's sibling conditions)."""
        def exists(relative: str) -> bool:
            return self._lookup(commit.tree, relative) is not None

        return exists


def _common_head(first: bytes, second: bytes) -> int:
    """How many leading bytes two byte strings share: a binary search of C comparisons (through
    a memoryview, so no probe copies the bytes it compares)."""
    view = memoryview(second)
    low, high = 0, min(len(first), len(second))
    while low < high:
        middle = (low + high + 1) // 2
        if first.startswith(view[:middle]):
            low = middle
        else:
            high = middle - 1
    return low


def _common_tail(first: bytes, second: bytes) -> int:
    """How many trailing bytes two byte strings share."""
    view = memoryview(second)
    size = len(second)
    low, high = 0, min(len(first), size)
    while low < high:
        middle = (low + high + 1) // 2
        if first.endswith(view[size - middle:]):
            low = middle
        else:
            high = middle - 1
    return low


def changed_entries(old: bytes, new: bytes, sha_length: int = 20) -> tuple[bytes, bytes]:
    """The stretch of each raw tree (sorted ``mode name NUL id`` entries) that holds every entry
    the other lacks; outside it both trees hold the same entries byte for byte, never parsed.
    A commit changes a few entries of trees of hundreds, and parsing them all, on both sides, was
    most of the walk's cost. Raises ValueError for bytes that are not a sequence of entries."""
    if old == new:
        return b"", b""
    head = _common_head(old, new)
    # Entries that end inside the common head are the same in both trees; the search stops at
    # ``head``, so stepping over them finds the same boundaries in both.
    start = 0
    while True:
        name_end = old.find(b"\0", start, head)
        if name_end < 0 or name_end + 1 + sha_length > head:
            break
        start = name_end + 1 + sha_length
    tail = _common_tail(old, new)
    old_at = new_at = start
    old_size, new_size = len(old), len(new)
    # Step each tree entry by entry until both stand on an entry boundary at the same distance
    # from their ends, inside the common tail: the entries from there on are the same.
    while True:
        old_left, new_left = old_size - old_at, new_size - new_at
        if old_left == new_left and old_left <= tail:
            return old[start:old_at], new[start:new_at]
        if old_left >= new_left:
            old_at = _entry_end(old, old_at, sha_length)
        if new_left >= old_left:
            new_at = _entry_end(new, new_at, sha_length)


def _entry_end(raw: bytes, start: int, sha_length: int) -> int:
    name_end = raw.find(b"\0", start)
    if name_end < 0 or name_end + 1 + sha_length > len(raw):
        raise ValueError("a tree entry runs past the end of the tree")
    return name_end + 1 + sha_length


def _is_tree(mode: int) -> bool:
    return (mode & 0o170000) == 0o040000


def _is_file(mode: int | None) -> bool:
    """A regular file (not a link, a submodule or a tree): what a client would read as a config."""
    return mode is not None and (mode & 0o170000) == 0o100000


class HistoryClaims:
    """Which changed paths can hold an MCP config, per the catalogue and the walk's content check;
    a blob's content verdict is remembered, so each blob's head is read at most once."""

    def __init__(self, history: GitHistory, catalogue: Catalogue) -> None:
        self._history = history
        self._catalogue = catalogue
        self._matcher = path_matcher(catalogue)
        self._by_content: dict[bytes, bool] = {}

    def for_commit(self, commit: Any) -> Callable[[str, bytes], tuple[FileKind, ...] | None]:
        exists = self._history.exists_in(commit)

        def claims(relative: str, blob: bytes) -> tuple[FileKind, ...] | None:
            if self._matcher.might_claim(relative):
                kinds = self._catalogue.claim_project_path(relative, exists=exists)
                if kinds:
                    return kinds
            lowered = relative.lower()
            if not lowered.endswith(STRUCTURED_SUFFIXES):
                return None
            if any(part in SKIPPED_DIRS for part in relative.split("/")[:-1]):
                return None
            if "mcp" in lowered.rsplit("/", 1)[-1]:
                return ()
            verdict = self._by_content.get(blob)
            if verdict is None:
                head = self._history.blob(blob.decode(), CONTENT_HEAD_BYTES)
                verdict = head is not None and head_hints_a_config(head)
                self._by_content[blob] = verdict
            return () if verdict else None

        return claims
