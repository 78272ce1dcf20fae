"""``dataclass``/``field``/``replace`` for the hook's path: the stdlib's semantics without its import cost.

``dataclasses`` compiles (``exec``) every generated method of every class and computes a signature
for its docstring: ~0.5 ms a class, about half of a one-file scan's imports. This builds the same
slotted classes from closures; only ``__init__`` is compiled, on the class's first instance (as
fast per call as the stdlib's). ``dataclasses`` itself is imported only when something asks for it
(``dataclasses.fields``/``asdict``/``replace`` see real ``Field`` objects through a lazy
``__dataclass_fields__``). Options not implemented here fall back to ``dataclasses.dataclass``;
``tests/test_valuetype.py`` holds both equal.
"""

from __future__ import annotations

from operator import attrgetter

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing on the hook's path
if TYPE_CHECKING:
    from typing import Any

    from collections.abc import Iterable

__all__ = ["dataclass", "field", "replace"]


class _Missing:
    __slots__ = ()

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()
_FIELDS_ATTR = "__valuetype_fields__"


class _Field:
    """What ``field()`` records; becomes a ``dataclasses.Field`` when ``dataclasses`` asks."""

    __slots__ = ("name", "type", "default", "default_factory", "init", "repr", "hash", "compare",
                 "metadata", "kw_only")

    def __init__(self, default: Any, default_factory: Any, init: bool, repr: bool, hash: bool | None,
                 compare: bool, metadata: Any, kw_only: Any) -> None:
        self.name = ""
        self.type: Any = None
        self.default = default
        self.default_factory = default_factory
        self.init = init
        self.repr = repr
        self.hash = hash
        self.compare = compare
        self.metadata = metadata
        self.kw_only = kw_only


def field(*, default: Any = MISSING, default_factory: Any = MISSING, init: bool = True, repr: bool = True,
          hash: bool | None = None, compare: bool = True, metadata: Any = None, kw_only: Any = MISSING) -> Any:
    """As ``dataclasses.field``."""
    if default is not MISSING and default_factory is not MISSING:
        raise ValueError("cannot specify both default and default_factory")
    return _Field(default, default_factory, init, repr, hash, compare, metadata, kw_only)


def dataclass(cls: type | None = None, /, *, init: bool = True, repr: bool = True, eq: bool = True,
              order: bool = False, unsafe_hash: bool = False, frozen: bool = False, match_args: bool = True,
              kw_only: bool = False, slots: bool = False, weakref_slot: bool = False) -> Any:
    """As ``dataclasses.dataclass``; slotted classes without kw_only/InitVar are built here."""
    options = dict(init=init, repr=repr, eq=eq, order=order, unsafe_hash=unsafe_hash, frozen=frozen,
                   match_args=match_args, kw_only=kw_only, slots=slots, weakref_slot=weakref_slot)

    def wrap(klass: type) -> type:
        built = _build(klass, eq=eq, order=order, frozen=frozen, repr_=repr) if _handled(klass, options) else None
        if built is not None:
            return built
        import dataclasses  # an option this module does not implement: the stdlib builds it

        return dataclasses.dataclass(klass, **options)  # type: ignore[call-overload, no-any-return]

    return wrap if cls is None else wrap(cls)


def replace(obj: Any, /, **changes: Any) -> Any:
    """As ``dataclasses.replace``."""
    fields = getattr(type(obj), _FIELDS_ATTR, None)
    if fields is None:
        import dataclasses

        return dataclasses.replace(obj, **changes)
    for item in fields:
        if not item.init:
            if item.name in changes:
                raise ValueError(f"field {item.name} is declared with init=False, it cannot be specified "
                                 "with replace()")
        elif item.name not in changes:
            changes[item.name] = getattr(obj, item.name)
    return obj.__class__(**changes)


def _handled(klass: type, options: dict[str, Any]) -> bool:
    if not options["slots"] or options["kw_only"] or options["weakref_slot"] or options["unsafe_hash"]:
        return False
    if not (options["init"] and options["match_args"]):
        return False
    return not any("__dataclass_fields__" in vars(base) for base in klass.__mro__[1:])


def _is_classvar(annotation: Any) -> bool:
    if isinstance(annotation, str):
        return annotation.startswith(("ClassVar", "typing.ClassVar"))
    return getattr(annotation, "__origin__", None) is not None and "ClassVar" in str(annotation)


def _is_unsupported(annotation: Any) -> bool:
    text = annotation if isinstance(annotation, str) else str(annotation)
    return text.startswith(("InitVar", "dataclasses.InitVar", "KW_ONLY", "dataclasses.KW_ONLY"))


def _collect(klass: type) -> tuple[_Field, ...] | None:
    fields: dict[str, _Field] = {}
    for base in reversed(klass.__mro__[1:]):
        for item in vars(base).get(_FIELDS_ATTR, ()):
            fields[item.name] = item
    for name, annotation in vars(klass).get("__annotations__", {}).items():
        if _is_classvar(annotation):
            continue
        if _is_unsupported(annotation):
            return None
        default = vars(klass).get(name, MISSING)
        if isinstance(default, _Field):
            item = default
            if item.kw_only is not MISSING and item.kw_only:
                return None
        else:
            if type(default).__hash__ is None:  # list, dict, set: the stdlib refuses them too
                raise ValueError(f"mutable default {type(default)} for field {name} is not allowed: "
                                 "use default_factory")
            item = _Field(default, MISSING, True, True, None, True, None, MISSING)
        item.name, item.type = name, annotation
        fields[name] = item
    for name, value in vars(klass).items():
        if isinstance(value, _Field) and name not in fields:
            raise TypeError(f"{name!r} is a field but has no type annotation")
    return tuple(fields.values())


def _build(klass: type, *, eq: bool, order: bool, frozen: bool, repr_: bool) -> type | None:
    fields = _collect(klass)
    if fields is None:
        return None
    namespace = dict(vars(klass))
    for item in fields:
        namespace.pop(item.name, None)
    namespace.pop("__dict__", None)
    namespace.pop("__weakref__", None)
    inherited = {slot for base in klass.__mro__[1:-1] for slot in vars(base).get("__slots__", ())}
    namespace["__slots__"] = tuple(item.name for item in fields if item.name not in inherited)
    namespace[_FIELDS_ATTR] = fields
    namespace["__dataclass_fields__"] = _LazyDataclassAttribute()
    init_fields = tuple(item for item in fields if item.init)
    names = tuple(item.name for item in init_fields)

    def add(name: str, method: Any) -> None:
        if name not in vars(klass):
            method.__qualname__ = f"{klass.__qualname__}.{name}"
            namespace[name] = method

    add("__init__", _make_init(klass.__qualname__, fields, init_fields, hasattr(klass, "__post_init__")))
    if repr_:
        add("__repr__", _make_repr(tuple(item.name for item in fields if item.repr)))
    compared = tuple(item.name for item in fields if item.compare)
    if eq:
        add("__eq__", _make_compare(compared, lambda a, b: a == b))
    if order:
        for name, op in (("__lt__", lambda a, b: a < b), ("__le__", lambda a, b: a <= b),
                         ("__gt__", lambda a, b: a > b), ("__ge__", lambda a, b: a >= b)):
            if name in vars(klass):
                raise TypeError(f"Cannot overwrite attribute {name} in class {klass.__name__}. "
                                "Consider using functools.total_ordering")
            add(name, _make_compare(compared, op))
    class_hash = vars(klass).get("__hash__", MISSING)
    explicit_hash = not (class_hash is MISSING or (class_hash is None and "__eq__" in vars(klass)))
    if eq and not explicit_hash:
        if frozen:
            hashed = tuple(item.name for item in fields if (item.compare if item.hash is None else item.hash))
            namespace["__hash__"] = _make_hash(hashed)
        else:
            namespace["__hash__"] = None
    if frozen:
        for name in ("__setattr__", "__delattr__"):
            if name in vars(klass):
                raise TypeError(f"Cannot overwrite attribute {name} in class {klass.__name__}")
        field_names = frozenset(item.name for item in fields)
        namespace["__setattr__"] = _make_frozen_setattr(field_names, delete=False)
        namespace["__delattr__"] = _make_frozen_setattr(field_names, delete=True)
        namespace.setdefault("__getstate__", _getstate)  # pickling sets fields past the frozen guard
        namespace.setdefault("__setstate__", _setstate)
    if "__match_args__" not in vars(klass):
        namespace["__match_args__"] = names
    qualname = klass.__qualname__
    built = type(klass)(klass.__name__, klass.__bases__, namespace)
    built.__qualname__ = qualname
    for item in namespace.values():  # the generated methods refer to the class for frozen checks
        cell_owner = getattr(item, "_valuetype_owner", None)
        if cell_owner is not None:
            cell_owner[0] = built
    return built


def _make_init(qualname: str, fields: tuple[_Field, ...], init_fields: tuple[_Field, ...],
               post_init: bool) -> Any:
    """An ``__init__`` that, on the class's first instance, compiles the stdlib's form of it (plain
    parameters and assignments: as fast per call as a dataclass, the same argument errors) and
    puts it in its own place. A class never instantiated in a run compiles nothing."""
    seen_default = False
    for item in init_fields:
        has_default = item.default is not MISSING or item.default_factory is not MISSING
        if seen_default and not has_default:
            raise TypeError(f"non-default argument {item.name!r} follows default argument")
        seen_default = seen_default or has_default
    owner: list[Any] = [None]

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        compiled = _compile_init(qualname, fields, init_fields, post_init)
        type.__setattr__(owner[0], "__init__", compiled)
        compiled(self, *args, **kwargs)

    __init__._valuetype_owner = owner  # type: ignore[attr-defined]
    return __init__


_HAS_FACTORY: Any = _Missing()


def _compile_init(qualname: str, fields: tuple[_Field, ...], init_fields: tuple[_Field, ...],
                  post_init: bool) -> Any:
    source, scope = _init_source(fields, init_fields, post_init)
    generated = _generated_inits().get(source)
    if generated is not None:
        compiled = generated(**scope)
    else:
        exec(source, scope)  # noqa: S102 - built from field names only (identifiers), never from input
        compiled = scope["__init__"]
    compiled.__qualname__ = f"{qualname}.__init__"
    return compiled


def _init_source(fields: tuple[_Field, ...], init_fields: tuple[_Field, ...],
                 post_init: bool) -> tuple[str, dict[str, Any]]:
    """The stdlib's form of a class's ``__init__`` and the names it reads (defaults, factories)."""
    scope: dict[str, Any] = {"__vt_set": object.__setattr__, "__vt_factory": _HAS_FACTORY}
    parameters = ["self"]
    for item in init_fields:
        if item.default_factory is not MISSING:
            parameters.append(f"{item.name}=__vt_factory")
        elif item.default is not MISSING:
            scope[f"__vt_default_{item.name}"] = item.default
            parameters.append(f"{item.name}=__vt_default_{item.name}")
        else:
            parameters.append(item.name)
    body = []
    for item in fields:
        if item.default_factory is not MISSING:
            scope[f"__vt_make_{item.name}"] = item.default_factory
            value = (f"__vt_make_{item.name}() if {item.name} is __vt_factory else {item.name}" if item.init
                     else f"__vt_make_{item.name}()")
        elif item.init:
            value = item.name
        elif item.default is not MISSING:
            scope[f"__vt_default_{item.name}"] = item.default
            value = f"__vt_default_{item.name}"
        else:
            continue
        body.append(f"  __vt_set(self, {item.name!r}, {value})")
    if post_init:
        body.append("  self.__post_init__()")
    source = f"def __init__({', '.join(parameters)}):\n" + ("\n".join(body) or "  pass") + "\n"
    return source, scope


def _generated_inits() -> dict[str, Any]:
    """The ``__init__`` sources compiled ahead of time (``mcpiam.core.valuetype_inits``, written by
    ``generate-snapshots``), each keyed by its exact source. Python caches that module's byte
    code; compiling ~60 sources here at run time was ~5 ms of a one-file scan. A class whose
    source is not there (new, or changed since) is compiled here as before."""
    try:
        from mcpiam.core.valuetype_inits import INITS
    except ImportError:
        return {}
    return INITS


INITS_MODULE = "valuetype_inits.py"  # beside this module


def inits_module_text(classes: Iterable[type]) -> str:
    """The text of ``mcpiam.core.valuetype_inits`` for these classes (the value types among them):
    one factory per distinct ``__init__`` source, taking the names that source reads."""
    made: dict[str, list[str]] = {}
    for klass in classes:
        fields = vars(klass).get(_FIELDS_ATTR)
        if fields is None:
            continue
        source, scope = _init_source(fields, tuple(item for item in fields if item.init),
                                     hasattr(klass, "__post_init__"))
        made.setdefault(source, sorted(scope))
    lines = ['"""The ``__init__`` of every value type, compiled ahead of time (see ``valuetype._generated_inits``).',
             "",
             "Generated by ``python -m mcpiam generate-snapshots``; do not edit. Each factory takes the names",
             "its source reads and returns the function that ``exec`` of that source would define.",
             '"""',
             "",
             "# fmt: off",
             "# ruff: noqa"]
    entries = []
    for index, (source, names) in enumerate(sorted(made.items())):
        lines += ["", "", f"def _init_{index}(*, {', '.join(names)}):"]
        lines += ["    " + line for line in source.splitlines()]
        lines.append("    return __init__")
        entries.append(f"    {source!r}: _init_{index},")
    lines += ["", "", "INITS = {", *entries, "}"]
    return "\n".join(lines) + "\n"


def _make_repr(names: tuple[str, ...]) -> Any:
    def __repr__(self: Any) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in names)
        return f"{self.__class__.__qualname__}({shown})"

    return __repr__


def _values_of(names: tuple[str, ...]) -> Any:
    """A function giving an instance's values of ``names`` as one tuple, as the stdlib's generated
    methods build it. ``attrgetter`` reads them in C: hashing and comparing value types is on
    every dict lookup and sort of a scan, where a generator per call was a tenth of a report's time."""
    if not names:
        return lambda self: ()
    if len(names) == 1:
        only = attrgetter(names[0])
        return lambda self: (only(self),)
    return attrgetter(*names)  # with two or more names, already a tuple


def _make_compare(names: tuple[str, ...], op: Any) -> Any:
    values = _values_of(names)

    def compare(self: Any, other: Any) -> Any:
        if other.__class__ is self.__class__:
            return op(values(self), values(other))
        return NotImplemented

    return compare


def _make_hash(names: tuple[str, ...]) -> Any:
    values = _values_of(names)

    def __hash__(self: Any) -> int:
        return hash(values(self))

    return __hash__


def _make_frozen_setattr(field_names: frozenset[str], *, delete: bool) -> Any:
    owner: list[Any] = [None]

    def refuse(self: Any, name: str, *value: Any) -> None:
        if type(self) is owner[0] or name in field_names:
            from dataclasses import FrozenInstanceError  # raised rarely: imported only then

            raise FrozenInstanceError(f"cannot {'delete' if delete else 'assign to'} field {name!r}")
        if delete:
            super(owner[0], self).__delattr__(name)
        else:
            super(owner[0], self).__setattr__(name, *value)

    refuse._valuetype_owner = owner  # type: ignore[attr-defined]
    return refuse


def _getstate(self: Any) -> list[Any]:
    return [getattr(self, item.name) for item in getattr(type(self), _FIELDS_ATTR)]


def _setstate(self: Any, state: list[Any]) -> None:
    for item, value in zip(getattr(type(self), _FIELDS_ATTR), state):
        object.__setattr__(self, item.name, value)


class _LazyDataclassAttribute:
    """``__dataclass_fields__`` made on first use, so that ``dataclasses.fields``, ``asdict``,
    ``replace`` and ``is_dataclass`` work unchanged."""

    def __get__(self, instance: Any, owner: type) -> Any:
        import dataclasses

        made: dict[str, Any] = {}
        for item in getattr(owner, _FIELDS_ATTR):
            default = dataclasses.MISSING if item.default is MISSING else item.default
            factory = dataclasses.MISSING if item.default_factory is MISSING else item.default_factory
            real = dataclasses.field(default=default, default_factory=factory, init=item.init,
                                     repr=item.repr, hash=item.hash, compare=item.compare, metadata=item.metadata)
            real.name, real.type, real.kw_only = item.name, item.type, False
            real._field_type = dataclasses._FIELD  # type: ignore[attr-defined]
            made[item.name] = real
        return made
