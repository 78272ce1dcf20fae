"""Generic detection: what detect-secrets does with our synthetic lines, and our own thresholds.

The first half pins each detect-secrets 1.5.0 behaviour ``scanner/mcpiam/secrets/generic.py`` relies on,
so an upgrade that changes one fails here first. The second half pins the thresholds and value
shapes of ``generic.classify`` and ``detect.MIN_GENERIC_LENGTH``, each from both sides.
Random-looking values are built at test time (``expand_example``) or are plain sequences.
"""

from __future__ import annotations

import json
import math
import socket
import string
from pathlib import Path

import pytest

from mcpiam.engine.scan import ScanSettings, scan_paths
from mcpiam.secrets import generic
from mcpiam.secrets.detect import GENERIC_ENTROPY_PLACES, MIN_GENERIC_LENGTH
from mcpiam.secrets.families import expand_example, load_families, match_value

KEYWORD, BASE64, HEX = generic._plugins()
FAMILIES = load_families()


def keyword_fires(key: str, value: str) -> bool:
    line = generic.synthetic_line(key, value)
    return bool(KEYWORD.analyze_line(filename=generic.SYNTHETIC_FILE, line=line, line_number=1))


def keyword_secret(key: str, value: str) -> set[str]:
    line = generic.synthetic_line(key, value)
    found = KEYWORD.analyze_line(filename=generic.SYNTHETIC_FILE, line=line, line_number=1)
    return {secret.secret_value for secret in found}


def base64_fires(value: str) -> bool:
    return bool(BASE64.analyze_line(filename=generic.SYNTHETIC_FILE,
                                    line=generic.synthetic_line("value", value), line_number=1))


def hex_fires(value: str) -> bool:
    return bool(HEX.analyze_line(filename=generic.SYNTHETIC_FILE,
                                 line=generic.synthetic_line("value", value), line_number=1))


# Distinct characters, each once: Shannon entropy is exactly log2(n).
ALNUM = string.ascii_uppercase + string.ascii_lowercase + string.digits
RANDOM_B64 = expand_example("{alnum:40}")  # mixed case and digits, built at test time
RANDOM_HEX = expand_example("{hex:40}")
RANDOM_UPPER_HEX = expand_example("{upper_hex:40}")


# --- detect-secrets: the keyword detector on `key = "value"` -----------------------------------


@pytest.mark.parametrize("key", [
    "api_key", "APIKEY", "auth_key", "service_key", "account_key", "db_key", "private_key",
    "client_key", "db_pass", "password", "passwd", "pwd", "secret", "INTERNAL_API_SECRET",
    "clientSecret", "x_api_key",
])
def test_keyword_detector_knows_these_key_names(key: str) -> None:
    assert keyword_fires(key, "abcdefgh12")


@pytest.mark.parametrize("key", [
    "token", "GITHUB_TOKEN", "auth", "bearer", "Authorization", "credential", "GITHUB_PAT",
    "access_key", "session", "Cookie",
])
def test_keyword_detector_does_not_know_these(key: str) -> None:
    # The gap our STRONG_WORDS fill: detect-secrets has no "token" keyword at all.
    assert not keyword_fires(key, "abcdefgh12")
    assert generic.key_strength(key, False) in ("strong", "weak")


@pytest.mark.parametrize("key", ["SECRET_NAME", "SECRETARY", "PASSWORD_POLICY", "my_api_key_url"])
def test_keyword_detector_matches_a_keyword_anywhere_with_any_suffix(key: str) -> None:
    # Hence our last-word rule (NOT_SECRET_WORDS) for keys *about* a credential.
    assert keyword_fires(key, "abcdefgh12")


def test_keyword_detector_reports_the_whole_value() -> None:
    assert keyword_secret("db_password", "abc def:ghi") == {"abc def:ghi"}


@pytest.mark.parametrize(("value", "fires"), [
    ("abcdefgh12", True),
    ("correct horse battery", True),  # spaces are accepted by the detector ...
    ("-abcdefgh12", False),  # ... but the value must start with a word character
    ("/abcdefgh12", False),
    ("abcdefgh12,", False),  # and must not end with a comma
    ("abcdefgh12`", False),  # or a backtick
    ("abc'defgh12", False),  # and must hold no quote
])
def test_keyword_detector_value_shapes(value: str, fires: bool) -> None:
    assert keyword_fires("db_password", value) is fires


def test_keyword_detector_regexes_depend_on_the_file_name() -> None:
    line = generic.synthetic_line("db_password", "abcdefgh12")
    assert KEYWORD.analyze_line(filename=generic.SYNTHETIC_FILE, line=line, line_number=1)
    # Unquoted config syntax is accepted only for config file types (YAML here).
    unquoted = "db_password = abcdefgh12"
    assert KEYWORD.analyze_line(filename=generic.SYNTHETIC_FILE, line=unquoted, line_number=1)
    assert not KEYWORD.analyze_line(filename="mcp.py", line=unquoted, line_number=1)


# --- detect-secrets: the entropy plugins -----------------------------------------------------------


def test_base64_limit_needs_23_distinct_characters() -> None:
    # Shannon entropy of n distinct characters is log2(n); 4.5 lies between log2(22) and log2(23).
    assert math.log2(22) < generic.BASE64_LIMIT < math.log2(23)
    assert not base64_fires(ALNUM[:22])
    assert base64_fires(ALNUM[:23])
    assert BASE64.calculate_shannon_entropy(ALNUM[:23]) == pytest.approx(math.log2(23))


def test_hex_limit_is_strictly_greater_than() -> None:
    assert HEX.calculate_shannon_entropy("0123456a") == pytest.approx(3.0) == generic.HEX_LIMIT
    assert not hex_fires("0123456a")  # exactly 3.0 bits: not above the limit
    assert hex_fires("01234567a")  # 9 distinct: 3.17 bits


def test_hex_plugin_lowers_all_digit_strings() -> None:
    # An all-digit string loses 1.2 / log2(len) bits: nine distinct digits stay under 3.0.
    assert not hex_fires("123456789")
    assert hex_fires("12345678a")
    assert HEX.calculate_shannon_entropy("123456789") == pytest.approx(math.log2(9) - 1.2 / math.log2(9))


def test_hex_alphabet_is_both_cases_and_base64_is_url_safe_too() -> None:
    assert hex_fires("ABCDEF123") and hex_fires("abcdef123")
    assert not hex_fires("abcdefg12")  # g is not hex
    assert base64_fires(ALNUM[:21] + "-_")
    assert base64_fires(ALNUM[:21] + "+/")
    assert base64_fires(ALNUM[:22] + "=")


@pytest.mark.parametrize("outside", [".", ":", "!", "@", " ", "~"])
def test_entropy_plugins_need_the_whole_value_inside_their_alphabet(outside: str) -> None:
    value = RANDOM_B64[:20] + outside + RANDOM_B64[20:]
    assert base64_fires(RANDOM_B64)
    assert not base64_fires(value)
    assert not hex_fires(RANDOM_HEX[:20] + outside + RANDOM_HEX[20:])


def test_a_single_quoted_run_inside_a_value_is_judged_alone() -> None:
    # The plugins look for quoted strings anywhere in the line, so quotes inside our value make
    # a smaller string: here the random part between the single quotes.
    assert base64_fires(f"x.y'{RANDOM_B64}'z.w")


def test_uuids_are_never_high_entropy() -> None:
    uuid = expand_example("{uuid}")
    assert not hex_fires(uuid)  # the hyphens are not hex
    assert not base64_fires(uuid)  # at most 17 distinct characters: under 4.5 bits


def test_analyze_line_applies_no_filter() -> None:
    # Sequential strings and UUID-like ids are dropped by detect-secrets' scan filters, which
    # analyze_line does not run: our own rules must do that filtering.
    assert base64_fires(ALNUM[:26])
    assert keyword_fires("api_key", expand_example("{uuid}"))


def test_detect_secrets_never_reaches_the_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args, **kwargs):
        raise AssertionError("network access")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    assert generic.classify("SERVICE_API_SECRET", RANDOM_HEX, True) == "keyword"
    line = generic.synthetic_line("api_key", RANDOM_B64)
    found = KEYWORD.analyze_line(filename=generic.SYNTHETIC_FILE, line=line, line_number=1)
    assert [secret.is_verified for secret in found] == [False]


# --- detect-secrets: known gaps (tokens.md) that token families cover -------------------------------


def _detect_secrets_regex_plugins():
    from detect_secrets.plugins.github_token import GitHubTokenDetector
    from detect_secrets.plugins.openai import OpenAIDetector

    return GitHubTokenDetector(), OpenAIDetector()


@pytest.mark.parametrize(("template", "family_id"), [
    ("github_pat_{alnum:22}_{alnum:59}", "github-fine-grained-pat"),
    # An sk-proj- key with a "-" among the 20 characters before T3BlbkFJ.
    ("sk-proj-{alnum:64}-{alnum:9}T3BlbkFJ{alnum:74}", "openai-project-key"),
])
def test_detect_secrets_misses_these_families_and_ours_find_them(template: str, family_id: str) -> None:
    token = expand_example(template)
    for plugin in _detect_secrets_regex_plugins():
        assert not plugin.analyze_line(filename="x.yaml", line=f'token: "{token}"', line_number=1)
    assert [m.family.id for m in match_value(FAMILIES, token, None)] == [family_id]


def test_detect_secrets_has_no_plugin_for_anthropic_notion_linear_or_supabase() -> None:
    from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class

    names = " ".join(cls.__name__.lower() for cls in get_mapping_from_secret_type_to_class().values())
    for vendor in ("anthropic", "notion", "linear", "supabase", "atlassian"):
        assert vendor not in names


# --- our rules: key names ---------------------------------------------------------------------------


@pytest.mark.parametrize(("key", "words"), [
    ("clientSecret", ["client", "secret"]),
    ("X-API-Key", ["x", "api", "key"]),
    ("HTTPBearerToken", ["http", "bearer", "token"]),
    ("bearer_token_env_var", ["bearer", "token", "env", "var"]),
    ("AUTH_URL password", ["auth", "url", "password"]),
    ("OAUTH2_TOKEN", ["oauth", "2", "token"]),
])
def test_key_words(key: str, words: list[str]) -> None:
    assert generic.key_words(key) == words


@pytest.mark.parametrize(("key", "strength"), [
    ("DB_PASSWORD", "strong"), ("GITHUB_TOKEN", "strong"), ("apiKey", "strong"),
    ("Authorization", "strong"), ("Authorization Bearer", "strong"), ("Authorization Basic", "strong"),
    ("GITHUB_PAT", "strong"), ("GOOGLE_CREDENTIALS", "strong"), ("AWS_SECRET_ACCESS_KEY", "strong"),
    ("DATABASE_URL password", "strong"),  # a URL's password part
    ("OPENAIAPIKEY", "strong"),  # one word: only detect-secrets' substring match names it
    ("AUTH", "weak"), ("STRIPE_KEY", "weak"), ("SESSION", "weak"), ("ENCRYPTION_KEY", "weak"),
    ("TOKEN_URL", ""), ("SECRET_NAME", ""), ("AUTH_PROVIDER", ""), ("TOKEN_LIMIT", ""),
    ("bearer_token_env_var", ""), ("PASSWORD_POLICY", ""), ("tokenEndpoint", ""),
    ("GITHUB_ORG", ""), ("OPENAI_MODEL", ""), ("", ""),
])
def test_key_strength(key: str, strength: str) -> None:
    words = generic.key_words(key)
    detected = keyword_fires(key, "abcdefgh12") if key else False
    assert generic.key_strength(key, detected) == strength, words


# --- our rules: thresholds, each from both sides --------------------------------------------------


def test_strong_key_reports_a_plain_value_from_eight_characters() -> None:
    assert generic.NAMED_MIN_LENGTH == 8
    assert generic.classify("DB_PASSWORD", "hunter2", False) == ""
    assert generic.classify("DB_PASSWORD", "hunter22", False) == "password"
    assert generic.classify("GITHUB_TOKEN", "tokentok", False) == "keyword"
    assert generic.classify("GITHUB_TOKEN", "tokento", False) == ""


def test_a_value_with_a_space_is_never_reported() -> None:
    # Pass phrases are a known miss: a space is far more often prose or a command.
    assert generic.classify("DB_PASSWORD", "correct horse battery staple", True) == ""
    assert generic.classify("GITHUB_TOKEN", "gh auth token", True) == ""


def test_weak_key_needs_a_random_looking_value_of_sixteen_characters() -> None:
    assert generic.RANDOM_MIN_LENGTH == 16
    assert generic.classify("STRIPE_KEY", "qwrtzpsdfghjk12", True) == ""  # 15
    assert generic.classify("STRIPE_KEY", "qwrtzpsdfghjkl12", True) == "keyword"  # 16
    assert generic.classify("STRIPE_KEY", "qwrtzpsdfghjklyx", True) == ""  # no digit
    assert generic.classify("STRIPE_KEY", "qwrtzpsdf ghjkl12", True) == ""  # a space


@pytest.mark.parametrize(("value", "random"), [
    ("claude-3-5-sonnet-20241022", False),  # letters and digits in runs of their own
    ("oauth2-client-credentials", False),  # mixed once, in a short run
    ("gpt-4o-mini-2024-07-18", False),
    ("release-2024-10-21-final", False),
    ("A1B2-C3D4-E5F6-G7H8", True),  # mixed in two runs or more
    ("qwrtzpsdfghjkl12", True),  # one mixed run of 12+
    ("qwrtzpsdfg1-hjkl", False),  # one mixed run of 11
    ("qwrtzpsdfgh1-jkl", True),  # one mixed run of 12
])
def test_looks_random(value: str, random: bool) -> None:
    assert generic.classify("LICENSE_KEY", value, False) == ("keyword" if random else "")


def test_weak_key_with_a_high_entropy_value() -> None:
    assert generic.classify("SESSION", ALNUM[:23], False) == "keyword"  # base64 > 4.5, no digit
    assert generic.classify("SESSION", ALNUM[:22], False) == ""  # 4.46 bits, no digit
    # Hex entropy counts from 16 characters: below, too many ids and short hashes pass 3.0 bits.
    assert hex_fires("01234567a") and generic.classify("SESSION", "01234567a", False) == ""
    digits = "12345678901234567890"  # all digits: 3.32 - 1.2 / log2(20) = 3.04 bits
    assert hex_fires(digits) and generic.classify("SESSION", digits, False) == "keyword"
    assert not hex_fires(digits[:16]) and generic.classify("SESSION", digits[:16], False) == ""


def test_key_about_a_credential_is_never_reported() -> None:
    for key in ("TOKEN_URL", "SECRET_NAME", "API_KEY_ID", "TOKEN_SHA", "AUTH_PROVIDER"):
        assert generic.classify(key, RANDOM_B64, True) == "", key


def test_unnamed_value_needs_entropy_mixed_case_and_a_credential_place() -> None:
    assert "env" in GENERIC_ENTROPY_PLACES and "header" in GENERIC_ENTROPY_PLACES
    assert "field" not in GENERIC_ENTROPY_PLACES and "arg" not in GENERIC_ENTROPY_PLACES
    assert generic.classify("X_CONFIG", RANDOM_B64, True) == "high-entropy"
    assert generic.classify("X_CONFIG", RANDOM_B64, False) == ""  # not a credential place
    assert generic.classify("X_CONFIG", RANDOM_B64[:22], True) == ""  # under 23 characters
    assert generic.classify("GIT_COMMIT", RANDOM_HEX, True) == ""  # hex digests are not secrets
    assert generic.classify("X_CONFIG", RANDOM_HEX, True) == ""
    assert generic.classify("X_CONFIG", RANDOM_UPPER_HEX, True) == ""
    assert generic.classify("X_CONFIG", ALNUM[:26], True) == ""  # letters only: no digit
    assert generic.classify("FOLDER_ID", RANDOM_B64, True) == ""  # an identifier


@pytest.mark.parametrize("value", [
    "true", "OFF", "1234567", "3.14159", "1.2.3", "v2.0.0-beta.1", "alice@example.com",
    "api.example.com", "mcp.internal-corp.io",
    "http://localhost:8080/callback", "https://auth.example.com:8443/realms/x",
    "https://user:pw@example.com/x",  # judged by its parts, not as a whole
    "/usr/local/bin/mcp-server", "~/.config/tokens/github.json", "./certs/private.pem",
    "../secrets/token.txt", "C:\\Users\\me\\.ssh\\id_rsa", "C:/keys/key.pem",
    "\\\\fileserver\\share\\key.pem", "certs/service-account.json", "service-account.json",
    "GITHUB_PAT_TOKEN", "OAUTH2_CLIENT_SECRET", "S3_BUCKET", "MY_API_KEY", "V2_SECRET_2024",
    "sk-no-key-required", "lm-studio", "not-needed", "EMPTY",
])
def test_values_that_are_never_secrets(value: str) -> None:
    assert generic.not_a_secret(value)
    assert generic.classify("API_SECRET", value, True) == ""


@pytest.mark.parametrize("value", [
    "12345678",  # eight digits: could be a PIN
    RANDOM_UPPER_HEX,  # upper-case hex is not an env-var name
    expand_example("{base32:16}"),
    "QWERTZUIOPASDFGHJK",  # one upper-case word of 18 letters: too long for a name
    "/" + RANDOM_B64,  # base64 starting with a slash: a random segment, not a path
    expand_example("{alnum:20}/{alnum:19}"),  # a slash inside base64 is not a path
    "Summer2024.Fun",  # a dot and an extension-like tail that no file uses
    expand_example("{uuid}"),  # some APIs use UUID keys: under a secret key it counts
    "API.EXAMPLE.COM",  # upper-case "host names" may be tokens
])
def test_values_that_are_judged(value: str) -> None:
    assert not generic.not_a_secret(value)
    assert generic.classify("API_SECRET", value, True) in ("keyword", "password")


def test_quotes_and_line_breaks_are_never_judged() -> None:
    # The synthetic line cannot hold a double quote, so such values are left alone.
    assert generic.classify("API_SECRET", RANDOM_B64[:20] + '"' + RANDOM_B64[20:], True) == ""
    assert generic.classify("API_SECRET", RANDOM_B64[:20] + "\n" + RANDOM_B64[20:], True) == ""


def test_model_names_versions_and_hosts_under_ordinary_keys() -> None:
    for key, value in (("OPENAI_MODEL", "gpt-4o-mini"), ("GOOSE_MODEL", "claude-4.5-sonnet"),
                       ("GITHUB_HOST", "github.example.com"), ("NODE_VERSION", "20.11.1"),
                       ("GITHUB_TOOLSETS", "repos,issues,pull_requests")):
        assert generic.classify(key, value, True) == "", key


# --- detect.py: the length gate and the places -------------------------------------------------------


def scan_env(tmp_path: Path, env: dict[str, str]) -> list[tuple[str, str]]:
    (tmp_path / ".cursor").mkdir(exist_ok=True)
    (tmp_path / ".cursor" / "mcp.json").write_text(
        json.dumps({"mcpServers": {"s": {"command": "npx", "env": env}}}), encoding="utf-8")
    result = scan_paths([tmp_path], ScanSettings(select=("embedded-secret",)), root=tmp_path)
    return [(f.location.route[-1], dict(f.properties)["family"]) for f in result.findings]


def test_detect_skips_values_shorter_than_eight(tmp_path: Path) -> None:
    assert MIN_GENERIC_LENGTH == 8
    seven, eight = expand_example("{alnum:7}"), expand_example("{alnum:8}")
    assert scan_env(tmp_path, {"DB_PASSWORD": seven}) == []
    assert scan_env(tmp_path, {"DB_PASSWORD": eight}) == [("DB_PASSWORD", "generic-password")]


def test_detect_reports_each_verdict_as_a_generic_family(tmp_path: Path) -> None:
    found = scan_env(tmp_path, {"INTERNAL_API_SECRET": RANDOM_HEX, "X_CONFIG": RANDOM_B64,
                                "GIT_COMMIT": RANDOM_HEX, "OPENAI_MODEL": "gpt-4o-mini"})
    assert sorted(found) == [("INTERNAL_API_SECRET", "generic-keyword"), ("X_CONFIG", "generic-high-entropy")]


def test_entropy_alone_counts_only_in_credential_places(tmp_path: Path) -> None:
    # The same value as a plain server field (place "field") is not reported without a key name.
    (tmp_path / ".cursor").mkdir()
    (tmp_path / ".cursor" / "mcp.json").write_text(json.dumps({"mcpServers": {"s": {
        "command": "npx", "x_config": RANDOM_B64, "headers": {"X-Custom": RANDOM_B64}}}}),
        encoding="utf-8")
    result = scan_paths([tmp_path], ScanSettings(select=("embedded-secret",)), root=tmp_path)
    assert [(f.location.route[-1], dict(f.properties)["family"]) for f in result.findings] == [
        ("X-Custom", "generic-high-entropy")]


def test_a_name_value_entry_is_labelled_by_its_name(tmp_path: Path) -> None:
    # Registry server.json environmentVariables[] and Docker catalog config.env[] are
    # {name, value} entries: the value's key name is the entry's name, not "value".
    (tmp_path / "server.json").write_text(json.dumps({
        "$schema": "https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json",
        "name": "io.example/acme", "description": "d", "version": "1.0.0",
        "packages": [{"registryType": "npm", "identifier": "acme-mcp", "version": "1.0.0",
                      "transport": {"type": "stdio"},
                      "environmentVariables": [{"name": "ACME_DB_PASSWORD", "value": "hunter22x"},
                                               {"name": "ACME_REGION", "value": "eu-west-1b"}]}],
    }), encoding="utf-8")
    result = scan_paths([tmp_path], ScanSettings(select=("embedded-secret",)), root=tmp_path)
    assert [(f.location.route, dict(f.properties)["family"]) for f in result.findings] == [
        (("packages", 0, "environmentVariables", 0, "value"), "generic-password")]


def test_a_default_is_labelled_by_the_key_of_its_object(tmp_path: Path) -> None:
    # MCPB user_config.<key>.default: a literal default for a sensitive setting ships in the bundle.
    (tmp_path / "manifest.json").write_text(json.dumps({
        "manifest_version": "0.3", "name": "acme", "version": "1.0.0", "description": "d",
        "author": {"name": "a"},
        "server": {"type": "node", "entry_point": "server/index.js",
                   "mcp_config": {"command": "node", "args": ["${__dirname}/server/index.js"],
                                  "env": {"ACME_KEY": "${user_config.api_key}"}}},
        "user_config": {"api_key": {"type": "string", "title": "API key", "sensitive": True,
                                    "default": RANDOM_HEX},
                        "region": {"type": "string", "title": "Region", "default": RANDOM_HEX}},
    }), encoding="utf-8")
    result = scan_paths([tmp_path], ScanSettings(select=("embedded-secret",)), root=tmp_path)
    assert [(f.location.route, dict(f.properties)["family"]) for f in result.findings] == [
        (("user_config", "api_key", "default"), "generic-keyword")]
