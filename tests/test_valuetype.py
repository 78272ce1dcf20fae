"""``mcpiam.core.valuetype`` builds classes that behave as ``dataclasses.dataclass`` builds them.

Each case defines one class body twice, once with each decorator, and compares what callers see:
construction (positional, keyword, defaults, factories, errors), eq, hash, repr, order, frozen,
pickling, ``dataclasses.fields``/``asdict``/``replace``; and every class the scanner defines with
the project decorator is compared with the stdlib's build of the same module source.
"""

from __future__ import annotations

import copy
import dataclasses
import importlib
import importlib.util
import pickle
import pkgutil
import sys
import types
from pathlib import Path
from typing import Any, ClassVar

import pytest

import mcpiam
from mcpiam.core import valuetype


def _both(body):  # type: ignore[no-untyped-def]
    return body(dataclasses.dataclass, dataclasses.field), body(valuetype.dataclass, valuetype.field)


def _point(dataclass, field):  # type: ignore[no-untyped-def]
    @dataclass(frozen=True, slots=True)
    class Point:
        x: int
        y: int = 0
        tags: tuple[str, ...] = field(default_factory=tuple)
        note: str = field(default="", repr=False, compare=False)
        LIMIT: ClassVar[int] = 3

        def norm(self) -> int:
            return abs(self.x) + abs(self.y)

    return Point


def _ordered(dataclass, field):  # type: ignore[no-untyped-def]
    @dataclass(frozen=True, slots=True, order=True)
    class Span:
        start: int
        end: int

    return Span


def _derived(dataclass, field):  # type: ignore[no-untyped-def]
    @dataclass(frozen=True, slots=True)
    class Index:
        items: tuple[int, ...]
        _total: int = field(init=False, repr=False, compare=False)
        _seen: dict[int, int] = field(init=False, repr=False, compare=False, default_factory=dict)

        def __post_init__(self) -> None:
            object.__setattr__(self, "_total", sum(self.items))

    return Index


def _mutable(dataclass, field):  # type: ignore[no-untyped-def]
    @dataclass(slots=True)
    class Counter:
        name: str
        hits: list[int] = field(default_factory=list)

    return Counter


def _no_eq(dataclass, field):  # type: ignore[no-untyped-def]
    @dataclass(frozen=True, slots=True, eq=False, repr=False)
    class Handle:
        name: str

    return Handle


def _observe(cls: type, *args: Any, **kwargs: Any) -> dict[str, Any]:
    """What a caller can see of one instance, in names that do not depend on the decorator."""
    seen: dict[str, Any] = {}
    try:
        value = cls(*args, **kwargs)
    except TypeError as error:
        return {"error": str(error)}
    seen["repr"] = repr(value).split(" object at 0x")[0]  # an identity repr (repr=False) differs per object
    seen["eq_self_copy"] = value == cls(*args, **kwargs)
    identity_hash = type(value).__hash__ in (None, object.__hash__)
    seen["hash"] = type(value).__hash__ is None if identity_hash else hash(value)
    seen["fields"] = [(f.name, f.init, f.repr, f.compare, f.hash, f.default, f.default_factory)
                      for f in dataclasses.fields(value)]
    seen["slots"] = type(value).__slots__
    seen["match_args"] = type(value).__match_args__
    seen["has_dict"] = hasattr(value, "__dict__")
    try:
        setattr(value, dataclasses.fields(value)[0].name, "changed")
        seen["frozen"] = False
    except dataclasses.FrozenInstanceError:
        seen["frozen"] = True
    if seen["frozen"]:
        seen["copied_equal"] = dataclasses.asdict(copy.deepcopy(value)) == dataclasses.asdict(value)  # pickling's path
        seen["replace"] = dataclasses.asdict(dataclasses.replace(value))
        seen["asdict"] = dataclasses.asdict(value)
    return seen


CASES = [
    (_point, [((1,), {}), ((1, 2), {}), ((), {"x": 1, "tags": ("a",)}), ((1, 2, ("t",), "n"), {}),
              ((), {}), ((1,), {"x": 2}), ((1,), {"z": 2}), ((1, 2, (), "", 5), {})]),
    (_ordered, [((1, 2), {}), ((), {"end": 1}), ((), {})]),
    (_derived, [(((1, 2, 3),), {}), ((), {"items": ()})]),
    (_mutable, [(("a",), {}), (("a", [1]), {})]),
    (_no_eq, [(("a",), {})]),
]


@pytest.mark.parametrize(("body", "calls"), CASES, ids=[body.__name__ for body, _ in CASES])
def test_a_class_behaves_as_the_stdlib_dataclass(body, calls) -> None:  # type: ignore[no-untyped-def]
    stdlib, ours = _both(body)
    assert "__dataclass_fields__" not in vars(stdlib) or stdlib is not ours
    assert getattr(ours, "__valuetype_fields__", None) is not None  # built here, not delegated
    for args, kwargs in calls:
        assert _observe(ours, *args, **kwargs) == _observe(stdlib, *args, **kwargs), (args, kwargs)


def test_order_equality_hash_and_frozen_details_match() -> None:
    stdlib, ours = _both(_ordered)
    for cls in (stdlib, ours):
        assert sorted([cls(3, 4), cls(1, 9), cls(1, 2)]) == [cls(1, 2), cls(1, 9), cls(3, 4)]
        assert cls(1, 2) <= cls(1, 2) and cls(2, 0) > cls(1, 9)
        assert cls(1, 2).__eq__(object()) is NotImplemented
        assert {cls(1, 2): "a"}[cls(1, 2)] == "a"
        with pytest.raises(dataclasses.FrozenInstanceError):
            del cls(1, 2).start
    mutable_std, mutable_ours = _both(_mutable)
    assert mutable_std.__hash__ is None and mutable_ours.__hash__ is None
    counter = mutable_ours("a")
    counter.hits.append(1)
    assert mutable_ours("a").hits == []  # a fresh default from the factory for every instance
    no_eq_std, no_eq_ours = _both(_no_eq)
    assert no_eq_ours("a") != no_eq_ours("a") and no_eq_std("a") != no_eq_std("a")


def test_the_same_definition_errors_are_raised() -> None:
    for decorator, factory in ((dataclasses.dataclass, dataclasses.field), (valuetype.dataclass, valuetype.field)):
        with pytest.raises(ValueError, match="mutable default"):
            @decorator(frozen=True, slots=True)
            class Bad:
                items: list[int] = []  # noqa: RUF012 - the mistake under test
        with pytest.raises(TypeError, match="non-default argument 'b' follows default argument"):
            @decorator(frozen=True, slots=True)
            class Order:
                a: int = 1
                b: int  # type: ignore[misc]
        with pytest.raises(ValueError, match="init=False"):
            dataclasses.replace(_derived(decorator, factory)((1,)), _total=3)


def test_replace_from_the_project_module_matches_the_stdlib() -> None:
    stdlib, ours = _both(_point)
    for cls in (stdlib, ours):
        changed = valuetype.replace(cls(1, 2, ("a",), "n"), y=5)
        assert (changed.x, changed.y, changed.tags, changed.note) == (1, 5, ("a",), "n")
    derived = _derived(valuetype.dataclass, valuetype.field)
    assert valuetype.replace(derived((1, 2)), items=(5,))._total == 5


def _scanner_modules() -> list[str]:
    return sorted(info.name for info in pkgutil.walk_packages(mcpiam.__path__, "mcpiam.")
                  if not info.name.endswith("__main__"))


def test_every_scanner_value_type_matches_its_stdlib_build() -> None:
    """Each module defining classes with the project decorator is run again from its source with
    the stdlib's decorator; every such class must declare the same fields, flags and methods."""
    compared = 0
    for name in _scanner_modules():
        module = importlib.import_module(name)
        ours = {key: value for key, value in vars(module).items()
                if isinstance(value, type) and value.__module__ == name and "__valuetype_fields__" in vars(value)}
        if not ours:
            continue
        source = importlib.util.find_spec(name).loader.get_source(name)  # type: ignore[union-attr]
        assert source is not None
        twin = types.ModuleType(f"_stdlib_twin_{name.replace('.', '_')}")
        twin.__file__ = module.__file__
        sys.modules[twin.__name__] = twin
        try:
            exec(compile(source.replace("from mcpiam.core.valuetype import", "from dataclasses import"),  # noqa: S102
                         str(module.__file__), "exec"), vars(twin))
        finally:
            del sys.modules[twin.__name__]
        for key, cls in ours.items():
            reference = vars(twin)[key]
            assert dataclasses.is_dataclass(cls) and dataclasses.is_dataclass(reference), key
            describe = lambda c: [(f.name, f.type, f.init, f.repr, f.compare, f.hash, f.default,  # noqa: E731
                                   f.default_factory is dataclasses.MISSING) for f in dataclasses.fields(c)]
            assert describe(cls) == describe(reference), f"{name}.{key}"
            assert cls.__slots__ == reference.__slots__, f"{name}.{key}"
            assert cls.__match_args__ == reference.__match_args__, f"{name}.{key}"
            for method in ("__eq__", "__lt__", "__repr__", "__init__", "__setattr__", "__post_init__"):
                assert (method in vars(cls)) == (method in vars(reference)), f"{name}.{key}.{method}"
            assert (vars(cls).get("__hash__") is None) == (vars(reference).get("__hash__") is None), key
            compared += 1
    assert compared > 80  # the hook path's ~90 value types, and the rest of the scanner's


def test_a_scan_result_survives_pickling(tmp_path: Path) -> None:
    """A process pool sends results between processes: frozen slotted value types must pickle
    (their fields are set past the frozen guard) and compare equal afterwards."""
    from mcpiam.engine.scan import ScanSettings, scan_paths

    config = tmp_path / ".mcp.json"
    config.write_text('{"mcpServers": {"x": {"command": "npx", "args": ["-y", "some-server"], '
                      '"env": {"TOKEN": "${TOKEN}"}}}}\n', encoding="utf-8")
    result = scan_paths([Path(config)], ScanSettings())
    assert result.findings
    copied = pickle.loads(pickle.dumps(result))  # noqa: S301 - our own object
    assert copied == result and copied.findings == result.findings
