"""Generated blocks of the README and the docs pages: the text between ``<!-- generated: NAME -->``
and ``<!-- end: NAME -->`` is produced by a function here, checked by a test, and rewritten with
``UPDATE=1`` (after a change to the text report, say)."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PLATFORM_NAMES = {"linux": "Linux", "macos": "macOS", "windows": "Windows"}
MAX_GLOBS = 4  # per client in the table; the catalogue has them all
DEMO_COMMAND = "mcpiam scan examples/demo-repo"


def blocks(text: str) -> dict[str, str]:
    return dict(re.findall(r"<!-- generated: (\S+) -->\n(.*?)<!-- end: \1 -->", text, re.DOTALL))


def replace_block(text: str, name: str, content: str) -> str:
    pattern = re.compile(rf"(<!-- generated: {re.escape(name)} -->\n).*?(<!-- end: {re.escape(name)} -->)", re.DOTALL)
    assert pattern.search(text), f"no generated block {name}"
    return pattern.sub(lambda found: found.group(1) + content + found.group(2), text)


def check_or_update(path: Path, name: str, content: str) -> None:
    """The block as generated, or (``UPDATE=1``) the file rewritten with it."""
    text = path.read_text(encoding="utf-8")
    if os.environ.get("UPDATE") == "1":
        path.write_text(replace_block(text, name, content), encoding="utf-8")
        return
    assert blocks(text).get(name) == content, (
        f"{path.name}: the generated block {name!r} is stale; rerun with UPDATE=1")


def clients_table() -> str:
    """One row per client of the catalogue: where its files sit in a repository, and which
    systems' user or managed files a sweep reads."""
    from mcpiam.catalogue import default_catalogue

    rows = ["| Client | In a repository | Workstation |", "|---|---|---|"]
    for client in default_catalogue().clients:
        if client.id == "unknown":
            continue
        project = []
        # Project files only: a user file's glob (a dotfiles copy of ~/.claude.json) is found in a
        # repository too, but is not where a team keeps its configs.
        for kind in client.files:
            if kind.scope not in ("project", "server-manifest"):
                continue
            for glob in kind.project:
                shown = glob.removeprefix("**/")
                if shown not in project:
                    project.append(shown)
        systems = [label for platform, label in PLATFORM_NAMES.items()
                   if any(kind.user.get(platform) for kind in client.files)]
        cells = (client.name.replace("|", "\\|"),
                 ", ".join([f"`{glob}`" for glob in project[:MAX_GLOBS]]
                           + ["…"] * (len(project) > MAX_GLOBS)) or "—",
                 ", ".join(systems) or "—")
        rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(rows) + "\n"


def demo_output(run: Callable[[list[str]], tuple[int, str]]) -> tuple[int, str]:
    """The console block of the Quick start: the demo command and exactly what it prints."""
    code, out = run(DEMO_COMMAND.split()[1:])
    return code, f"```console\n$ {DEMO_COMMAND}\n{out}```\n"
