"""Providers named by a key are data (``mcpiam/secrets/providers.json``): every entry is named by
its words in every key style, and a credential under its key is reported with its provider."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from mcpiam.engine.scan import ScanSettings, ScanResult, scan_paths
from mcpiam.secrets.families import expand_example_with_span, load_families
from mcpiam.secrets.providers import CATALOGUE_PATH, catalogue_from, provider_catalogue

DATA = json.loads(CATALOGUE_PATH.read_text(encoding="utf-8"))
ENTRIES = DATA["providers"]
SETTINGS = ScanSettings(select=("embedded-secret",))
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# Words every credential key uses: a provider owning one would be named by any key.
CREDENTIAL_WORDS = {"api", "key", "token", "secret", "access", "auth", "client", "password", "bearer",
                    "app", "user", "service", "account", "private", "public", "id", "url", "host"}


def _random_value(salt: str) -> str:
    """32 letters and digits, another for every salt (never a real or placeholder-like key)."""
    return expand_example_with_span("{alnum:32}", salt)[0]


def test_entries_are_well_formed_and_each_word_names_one_provider() -> None:
    ids = [entry["id"] for entry in ENTRIES]
    assert len(ids) == len(set(ids)) and ids == sorted(ids)
    owners: dict[str, str] = {}
    for entry in ENTRIES:
        assert SLUG.match(entry["id"]) and entry["name"].strip(), entry
        assert entry["reference"].startswith("https://"), entry["id"]
        assert entry["words"] or entry["whole_key_words"], entry["id"]
        for word in entry["words"] + entry.get("whole_key_words", []):
            assert re.fullmatch(r"[a-z0-9]{3,}", word), (entry["id"], word)
            assert word not in CREDENTIAL_WORDS, (entry["id"], word)
            assert owners.setdefault(word, entry["id"]) == entry["id"], word


def test_every_token_familys_provider_is_in_the_catalogue() -> None:
    catalogue = provider_catalogue()
    missing = {f.provider for f in load_families() if f.provider != "generic"
               and catalogue.by_id(f.provider) is None}
    assert missing == set()


def test_a_word_claimed_twice_is_refused() -> None:
    entry = {"id": "acme", "name": "Acme", "words": ["acme"], "reference": "https://acme.invalid"}
    with pytest.raises(ValueError, match="acme"):
        catalogue_from({"providers": [entry, {**entry, "id": "acme-two"}]})


def _key_styles(word: str) -> list[str]:
    styles = [f"{word.upper()}_API_KEY", f"{word}ApiKey", f"X-{word.capitalize()}-Token",
              f"--{word}-key", f"{word.upper()}_SECRET", f"MY_{word.upper()}_TOKEN"]
    if len(word) >= 4:
        styles.append(f"{word.upper()}KEY")  # glued: ACMEKEY
    return styles


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e["id"])
def test_each_provider_is_named_by_its_words_in_every_key_style(entry: dict) -> None:
    catalogue = provider_catalogue()
    for word in entry["words"]:
        for key in _key_styles(word):
            named = catalogue.named_by(key)
            assert named is not None and named.id == entry["id"], (key, named)


@pytest.mark.parametrize("entry", [e for e in ENTRIES if e.get("whole_key_words")], ids=lambda e: e["id"])
def test_a_common_word_names_its_provider_only_as_a_whole_key(entry: dict) -> None:
    catalogue = provider_catalogue()
    for word in entry["whole_key_words"]:
        for key in (f"{word.upper()}_API_TOKEN", f"{word}ApiKey", f"X-{word.capitalize()}-Key",
                    f"--{word}-token", f"{word.upper()}_SECRET"):
            named = catalogue.named_by(key)
            assert named is not None and named.id == entry["id"], (key, named)
        for key in (f"{word.upper()}_DOOR_TOKEN", f"MAX_{word.upper()}_KEY", f"{word.upper()}_ID"):
            named = catalogue.named_by(key)
            assert named is None or named.id != entry["id"], (key, named)


def test_keys_that_name_no_provider() -> None:
    catalogue = provider_catalogue()
    for key in ("API_KEY", "SECRET_TOKEN", "X-Api-Key", "--token", "", "DATABASE_PASSWORD",
                "frontend_token", "CLOSE_ON_EXIT_TOKEN"):
        assert catalogue.named_by(key) is None, key


@pytest.fixture(scope="module")
def every_provider_scanned(tmp_path_factory: pytest.TempPathFactory) -> ScanResult:
    """One config: a server per provider, its first word's API key holding a random value."""
    root = tmp_path_factory.mktemp("providers")
    servers = {
        entry["id"]: {"command": "npx", "args": ["-y", f"{entry['id']}-mcp@1.0.0"],
                      "env": {f"{entry['words'][0].upper()}_API_KEY": _random_value(entry["id"])}}
        for entry in ENTRIES if entry["words"]
    }
    (root / ".mcp.json").write_text(json.dumps({"mcpServers": servers}, indent=1), encoding="utf-8")
    return scan_paths([root], SETTINGS, root=root)


@pytest.mark.parametrize("entry", [e for e in ENTRIES if e["words"]], ids=lambda e: e["id"])
def test_each_provider_is_reported_as_its_own(every_provider_scanned: ScanResult, entry: dict) -> None:
    found = [f for f in every_provider_scanned.findings if f.server == entry["id"]]
    assert len(found) == 1, entry["id"]
    properties = dict(found[0].properties)
    family = properties["family"]
    if family.startswith("generic-"):  # no family knows the value: the key names the provider
        assert properties["provider"] == entry["id"]
        assert found[0].message.lower().startswith(entry["name"].lower() + " ")
    else:  # a family of this provider reads the random value too (a contextual 32-character key)
        assert next(f for f in load_families() if f.id == family).provider == entry["id"]
    assert _random_value(entry["id"]) not in found[0].message


def test_a_family_match_keeps_its_provider_whatever_the_key_says(tmp_path: Path) -> None:
    npm = next(f for f in load_families() if f.id == "npm-access-token")
    token = expand_example_with_span(npm.examples.positive[0].template)[0]
    config = {"mcpServers": {"s": {"command": "x", "env": {"STRIPE_API_KEY": token}}}}
    (tmp_path / ".mcp.json").write_text(json.dumps(config), encoding="utf-8")
    [finding] = scan_paths([tmp_path], SETTINGS, root=tmp_path).findings
    assert dict(finding.properties)["family"] == "npm-access-token"
    assert "provider" not in dict(finding.properties)


@pytest.mark.parametrize("value", ["your-stripe-api-key", "${STRIPE_API_KEY}", "changeme",
                                   "https://api.stripe.com/v1"])
def test_a_provider_key_does_not_make_a_placeholder_or_reference_a_credential(
        tmp_path: Path, value: str) -> None:
    config = {"mcpServers": {"s": {"command": "x", "env": {"STRIPE_API_KEY": value}}}}
    (tmp_path / ".mcp.json").write_text(json.dumps(config), encoding="utf-8")
    assert scan_paths([tmp_path], SETTINGS, root=tmp_path).findings == ()


def test_a_part_of_a_value_is_named_by_the_key_of_the_value(tmp_path: Path) -> None:
    # "id42: V" reads as a header whose name labels V; the env key around it names the provider.
    secret = expand_example_with_span("{alnum:60}", "part")[0]  # random enough on its own
    config = {"mcpServers": {"s": {"command": "x", "env": {"CLARIFAI_TOKEN": f"id42: {secret}"}}}}
    (tmp_path / ".mcp.json").write_text(json.dumps(config), encoding="utf-8")
    [finding] = scan_paths([tmp_path], SETTINGS, root=tmp_path).findings
    assert dict(finding.properties)["provider"] == "clarifai"


def test_a_cross_vendor_format_is_named_by_its_key_and_a_vendor_format_is_not(tmp_path: Path) -> None:
    jwt = expand_example_with_span('{jwt:{"sub":"svc","exp":1900000000}}')[0]
    npm = next(f for f in load_families() if f.id == "npm-access-token")
    token = expand_example_with_span(npm.examples.positive[0].template)[0]
    config = {"mcpServers": {"s": {"command": "x", "env": {"CLARIFAI_TOKEN": jwt,
                                                           "STRIPE_API_KEY": token}}}}
    (tmp_path / ".mcp.json").write_text(json.dumps(config), encoding="utf-8")
    found = {f.location.route[-1]: f for f in scan_paths([tmp_path], SETTINGS, root=tmp_path).findings}
    assert dict(found["CLARIFAI_TOKEN"].properties)["family"] == "jwt"
    assert dict(found["CLARIFAI_TOKEN"].properties)["provider"] == "clarifai"
    assert found["CLARIFAI_TOKEN"].message.startswith("Clarifai JSON Web Token")
    assert "provider" not in dict(found["STRIPE_API_KEY"].properties)  # npm's own format
