"""Indented JSON text, byte for byte ``json.dumps(data, indent=2, sort_keys=True, ensure_ascii=True)``,
at close to the C encoder's speed and memory: the one way reports are written as JSON.

The standard library falls back to its pure-Python encoder whenever ``indent`` is set: one
generator per nesting level, every chunk of text passed up through all of them, and a list of
millions of small strings joined at the end (0.85 s instead of 0.20 s, and most of a large scan's
peak memory, on 5,000 configs). Here containers are walked by one recursive function, and a
container that holds only scalars and empty containers (most of a report: findings, servers,
rules) is written by the C encoder in one call, its item separator carrying the newline and the
indentation (an empty container is written "{}" or "[]" with or without indentation).
"""

from __future__ import annotations

import json
from collections.abc import Callable

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing on the hook's path
if TYPE_CHECKING:
    from typing import Any

_INDENT = "  "
_SCALARS = (str, int, float, type(None))  # bool is an int
_PLAIN_SCALARS = frozenset({str, int, float, bool, type(None)})
_CONTAINERS = (dict, list, tuple)


class _Unusual(Exception):
    """Data the fast path does not reproduce exactly (a non-string key beside nested data, a value
    that is not JSON): the standard encoder writes it, or raises its usual error."""


def dumps_indented(data: Any) -> str:
    """``json.dumps(data, indent=2, sort_keys=True, ensure_ascii=True)``, faster."""
    out: list[str] = []
    try:
        _Writer(out).write(data, 0)
    except _Unusual:
        return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=True)
    return "".join(out)


def _is_flat(value: Any) -> bool:
    """Written the same with or without indentation: a scalar, "{}" or "[]"."""
    if type(value) in _PLAIN_SCALARS:
        return True
    return isinstance(value, _SCALARS) or (isinstance(value, _CONTAINERS) and not value)


def _flat_encoder(depth: int) -> Callable[[Any], str]:
    """Writes a container of flat items at ``depth``, one item per line, with the C encoder when
    there is one (made once per depth: ``JSONEncoder.encode`` would build it on every call)."""
    standard = json.JSONEncoder(sort_keys=True, ensure_ascii=True,
                                separators=(",\n" + _INDENT * (depth + 1), ": "))
    make = json.encoder.c_make_encoder
    if make is None:
        return standard.encode
    # The arguments of JSONEncoder.iterencode's C path, without its circular-reference markers:
    # report data is built fresh for each report, a tree. Non-string keys are converted and
    # sorted by the C encoder exactly as by the standard one.
    encoder = make(None, standard.default, json.encoder.encode_basestring_ascii, None,
                   standard.key_separator, standard.item_separator, True, False, True)
    return lambda value: "".join(encoder(value, 0))


class _Writer:
    """Appends the indented text of a value to ``out``; one flat encoder per depth, per dump."""

    __slots__ = ("_out", "_encoders")

    def __init__(self, out: list[str]) -> None:
        self._out = out
        self._encoders: list[Callable[[Any], str]] = []

    def _flat(self, depth: int) -> Callable[[Any], str]:
        while len(self._encoders) <= depth:
            self._encoders.append(_flat_encoder(len(self._encoders)))
        return self._encoders[depth]

    def write(self, value: Any, depth: int) -> None:
        out = self._out
        if isinstance(value, str):
            out.append(json.encoder.encode_basestring_ascii(value))
        elif _is_flat(value):
            out.append(self._flat(depth)(value))
        elif isinstance(value, dict):
            self._write_dict(value, depth)
        elif isinstance(value, (list, tuple)):
            self._write_list(value, depth)
        else:
            raise _Unusual  # not JSON data: the standard encoder raises its usual TypeError

    def _write_dict(self, value: dict, depth: int) -> None:
        # Runs of flat items, in key order, are written by one C call each; the rest recursively.
        out, flat = self._out, self._flat(depth)
        inner = _INDENT * (depth + 1)
        out.append("{")
        separator = "\n"
        run: dict[Any, Any] = {}
        for key in sorted(value):
            item = value[key]
            if _is_flat(item):
                run[key] = item
                continue
            if not isinstance(key, str):
                raise _Unusual
            if run:
                out.append(separator + inner + flat(run)[1:-1])
                run = {}
                separator = ",\n"
            out.append(separator + inner + json.encoder.encode_basestring_ascii(key) + ": ")
            self.write(item, depth + 1)
            separator = ",\n"
        if run:
            out.append(separator + inner + flat(run)[1:-1])
        out.append("\n" + _INDENT * depth + "}")

    def _write_list(self, value: list | tuple, depth: int) -> None:
        out = self._out
        inner = _INDENT * (depth + 1)
        if all(_is_flat(item) for item in value):
            out.append("[\n" + inner + self._flat(depth)(value)[1:-1] + "\n" + _INDENT * depth + "]")
            return
        separator = "[\n"
        for item in value:
            out.append(separator + inner)
            self.write(item, depth + 1)
            separator = ",\n"
        out.append("\n" + _INDENT * depth + "]")
