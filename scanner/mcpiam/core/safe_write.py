"""Writing a report, policy or baseline file without following a final link or opening a special file.

A FIFO would hang the write, a device would receive it, and a dangling symbolic link would create
a file wherever it points: each is refused before a byte is written.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Iterable
from pathlib import Path

from mcpiam.core.safe_open import kind_of

# O_NOFOLLOW and O_NONBLOCK are POSIX; where absent (Windows) the lstat before the open stands alone.
_NO_FOLLOW = getattr(os, "O_NOFOLLOW", 0)
_NON_BLOCKING = getattr(os, "O_NONBLOCK", 0)  # a FIFO without a reader fails instead of hanging


class WriteRefused(Exception):
    """The target is not a regular file mcpiam may write, or the write failed; the message says why."""


def _refusal(error: OSError, path: Path) -> str:
    if error.errno == errno.EEXIST:
        return "already exists"
    if error.errno == errno.ELOOP or (error.errno == errno.EMLINK and path.is_symlink()):
        return "is a symbolic link, which is not followed"
    if error.errno == errno.ENXIO:  # O_NONBLOCK open of a FIFO that nobody reads
        return "is a named pipe (FIFO)"
    return error.strerror or type(error).__name__


def write_text_safely(path: Path, text: str | Iterable[str], *, create_new: bool = False) -> None:
    """Write ``text`` (or its pieces, in order) as UTF-8 to the regular file ``path``;
    ``create_new``: only if it does not exist.

    Raises WriteRefused for a final symbolic link (dangling or not), a FIFO, device, socket or
    directory, a file with other hard links (writing it would change another path), or any OSError.
    """
    try:
        existing = os.lstat(path)
    except FileNotFoundError:
        existing = None
    except OSError as error:
        raise WriteRefused(_refusal(error, path)) from None
    if existing is not None:
        if create_new:
            raise WriteRefused("already exists")
        kind = kind_of(existing.st_mode)
        if kind is not None:
            raise WriteRefused(f"is {kind}; mcpiam writes only regular files")
    flags = os.O_WRONLY | os.O_CREAT | _NO_FOLLOW | _NON_BLOCKING | getattr(os, "O_CLOEXEC", 0)
    if create_new:
        flags |= os.O_EXCL
    try:
        descriptor = os.open(path, flags, 0o644)
    except OSError as error:
        raise WriteRefused(_refusal(error, path)) from None
    try:
        opened = os.fstat(descriptor)
        kind = kind_of(opened.st_mode)  # swapped in after the lstat
        if kind is not None:
            raise WriteRefused(f"is {kind}; mcpiam writes only regular files")
        if opened.st_nlink > 1:
            raise WriteRefused("has other hard links; writing it would change another path")
        os.ftruncate(descriptor, 0)
        for piece in (text,) if isinstance(text, str) else text:
            data = piece.encode("utf-8")
            written = 0
            while written < len(data):
                written += os.write(descriptor, data[written:])
    except OSError as error:
        raise WriteRefused(_refusal(error, path)) from None
    finally:
        os.close(descriptor)
