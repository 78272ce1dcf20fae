"""Issue 14, the peers' examples: password hashes reported honestly, Paystack keys not read as
Stripe's, Telegram bot secrets without a leading A, TeamCity tokens, and the peer bench keeping
identifiers apart. Values are built at test time from templates; assertions never print them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mcpiam.core.findings import Severity
from mcpiam.engine.scan import ScanSettings, scan_paths
from mcpiam.secrets.families import expand_example, load_families, match_value

FAMILIES = load_families(check_examples=False)


def _scan(root: Path, env: dict[str, str]):
    config = root / ".cursor" / "mcp.json"
    config.parent.mkdir(parents=True)
    config.write_text(json.dumps({"mcpServers": {"s": {"command": "x", "env": env}}}, indent=1),
                      encoding="utf-8")
    # Every rule about the value itself (unscoped-token must stay silent); not missing-owner.
    return [finding for finding in scan_paths([root], ScanSettings(), root=root).findings
            if finding.rule_id != "missing-owner"]


def _families(value: str, key: str | None = None) -> list[str]:
    return [found.family.id for found in match_value(FAMILIES, value, key) if not found.rejected]


@pytest.mark.parametrize("template, family", [
    ("$2b$12${alnum:53}", "bcrypt-password-hash"),
    ("$1${alnum:8}${alnum:22}", "crypt-password-hash"),
    ("$6$rounds=656000${alnum:16}${alnum:86}", "crypt-password-hash"),
    ("$krb5asrep$23$svc@corp.local:{hex:32}${hex:300}", "kerberos-roasting-hash"),
])
def test_a_password_hash_is_low_and_never_called_a_token_that_grants_access(
        tmp_path: Path, template: str, family: str) -> None:
    value = expand_example(template)
    findings = _scan(tmp_path, {"ADMIN_PASSWORD_HASH": value})
    assert [(f.rule_id, dict(f.properties).get("family"), f.severity) for f in findings] == [
        ("embedded-secret", family, Severity.LOW)]
    message = findings[0].message
    assert "grants no access by itself" in message and "guessed from it offline" in message
    assert "token" not in message.lower() and value not in message
    span = findings[0].location.span  # the value's own place: line 6, after '    "KEY": "'
    assert (span.start_line, span.start_column, span.end_column) == (6, 29, 29 + len(value))


def test_a_truncated_or_reshaped_hash_is_not_a_password_hash() -> None:
    for template in ("$6${alnum:8}${alnum:40}", "$2b$12${alnum:40}", "$1$", "$5$$",
                     "price: $1$ per call"):
        assert not any(f.endswith("password-hash") for f in _families(expand_example(template)))


def test_paystack_keys_are_paystack_and_stripe_keys_stay_stripe() -> None:
    assert _families(expand_example("sk_live_{hex:40}")) == ["paystack-live-secret-key"]
    assert _families(expand_example("sk_live_{lower_alnum:40}")) == ["paystack-live-secret-key"]
    assert _families(expand_example("sk_test_{hex:40}")) == ["paystack-test-secret-key"]
    assert _families(expand_example("sk_live_{alnum:99}")) == ["stripe-live-secret-key"]
    assert _families(expand_example("sk_live_{alnum:40}")) == ["stripe-live-secret-key"]


def test_a_telegram_bot_secret_need_not_start_with_a() -> None:
    assert _families(expand_example("{digits:10}:h{b64url:34}")) == ["telegram-bot-token"]
    assert _families(expand_example("{digits:10}:{b64url:34}")) == []  # one short
    assert _families(expand_example("{digits:4}:{b64url:35}")) == []  # not a bot id


def test_a_teamcity_token_is_not_taken_for_a_jwt() -> None:
    value = expand_example("eyJ0eXAiOiAiVENWMiJ9.{b64url:36}.{b64url:48}")
    assert _families(value) == ["teamcity-access-token"]


def test_a_teamwork_token_is_found_after_the_vendor_name() -> None:
    value = expand_example("teamwork tkn.v1_{alnum:71}=")
    found = [m for m in match_value(FAMILIES, value, None) if not m.rejected]
    assert [(m.family.id, m.start, m.end) for m in found] == [
        ("teamwork-api-token", len("teamwork "), len(value))]


@pytest.mark.parametrize("value", [
    ".s3.amazonaws.com",  # a domain suffix, as NO_PROXY writes it
    "s3.amazonaws.com/",
    "c.storage.googleapis.com/some_object",
    "sonarqube-reporter-1.2.4.tgz#{hex:40}",  # a lock file's download and its digest
    "sonarqube-scanner/-/sonarqube-scanner-2.5.0.tgz#{hex:40}",
])
def test_addresses_and_archive_digests_are_no_credentials_under_a_token_key(
        tmp_path: Path, value: str) -> None:
    assert _scan(tmp_path, {"SERVICE_API_TOKEN": expand_example(value)}) == []


def test_a_host_and_path_with_a_generated_segment_is_still_judged(tmp_path: Path) -> None:
    value = expand_example("hooks.acme-ci.test/{alnum:32}")
    findings = _scan(tmp_path, {"SERVICE_API_TOKEN": value})
    assert [f.rule_id for f in findings] == ["embedded-secret"]


@pytest.mark.parametrize("line, password", [
    ('password = "VMware1!x"', "VMware1!x"),
    ("my_password => 'Pass123!@#'", "Pass123!@#"),
    ("Connect-VIServer -Server vc.lab.local -User admin -Password Kq7!mapleTree", "Kq7!mapleTree"),
])
def test_a_chosen_password_after_a_password_word_in_a_line_is_found(
        tmp_path: Path, line: str, password: str) -> None:
    findings = [f for f in _scan(tmp_path, {"NOTES": line}) if f.rule_id == "embedded-secret"]
    written = (tmp_path / ".cursor" / "mcp.json").read_text(encoding="utf-8").split("\n")[5]
    column = written.index(password) + 1
    assert [(f.location.span.start_line, f.location.span.start_column, f.location.span.end_column)
            for f in findings] == [(6, column, column + len(password))]


@pytest.mark.parametrize("line", [
    "password = optional",  # a word
    "password = whiteduke",  # a person's password, perhaps, but no different from a word
    'this.addPassword = "#add-password";',
    "password = process.env.DB_PASSWORD",
    'usernameLabel:"Username or email:",passwordLabel:"Password:",rememberMeLabel:"Remember me:"',
])
def test_words_names_and_labels_after_a_password_word_are_not_passwords(
        tmp_path: Path, line: str) -> None:
    findings = _scan(tmp_path, {"NOTES": line})
    assert [f for f in findings if f.rule_id == "embedded-secret"] == []
