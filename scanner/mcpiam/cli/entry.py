"""The process entry point (``mcpiam`` and ``python -m mcpiam``): the pre-commit hook's plain
``mcpiam scan FILE...`` runs without loading the option parser, every other command through click.
"""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

EXIT_CLEAN = 0
EXIT_FINDINGS = 1
EXIT_INTERNAL = 3


def console_main() -> None:
    """Run the command, flush both output streams, and exit without the interpreter's teardown
    (freeing every module and object: ~10 ms of a pre-commit run).

    Only a process entry point may exit this way: ``mcpiam.cli.main.main`` returns its code to
    library callers and tests. A flush that fails (a closed pipe) ends the run with exit 3, as
    ``main``'s own error paths do.
    """
    code = plain_scan(sys.argv[1:])
    if code is None:
        from mcpiam.cli.main import main

        code = main()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (BrokenPipeError, OSError):
        code = code or EXIT_INTERNAL
    os._exit(code)


def plain_scan(argv: list[str]) -> int | None:
    """Scan when ``argv`` is ``scan`` and existing paths only: no option, no ``MCPIAM_*`` variable,
    a UTF-8 standard output. Returns the exit code, or None to leave the command to click.

    click's import is a quarter of a one-file scan's time (it brings ``inspect``, ``uuid``,
    ``datetime``...), and a hook passes nothing but file names. Every default here is the scan
    command's default (``ScanSettings()``); anything that needs a message click words (a missing
    path, an invalid policy or token-family file) or any other error goes to click, which runs
    the command again from the start (nothing has been written yet) and reports it the same way.
    (``summarise_unowned`` is the scan command's too.)
    ``tests/test_cli_entry.py`` holds the two paths' output and exit codes equal.
    """
    if len(argv) < 2 or argv[0] != "scan" or any(arg.startswith("-") or not arg for arg in argv[1:]):
        return None
    if any(name.startswith("MCPIAM_") for name in os.environ) or not _utf8_stdout():
        return None
    from mcpiam.discover.arguments import unreadable_reason

    paths = [Path(arg) for arg in argv[1:]]
    if any(unreadable_reason(path) is not None for path in paths):
        return None
    with _collector_paused(len(paths) <= COLLECTOR_PAUSED_UP_TO
                           and all(os.path.isfile(path) for path in paths)):
        try:
            from mcpiam.engine.scan import ScanSettings, scan_paths
            from mcpiam.report import OutputFormat, render

            from mcpiam.cli.terminal import colour_wanted, output_width

            progress = None
            if sys.stderr.isatty():  # as click's path does: a line on a terminal after a second
                from mcpiam.cli.progress import ProgressLine

                progress = ProgressLine(sys.stderr, output_width(sys.stderr, os.environ))
            try:
                result = scan_paths(paths, ScanSettings(summarise_unowned=True), progress=progress)
            finally:
                if progress is not None:
                    progress.finish()
            text = render(result, OutputFormat.TEXT, color=colour_wanted("auto", sys.stdout, os.environ),
                          verbose=False, width=output_width(sys.stdout, os.environ))
        except (BrokenPipeError, KeyboardInterrupt):
            return EXIT_INTERNAL
        except Exception:  # noqa: BLE001 - click runs it again and words the error (never the message)
            return None
    try:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    except BrokenPipeError:
        return EXIT_INTERNAL
    return EXIT_FINDINGS if result.failing else EXIT_CLEAN


# Up to this many named files, a run pauses the cycle collector (see _collector_paused).
COLLECTOR_PAUSED_UP_TO = 1000


@contextmanager
def _collector_paused(pause: bool) -> Iterator[None]:
    """Pause the cycle collector while the scanner loads and scans a hook's files.

    Loading the scanner (modules, the shipped catalogue and token families) makes ~30,000
    long-lived objects, none of them garbage, which the collector re-scanned ~40 times in a
    one-file run: ~6 ms of its CPU (a higher threshold only delays one collection that scans them
    all). A scan leaves ~100 objects of cyclic garbage per config, so a run of up to
    ``COLLECTOR_PAUSED_UP_TO`` files holds at most ~100,000 of them until the process exits; a
    longer list of files, or a folder (any size of tree), keeps the collector running.
    """
    was_enabled = gc.isenabled()
    if pause:
        gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _utf8_stdout() -> bool:
    """click re-encodes a stream whose encoding cannot take the report; this path writes as is."""
    import codecs

    encoding = getattr(sys.stdout, "encoding", None)
    try:
        return encoding is not None and codecs.lookup(encoding).name == "utf-8"
    except LookupError:
        return False

