"""match_value's screen (which families a value could hold, found without a search per family)
chooses exactly the families the plain rule chooses: a family whose pre-filter literal the value
contains, or that has none; and, of those that need a key-name keyword, those whose keyword the
key holds. Checked on generated values against the rule as written."""

from __future__ import annotations

import random
import string

import pytest

from mcpiam.secrets import families as families_module
from mcpiam.secrets.families import load_families, match_value, normalize_key

FAMILIES = load_families(check_examples=False)
LITERALS = sorted({family.prefilter for family in FAMILIES if family.prefilter})
KEYWORDS = sorted({keyword for family in FAMILIES for keyword in family.context_keywords})
ALPHABET = string.ascii_letters + string.digits + "-_.:/=;+~@${}%"


def _values(seed: int, count: int) -> list[str]:
    generator = random.Random(seed)
    values = []
    for _ in range(count):
        parts = [generator.choice(LITERALS) if generator.random() < 0.3 else
                 "".join(generator.choice(ALPHABET) for _ in range(generator.randint(0, 12)))
                 for _ in range(generator.randint(0, 6))]
        value = "".join(parts)
        values.append(value * 40 if generator.random() < 0.05 else value)  # some past the pair screen
    return values


def test_the_literal_screen_chooses_what_a_search_per_family_chooses() -> None:
    screen = families_module._screen(FAMILIES)
    for value in _values(15, 5000):
        expected = [index for index, family in enumerate(FAMILIES)
                    if family.prefilter is None or family.prefilter in value]
        assert screen.with_literal_in(value) == expected, value


def test_the_keyword_screen_chooses_what_the_keywords_say() -> None:
    screen = families_module._screen(FAMILIES)
    generator = random.Random(7)
    for _ in range(2000):
        key = normalize_key("_".join(generator.choice([*KEYWORDS, "api", "url", "x9", "name"])
                                     for _ in range(generator.randint(1, 3))))
        expected = {index for index, family in enumerate(FAMILIES)
                    if family.context_keywords and any(k in key for k in family.context_keywords)}
        assert families_module._named_by_key(screen, key) == expected, key


def _as_written(families, value: str, key_name: str | None) -> list:
    """match_value before the screen: every family tried in turn."""
    from mcpiam.secrets.families import family_candidates, resolve_overlaps

    key = normalize_key(key_name) if key_name else ""
    candidates = [match for family in families for match in family_candidates(family, value, key)]
    return resolve_overlaps(candidates) if len(candidates) > 1 else candidates


def _shown(matches: list) -> list:
    return [(m.family.id, m.start, m.end, m.valid, m.match_start, m.match_end) for m in matches]


@pytest.mark.parametrize("as_list", [False, True])
def test_match_value_gives_what_trying_every_family_gives(as_list: bool) -> None:
    """On every family's own examples (under their keys, and under none) and on generated values,
    for the family tuple and for a list of families (screened as its tuple)."""
    from mcpiam.secrets.families import expand_example

    families = list(FAMILIES) if as_list else FAMILIES
    cases = [(expand_example(example.template), key)
             for family in FAMILIES for group in (family.examples.positive, family.examples.negative)
             for example in group for key in (example.key, None)]
    cases += [(value, key) for value, key in zip(_values(3, 1000), [None, "API_KEY", "x-token"] * 400)]
    for value, key in cases:
        assert _shown(match_value(families, value, key)) == _shown(_as_written(FAMILIES, value, key))
