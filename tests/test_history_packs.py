"""The history walk's own pack reader resolves every object, deltas included, to the bytes dulwich
reads; a pack written with deltas is built with dulwich (no git process)."""

from __future__ import annotations

from pathlib import Path

import pytest
from dulwich.pack import write_pack_objects

from git_repos import RepoBuilder
from mcpiam.discover.git_history import GitHistory, _PackReader


def _deltified_repo(tmp_path: Path) -> RepoBuilder:
    repo = RepoBuilder(tmp_path / "repo")
    lines = [f'"key{i}": "value {i} of a file long enough to be stored as deltas"' for i in range(200)]
    for step in range(12):
        lines[step * 7] = f'"key{step}": "changed in step {step}"'
        repo.commit({"svc/big.json": "{" + ",\n".join(lines) + "}\n", f"svc/f{step}.txt": f"step {step}\n"})
    store = repo.repo.object_store
    objects = [(store[sha], None) for sha in store]
    pack_file, commit, _abort = store.add_pack()
    write_pack_objects(pack_file, objects, store.object_format, deltify=True)
    commit()
    return repo


def test_the_pack_reader_reads_every_object_as_dulwich_does(tmp_path) -> None:
    repo = _deltified_repo(tmp_path)
    store = repo.repo.object_store
    loose = list(store)
    packs = list(store.packs)
    assert packs
    deltas = 0
    for pack in packs:
        reader = _PackReader(pack, limit=4096)  # a small cache: evictions happen too
        for sha in loose:
            binary = bytes.fromhex(sha.decode())
            try:
                expected = pack.get_raw(binary)
            except KeyError:
                continue
            header = pack.data._contents[pack.index.object_offset(binary)]
            deltas += ((header >> 4) & 7) in (6, 7)
            assert reader.get_raw(binary) == expected
    GitHistory(repo.path).close()
    assert deltas > 0, "the test pack holds no delta: it would not test delta resolution"


def test_the_pack_reader_finds_objects_where_dulwichs_index_does(tmp_path) -> None:
    repo = _deltified_repo(tmp_path)
    [pack] = list(repo.repo.object_store.packs)
    reader = _PackReader(pack)
    names = list(pack.index.iter_sha1s()) if hasattr(pack.index, "iter_sha1s") else [
        entry[0] for entry in pack.index.iterentries()]
    assert len(names) > 20
    for name in names:
        assert reader.offset_of(name) == pack.index.object_offset(name)
    for absent in (b"\x00" * 20, b"\xff" * 20, bytes(reversed(names[0]))):
        if absent not in names:
            with pytest.raises(KeyError):
                reader.offset_of(absent)
    GitHistory(repo.path).close()
