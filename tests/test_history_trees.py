"""The walk compares two raw trees by the stretch where they differ (``changed_entries``): what it
finds differing must be exactly what comparing every entry of both trees finds."""

from __future__ import annotations

import hashlib

import pytest
from dulwich.objects import Tree, parse_tree
from hypothesis import given, settings
from hypothesis import strategies as st

from mcpiam.discover.git_history import changed_entries

_NAMES = st.text(alphabet="ab.\x00/é-", min_size=1, max_size=6).map(
    lambda text: text.replace("\x00", "").replace("/", "") or "x")
_MODES = st.sampled_from([0o100644, 0o100755, 0o040000, 0o120000, 0o160000])
# Ids drawn from a few seeds so both trees often hold the same entry; the bytes of an id may hold
# NUL and digits, which is what a boundary search must not be fooled by.
_IDS = st.integers(min_value=0, max_value=6).map(lambda seed: hashlib.sha1(b"\x00%d" % seed).digest())
_ENTRIES = st.dictionaries(_NAMES, st.tuples(_MODES, _IDS), max_size=12)


def _raw(entries: dict[str, tuple[int, bytes]]) -> bytes:
    tree = Tree()
    for name, (mode, sha) in entries.items():
        tree.add(name.encode(), mode, sha.hex().encode())
    return tree.as_raw_string()


def _differences(old: bytes, new: bytes) -> tuple[set, set]:
    before, after = set(parse_tree(old, 20)), set(parse_tree(new, 20))
    return before - after, after - before


@settings(max_examples=400, deadline=None)
@given(_ENTRIES, _ENTRIES, st.data())
def test_the_differing_stretch_holds_every_difference_and_nothing_else(old, new, data) -> None:
    if data.draw(st.booleans()):  # mostly alike, as a commit's tree and its parent's are
        new = {**old, **new} if data.draw(st.booleans()) else {k: v for k, v in old.items() if k not in new}
    old_raw, new_raw = _raw(old), _raw(new)
    old_middle, new_middle = changed_entries(old_raw, new_raw)
    assert _differences(old_middle, new_middle) == _differences(old_raw, new_raw)
    assert old_middle in old_raw and new_middle in new_raw


def test_one_changed_entry_of_many_is_the_only_one_parsed() -> None:
    entries = {f"file{n:03d}.json": (0o100644, hashlib.sha1(b"%d" % n).digest()) for n in range(300)}
    changed = {**entries, "file150.json": (0o100644, hashlib.sha1(b"new").digest())}
    old_middle, new_middle = changed_entries(_raw(entries), _raw(changed))
    assert [name for name, _, _ in parse_tree(old_middle, 20)] == [b"file150.json"]
    assert [name for name, _, _ in parse_tree(new_middle, 20)] == [b"file150.json"]


def test_equal_trees_have_nothing_to_compare() -> None:
    raw = _raw({"a": (0o100644, hashlib.sha1(b"a").digest())})
    assert changed_entries(raw, raw) == (b"", b"")


def test_bytes_that_are_not_tree_entries_are_refused() -> None:
    with pytest.raises(ValueError):
        changed_entries(b"100644 name-without-end", b"100644 other")


def test_a_damaged_tree_is_counted_missing_and_holds_nothing(tmp_path) -> None:
    from git_repos import RepoBuilder
    from mcpiam.discover.git_history import GitHistory

    repo = RepoBuilder(tmp_path / "repo")
    repo.commit({"README.md": "x\n"})
    history = GitHistory(repo.path)
    try:
        history._tree_raw = lambda tree_id: b"100644 name-without-end" if tree_id else b""
        assert list(history._diff(b"a" * 40, None, b"")) == []
        assert history.missing_objects == 1
    finally:
        history.close()
