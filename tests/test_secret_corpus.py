"""Recall and precision of embedded-secret on a generated corpus (see ``secret_corpus``).

Every token family is planted in every place a credential hides in an MCP config, in every format
that place is written in; each must be reported at exactly its line and column, once, and nothing
else may be reported. Failure messages name the family, place and position, never the value.
"""

from __future__ import annotations

import json
from collections import Counter

import pytest

from mcpiam.engine.scan import ScanResult, ScanSettings, scan_paths
from mcpiam.secrets.families import load_families
from secret_corpus import PLACES, Corpus, Plant, build_corpus

FAMILIES = load_families()
CONTEXTUAL = {family.id for family in FAMILIES if family.context_keywords}
# Places whose name is fixed (Authorization, --token, clientSecret): a family that needs its own
# key name there is reported by the generic detector instead.
FIXED_NAME_PLACES = {"header-bearer", "header-basic", "header-basic-encoded", "arg-token",
                     "arg-mcp-remote-header", "oauth-client-secret"}
# Places where the secret sits inside a URL: the URL's own family (uri-credential,
# postgres-connection-string) may be the one reported.
URL_PLACES = {"url-userinfo", "connection-string"}
SHOWN = 60


@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory) -> tuple[Corpus, ScanResult]:
    root = tmp_path_factory.mktemp("secret-corpus")
    corpus = build_corpus(root)
    result = scan_paths([root], ScanSettings(select=("embedded-secret",)), root=root)
    return corpus, result


def _key(plant: Plant) -> tuple[str, int, int]:
    return plant.position.path, plant.position.line, plant.position.column


def _found(result: ScanResult) -> dict[tuple[str, int, int], list]:
    found: dict[tuple[str, int, int], list] = {}
    for finding in result.findings:
        span = finding.location.span
        found.setdefault((finding.location.path, span.start_line, span.start_column), []).append(finding)
    return found


def _listing(lines: list[str]) -> str:
    more = f"\n... and {len(lines) - SHOWN} more" if len(lines) > SHOWN else ""
    return "\n".join(lines[:SHOWN]) + more


def test_the_corpus_plants_every_family_in_every_place_and_format(scanned) -> None:
    corpus, _ = scanned
    family_ids = {family.id for family in FAMILIES}
    in_env = {plant.family_id for plant in corpus.plants if plant.place == "env"}
    assert in_env == family_ids
    formats_of_place: dict[str, set[str]] = {}
    for plant in corpus.plants:
        formats_of_place.setdefault(plant.place, set()).add(plant.file_format)
    for place in PLACES:
        assert formats_of_place[place.id] == set(place.formats), place.id
    for place in ("registry-env-default", "registry-argument-value", "registry-header-value",
                  "mcpb-user-config-default", "continue-dotenv", "gemini-dotenv", "env-file"):
        assert place in formats_of_place, place
    # Every family that is a bare token goes everywhere a token can be written.
    per_family = Counter(plant.family_id for plant in corpus.plants)
    assert min(per_family.values()) >= 20, per_family.most_common()[-5:]


def test_every_planted_secret_is_found_at_its_line_and_column(scanned) -> None:
    corpus, result = scanned
    found = _found(result)
    missed = [plant for plant in corpus.plants if _key(plant) not in found]
    by_place = Counter(plant.place for plant in missed)
    assert not missed, (
        f"{len(missed)} of {len(corpus.plants)} planted secrets not reported at their position "
        f"(by place: {dict(by_place)}):\n" + _listing([plant.describe() for plant in missed]))


def test_every_finding_ends_where_its_secret_ends(scanned) -> None:
    corpus, result = scanned
    found = _found(result)
    wrong = []
    for plant in corpus.plants:
        for finding in found.get(_key(plant), []):
            span = finding.location.span
            if (span.end_line, span.end_column) != (plant.position.end_line, plant.position.end_column):
                wrong.append(f"{plant.describe()} ends at {span.end_line}:{span.end_column}, expected "
                             f"{plant.position.end_line}:{plant.position.end_column}")
    assert not wrong, _listing(wrong)


def test_nothing_is_reported_but_the_planted_secrets_each_once(scanned) -> None:
    corpus, result = scanned
    planted = {_key(plant) for plant in corpus.plants}
    extra = [f"{f.location.path}:{f.location.span.start_line}:{f.location.span.start_column} "
             f"{dict(f.properties).get('family')}" for f in result.findings
             if (f.location.path, f.location.span.start_line, f.location.span.start_column) not in planted]
    twice = [f"{path}:{line}:{column} reported {count} times"
             for (path, line, column), count in Counter(
                 (f.location.path, f.location.span.start_line, f.location.span.start_column)
                 for f in result.findings).items() if count > 1]
    assert not extra, "findings outside the planted secrets:\n" + _listing(extra)
    assert not twice, _listing(twice)


def test_the_planted_family_is_named_where_the_place_allows_it(scanned) -> None:
    corpus, result = scanned
    found = _found(result)
    wrong = []
    for plant in corpus.plants:
        if plant.place in URL_PLACES or (plant.family_id in CONTEXTUAL and plant.place in FIXED_NAME_PLACES):
            continue
        families = [dict(f.properties).get("family") for f in found.get(_key(plant), [])]
        if families and plant.family_id not in families:
            wrong.append(f"{plant.describe()} reported as {families}")
    assert not wrong, _listing(wrong)


def test_the_generator_locates_secrets_itself(scanned) -> None:
    """Positions come from the written text, not from the scanner: check them by reading it."""
    corpus, _ = scanned
    lines_of: dict[str, list[str]] = {}
    for plant in corpus.plants:
        p = plant.position
        if p.line != p.end_line:
            continue
        if p.path not in lines_of:
            lines_of[p.path] = (corpus.root / p.path).read_text(encoding="utf-8").split("\n")
        written = lines_of[p.path][p.line - 1][p.column - 1:p.end_column - 1]
        # Written verbatim, or escaped once or twice (a string, a string in a string).
        readings = [written]
        for _ in range(2):
            try:
                readings.append(json.loads(f'"{readings[-1]}"'))
            except ValueError:
                break
        same = plant.secret in readings  # a bool: an assertion never shows a value
        assert same, plant.describe()


def test_every_planted_secret_is_distinct(scanned) -> None:
    corpus, _ = scanned
    counts = Counter(plant.secret for plant in corpus.plants)
    repeated = [plant.describe() for plant in corpus.plants if counts[plant.secret] > 1]
    assert not repeated, _listing(repeated)


def test_no_message_quotes_a_part_of_a_secret(scanned) -> None:
    """Beyond the preview (prefix and last four), no eight characters of a secret on the line appear."""
    from mcpiam.secrets.families import required_literal

    corpus, result = scanned
    literals = {family.id: required_literal(family.pattern) or "" for family in FAMILIES}
    windows_on: dict[tuple[str, int], set[str]] = {}
    for plant in corpus.plants:
        secret = plant.secret
        literal = literals[plant.family_id]
        at = secret.find(literal) if literal else -1
        fixed = range(at, at + len(literal)) if at >= 0 else range(0)
        windows_on.setdefault((plant.position.path, plant.position.line), set()).update(
            secret[i:i + 8] for i in range(0, max(1, len(secret) - 7))
            if not (i in fixed and i + 7 in fixed)  # the family's fixed prefix is no secret
            and not secret[i:i + 8].isalpha())  # nor are plain words (BEGIN PRIVATE)
    leaking = []
    for finding in result.findings:
        # The preview may show, and the generated server names hold family ids and URLs.
        text = finding.message.replace(dict(finding.properties).get("preview", ""), "")
        text = text.replace(f"'{finding.server}'", "") if finding.server else text
        windows = windows_on.get((finding.location.path, finding.location.span.start_line), set())
        if any(window in text for window in windows):
            leaking.append(f"{finding.location.path}:{finding.location.span.start_line}:"
                           f"{finding.location.span.start_column} {dict(finding.properties).get('family')}")
    assert not leaking, _listing(leaking)
