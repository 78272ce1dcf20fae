"""Token families: the shipped rule data, its schema, the loader, matching and validators.

Assertion messages name a family id and an example *template*, never an expanded token.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import jsonschema
import pytest
import yaml

from mcpiam.secrets.families import (
    SCHEMA_PATH,
    FamilyFileError,
    Grants,
    Lifetime,
    Specificity,
    TemplateError,
    TokenFamily,
    expand_example,
    expand_example_with_span,
    family_candidates,
    load_families,
    match_value,
    normalize_key,
    shipped_rules_dir,
)
from mcpiam.secrets.validators import (
    VALIDATORS,
    base62_encode,
    decode_jwt,
    decode_jwt_claims,
    github_checksum,
    github_crc32,
    pem_private_key,
)

RULES_DIR = Path(__file__).resolve().parents[1] / "rules"
RULE_FILES = sorted(RULES_DIR.glob("*.yaml"))
FAMILIES = load_families()
BY_ID = {family.id: family for family in FAMILIES}


def _examples(group: str) -> list[tuple[TokenFamily, str, str | None]]:
    return [
        (family, example.template, example.key)
        for family in FAMILIES
        for example in getattr(family.examples, group)
    ]


def _ids(items: list[tuple[TokenFamily, str, str | None]]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for family, _, _ in items:
        seen[family.id] = seen.get(family.id, -1) + 1
        out.append(f"{family.id}[{seen[family.id]}]")
    return out


def _found(value: str, key: str | None = None) -> list[tuple[str, int, int]]:
    return [(m.family.id, m.start, m.end) for m in match_value(FAMILIES, value, key)]


# --- the data and its schema --------------------------------------------------------------------


def test_schema_is_a_valid_draft_2020_12_schema() -> None:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)


@pytest.mark.parametrize("path", RULE_FILES, ids=[p.name for p in RULE_FILES])
def test_every_provider_file_validates_against_the_schema(path: Path) -> None:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(schema).validate(data)
    assert data["provider"] == path.stem, "one file per provider, named after it"
    assert all(family["provider"] == data["provider"] for family in data["families"])


def test_shipped_rules_dir_is_the_checkout_rules_directory() -> None:
    assert shipped_rules_dir().resolve() == RULES_DIR


def test_at_least_sixty_families_with_unique_ids() -> None:
    ids = [family.id for family in FAMILIES]
    assert len(ids) >= 60
    assert len(ids) == len(set(ids))


def test_every_family_has_positive_and_negative_examples() -> None:
    for family in FAMILIES:
        assert family.examples.positive, family.id
        assert family.examples.negative, family.id


def test_every_named_validator_and_reference_exists() -> None:
    for family in FAMILIES:
        assert family.validator is None or family.validator in VALIDATORS, family.id
        for other in (*family.pairs_with, *family.overrides):
            assert other in BY_ID, family.id


def test_generic_families_are_declared_and_few() -> None:
    generic = {f.id for f in FAMILIES if f.specificity is Specificity.GENERIC}
    assert generic == {
        "jwt",
        "private-key",
        "uri-credential",
        "ado-net-connection-string",
        "anthropic-key-other",
    }
    for family in FAMILIES:
        if family.specificity is not Specificity.GENERIC:
            expected = Specificity.CONTEXTUAL if family.context_keywords else Specificity.EXACT
            assert family.specificity is expected, family.id


def test_public_families_are_informational() -> None:
    for family in FAMILIES:
        if family.grants is Grants.PUBLIC:
            assert family.severity.value == "info", family.id


def test_shipped_yaml_holds_no_full_length_token_literal() -> None:
    """Examples are templates: nothing in the rule files matches a family by itself."""
    for path in RULE_FILES:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for raw in data["families"]:
            for group in ("positive", "negative", "invalid"):
                for example in raw["examples"].get(group, []):
                    literal = example if isinstance(example, str) else example["value"]
                    key = None if isinstance(example, str) else example.get("key")
                    hits = [m for m in match_value(FAMILIES, literal, key) if m.valid is not False]
                    assert not hits, f"{raw['id']}: literal template {literal!r} matches on its own"


# --- examples behave ------------------------------------------------------------------------------

POSITIVES = _examples("positive")
NEGATIVES = _examples("negative")
INVALIDS = _examples("invalid")


@pytest.mark.parametrize(("family", "template", "key"), POSITIVES, ids=_ids(POSITIVES))
def test_positive_is_claimed_by_its_family_alone(
    family: TokenFamily, template: str, key: str | None
) -> None:
    value, (start, end) = expand_example_with_span(template)
    matches = match_value(FAMILIES, value, key)
    own = [m for m in matches if m.family is family]
    assert any((m.start, m.end) == (start, end) for m in own), f"{family.id}: {template}"
    assert all(m.valid is not False for m in own), f"{family.id}: validator fails {template}"
    rivals = [
        m.family.id for m in matches if m.family is not family and m.start < end and start < m.end
    ]
    assert not rivals, f"{family.id}: {template} also claimed by {rivals}"


@pytest.mark.parametrize(("family", "template", "key"), NEGATIVES, ids=_ids(NEGATIVES))
def test_negative_does_not_match_its_family(
    family: TokenFamily, template: str, key: str | None
) -> None:
    value = expand_example(template)
    found = list(family_candidates(family, value, normalize_key(key) if key else ""))
    assert not found, f"{family.id}: {template}"


@pytest.mark.parametrize(("family", "template", "key"), INVALIDS, ids=_ids(INVALIDS))
def test_invalid_matches_the_shape_but_fails_the_validator(
    family: TokenFamily, template: str, key: str | None
) -> None:
    value = expand_example(template)
    found = list(family_candidates(family, value, normalize_key(key) if key else ""))
    assert found and all(m.valid is False for m in found), f"{family.id}: {template}"


def test_context_families_need_their_key_name() -> None:
    contextual = [f for f in FAMILIES if f.context_keywords]
    assert len(contextual) >= 10
    for family in contextual:
        for example in family.examples.positive:
            assert example.key, f"{family.id}: {example.template} needs a key"
            value = expand_example(example.template)
            assert not list(family_candidates(family, value, "")), (
                f"{family.id}: {example.template}"
            )


def test_prefilter_never_changes_a_result() -> None:
    unfiltered = tuple(replace(family, prefilter=None) for family in FAMILIES)
    assert sum(1 for f in FAMILIES if f.prefilter) >= 100
    for family, template, key in POSITIVES + NEGATIVES + INVALIDS:
        value = expand_example(template)
        fast = [(m.family.id, m.start, m.end, m.valid) for m in match_value(FAMILIES, value, key)]
        slow = [(m.family.id, m.start, m.end, m.valid) for m in match_value(unfiltered, value, key)]
        assert fast == slow, f"{family.id}: {template}"


def test_prefix_families_have_a_literal_prefilter() -> None:
    assert BY_ID["github-classic-pat"].prefilter == "ghp_"
    assert BY_ID["anthropic-admin-key"].prefilter == "sk-ant-admin01-"
    assert BY_ID["private-key"].prefilter == "PRIVATE KEY"
    assert BY_ID["heroku-legacy-api-key"].prefilter is None  # case-insensitive UUID


# --- matching and the specificity rule ----------------------------------------------------------


def test_match_offsets_point_at_the_secret_inside_the_value() -> None:
    value, (start, end) = expand_example_with_span("Bearer {<}ghp_{github_crc:30}{>}")
    assert (start, end) == (7, 47)
    assert _found(value) == [("github-classic-pat", 7, 47)]


def test_specificity_ranks() -> None:
    assert Specificity.EXACT.rank > Specificity.CONTEXTUAL.rank > Specificity.GENERIC.rank


def test_anthropic_admin_key_is_not_reported_as_an_unknown_anthropic_key() -> None:
    value = expand_example("sk-ant-admin01-{b64url:93}AA")
    assert {m.family.id for m in family_candidates(BY_ID["anthropic-key-other"], value, "")}
    assert [family_id for family_id, _, _ in _found(value)] == ["anthropic-admin-key"]


def test_database_uri_wins_over_the_generic_uri_credential() -> None:
    value, span = expand_example_with_span("postgres://app:{<}{alnum:20}{>}@db.internal/app")
    assert _found(value) == [("postgres-connection-string", *span)]
    other, other_span = expand_example_with_span("https://ci:{<}{alnum:20}{>}@proxy.internal:3128")
    assert _found(other) == [("uri-credential", *other_span)]


def test_a_token_used_as_a_uri_password_is_reported_as_the_token() -> None:
    value, span = expand_example_with_span("https://me:{<}ghp_{github_crc:30}{>}@github.com/o/r")
    assert _found(value) == [("github-classic-pat", *span)]


def test_a_token_failing_its_checksum_yields_to_a_passing_family() -> None:
    value, span = expand_example_with_span("https://me:{<}ghp_{alnum:36}{>}@github.com/o/r")
    matches = match_value(FAMILIES, value, None)
    assert [(m.family.id, m.start, m.end) for m in matches] == [("uri-credential", *span)]


def test_a_checksum_failure_alone_is_still_reported_as_invalid() -> None:
    matches = match_value(FAMILIES, expand_example("ghp_{alnum:36}"), None)
    assert [(m.family.id, m.valid, m.rejected) for m in matches] == [
        ("github-classic-pat", False, True)
    ]
    [unchecked] = match_value(FAMILIES, expand_example("github_pat_{alnum:22}_{alnum:59}"), None)
    assert (unchecked.valid, unchecked.rejected) == (None, False)


def test_jwts_are_labelled_by_their_claims() -> None:
    anon = expand_example('{jwt:{"iss":"supabase","role":"anon","exp":2000000000}}')
    service = expand_example('{jwt:{"iss":"supabase","role":"service_role","exp":2000000000}}')
    other = expand_example('{jwt:{"sub":"someone","exp":2000000000}}')
    assert [family_id for family_id, _, _ in _found(anon)] == ["supabase-anon-jwt"]
    assert [family_id for family_id, _, _ in _found(service)] == ["supabase-service-role-jwt"]
    assert [family_id for family_id, _, _ in _found(other)] == ["jwt"]
    [match] = match_value(FAMILIES, service, None)
    assert dict(match.claims or {}) == {
        "iss": "supabase",
        "role": "service_role",
        "exp": 2000000000,
    }
    assert match_value(FAMILIES, expand_example("ghp_{github_crc:30}"), None)[0].claims is None


def test_service_account_json_is_not_reported_as_a_bare_private_key() -> None:
    template = (
        '{{"type": "service_account", "private_key": "{<}{pem_escaped:PRIVATE KEY}{>}\\n",'
        ' "client_email": "x@p.iam.gserviceaccount.com"}}'
    )
    value, span = expand_example_with_span(template)
    assert _found(value) == [("google-service-account-json", *span)]


def test_prefixed_token_wins_over_the_legacy_contextual_shape() -> None:
    value = expand_example("nfp_{alnum:36}")
    assert [f for f, _, _ in _found(value, "NETLIFY_AUTH_TOKEN")] == [
        "netlify-personal-access-token"
    ]


def test_key_names_compare_without_case_or_punctuation() -> None:
    value = expand_example("{b64:40}")
    for key in ("AWS_SECRET_ACCESS_KEY", "aws-secret-access-key", "awsSecretAccessKey"):
        assert [f for f, _, _ in _found(value, key)] == ["aws-secret-access-key"]
    assert _found(value, "SECRET") == []
    assert _found(value, None) == []


def test_two_tokens_in_one_value_are_both_found() -> None:
    value = expand_example("AKIA{base32:16} ghp_{github_crc:30}")
    assert [f for f, _, _ in _found(value)] == ["aws-access-key-id", "github-classic-pat"]


def test_placeholders_and_references_match_nothing() -> None:
    for value in (
        "${GITHUB_TOKEN}",
        "<YOUR_API_KEY>",
        "sk-...",
        "${{ secrets.TOKEN }}",
        "changeme",
        "",
    ):
        assert [m for m in match_value(FAMILIES, value, "API_KEY") if m.valid is not False] == []


# --- validators -----------------------------------------------------------------------------------


def test_github_checksum_of_the_crc32_check_value() -> None:
    # CRC-32 of "123456789" is the published check value 0xCBF43926 = 3421780262, which in
    # base 62 (0-9, A-Z, a-z) has the digits 3, 45, 35, 27, 22, 14 -> "3", "j", "Z", "R", "M", "E".
    assert github_checksum("123456789") == "3jZRME"
    assert base62_encode(0) == "000000"
    assert base62_encode(61) == "00000z"
    assert base62_encode(62) == "000010"


def test_github_crc32_accepts_a_correct_checksum_only() -> None:
    body = "AbCdEfGhIjKlMnOpQrStUvWxYz0123"
    token = f"ghp_{body}{github_checksum(body)}"
    verdicts = [
        github_crc32(token),
        github_crc32(f"ghp_{body}000000"),
        github_crc32(token[:-1]),
        github_crc32(token.replace("ghp_", "ghp_x", 1)),
        VALIDATORS["github-crc32"](expand_example("npm_{github_crc:30}")),
    ]
    assert verdicts == [True, False, False, False, True]


def test_decode_jwt_claims() -> None:
    token = expand_example('{jwt:{"role":"service_role","scope":"read write","exp":1900000000}}')
    claims = decode_jwt_claims(token)
    assert claims == {"role": "service_role", "scope": "read write", "exp": 1900000000}
    header, _ = decode_jwt(token) or ({}, {})
    assert header == {"alg": "HS256", "typ": "JWT"}
    assert decode_jwt_claims("not.a.jwt") is None
    assert decode_jwt_claims("eyJ0eXAiOiJKV1QifQ.eyJzdWIiOiJ4In0.sig") is None  # no alg
    assert decode_jwt_claims("eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.") == {"sub": "x"}
    assert decode_jwt_claims("eyJhbGciOiJub25lIn0.WzFd.") is None  # claims must be an object


def test_pem_validator_accepts_real_and_escaped_newlines() -> None:
    templates = [
        "{pem:OPENSSH PRIVATE KEY}",
        "{pem_escaped:PRIVATE KEY}",
        "{pem:PGP PRIVATE KEY BLOCK}",
        "{pem_proc_encrypted:RSA PRIVATE KEY}",
    ]
    assert [pem_private_key(expand_example(t)) for t in templates] == [True] * 4
    mismatched = expand_example("{pem:RSA PRIVATE KEY}").replace("END RSA", "END EC")
    valid = pem_private_key(mismatched)
    assert not valid


def test_aws_validator_rejects_the_documentation_sample_suffix() -> None:
    check = VALIDATORS["aws-access-key-id"]
    templates = ["AKIA{base32:16}", "AKIA{base32:9}EXAMPLE"]
    assert [check(expand_example(t)) for t in templates] == [True, False]


# --- the template language ------------------------------------------------------------------------


def test_templates_are_deterministic_and_distinct() -> None:
    same = expand_example("ghp_{alnum:36}") == expand_example("ghp_{alnum:36}")
    different = expand_example("ghp_{alnum:36}")[4:] != expand_example("gho_{alnum:36}")[4:]
    first, second = expand_example("{hex:32}-{hex:32}").split("-")
    assert (same, different, first != second) == (True, True, True)


def test_generated_characters_do_not_look_like_placeholders() -> None:
    for template in ("{alnum:400}", "{hex:400}", "{digits:200}", "{lower:400}", "{base32:400}"):
        text = expand_example(template)
        assert not re.search(r"(.)\1", text), template
        lowered = text.lower()
        for word in ("test", "example", "fake", "xxx", "dummy", "sample"):
            assert word not in lowered, template
        codes = [ord(c) for c in text]
        steps = [b - a for a, b in zip(codes, codes[1:], strict=False)]
        runs = [s in (1, -1) and s == t for s, t in zip(steps, steps[1:], strict=False)]
        assert not any(runs), template


def test_template_kinds_and_literals() -> None:
    assert re.fullmatch(
        r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", expand_example("{uuid}")
    )
    assert re.fullmatch(r"[A-Z2-7]{16}", expand_example("{base32:16}"))
    assert re.fullmatch(r"[A-Za-z0-9_-]{50}", expand_example("{b64url:50}"))
    assert expand_example("{{literal}} ${{REF}}") == "{literal} ${REF}"
    assert expand_example_with_span("a{<}b{>}c") == ("abc", (1, 2))
    assert expand_example_with_span("abc") == ("abc", (0, 3))
    checksum_ok = github_crc32(expand_example("ghs_{github_crc:30}"))
    one_line = "\n" not in expand_example("{pem_escaped:EC PRIVATE KEY}")
    assert (checksum_ok, one_line) == (True, True)


@pytest.mark.parametrize(
    "template", ["{nope:3}", "{alnum}", "{alnum:x}", "{alnum:3", "a}b", "{<}open", "{jwt:[1]}"]
)
def test_bad_templates_raise(template: str) -> None:
    with pytest.raises(TemplateError):
        expand_example(template)


# --- user rule directories ------------------------------------------------------------------------

GOOD_FAMILY = """\
provider: acme
families:
  - id: acme-deploy-key
    provider: acme
    name: Acme deploy key
    pattern: '(?<![A-Za-z0-9_-])acme_dk_[a-f0-9]{{32}}(?![A-Za-z0-9_-])'
    grants: scoped
    lifetime: no-expiry
    severity: {severity}
    description: Deploys one Acme project until revoked.
    remediation: Use short-lived deploy tokens from the Acme OIDC exchange.
    references: [https://acme.example/docs/keys]
    examples:
      positive: ['acme_dk_{{hex:32}}']
      negative: ['acme_dk_{{hex:8}}']
"""


def _user_dir(tmp_path: Path, text: str, name: str = "acme.yaml") -> Path:
    directory = tmp_path / "rules"
    directory.mkdir(exist_ok=True)
    (directory / name).write_text(text, encoding="utf-8")
    return directory


def test_a_user_rules_directory_adds_families(tmp_path: Path) -> None:
    directory = _user_dir(tmp_path, GOOD_FAMILY.format(severity="high"))
    families = load_families([directory])
    assert len(families) == len(FAMILIES) + 1
    acme = next(f for f in families if f.id == "acme-deploy-key")
    assert acme.grants is Grants.SCOPED and acme.lifetime is Lifetime.NO_EXPIRY
    assert acme.source == directory / "acme.yaml" and acme.line == 3
    only_user = load_families([directory], shipped=False)
    assert [f.id for f in only_user] == ["acme-deploy-key"]


def test_user_rules_may_override_a_shipped_family(tmp_path: Path) -> None:
    text = (
        GOOD_FAMILY.format(severity="high")
        .replace(
            "'(?<![A-Za-z0-9_-])acme_dk_[a-f0-9]{32}(?![A-Za-z0-9_-])'",
            "'(?<![A-Za-z0-9_-])ghp_[A-Za-z0-9]{36}(?![A-Za-z0-9_-])'",
        )
        .replace("'acme_dk_{hex:32}'", "'ghp_{github_crc:30}'")
        .replace("    grants: scoped", "    overrides: [github-classic-pat]\n    grants: scoped")
    )
    families = load_families([_user_dir(tmp_path, text)])
    value = expand_example("ghp_{github_crc:30}")
    assert [m.family.id for m in match_value(families, value, None)] == ["acme-deploy-key"]


def _error(tmp_path: Path, text: str) -> FamilyFileError:
    with pytest.raises(FamilyFileError) as caught:
        load_families([_user_dir(tmp_path, text)])
    return caught.value


def test_bad_enum_names_file_line_and_field(tmp_path: Path) -> None:
    error = _error(tmp_path, GOOD_FAMILY.format(severity="apocalyptic"))
    assert error.path.name == "acme.yaml"
    assert error.field == "families[0].severity"
    assert error.line == 9
    assert "must be one of" in error.reason
    assert "apocalyptic" not in str(error)


def test_pattern_that_does_not_compile_is_named_without_its_text(tmp_path: Path) -> None:
    text = GOOD_FAMILY.format(severity="high").replace(
        "(?![A-Za-z0-9_-])'", "(?i)(?![A-Za-z0-9_-])'", 1
    )
    error = _error(tmp_path, text)
    assert error.field == "families[0].pattern"
    assert error.line == 6
    assert "acme_dk_" not in str(error)


def test_missing_field_is_named(tmp_path: Path) -> None:
    text = "\n".join(
        line
        for line in GOOD_FAMILY.format(severity="high").splitlines()
        if "remediation" not in line
    )
    error = _error(tmp_path, text)
    assert error.field == "families[0].remediation"
    assert error.reason == "is required"


def test_unknown_field_unknown_validator_and_unknown_reference(tmp_path: Path) -> None:
    base = GOOD_FAMILY.format(severity="high")
    unknown_field = base.replace("    grants: scoped", "    grants: scoped\n    colour: red")
    assert _error(tmp_path, unknown_field).field == "families[0].colour"
    unknown_validator = base.replace(
        "    grants: scoped", "    validator: crystal-ball\n    grants: scoped"
    )
    assert _error(tmp_path, unknown_validator).field == "families[0].validator"
    unknown_reference = base.replace(
        "    grants: scoped", "    pairs_with: [acme-nothing]\n    grants: scoped"
    )
    assert _error(tmp_path, unknown_reference).field == "families[0].pairs_with[0]"


def test_duplicate_of_a_shipped_id_is_refused(tmp_path: Path) -> None:
    text = GOOD_FAMILY.format(severity="high").replace(
        "id: acme-deploy-key", "id: github-classic-pat"
    )
    error = _error(tmp_path, text)
    assert error.field == "families[0].id"
    assert "github.yaml" in error.reason


def test_example_that_does_not_behave_is_named_without_its_expansion(tmp_path: Path) -> None:
    text = GOOD_FAMILY.format(severity="high").replace("'acme_dk_{hex:8}'", "'acme_dk_{hex:32}'")
    error = _error(tmp_path, text)
    assert error.field == "families[0].examples.negative[0]"
    assert "acme_dk_" not in str(error)


def test_override_cycle_is_refused(tmp_path: Path) -> None:
    first = GOOD_FAMILY.format(severity="high").replace(
        "    grants: scoped", "    overrides: [acme-other]\n    grants: scoped"
    )
    second = (
        first.replace("acme-deploy-key", "acme-other")
        .replace("overrides: [acme-other]", "overrides: [acme-deploy-key]")
        .replace("acme_dk_", "acme_ok_")
    )
    directory = _user_dir(tmp_path, first)
    _user_dir(tmp_path, second, name="acme-other.yaml")
    with pytest.raises(FamilyFileError) as caught:
        load_families([directory], shipped=False)
    assert caught.value.field == "families[0].overrides"


def test_unreadable_inputs(tmp_path: Path) -> None:
    error = _error(tmp_path, "provider: acme\nfamilies: [\n")
    assert error.path.name == "acme.yaml" and error.reason.startswith("invalid YAML")
    with pytest.raises(FamilyFileError) as caught:
        load_families([tmp_path / "missing"])
    assert caught.value.path == tmp_path / "missing"
