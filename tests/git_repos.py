"""Git repositories built in-process for the history tests (dulwich; no ``git`` process).

A ``RepoBuilder`` keeps each branch's files as a dict and writes one commit per call, with
committer times one day apart from a fixed start, so commit order and dates are exact.
"""

from __future__ import annotations

from pathlib import Path

from dulwich.index import commit_tree
from dulwich.objects import Blob, Commit
from dulwich.repo import Repo

START = 1_767_225_600  # 2026-01-01T00:00:00Z
DAY = 86_400


class RepoBuilder:
    def __init__(self, path: Path) -> None:
        path.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.repo = Repo.init(str(path))
        self.files: dict[str, dict[str, bytes]] = {}
        self.tips: dict[str, bytes | None] = {}
        self.time = START
        self.commits: list[bytes] = []

    def commit(self, changes: dict[str, bytes | str | None], *, branch: str = "main",
               parents: list[bytes] | None = None, message: str = "change") -> bytes:
        """Apply ``changes`` (path -> content, None deletes) to ``branch`` and commit; returns the id."""
        files = dict(self.files.get(branch, {}))
        for path, content in changes.items():
            if content is None:
                files.pop(path, None)
            else:
                files[path] = content.encode() if isinstance(content, str) else content
        entries = []
        for path, data in sorted(files.items()):
            blob = Blob.from_string(data)
            self.repo.object_store.add_object(blob)
            entries.append((path.encode(), blob.id, 0o100644))
        tree = commit_tree(self.repo.object_store, entries)
        commit = Commit()
        commit.tree = tree
        tip = self.tips.get(branch)
        commit.parents = parents if parents is not None else ([tip] if tip else [])
        commit.author = commit.committer = b"Test <test@example.invalid>"
        commit.author_time = commit.commit_time = self.time
        commit.author_timezone = commit.commit_timezone = 0
        commit.message = message.encode()
        self.repo.object_store.add_object(commit)
        self.time += DAY
        self.repo.refs[f"refs/heads/{branch}".encode()] = commit.id
        if branch == "main":
            self.repo.refs.set_symbolic_ref(b"HEAD", b"refs/heads/main")
        self.files[branch] = files
        self.tips[branch] = commit.id
        self.commits.append(commit.id)
        return commit.id

    def branch(self, name: str, start: str = "main") -> None:
        self.files[name] = dict(self.files[start])
        self.tips[name] = self.tips[start]

    def checkout(self, branch: str = "main") -> None:
        """Write ``branch``'s files into the work tree (what a clone's checkout holds)."""
        for path, data in self.files[branch].items():
            target = self.path / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
