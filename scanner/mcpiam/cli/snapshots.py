"""The snapshots ``generate-snapshots`` writes: every shipped snapshot and the text it should have now
(the catalogue's and the token families' data, and the value types' compiled ``__init__``).

It sits above the catalogue and the token families because it reads both; ``mcpiam.core.snapshot``
only knows how a snapshot is written and read.
"""

from __future__ import annotations

from pathlib import Path


def shipped_snapshots() -> dict[Path, str]:
    """Every shipped snapshot's path and the text it should have now (``generate-snapshots``)."""
    from mcpiam import catalogue
    from mcpiam.core import valuetype
    from mcpiam.secrets import families

    return {
        catalogue.SNAPSHOT_PATH: catalogue.snapshot_of_catalogue(),
        families.SNAPSHOT_PATH: families.snapshot_of(families.shipped_rules_dir()),
        Path(valuetype.__file__).with_name(valuetype.INITS_MODULE): valuetype.inits_module_text(_classes()),
    }


def _classes() -> list[type]:
    """Every class defined at the top level of a module of the package, in module order."""
    import importlib
    import pkgutil

    import mcpiam

    found = []
    for info in sorted(pkgutil.walk_packages(mcpiam.__path__, "mcpiam."), key=lambda item: item.name):
        if info.name.endswith(("__main__", "valuetype_inits")):
            continue  # runs the command line; the generated module itself
        module = importlib.import_module(info.name)
        found += [value for value in vars(module).values()
                  if isinstance(value, type) and value.__module__ == info.name]
    return found
