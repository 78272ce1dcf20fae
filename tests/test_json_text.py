"""The fast indented JSON writer is byte-identical to ``json.dumps(indent=2, sort_keys=True)``."""

from __future__ import annotations

import json
import math
import random

import pytest

from mcpiam.core.json_text import dumps_indented


def standard(data: object) -> str:
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=True)


def random_value(rng: random.Random, depth: int) -> object:
    scalars = [None, True, False, 0, -7, 2**70, 1.5, -0.0, 1e300, math.inf, -math.inf, "", "plain",
               "quote \" backslash \\ tab \t newline \n", "caf\u00e9 \u2028 \U0001f511", "[{,:}]"]
    if depth > 4 or rng.random() < 0.4:
        return rng.choice(scalars)
    if rng.random() < 0.5:
        return [random_value(rng, depth + 1) for _ in range(rng.randrange(4))]
    keys = ["b", "a", "\u00e9", "z z", "", "10", "9"]
    return {rng.choice(keys): random_value(rng, depth + 1) for _ in range(rng.randrange(5))}


@pytest.mark.parametrize("seed", range(300))
def test_random_data_is_written_as_the_standard_encoder_writes_it(seed: int) -> None:
    data = random_value(random.Random(seed), 0)
    assert dumps_indented(data) == standard(data)


def test_tuples_nan_and_nested_empty_containers() -> None:
    data = {"t": (1, (2, [])), "e": [{}, [], {"x": {}}], "n": math.nan, "s": [["a"], "b"]}
    assert dumps_indented(data) == standard(data)


def test_non_string_keys_fall_back_to_the_standard_encoder() -> None:
    data = {"a": {1: "one", 2.5: [True], 3: {}}, "b": {None: 0}, "c": {False: [1]}}
    assert dumps_indented(data) == standard(data)


def test_what_is_not_json_data_raises_as_json_dumps_does() -> None:
    with pytest.raises(TypeError):
        dumps_indented({"a": [object()]})
    with pytest.raises(TypeError):
        dumps_indented({"a": {1: "x", "b": "y"}})  # mixed key types cannot be sorted
