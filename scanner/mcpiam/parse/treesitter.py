"""tree-sitter, loaded lazily and run under a deadline; finding comments in its trees.

Importing the parse package costs nothing until a grammar is needed. A compiled ``Language`` is
immutable and cached once per process; a ``Parser`` is cheap (microseconds) and made per call so
no parser state is ever shared. The buffers tree-sitter reads through are kept for reuse (see
``_WINDOWS``): they hold nothing between parses.
"""

from __future__ import annotations

import functools
import importlib
import re
import sys
import time

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing on the hook's path
if TYPE_CHECKING:
    from typing import Any
    from tree_sitter import Language, Node, Parser, Tree, TreeCursor


@functools.cache
def language(name: str) -> "Language":
    packages = {"json": "tree_sitter_json", "toml": "tree_sitter_toml", "yaml": "tree_sitter_yaml"}
    if name not in packages:
        raise ValueError("unknown grammar")
    return _binding("tree_sitter").Language(_binding(packages[name]).language())


def _binding(package: str) -> Any:
    """The package's compiled ``_binding`` module, loaded without the package's ``__init__``.

    A grammar package's ``__init__`` imports ``importlib.resources`` (and with it ``tempfile``,
    ``shutil``..., ~6 ms of a pre-commit run) only to read highlight queries the scanner never
    uses; ``tree_sitter``'s imports ``typing`` (~2.5 ms) for a protocol class the scanner does not
    use either. Its ``Language`` and ``Parser`` are the binding's own classes."""
    import importlib.machinery
    import importlib.util
    import os.path

    loaded = sys.modules.get(f"{package}._binding")
    if loaded is not None:
        return loaded  # loaded once per process: its classes must be the same objects every time
    if package not in sys.modules:
        spec = importlib.util.find_spec(package)  # locates the package without running it
        for folder in (spec.submodule_search_locations or []) if spec is not None else []:
            for suffix in importlib.machinery.EXTENSION_SUFFIXES:
                location = os.path.join(folder, "_binding" + suffix)
                if os.path.isfile(location):
                    loader = importlib.machinery.ExtensionFileLoader(f"{package}._binding", location)
                    binding = importlib.util.module_from_spec(importlib.util.spec_from_loader(loader.name, loader))
                    loader.exec_module(binding)
                    sys.modules[loader.name] = binding  # a later import of the package reuses it
                    return binding
    return importlib.import_module(package)  # another layout: the package's own import


def parser(name: str) -> "Parser":
    return _binding("tree_sitter").Parser(language(name))


class ParseTimeout(Exception):
    """tree-sitter was stopped: its error recovery on this input would take too long."""


# Every source, whatever its size, goes through a read callback: py-tree-sitter 0.26 calls a
# progress callback (the only way to stop a parse, so the only deadline) for a callback's input
# but ignores it for bytes ("The progress_callback is ignored when parsing a bytestring"), and no
# size is safe without one: 126 KB of `"k":1//,` lines keep error recovery busy for 12 s.
# But the 0.26.1 binding keeps a reference to every object a read callback returns. Its
# parser_read_wrapper (tree_sitter/binding/parser.c; read from the wheel's machine code, as the
# upstream source we could read predates it) releases the previous read's Py_buffer, calls the
# callback, and passes the result to PyObject_GetBuffer into that Py_buffer (released again on
# the next read and after the parse), but never decrefs the result itself. A slice of the source
# or the source itself returned there lives forever (sources up to 128 KB were once parsed from
# bytes for that, larger ones leaked whole); a memoryview pins the source too, or, released after
# the parse, still leaves its own object per read. So the callback returns only windows that
# live for the whole process anyway: a bytearray from _WINDOWS, refilled from the source on each
# read (the binding has released its buffer when it calls back, so the window may be resized)
# and put back after the parse. The leaked references pile up on the same few windows; None, the
# end of input, is released. tests/test_memory_bounds.py: memory does not grow per file parsed.
_CHUNK = 1 << 16
_WINDOWS: list[bytearray] = []  # idle windows; one per parse running at the same time


class _WindowedReader:
    """tree-sitter's read callback: ``source`` from an offset, copied into a reusable window."""

    def __init__(self, source: bytes, window: bytearray) -> None:
        self._source: memoryview | None = memoryview(source)
        self._window = window

    def __call__(self, offset: int, _point: object) -> bytearray | None:
        source = self._source
        if source is None or offset >= len(source):
            return None  # the end; None is released by the binding, unlike a buffer
        self._window[:] = source[offset:offset + _CHUNK]
        return self._window

    def detach(self) -> None:
        """Read nothing more: the tree keeps this callback as its source, but not the file's bytes."""
        if self._source is not None:
            self._source.release()
            self._source = None


def parse(name: str, source: bytes) -> "Tree":
    """Parse ``source``, giving up (ParseTimeout) after 1 s plus 1 s per MB.

    A valid 2 MB file parses in about a second, but error recovery grows quadratically with the
    number of errors: a few thousand broken lines would otherwise take minutes.
    """
    deadline = time.monotonic() + 1.0 + len(source) / 1_000_000

    def too_late(_offset: int, _has_error: bool) -> bool:
        return time.monotonic() > deadline

    window = _WINDOWS.pop() if _WINDOWS else bytearray()
    reader = _WindowedReader(source, window)
    try:
        tree = parser(name).parse(reader, progress_callback=too_late)
    except ValueError:  # "Parsing failed": the callback cancelled it
        raise ParseTimeout from None
    finally:
        reader.detach()
        window.clear()  # the binding has released its buffer: back to an empty allocation
        _WINDOWS.append(window)
    if tree is None:
        raise ParseTimeout
    return tree


def comment_nodes(root: "Node", source: bytes, starts: "re.Pattern[bytes]") -> list["Node"]:
    """Comment nodes, found from the places a comment could start (``starts`` matches there).

    One walk in document order that enters only the nodes holding a candidate, so a flat object
    with thousands of members is crossed once, not once per candidate (a query, or a lookup per
    candidate, would visit every node or every sibling again each time).
    """
    candidates = [match.start() for match in starts.finditer(source)]
    found: list[Node] = []
    if not candidates:
        return found
    cursor = root.walk()
    node = cursor.node
    index = 0
    while node is not None:
        while index < len(candidates) and candidates[index] < node.start_byte:
            index += 1  # fell between nodes: not inside any comment
        if index == len(candidates):
            break
        target = candidates[index]
        if node.end_byte > target and node.type != "comment" and cursor.goto_first_child():
            node = cursor.node
            continue
        if node.end_byte > target:  # a comment, or a leaf holding the candidate
            if node.type == "comment" and node.start_byte == target:
                found.append(node)
            while index < len(candidates) and candidates[index] < node.end_byte:
                index += 1
        node = _next_in_order(cursor)
    return found


def _next_in_order(cursor: "TreeCursor") -> "Node | None":
    """The next node after the cursor's subtree (its sibling, or an ancestor's), or None."""
    while not cursor.goto_next_sibling():
        if not cursor.goto_parent():
            return None
    return cursor.node
