"""The one way mcpiam opens a file it reads: never through a link out of its fence, never a FIFO,
never another file than the one discovery admitted, and in a sweep never another user's file.
"""

from __future__ import annotations

import errno
import os
import stat
from mcpiam.core.valuetype import dataclass
from pathlib import Path

_CHUNK = 1 << 16
# O_NOFOLLOW: the final component is opened as it is (the resolved path: a link there was swapped in).
# O_NONBLOCK: opening a FIFO must not wait for a writer; the descriptor is refused right after.
_OPEN_FLAGS = os.O_RDONLY
for _optional in ("O_NOFOLLOW", "O_NONBLOCK", "O_NOCTTY", "O_BINARY", "O_CLOEXEC"):
    _OPEN_FLAGS |= getattr(os, _optional, 0)


@dataclass(frozen=True, slots=True)
class Fence:
    """What a file must satisfy to be read: lie under ``root`` (a real path) and, when ``owner``
    is set (a sweep of a home), belong to that user or to root, and not be another's hard link."""

    root: str
    owner: int | None = None

    @staticmethod
    def around(directory: Path | str, owner: int | None = None) -> Fence:
        return Fence(os.path.realpath(directory), owner)


@dataclass(frozen=True, slots=True)
class FileIdentity:
    """The device and inode discovery admitted; what is opened later must be that same file."""

    device: int
    inode: int


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why a file is not read: a note code and a message without the file's contents."""

    code: str
    message: str


def inside(real: str, fence_root: str) -> bool:
    """``real`` is ``fence_root`` or below it (both real paths)."""
    real, fence_root = os.path.normcase(real), os.path.normcase(fence_root)
    return real == fence_root or real.startswith(fence_root.rstrip(os.sep) + os.sep)


def owner_of(directory: Path) -> int | None:
    """The user owning a home directory, whose files a sweep of it may read; None off POSIX."""
    if os.name != "posix":
        return None
    try:
        return os.stat(directory).st_uid
    except OSError:
        return None


def _unreadable(error: OSError) -> Refusal:
    name = errno.errorcode.get(error.errno or 0, type(error).__name__)
    return Refusal("unreadable", f"could not be read ({name})")


def kind_of(mode: int) -> str | None:
    """What a non-regular file is, for a message; None for a regular file. (A link is seen only by
    an ``lstat``, as the writer does; the reader never opens through one.)"""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISLNK(mode):
        return "a symbolic link, which is not followed"
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file"


def _resolve(path: Path | str, fence: Fence | None, resolved: bool = False) -> str | Refusal:
    """The real path behind ``path``, inside the fence, or why not.

    ``resolved``: the caller already holds the real path (a walk that follows no link and knows
    its start's real path), so the lstat per component is saved; the fence is still checked, and
    ``open_file`` still opens with ``O_NOFOLLOW`` and checks where the descriptor really is.
    """
    if resolved:
        real = os.fspath(path)
        if fence is not None and not inside(real, fence.root):
            return Refusal("link-outside-tree", "a link that leads out of the scanned folder or home; not followed")
        return real
    try:
        real = os.path.realpath(path, strict=True)
    except OSError as error:
        if error.errno == errno.ELOOP:
            return Refusal("unreadable", "could not be read (ELOOP): symbolic link loop")
        if isinstance(error, FileNotFoundError):
            return Refusal("not-found", "dangling symbolic link" if os.path.islink(path) else "file not found")
        return _unreadable(error)
    if fence is not None and not inside(real, fence.root):
        return Refusal("link-outside-tree", "a link that leads out of the scanned folder or home; not followed")
    return real


def _judge(status: os.stat_result, fence: Fence | None, expected: FileIdentity | None) -> Refusal | None:
    """Why the file with this status may not be read, or None."""
    kind = kind_of(status.st_mode)
    if kind is not None:
        if kind == "a directory":
            return Refusal("directory", "is a directory, not a file")
        return Refusal("special-file", f"is {kind}; not read")
    if expected is not None and (status.st_dev, status.st_ino) != (expected.device, expected.inode):
        return Refusal("file-changed", "the file changed after it was found (a swapped link?); not read")
    if fence is not None and fence.owner is not None and os.name == "posix":
        if status.st_uid not in (fence.owner, 0):
            return Refusal("foreign-owner", "belongs to another user than the home's; not read")
        if status.st_nlink > 1 and status.st_uid != fence.owner:
            return Refusal("foreign-hard-link",
                           "a hard link to a file the home's user does not own; not read")
    return None


def resolve(path: Path | str, fence: Fence | None) -> str | Refusal:
    """The real path behind ``path`` inside ``fence``, or why not: resolved once, then handed to
    ``admit`` and ``read_prefix`` with ``resolved=True``."""
    return _resolve(path, fence)


def admit(path: Path | str, fence: Fence | None, *, resolved: bool = False) -> FileIdentity | Refusal:
    """Whether discovery may hand ``path`` on to be read, and the identity the reader must find.

    Nothing is opened here: a device or FIFO is judged from ``stat`` alone.
    """
    real = _resolve(path, fence, resolved)
    if isinstance(real, Refusal):
        return real
    try:
        status = os.stat(real, follow_symlinks=False)
    except OSError as error:
        return _unreadable(error)
    refusal = _judge(status, fence, None)
    return refusal if refusal is not None else FileIdentity(status.st_dev, status.st_ino)


def _opened_path(descriptor: int) -> str | None:
    """Where the open descriptor really is, from the kernel (Linux /proc, macOS F_GETPATH)."""
    try:
        return os.readlink(f"/proc/self/fd/{descriptor}")
    except OSError:
        pass
    try:
        import fcntl

        get_path = getattr(fcntl, "F_GETPATH", None)
        if get_path is not None:
            raw = fcntl.fcntl(descriptor, get_path, bytes(1024))
            return os.fsdecode(raw.split(b"\0", 1)[0])
    except (OSError, ImportError):
        pass
    return None


def open_file(path: Path | str, fence: Fence | None = None, expected: FileIdentity | None = None,
              max_size: int | None = None, *, resolved: bool = False) -> int | Refusal:
    """A read-only descriptor on the regular file behind ``path`` (the caller closes it), or why not.

    The link is resolved first and the real path opened with ``O_NOFOLLOW``; the descriptor is then
    checked with ``fstat``: a regular file, the admitted one (``expected``), inside the fence and,
    for a home, owned as the fence demands. A link swapped between discovery and reading is refused.
    A file ``stat`` says is larger than ``max_size`` is refused unopened (the reader still counts).
    """
    real = _resolve(path, fence, resolved)
    if isinstance(real, Refusal):
        return real
    try:  # judged before opening too: a device or FIFO is never opened (some devices act on open)
        status = os.stat(real, follow_symlinks=False)
    except OSError as error:
        return _unreadable(error)
    before = _judge(status, fence, expected)
    if before is not None:
        return before
    if max_size is not None and status.st_size > max_size:
        return Refusal("too-large", f"larger than {max_size} bytes; skipped")
    try:
        descriptor = os.open(real, _OPEN_FLAGS)
    except OSError as error:
        if error.errno == errno.ELOOP:  # the last component became a link after it was resolved
            return Refusal("file-changed", "the file changed after it was found (a swapped link?); not read")
        if isinstance(error, IsADirectoryError):
            return Refusal("directory", "is a directory, not a file")
        if isinstance(error, FileNotFoundError):
            return Refusal("not-found", "file not found")
        return _unreadable(error)
    try:
        refusal = _judge(os.fstat(descriptor), fence, expected)
        if refusal is None and fence is not None:
            opened = _opened_path(descriptor)
            if opened is not None and not inside(opened, fence.root):
                refusal = Refusal("link-outside-tree",
                                  "a link that leads out of the scanned folder or home; not followed")
    except OSError as error:
        refusal = _unreadable(error)
    if refusal is not None:
        os.close(descriptor)
        return refusal
    return descriptor


def read_prefix(path: Path | str, limit: int, *, whole: bool, fence: Fence | None = None,
                expected: FileIdentity | None = None, resolved: bool = False) -> bytes | Refusal:
    """Up to ``limit`` bytes of the file (``whole``: a larger file is refused instead), opened with
    ``open_file``."""
    descriptor = open_file(path, fence, expected, max_size=limit if whole else None, resolved=resolved)
    if isinstance(descriptor, Refusal):
        return descriptor
    try:
        chunks: list[bytes] = []
        # One byte more than allowed tells "too large" without reading the rest.
        remaining = limit + 1 if whole else limit
        while remaining > 0:
            chunk = os.read(descriptor, min(_CHUNK, remaining))
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
    except OSError as error:
        return _unreadable(error)
    finally:
        os.close(descriptor)
    data = b"".join(chunks)
    if whole and len(data) > limit:
        return Refusal("too-large", f"larger than {limit} bytes; skipped")
    return data
