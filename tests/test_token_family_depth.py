"""Issue 14, part 4: where a token starts inside a longer string, variants of known families
found without a key name, and the peers' negatives that must stay silent.

Tokens are built at test time from example templates; assertions compare positions and family
ids, never values.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from mcpiam.engine.scan import ScanSettings, scan_paths
from mcpiam.secrets.families import (
    TokenFamily,
    expand_example,
    expand_example_with_span,
    load_families,
    match_value,
)
from mcpiam.secrets.generic import classify, not_a_secret

FAMILIES = load_families(check_examples=False)
# Separators a token follows inside a longer string: a quote, "=", ":", "(" (and "'").
BOUNDARIES = (('x="', '" y'), ("a b=", " c"), ("k:", ","), ("f(", ")"), ("'", "'"),
              ('say "', '" now'))


def _whole_value_families() -> set[str]:
    """Families anchored to the whole value (``\\A``): they never sit inside a longer string."""
    return {family.id for family in FAMILIES if family.regex.startswith("\\A")}


def _embeddable_examples() -> list[tuple[TokenFamily, str, str | None]]:
    out = []
    for family in FAMILIES:
        if family.id in _whole_value_families():
            continue
        for example in family.examples.positive:
            text, span = expand_example_with_span(example.template)
            if span == (0, len(text)) and "\n" not in text and "\\n" not in text:
                out.append((family, text, example.key))
    return out


def test_every_family_finds_its_token_after_a_quote_equals_colon_or_parenthesis() -> None:
    missed = []
    for family, text, key in _embeddable_examples():
        for before, after in BOUNDARIES:
            value = before + text + after
            found = match_value(FAMILIES, value, key)
            if not any(m.family is family and (m.start, m.end) == (len(before), len(before) + len(text))
                       for m in found):
                missed.append(f"{family.id} after {before!r}")
    assert missed == []


def test_the_boundary_check_covers_most_families() -> None:
    assert len({family.id for family, _, _ in _embeddable_examples()}) >= 150


def findings(root: Path) -> list[tuple[str, int, int, int, str]]:
    result = scan_paths([root], ScanSettings(select=("embedded-secret",)), root=root)
    return sorted((f.location.path, f.location.span.start_line, f.location.span.start_column,
                   f.location.span.end_column, str(dict(f.properties).get("family")))
                  for f in result.findings)


def write(root: Path, path: str, text: str) -> None:
    target = root / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")


WEBHOOK = expand_example("https://hooks.slack.com/services/T{upper_alnum:8}/B{upper_alnum:10}/{alnum:24}")
REPLICATE = expand_example("r8_{alnum:37}")
ATLASSIAN = expand_example("ATATT3{b64url:186}")
AWS_SECRET = expand_example("{b64:40}")


def _server_file(path: str, values: dict[str, str]) -> str:
    if path.endswith(".toml"):
        body = "\n".join(f"{key} = {json.dumps(value)}" for key, value in values.items())
        return f'[mcp_servers.s]\ncommand = "x"\n[mcp_servers.s.env]\n{body}\n'
    if path.endswith(".yaml"):
        body = "\n".join(f"      {key}: {json.dumps(value)}" for key, value in values.items())
        return f"mcpServers:\n  - name: s\n    command: x\n    env:\n{body}\n"
    return json.dumps({"mcpServers": {"s": {"command": "x", "env": values}}}, indent=1) + "\n"


@pytest.mark.parametrize("path", [".cursor/mcp.json", ".codex/config.toml",
                                  ".continue/mcpServers/s.yaml"])
def test_tokens_inside_longer_strings_are_found_exactly_in_every_format(
        tmp_path: Path, path: str) -> None:
    values = {
        "NOTIFY": f"curl -X POST -d 'hi' \"{WEBHOOK}\"",
        "RUN": f"export REPLICATE_API_TOKEN={REPLICATE} && serve",
        "JIRA": f"--auth user@corp.example:x y={ATLASSIAN}",
        "AWS_SECRET_ACCESS_KEY": f"profile default key={AWS_SECRET}",
        "CALL": f"login({REPLICATE})",
    }
    write(tmp_path, path, _server_file(path, values))
    lines = (tmp_path / path).read_text(encoding="utf-8").split("\n")
    expected = []
    for token, family in ((WEBHOOK, "slack-webhook-url"), (REPLICATE, "replicate-api-token"),
                          (ATLASSIAN, "atlassian-api-token"), (AWS_SECRET, "aws-secret-access-key")):
        for row, line in enumerate(lines, 1):
            column = line.find(token)
            if column >= 0:
                expected.append((path, row, column + 1, column + 1 + len(token), family))
    assert len(expected) == 5
    assert findings(tmp_path) == sorted(expected)


@pytest.mark.parametrize("template, family", [
    ("--header='X-Figma-Token: {<}{hex:4}-{uuid}{>}'", "figma-legacy-personal-access-token"),
    ("DEEPGRAM_API_KEY='{<}{hex:40}{>}'", "deepgram-api-key"),
    ("-H 'Authorization: Bearer {<}sk-or-v1-{hex:64}{>}'", "openrouter-api-key"),
])
def test_a_quoted_value_keeps_the_name_before_it_as_context(tmp_path: Path, template: str,
                                                            family: str) -> None:
    arg, (start, end) = expand_example_with_span(template)
    text = json.dumps({"mcpServers": {"s": {"command": "x", "args": ["run", arg]}}})
    write(tmp_path, ".cursor/mcp.json", text)
    column = text.index(arg) + 1 + start
    assert findings(tmp_path) == [(".cursor/mcp.json", 1, column, column + end - start, family)]


# --- peers' negatives -----------------------------------------------------------------------


@pytest.mark.parametrize("key, value", [
    ("HEROKU_API_KEY", "curl https://kolkrabbi.heroku.com/apps/{uuid}/github/push"),
    ("HEROKU_API_KEY", "/home/dev/.cache/heroku/{uuid}/config.json"),
    ("VAULT_TOKEN", "function(){{s.addComponentsFromRegistry()}}"),
    ("VAULT_TOKEN", "this._err(s.unexpectedCharacterAfterDoctypeSystemIdentifier)"),
    ("VAULT_TOKEN", "b.removeTransientObservers()"),
    ("AWS_SECRET_ACCESS_KEY", '"aws_secret_access_key" =  aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaend'),
    ("AWS_SECRET_ACCESS_KEY", "aws_secret_access_key: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaend"),
    ("MONGODB_URI", "mongodb+srv://user@cluster0.{lower_alnum:5}.mongodb.net/?retryWrites=true"),
])
def test_peer_negatives_give_no_finding(tmp_path: Path, key: str, value: str) -> None:
    write(tmp_path, ".cursor/mcp.json", _server_file("x.json", {key: expand_example(value)}))
    assert findings(tmp_path) == []


def test_a_mongodb_url_with_a_real_password_is_still_reported(tmp_path: Path) -> None:
    url = expand_example("mongodb://app:{alnum:20}@db.internal:27017/app")
    write(tmp_path, ".cursor/mcp.json", _server_file("x.json", {"MONGODB_URI": url}))
    assert [f[-1] for f in findings(tmp_path)] == ["mongodb-connection-string"]


def test_a_uuid_under_heroku_api_key_alone_is_still_a_heroku_key(tmp_path: Path) -> None:
    write(tmp_path, ".cursor/mcp.json",
          _server_file("x.json", {"HEROKU_API_KEY": expand_example("{uuid}")}))
    assert [f[-1] for f in findings(tmp_path)] == ["heroku-legacy-api-key"]


def test_code_that_calls_a_method_is_not_a_generic_secret() -> None:
    assert not_a_secret("function(){s.addComponentsFromRegistry()}")
    assert classify("VAULT_TOKEN", "s.getServerAddressByClientCIDRs(req.Request)", True) == ""
    # A password with a dot and parentheses that is no method call is still judged.
    assert classify("DB_PASSWORD", "Tr0ub4dor.(x)&3", True) == "password"


def test_a_legacy_vault_token_needs_a_digit_and_is_never_called() -> None:
    token = expand_example("s.{alnum:20}{digits:2}{alnum:2}")
    found = match_value(FAMILIES, f"VAULT_TOKEN={token}", "VAULT_TOKEN")
    assert [m.family.id for m in found] == ["vault-legacy-service-token"]
    assert match_value(FAMILIES, "s.getAuthorizationHeaderValues", "VAULT_TOKEN") == []
    assert match_value(FAMILIES, token + "()", "VAULT_TOKEN") == []


# --- variants found without a key name ------------------------------------------------------


@pytest.mark.parametrize("template, family", [
    ("sk_{hex:48}", "elevenlabs-api-key"),
    ("key-{hex:32}", "mailgun-api-key"),
    ("sk-ant-ort01-{b64url:93}AA", "anthropic-oauth-refresh-token"),
    ("hvs.{alnum:37}", "vault-service-token"),
    ("hvb.{alnum:37}", "vault-batch-token"),
    ("s.CAESI{b64url:90}", "vault-legacy-service-token-long"),
])
def test_distinctive_variants_are_found_under_any_key(tmp_path: Path, template: str,
                                                      family: str) -> None:
    write(tmp_path, ".cursor/mcp.json", _server_file("x.json", {"CONFIG": expand_example(template)}))
    assert [f[-1] for f in findings(tmp_path)] == [family]


@pytest.mark.parametrize("key, template, family", [
    ("Twilio_key", "{hex:16}{upper_hex:16}", "twilio-auth-token"),
    ("TWILIO_AUTH_TOKEN", "{hex:32}", "twilio-auth-token"),
    ("GITHUB_CLIENT_SECRET", "{hex:40}", "github-oauth-app-client-secret"),
    ("SENTRY_AUTH_TOKEN", "{hex:64}", "sentry-legacy-auth-token"),
    ("FIGMA_ACCESS_TOKEN", "{hex:5}-{uuid}", "figma-legacy-personal-access-token"),
    ("GOOGLE_CLIENT_SECRET", "{alnum:12}_{alnum:11}", "google-oauth-client-secret-legacy"),
    ("WANDB_API_KEY", "{hex:40}", "wandb-legacy-api-key"),
    ("DEEPSEEK_API_KEY", "sk-{hex:32}", "deepseek-api-key"),
])
def test_key_names_are_context_for_their_families(tmp_path: Path, key: str, template: str,
                                                  family: str) -> None:
    write(tmp_path, ".cursor/mcp.json", _server_file("x.json", {key: expand_example(template)}))
    assert [f[-1] for f in findings(tmp_path)] == [family]


def test_a_base64_encoded_private_key_is_decoded_and_judged(tmp_path: Path) -> None:
    key_blob = expand_example("{pem_base64:RSA PRIVATE KEY}")
    certificate_blob = expand_example("{pem_base64:CERTIFICATE}")
    assert base64.b64decode(key_blob).startswith(b"-----BEGIN RSA PRIVATE KEY-----")
    write(tmp_path, ".cursor/mcp.json",
          _server_file("x.json", {"SSH_KEY_B64": key_blob, "CA_BUNDLE": certificate_blob}))
    result = findings(tmp_path)
    assert [f[-1] for f in result] == ["base64-private-key"]
    line = (tmp_path / ".cursor/mcp.json").read_text(encoding="utf-8").split("\n")[result[0][1] - 1]
    assert result[0][2] == line.index(key_blob) + 1


def test_a_service_account_file_without_its_private_key_is_found_at_its_key_id(
        tmp_path: Path) -> None:
    key_id = expand_example("{hex:40}")
    document = json.dumps({"type": "service_account", "project_id": "demo",
                           "private_key_id": key_id, "private_key": "",
                           "client_email": "mcp@demo.iam.gserviceaccount.com"})
    write(tmp_path, ".cursor/mcp.json", _server_file("x.json", {"GOOGLE_CREDENTIALS": document}))
    result = findings(tmp_path)
    assert [f[-1] for f in result] == ["google-service-account-key-id"]
    line = (tmp_path / ".cursor/mcp.json").read_text(encoding="utf-8").split("\n")[result[0][1] - 1]
    assert line[result[0][2] - 1:result[0][3] - 1] == key_id


def test_azure_app_configuration_connection_string_points_at_its_secret(tmp_path: Path) -> None:
    secret = expand_example("{b64:43}=")
    value = f"Endpoint=https://demo.azconfig.io;Id=Ab1c-l0-s0:{expand_example('{alnum:20}')};Secret={secret}"
    write(tmp_path, ".cursor/mcp.json", _server_file("x.json", {"APP_CONFIG": value}))
    result = findings(tmp_path)
    assert [f[-1] for f in result] == ["azure-app-configuration-connection-string"]
    line = (tmp_path / ".cursor/mcp.json").read_text(encoding="utf-8").split("\n")[result[0][1] - 1]
    assert line[result[0][2] - 1:result[0][3] - 1] == secret


def test_the_ai_families_are_loaded() -> None:
    providers = {family.provider for family in FAMILIES}
    assert {"xai", "deepseek", "openrouter", "langchain", "pinecone", "jina", "wandb", "deepgram",
            "assemblyai", "together", "fireworks", "voyage", "anthropic"} <= providers
    assert "anthropic-oauth-refresh-token" in {family.id for family in FAMILIES}
