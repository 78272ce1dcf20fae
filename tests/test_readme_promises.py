"""Each promise the README makes about trust is held by a named test: the phrase must stay in the
README, and the test that holds it must exist (and run, as every test does)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PROMISES = {
    "without ever starting a server or touching the network": [
        "test_no_network_no_exec.py::test_no_socket_is_created_even_while_importing",
        "test_no_network_no_exec.py::test_every_command_works_without_network_or_processes",
    ],
    "links are never followed out of the home": [
        "test_trust_files.py::test_readme_links_are_never_followed_out_of_the_home",
        "test_trust_files.py::test_all_users_sweep_reads_no_other_users_or_roots_file",
    ],
    "No output ever contains a secret value": [
        "test_leaks_every_command.py::test_scan_and_inventory_to_stdout_and_to_a_file",
        "test_leaks_every_command.py::test_a_token_written_as_a_name_reaches_no_output",
        "test_leaks_every_command.py::test_a_token_written_as_a_name_reaches_no_sweep_or_merge",
    ],
    "FIFOs are never opened": ["test_cli_exits.py::test_a_named_fifo_is_exit_2_and_never_opened"],
}


def _test_names(file: str) -> set[str]:
    tree = ast.parse((ROOT / "tests" / file).read_text(encoding="utf-8"))
    return {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}


@pytest.mark.parametrize("phrase", sorted(PROMISES))
def test_each_readme_promise_is_held_by_a_named_test(phrase: str) -> None:
    readme = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    assert phrase in readme
    for held_by in PROMISES[phrase]:
        file, name = held_by.split("::")
        assert name in _test_names(file), held_by
