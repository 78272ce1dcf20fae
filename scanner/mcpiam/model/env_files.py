"""Dotenv files a server names (VS Code and Cursor ``envFile``), read as configs of their own.

The client loads such a file into the server's environment, so a secret in it is as embedded as
one in ``env``. A path is followed only when it resolves, without guessing, to a regular file
inside the scanned tree: relative or under ``${workspaceFolder}`` (the folder that holds the
client's ``.vscode``/``.cursor`` directory). Other variables (``${userHome}``, ``${env:X}``) are
not expanded: a scan never reads outside what it was asked to scan.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path, PurePosixPath

from mcpiam.core.lazy_pattern import lazy_compile
from mcpiam.model.servers import ConfigFile, Scope, Server
from mcpiam.parse import parse_file
from mcpiam.core.notes import Note
from mcpiam.core.safe_open import Fence, inside

ENV_FILE_KIND = "env-file"
WORKSPACE_FOLDER = lazy_compile(r"^\$\{workspaceFolder\}[/\\]")
ANY_VARIABLE = lazy_compile(r"\$\{[^}]*\}|\$[A-Za-z_]|%[A-Za-z_]+%|^~")
# Dotenv loaders interpolate ${VAR} and $VAR from the environment.
DOTENV_EXPANDS = ("dollar-brace", "dollar-brace-default", "dollar")


def workspace_folder(config_path: Path) -> Path:
    """The folder a workspace config belongs to: the parent of its dot-directory, else its own."""
    folder = config_path.parent
    return folder.parent if folder.name.startswith(".") else folder


def resolve_env_file(written: str, config_path: Path) -> Path | None:
    """Where a written envFile path points, or None when it needs a variable we do not expand."""
    text = WORKSPACE_FOLDER.sub("", written.strip())
    if not text or ANY_VARIABLE.search(text):
        return None
    relative = PurePosixPath(text.replace("\\", "/"))
    if relative.is_absolute():
        return Path(relative)
    return workspace_folder(config_path) / relative


def _inside(path: Path, root: Path) -> bool:
    try:
        path.relative_to(root)
    except ValueError:
        return False
    return True


def _display(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix() if _inside(path, root) else path.as_posix()


def referenced(configs: Iterable[ConfigFile]) -> Iterator[tuple[ConfigFile, Server, str]]:
    for config in configs:
        for server in config.servers:
            text = server.env_file.text if server.env_file is not None else None
            if text:
                yield config, server, text


def load_env_files(configs: Iterable[ConfigFile], root: Path, scanned: Iterable[Path] = (),
                   fences: Mapping[str, Fence] | None = None) -> tuple[list[ConfigFile], list[Note]]:
    """Every dotenv file the configs' servers name that lies in the scanned tree, read once.

    The scanned tree is the scan root and every directory given to the scan; a config found by a
    walk or a sweep (``fences``, by its absolute path) may only name a file inside its own fence
    (in a sweep of every user: its own home), read by the same rules.
    """
    configs = list(configs)
    resolved_root = root.resolve()
    trees = [resolved_root] + [p.resolve() for p in scanned if p.is_dir()]
    seen = {str(Path(c.absolute_path).resolve()) for c in configs}
    loaded: list[ConfigFile] = []
    notes: list[Note] = []
    for config, server, written in referenced(configs):
        target = resolve_env_file(written, Path(config.absolute_path))
        if target is None:
            continue
        try:
            real = target.resolve()
        except (OSError, RuntimeError):
            continue
        tree = next((tree for tree in trees if _inside(real, tree)), None)
        fence = (fences or {}).get(config.absolute_path) or (Fence.around(tree) if tree else None)
        if str(real) in seen or tree is None or fence is None or not inside(str(real), fence.root):
            continue
        if not real.is_file():
            span = server.env_file.span if server.env_file is not None else None
            notes.append(Note(config.path, "info", "env-file-missing",
                              f"server '{server.name}' names an envFile that is not a file here: "
                              f"{_display(real, resolved_root)}", span))
            continue
        seen.add(str(real))
        document = parse_file(real, "dotenv", fence=fence)
        written_path = Path(os.path.normpath(target))  # as discovery shows paths: links not resolved
        display = _display(written_path, root) if _inside(written_path, root) else _display(real, resolved_root)
        loaded.append(ConfigFile(
            path=display, absolute_path=str(written_path), client=config.client, file_kind=ENV_FILE_KIND,
            scope=config.scope if config.scope is not Scope.UNKNOWN else Scope.PROJECT,
            document=document, recognised_by="reference", expands=DOTENV_EXPANDS,
        ))
        notes.extend(Note(display, p.level.value, p.code, p.message, p.span) for p in document.problems
                     if p.level.value != "error")
    return loaded, notes
