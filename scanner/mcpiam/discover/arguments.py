"""Paths named on the command line: each must exist and be readable, or the run is a usage error.

Checked before the scan so that a typo or an unreadable path never looks like "No findings".
Nothing is read: a folder is opened for listing, a file is only checked with ``access``.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path


def unreadable_reason(path: Path) -> str | None:
    """Why the named ``path`` cannot be scanned (missing, unreadable, special), or None."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return "dangling symbolic link" if os.path.islink(path) else "no such file or folder"
    except OSError as error:
        if error.errno == errno.ELOOP:
            return "symbolic link loop"
        if error.errno == errno.ENOTDIR:
            return "no such file or folder (a part of the path is a file)"
        return error.strerror or type(error).__name__
    if stat.S_ISDIR(mode):
        try:
            with os.scandir(path):
                pass
        except OSError as error:
            return f"folder cannot be listed: {error.strerror or type(error).__name__}"
        return None
    if not stat.S_ISREG(mode):
        return "not a regular file or folder (a FIFO, socket or device)"
    if not os.access(path, os.R_OK):
        return "file cannot be read: permission denied"
    return None
