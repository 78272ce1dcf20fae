"""A read-only sequence kept packed: its items pickled and compressed in chunks (one file's configs
or findings each), decoded again one chunk at a time whenever it is read.

A large scan's result holds its configs and findings this way, so its memory does not grow with
the parsed models of its files (about 15 KB of Python objects per config, against about 1.5 KB
packed); rules, triage and the reports that read them see an ordinary sequence. ``report_order``
is the order in which the reports list the items, when the scan knew it (so a report walks the
chunks in that order instead of sorting every item in memory).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import accumulate
from typing import Any, Generic, TypeVar

Item = TypeVar("Item")

# zlib's default level with a full preset dictionary (the first 32 KB packed): measured on 2,000
# configs of bench/throughput.py, a config packs to 287 B and a file's findings to 305 B, against
# 765 B and 582 B at level 1 with the first chunk alone as dictionary (that chunk is one config);
# level 6 costs ~20 microseconds more a config than level 1.
_LEVEL = 6
_WINDOW = 1 << 15  # zlib uses at most this much of a preset dictionary
_PICKLED = b"\x80"  # pickle's PROTO opcode, first in every pickle of protocol 2 or later


class Packer:
    """Packs chunks of one kind (configs, or findings) for one ``Packed`` sequence. The first 32 KB
    packed become the preset dictionary of every later chunk: the class names, keys and wording
    every chunk repeats are then not stored again in each. The chunks packed until then are kept
    as they are, pickled but not compressed (a few, at most ``_WINDOW`` bytes in all)."""

    __slots__ = ("dictionary", "_first")

    def __init__(self, dictionary: bytes = b"") -> None:
        self.dictionary = dictionary
        self._first: list[bytes] = []  # the uncompressed chunks, until they make the dictionary

    def pack(self, items: Iterable[Any]) -> bytes:
        import pickle  # imported here: a one-file scan (the hook) never packs, nor loads them
        import zlib

        data = pickle.dumps(tuple(items), protocol=pickle.HIGHEST_PROTOCOL)
        if not self.dictionary:
            self._first.append(data)
            if sum(map(len, self._first)) >= _WINDOW:
                self.dictionary = b"".join(self._first)[-_WINDOW:]
                self._first = []
            return data  # a pickle starts with PROTO (0x80), a zlib stream never does
        compressor = zlib.compressobj(_LEVEL, zdict=self.dictionary)
        return compressor.compress(data) + compressor.flush()

    def unpack(self, chunk: bytes) -> tuple:
        import pickle
        import zlib

        if chunk[:1] == _PICKLED:
            return pickle.loads(chunk)
        decompressor = zlib.decompressobj(zdict=self.dictionary)
        return pickle.loads(decompressor.decompress(chunk) + decompressor.flush())



class Packed(Sequence[Item], Generic[Item]):
    """Items in chunks, in order; equal to any sequence holding the same items in the same order.

    A plain class rather than a value type: it must be a ``Sequence`` (rules and reports index,
    count and iterate it) and is never changed once made.
    """

    __slots__ = ("_chunks", "_ends", "_report_order", "_packer")

    def __init__(self, packer: Packer, chunks: Sequence[bytes], counts: Sequence[int],
                 report_order: Sequence[int] | None = None) -> None:
        self._packer = Packer(packer.dictionary)  # a copy: the scan's packer is done with
        self._chunks = tuple(chunks)
        self._ends = tuple(accumulate(counts))  # index just past each chunk's last item
        # A range (the items are in report order already) stays a range: no int per item is kept.
        self._report_order = (report_order if report_order is None or isinstance(report_order, range)
                              else tuple(report_order))

    def __len__(self) -> int:
        return self._ends[-1] if self._ends else 0

    def __iter__(self) -> Iterator[Item]:
        for chunk in self._chunks:
            yield from self._packer.unpack(chunk)

    def __getitem__(self, index):  # type: ignore[override]
        if isinstance(index, slice):
            return tuple(self)[index]
        length = len(self)
        position = index + length if index < 0 else index
        if not 0 <= position < length:
            raise IndexError("Packed index out of range")
        start = 0
        for number, end in enumerate(self._ends):
            if position < end:
                return self._packer.unpack(self._chunks[number])[position - start]
            start = end
        raise IndexError("Packed index out of range")  # unreachable: position < length

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, (Packed, tuple, list)):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other))

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Packed({len(self)} items in {len(self._chunks)} chunks)"

    def in_report_order(self) -> "InReportOrder[Item] | None":
        """The items in the order the reports list them, when it was recorded; else None."""
        if self._report_order is None:
            return None
        return InReportOrder(self._packer, self._chunks, self._report_order, len(self))

    def filtered(self, keep: Callable[[Item], bool]) -> "Filtered[Item]":
        return Filtered(self, keep)


class InReportOrder(Iterable[Item], Generic[Item]):
    """A packed sequence's items in report order; read again, chunk by chunk, at each iteration."""

    __slots__ = ("_packer", "_chunks", "_order", "_length")

    def __init__(self, packer: Packer, chunks: tuple[bytes, ...], order: tuple[int, ...], length: int) -> None:
        self._packer = packer
        self._chunks = chunks
        self._order = order
        self._length = length

    def __iter__(self) -> Iterator[Item]:
        for number in self._order:
            yield from self._packer.unpack(self._chunks[number])

    def __len__(self) -> int:
        return self._length


class Filtered(Sequence[Item], Generic[Item]):
    """The items of a packed sequence that ``keep`` accepts, read through it (``ScanResult.failing``
    of a large scan: counted and walked without being copied)."""

    __slots__ = ("_source", "_keep")

    def __init__(self, source: Packed[Item], keep: Callable[[Item], bool]) -> None:
        self._source = source
        self._keep = keep

    def __iter__(self) -> Iterator[Item]:
        return (item for item in self._source if self._keep(item))

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def __bool__(self) -> bool:
        return any(True for _ in self)

    def __getitem__(self, index):  # type: ignore[override]
        return tuple(self)[index]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, (Filtered, Packed, tuple, list)):
            return NotImplemented
        return tuple(self) == tuple(other)

    __hash__ = None  # type: ignore[assignment]
