"""Placeholders are data (``mcpiam/secrets/placeholders.json``): each entry is tested here, never
reported in JSON, YAML and TOML configs, beside a real-shaped token at the same place that is."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from corpus_location import CORPUS_MISSING

from mcpiam.engine.scan import ScanSettings, scan_paths
from mcpiam.model.servers import ServerIndex
from mcpiam.catalogue import name_field_at
from mcpiam.secrets.families import expand_example
from mcpiam.secrets.locate import candidates_in
from mcpiam.secrets.generic import key_strength, looks_generated
from mcpiam.secrets.references import (
    check_references,
    is_placeholder,
    is_secret_manager_uri,
    made_of_placeholder_words,
    prefix_and_variable_name,
)
from test_checksum_lookalikes import write

DATA = json.loads((Path(__file__).resolve().parents[1] / "scanner" / "mcpiam" / "secrets"
                   / "placeholders.json").read_text(encoding="utf-8"))
SETTINGS = ScanSettings(select=("embedded-secret",))
GITHUB = "ghp_{github_crc:30}"
FORMATS = ("json", "yaml", "toml")
KEY = "SERVICE_API_TOKEN"  # a strong credential key: any 8+ character value would be reported


def _reported(root: Path) -> list[tuple[int, int]]:
    result = scan_paths([root], SETTINGS, root=root)
    return [(f.location.span.start_line, f.location.span.start_column) for f in result.findings]


def _never_reported_but_a_token_there_is(tmp_path: Path, placeholder: str, control: str,
                                         key: str = KEY) -> None:
    for fmt in FORMATS:
        root = tmp_path / fmt / "placeholder"
        write(root, fmt, key, placeholder)
        assert _reported(root) == [], (fmt, placeholder)
        control_root = tmp_path / fmt / "control"
        write(control_root, fmt, key, expand_example(control))
        assert len(_reported(control_root)) == 1, (fmt, control)


@pytest.mark.parametrize("entry", DATA["anywhere"], ids=lambda e: e["example"])
def test_each_anywhere_pattern(tmp_path: Path, entry: dict) -> None:
    assert re.search(entry["pattern"], entry["example"], re.IGNORECASE)
    assert is_placeholder(entry["example"])
    _never_reported_but_a_token_there_is(tmp_path, entry["example"], entry.get("control", GITHUB))


@pytest.mark.parametrize("entry", DATA["whole"], ids=lambda e: e["example"])
def test_each_whole_value_pattern(tmp_path: Path, entry: dict) -> None:
    assert re.fullmatch(entry["pattern"], entry["example"], re.IGNORECASE)
    assert is_placeholder(entry["example"])
    assert not is_placeholder(entry["example"] + "Qz7")  # only the whole value
    _never_reported_but_a_token_there_is(tmp_path, entry["example"], GITHUB)


@pytest.mark.parametrize("word", DATA["marker_words"])
def test_each_marker_word_makes_a_value_of_words_a_placeholder(word: str) -> None:
    assert made_of_placeholder_words(f"{word}-api-key")
    assert made_of_placeholder_words(f"acme_{word}_token")
    assert not made_of_placeholder_words("acme-api-key")  # no marker word: not a placeholder


@pytest.mark.parametrize("word", DATA["filler_words"])
def test_each_filler_word_may_sit_beside_a_marker_word(word: str) -> None:
    # "acme" is the one other word allowed; the filler must not count as a second one.
    assert made_of_placeholder_words(f"fake-acme-{word}")
    assert not made_of_placeholder_words("fake-acme-widget")


@pytest.mark.parametrize("example", DATA["word_examples"])
def test_each_value_made_of_placeholder_words(tmp_path: Path, example: str) -> None:
    assert made_of_placeholder_words(example)
    _never_reported_but_a_token_there_is(tmp_path, example, GITHUB)


def test_the_new_users_fake_token_value_is_not_reported(tmp_path: Path) -> None:
    _never_reported_but_a_token_there_is(tmp_path, "fake-token-value", GITHUB, key="TOKEN")


@pytest.mark.parametrize("entry", DATA["doc_examples"], ids=lambda e: e["value"][:8])
def test_each_vendor_documentation_example(tmp_path: Path, entry: dict) -> None:
    assert entry["source"].startswith("https://")
    key = entry.get("key") or (
        "AWS_SECRET_ACCESS_KEY" if "/" in entry["value"] else "AWS_ACCESS_KEY_ID")
    _never_reported_but_a_token_there_is(tmp_path, entry["value"], entry["control"], key=key)


@pytest.mark.parametrize(("value", "key"), [
    ("sk_STRIPE_SECRET_KEY", "STRIPE_SECRET_KEY"),
    ("sk_live_STRIPE_SECRET_KEY", "STRIPE_API_KEY"),
    ("ghp_YOUR_TOKEN", "GITHUB_TOKEN"),
    ("xoxb-SLACK_BOT_TOKEN", "SLACK_BOT_TOKEN"),
    ("ghp_github_token", "GITHUB_TOKEN"),  # the key's own name, in any case
])
def test_a_family_prefix_followed_by_a_variable_name(tmp_path: Path, value: str, key: str) -> None:
    assert prefix_and_variable_name(value, key)
    _never_reported_but_a_token_there_is(tmp_path, value, GITHUB, key=key)


@pytest.mark.parametrize("template", [
    "sk_test_{alnum:24}",  # a Stripe test-mode key holds the word "test" and is still a credential
    "ghp_{github_crc:30}",
    "sk_live_{upper:24}",  # upper-case letters, but no variable name
    "AKIA{base32:16}",
])
def test_real_shaped_tokens_that_hold_a_placeholder_word_are_not_placeholders(template: str) -> None:
    token = expand_example(template)
    assert not is_placeholder(token, "STRIPE_SECRET_KEY")


@pytest.mark.parametrize("value", ["correct-horse-battery-staple", "fake7Hq2mZp9Lw4Rt6Y-token",
                                   "test-Qz7xW2pLm9Rt4Yb8Kd3Nv6Hs"])
def test_a_password_of_words_or_a_marker_beside_random_text_is_not_a_placeholder(value: str) -> None:
    assert not is_placeholder(value, "DB_PASSWORD")


# --- the shared corpus ------------------------------------------------------------------------------

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"


@pytest.mark.skipif(not CORPUS.is_dir(), reason=CORPUS_MISSING)
def test_every_literal_under_a_credential_key_in_the_corpus_is_a_known_placeholder() -> None:
    import test_secret_decoys as decoys  # its reading of the corpus, kind by kind

    checked = []
    for config in decoys._corpus_configs():
        servers = ServerIndex.of(config)
        for root in config.document.roots:
            for candidate in candidates_in(root):
                text = candidate.text.strip()
                if not text or key_strength(candidate.context, False) != "strong":
                    continue
                if candidate.place == "phrase" and not looks_generated(text):
                    continue  # words after "token" in prose: detect judges only generated-looking ones
                refs = check_references(text, ("*",), decoys.CATALOGUE)
                server = servers.at(candidate.value.route)
                if refs.expanded or refs.unexpanded or is_secret_manager_uri(text) or name_field_at(
                        config.name_fields, candidate.value.route, server.route if server else None):
                    continue
                checked.append((config.path, text))
                assert is_placeholder(text, candidate.context), (config.path, candidate.context)
    assert len(checked) >= 20


@pytest.mark.parametrize("value", ["GITHUB_PAT_TOKEN", "SENTRY_AUTH_TOKEN", "Ab3_STRIPE_SECRET_KEY"])
def test_an_all_capitals_variable_name_is_not_a_prefix_and_name_placeholder(value: str) -> None:
    # Names written as values are the catalogue's name fields' business, not a placeholder rule.
    assert not prefix_and_variable_name(value)
