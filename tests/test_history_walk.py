"""The history's own commit walk (raw commit headers, newest first) visits the commits dulwich's
``Walker`` visits, for every ref, a ``BASE..TIP`` range and a ``--since`` bound."""

from __future__ import annotations

import datetime
import hashlib
import zlib

from dulwich.objects import Tag
from dulwich.walk import Walker

from git_repos import RepoBuilder
from mcpiam.discover.git_history import GitHistory


def _branchy_repo(tmp_path) -> RepoBuilder:
    repo = RepoBuilder(tmp_path / "repo")
    repo.commit({"README.md": "0\n"})
    repo.branch("feature")
    for step in range(3):
        repo.commit({f"main{step}.md": f"{step}\n"})
        repo.commit({f"feature{step}.md": f"{step}\n"}, branch="feature")
    repo.branch("old", start="feature")
    repo.commit({"old.md": "gone\n"}, branch="old")
    main_tip, feature_tip = repo.tips["main"], repo.tips["feature"]
    repo.commit({}, parents=[main_tip, feature_tip], message="merge")
    repo.commit({"after.md": "1\n"})
    tag = Tag()
    tag.name, tag.message, tag.tagger, tag.tag_time, tag.tag_timezone = b"v1", b"v1", b"T <t@x>", 1, 0
    tag.object = (type(repo.repo[repo.tips["old"]]), repo.tips["old"])
    repo.repo.object_store.add_object(tag)
    repo.repo.refs[b"refs/tags/v1"] = tag.id
    del repo.repo.refs[b"refs/heads/old"]  # reachable through the annotated tag only
    return repo


def _ids(history: GitHistory, **bounds) -> list[bytes]:
    return [commit.id for commit in history.commits(**bounds)]


def test_every_ref_reaches_every_commit_newest_first(tmp_path) -> None:
    repo = _branchy_repo(tmp_path)
    history = GitHistory(repo.path)
    try:
        walked = _ids(history)
        expected = [entry.commit.id for entry in Walker(repo.repo.object_store, history.tips())]
        assert sorted(walked) == sorted(expected) == sorted(set(repo.commits))
        times = [repo.repo[commit].commit_time for commit in walked]
        assert times == sorted(times, reverse=True)
        assert all(history._commit(c).tree == repo.repo[c].tree for c in walked)
    finally:
        history.close()


def test_a_range_is_what_the_tip_reaches_and_the_base_does_not(tmp_path) -> None:
    repo = _branchy_repo(tmp_path)
    history = GitHistory(repo.path)
    base = repo.commits[2].decode()  # on main, before the merge
    try:
        walked = _ids(history, revision_range=f"{base}..main")
        expected = [entry.commit.id for entry in Walker(
            repo.repo.object_store, [repo.tips["main"]], exclude=[base.encode()])]
        assert sorted(walked) == sorted(expected)
        assert base.encode() not in walked and repo.commits[0] not in walked
    finally:
        history.close()


def test_since_leaves_out_older_commits(tmp_path) -> None:
    repo = _branchy_repo(tmp_path)
    history = GitHistory(repo.path)
    cut = repo.repo[repo.commits[5]].commit_time
    since = datetime.datetime.fromtimestamp(cut, datetime.timezone.utc).isoformat()
    try:
        walked = _ids(history, since=since)
        assert walked and all(repo.repo[c].commit_time >= cut for c in walked)
        assert sorted(walked) == sorted(c for c in set(repo.commits) if repo.repo[c].commit_time >= cut)
    finally:
        history.close()


def test_a_damaged_commit_and_ids_that_are_not_ids_are_counted_missing_without_a_traceback(tmp_path) -> None:
    repo = RepoBuilder(tmp_path / "repo")
    good = repo.commit({"README.md": "x\n"})
    raw = (b"tree " + b"z" * 40 + b"\nparent " + b"\xff" * 40 + b"\nparent " + good
           + b"\ncommitter Test <t@x> not-a-time +0000\n\nbroken\n")
    stored = b"commit %d\x00" % len(raw) + raw  # written by hand: dulwich refuses to build it
    broken_id = hashlib.sha1(stored).hexdigest().encode()
    loose = repo.path / ".git" / "objects" / broken_id[:2].decode() / broken_id[2:].decode()
    loose.parent.mkdir(parents=True, exist_ok=True)
    loose.write_bytes(zlib.compress(stored))
    repo.repo.refs[b"refs/heads/broken"] = broken_id
    history = GitHistory(repo.path)
    try:
        assert _ids(history) == [good]  # the damaged commit cannot be read: counted, not fatal
        assert history.missing_objects == 1
        assert history._commit(b"z" * 40) is None and history._commit(b"\xff" * 40) is None
        assert history._tree_raw(b"z" * 40) == b"" and history.missing_objects == 4
    finally:
        history.close()
