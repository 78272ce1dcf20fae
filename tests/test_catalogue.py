"""The client catalogue: schema, referential integrity, reference syntaxes, and path claims."""

from __future__ import annotations

import re
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from mcpiam.catalogue import (
    PLATFORMS,
    UNKNOWN_CLIENT_ID,
    UNKNOWN_KIND_ID,
    NameField,
    build_catalogue,
    default_catalogue,
    format_family,
    specificity,
    load_raw,
    load_schema,
    name_field_at,
    union_expands,
    union_name_fields,
)
from mcpiam.core.globs import glob_match
from mcpiam.model.extract import BY_SHAPE
from mcpiam.model.servers import Scope, Transport
from mcpiam.parse import FORMATS

CATALOGUE = default_catalogue()
RAW = load_raw()
# Formats the catalogue may name although no parser reads them (yet).
UNPARSED_FORMATS = {"bash", "any"}
# Variables a user path may start with besides ~ and an absolute path (system locations included).
SYSTEM_VARIABLES = {"%PROGRAMDATA%", "%PROGRAMFILES%"}


def kinds_of(path: str, exists: Any = None) -> list[str]:
    return [kind.id for kind in CATALOGUE.claim_project_path(path, exists=exists)]


# --- schema and integrity -------------------------------------------------------------------------


def test_schema_is_valid_2020_12() -> None:
    schema = load_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)


def test_clients_yaml_follows_the_schema() -> None:
    errors = sorted(Draft202012Validator(load_schema()).iter_errors(RAW), key=lambda e: list(e.absolute_path))
    assert [f"{list(e.absolute_path)}: {e.message}" for e in errors] == []


def test_schema_rejects_unknown_keys() -> None:
    validator = Draft202012Validator(load_schema())
    bad = dict(RAW)
    bad["clients"] = [dict(RAW["clients"][0], colour="blue")]
    assert not validator.is_valid(bad)
    first_file = dict(RAW["clients"][0]["files"][0], priority=3)
    bad["clients"] = [dict(RAW["clients"][0], files=[first_file])]
    assert not validator.is_valid(bad)


def test_ids_are_unique() -> None:
    client_ids = [client.id for client in CATALOGUE.clients]
    kind_ids = [kind.id for kind in CATALOGUE.file_kinds()]
    reference_ids = [syntax.id for syntax in CATALOGUE.references]
    for ids in (client_ids, kind_ids, reference_ids):
        assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})


def test_every_expands_id_names_a_reference_syntax() -> None:
    known = {syntax.id for syntax in CATALOGUE.references}
    for raw_client in RAW["clients"]:
        named = list(raw_client.get("expands", []))
        for raw_file in raw_client["files"]:
            named += raw_file.get("expands", [])
        assert set(named) - known - {"*"} == set(), raw_client["id"]
    for kind in CATALOGUE.file_kinds():
        assert set(kind.expands) <= known, kind.id


def test_scopes_formats_and_transports_are_model_values() -> None:
    for kind in CATALOGUE.file_kinds():
        Scope(kind.scope)
        assert kind.format in set(FORMATS) | UNPARSED_FORMATS, kind.id
        for transport in kind.url_transports.values():
            Transport(transport)
    for transport in CATALOGUE.transport_names.values():
        Transport(transport)


def test_every_client_says_where_its_files_are() -> None:
    for client in CATALOGUE.clients:
        if client.id == UNKNOWN_CLIENT_ID:
            continue
        located = [k for k in client.files if k.project or k.project_if_sibling or any(k.user.values())]
        assert located, client.id


def test_kinds_without_servers_are_secret_stores_or_explained() -> None:
    for kind in CATALOGUE.file_kinds():
        if not kind.servers:
            assert kind.secret_store or kind.notes, kind.id


def test_secret_stores_never_claim_by_content() -> None:
    for kind in CATALOGUE.file_kinds():
        if kind.secret_store:
            assert not kind.content_match and not kind.servers, kind.id


# --- reference syntaxes ---------------------------------------------------------------------------


@pytest.mark.parametrize("syntax", CATALOGUE.references, ids=lambda s: s.id)
def test_reference_pattern_matches_its_example(syntax: Any) -> None:
    assert syntax.example, "every reference documents an example"
    assert syntax.pattern.fullmatch(syntax.example), syntax.example
    # Values embed references, e.g. "Bearer ${API_KEY}": search finds them inside text too.
    assert syntax.pattern.search(f"Bearer {syntax.example}") or syntax.pattern.pattern.startswith("^")


@pytest.mark.parametrize("syntax", CATALOGUE.references, ids=lambda s: s.id)
def test_reference_pattern_ignores_its_non_examples(syntax: Any) -> None:
    for text in syntax.non_examples:
        assert syntax.pattern.search(text) is None, text


def test_reference_patterns_compile() -> None:
    for raw in RAW["references"]:
        re.compile(raw["pattern"])


# --- paths -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "primary"),
    [
        (".vscode/settings.json", "vscode-settings-workspace"),
        ("packages/app/.vscode/settings.json", "vscode-settings-workspace"),
        (".vscode/mcp.json", "vscode-workspace"),
        ("team.code-workspace", "vscode-settings-workspace"),
        (".devcontainer/devcontainer.json", "vscode-devcontainer"),
        (".devcontainer/python/devcontainer.json", "vscode-devcontainer"),
        (".devcontainer.json", "vscode-devcontainer"),
        (".cursor/mcp.json", "cursor-project"),
        ("a/b/.cursor/mcp.json", "cursor-project"),
        (".mcp.json", "claude-code-project"),
        ("services/api/.mcp.json", "claude-code-project"),
        ("plugins/sentry/.mcp.json", "claude-code-plugin-mcp"),
        ("marketplace/plugins/x/y/.mcp.json", "claude-code-plugin-mcp"),
        (".warp/.mcp.json", "warp-mcp"),
        (".vs/mcp.json", "visual-studio-solution"),
        (".github/mcp.json", "copilot-cli-project"),
        (".github/agents/reviewer.agent.md", "copilot-custom-agent"),
        (".claude/agents/tester.md", "claude-code-subagent"),
        (".claude/agents/team/tester.md", "claude-code-subagent"),
        (".gemini/settings.json", "gemini-settings-project"),
        (".qwen/settings.json", "qwen-settings-project"),
        (".zed/settings.json", "zed-settings-project"),
        (".tabnine/agent/settings.json", "tabnine-settings-project"),
        (".codex/config.toml", "codex-project-config"),
        (".roo/mcp.json", "roo-code-project"),
        (".kilocode/mcp.json", "kilo-code-project"),
        (".continue/mcpServers/db.yaml", "continue-block"),
        (".continue/mcpServers/db.json", "continue-block-json"),
        (".continue/.env", "continue-env"),
        (".gemini/.env", "gemini-env"),
        (".amazonq/mcp.json", "amazonq-workspace"),
        (".amazonq/cli-agents/rust.json", "amazonq-cli-agent"),
        (".kiro/settings/mcp.json", "kiro-workspace"),
        (".kiro/agents/a.json", "kiro-agent"),
        (".junie/mcp/mcp.json", "junie-project"),
        (".ai/mcp/mcp.json", "jetbrains-ai-project"),
        (".trae/mcp.json", "trae-project"),
        (".agents/mcp.json", "opencode-agents-mcp"),
        ("opencode.json", "opencode-project"),
        ("opencode.jsonc", "opencode-project"),
        ("kilo.jsonc", "kilo-config"),
        ("crush.json", "crush-json"),
        (".crush.json", "crush-json"),
        (".crushrc", "crushrc"),
        ("librechat.yaml", "librechat-config"),
        ("smithery.yaml", "smithery-yaml"),
        ("server.json", "registry-server-json"),
        ("manifest.json", "mcpb-manifest"),
        ("gemini-extension.json", "gemini-extension"),
        ("servers/github/server.yaml", "docker-mcp-catalog-entry"),
        ("examples/claude_desktop_config.json", "claude-desktop-config"),
        ("ops/claude/managed-mcp.json", "claude-code-managed"),
        (".claude-plugin/plugin.json", "claude-code-plugin-manifest"),
        (".claude-plugin/marketplace.json", "claude-code-marketplace"),
        (".codex-plugin/plugin.json", "codex-plugin-manifest"),
        ("dotfiles/.config/goose/config.yaml", "goose-config"),
        ("dotfiles/.codeium/windsurf/mcp_config.json", "windsurf-config"),
    ],
)
def test_project_paths_are_claimed(path: str, primary: str) -> None:
    claimed = kinds_of(path)
    assert claimed and claimed[0] == primary, claimed


@pytest.mark.parametrize(
    "path",
    [
        "src/settings.json",
        "settings.json",
        "config/settings.json",
        "mcp.json",
        "src/mcp.json",
        ".cursor/rules/main.mdc",
        "cursor/mcp.json",
        "vscode/mcp.json",
        ".vscode/launch.json",
        "docs/agents/tester.md",
        ".claude/commands/deploy.md",
        ".github/workflows/ci.yml",
        ".github/agents/reviewer.md",
        "config.yaml",
        "config.toml",
        "codex/config.toml",
        ".env",
        "package.json",
        ".continue/mcpServers/nested/db.yaml",
        "devcontainer.json",
        "plugins/x/mcp.json",
    ],
)
def test_other_paths_are_not_claimed(path: str) -> None:
    assert kinds_of(path) == []


def test_settings_json_is_claimed_only_in_its_client_folder() -> None:
    assert kinds_of("src/settings.json") == []
    assert kinds_of(".vscode/settings.json") == [
        "vscode-settings-workspace", "augment-vscode-settings-workspace", "amp-vscode-settings-workspace",
    ]


def test_shared_mcp_json_lists_every_client_primary_first() -> None:
    claimed = kinds_of(".mcp.json")
    assert claimed == ["claude-code-project", "visual-studio-solution", "copilot-cli-project"]
    expands = union_expands(CATALOGUE.claim_project_path(".mcp.json"))
    assert expands[:2] == ("dollar-brace", "dollar-brace-default")  # the primary's first
    assert "vscode-input" in expands and "dollar" in expands


def test_more_specific_pattern_wins() -> None:
    assert kinds_of(".vscode/mcp.json") == ["vscode-workspace", "visual-studio-solution"]
    assert kinds_of(".warp/.mcp.json")[0] == "warp-mcp"


def test_sibling_conditional_globs_need_the_sibling() -> None:
    present = {"tool/.claude-plugin/plugin.json", "cx/.codex-plugin/plugin.json", "cp/plugin.json",
               "cur/.cursor-plugin/plugin.json"}
    exists = present.__contains__
    assert kinds_of("tool/.mcp.json", exists)[0] == "claude-code-plugin-mcp"
    assert kinds_of("cx/.mcp.json", exists)[0] == "codex-plugin-mcp"
    assert kinds_of("cp/.mcp.json", exists)[0] == "copilot-cli-plugin-mcp"
    assert kinds_of("cur/mcp.json", exists) == ["cursor-plugin-mcp"]
    assert kinds_of("other/.mcp.json", exists)[0] == "claude-code-project"
    # A sibling rule ranks before a plain glob, however specific.
    assert kinds_of("plugins/cx/.mcp.json", {"plugins/cx/.codex-plugin/plugin.json"}.__contains__)[0] == (
        "codex-plugin-mcp"
    )
    # Without a way to look, sibling rules never match.
    assert kinds_of("tool/.mcp.json")[0] == "claude-code-project"
    assert kinds_of("cur/mcp.json") == []


def test_match_project_path_keeps_its_contract() -> None:
    assert {k.id for k in CATALOGUE.match_project_path(".mcp.json")} == set(kinds_of(".mcp.json"))


def test_directory_globs_match_at_any_depth() -> None:
    for kind in CATALOGUE.file_kinds():
        for pattern in kind.project:
            if "/" in pattern:
                assert pattern.startswith("**/"), (kind.id, pattern)


def test_glob_semantics() -> None:
    assert glob_match("a/b/.cursor/mcp.json", "**/.cursor/mcp.json")
    assert glob_match(".cursor/mcp.json", "**/.cursor/mcp.json")
    assert not glob_match("x.cursor/mcp.json", "**/.cursor/mcp.json")
    assert glob_match("deep/dir/.mcp.json", ".mcp.json")
    assert not glob_match(".continue/mcpServers/a/b.yaml", "**/.continue/mcpServers/*.yaml")


# --- user paths --------------------------------------------------------------------------------------


def test_system_variables_are_the_catalogues() -> None:
    assert set(CATALOGUE.system_path_variables) == SYSTEM_VARIABLES
    assert all(path.startswith("/") for path in CATALOGUE.system_path_variables.values())


def test_user_paths_use_known_roots() -> None:
    variables = set(CATALOGUE.path_variables) | SYSTEM_VARIABLES
    for kind in CATALOGUE.file_kinds():
        for platform, paths in kind.user.items():
            assert platform in PLATFORMS
            for path in paths:
                head = path.split("/", 1)[0]
                assert path.startswith(("~/", "/")) or head in variables, (kind.id, path)
                if platform == "windows":
                    assert not path.startswith("~/"), (kind.id, path)  # %USERPROFILE% on Windows


@pytest.mark.parametrize(
    ("home_path", "primary"),
    [
        (".claude.json", "claude-code-user"),
        ("Library/Developer/Xcode/CodingAssistant/ClaudeAgentConfig/.claude.json", "claude-code-user"),
        (".claude/backups/.claude.json.backup.1700000000", "claude-code-backup"),
        (".claude/.credentials.json", "claude-code-credentials"),
        ("Library/Application Support/Claude/claude_desktop_config.json", "claude-desktop-config"),
        ("AppData/Roaming/Claude/claude_desktop_config.json", "claude-desktop-config"),
        ("AppData/Local/Packages/Claude_pzs8sxrjxfjjc/LocalCache/Roaming/Claude/claude_desktop_config.json",
         "claude-desktop-config"),
        (".cursor/mcp.json", "cursor-user"),
        (".config/Code/User/mcp.json", "vscode-user"),
        (".config/Code - Insiders/User/profiles/abc/mcp.json", "vscode-user"),
        ("Library/Application Support/VSCodium/User/mcp.json", "vscode-user"),
        (".vscode-server/data/User/mcp.json", "vscode-user"),
        (".config/Code/User/settings.json", "vscode-settings-user"),
        (".copilot/mcp-config.json", "copilot-cli-user"),
        (".config/github-copilot/intellij/mcp.json", "copilot-jetbrains-config"),
        (".codeium/windsurf/mcp_config.json", "windsurf-config"),
        (".gemini/antigravity/mcp_config.json", "antigravity-config"),
        (".config/Cursor/User/globalStorage/saoudrizwan.claude-dev/settings/cline_mcp_settings.json", "cline-settings"),
        ("AppData/Roaming/Code/User/globalStorage/rooveterinaryinc.roo-cline/settings/mcp_settings.json",
         "roo-code-global"),
        (".continue/config.yaml", "continue-config-yaml"),
        (".continue/.env", "continue-env-user"),
        (".config/zed/settings.json", "zed-settings-user"),
        (".gemini/settings.json", "gemini-settings-user"),
        (".gemini/extensions/github/gemini-extension.json", "gemini-extension"),
        (".gemini/mcp-oauth-tokens.json", "gemini-oauth-tokens"),
        (".codex/config.toml", "codex-config"),
        (".config/goose/config.yaml", "goose-config"),
        (".config/goose/secrets.yaml", "goose-secrets"),
        ("AppData/Roaming/Block/goose/config/config.yaml", "goose-config"),
        (".aws/amazonq/cli-agents/dev.json", "amazonq-cli-agent-user"),
        (".kiro/settings/mcp.json", "kiro-user"),
        (".lmstudio/mcp.json", "lmstudio-config"),
        (".config/opencode/opencode.jsonc", "opencode-user"),
        (".local/share/opencode/mcp-auth.json", "opencode-mcp-auth"),
        (".warp/.mcp.json", "warp-mcp-user"),
        (".hermes/config.yaml", "hermes-config"),
        (".docker/mcp/catalogs/docker-mcp.yaml", "docker-mcp-catalog"),
        (".mcp.json", "visual-studio-user"),
    ],
)
def test_home_paths_are_claimed(home_path: str, primary: str) -> None:
    claimed = [kind.id for kind in CATALOGUE.claim_home_path(home_path)]
    assert claimed and claimed[0] == primary, claimed


def test_system_paths_are_not_home_paths() -> None:
    managed = CATALOGUE.file_kind("claude-code-managed")
    assert CATALOGUE.home_globs(managed) == ()
    assert CATALOGUE.claim_home_path("etc/claude-code/managed-mcp.json") == ()


# --- content recognition data -------------------------------------------------------------------


def test_content_keys_and_unknown_locations_agree() -> None:
    unknown = CATALOGUE.file_kind(UNKNOWN_KIND_ID)
    keyed = [loc for loc in unknown.servers if loc.shape not in BY_SHAPE]  # by shape: no wrapper key
    used = {step for loc in keyed for step in loc.at}
    assert all(any(step in CATALOGUE.content_keys for step in loc.at) for loc in keyed)
    assert set(CATALOGUE.content_keys) <= used


# Wrappers keyed by a project path or a plugin name are too loose to look for in an unknown file.
NOT_GUESSED_BY_CONTENT = {"opencode-mcp-local", "claude-code-marketplace"}


def test_unknown_locations_cover_every_client_wrapper() -> None:
    unknown = {(loc.at, loc.shape) for loc in CATALOGUE.file_kind(UNKNOWN_KIND_ID).servers}
    for kind in CATALOGUE.file_kinds():
        if kind.id in NOT_GUESSED_BY_CONTENT:
            continue
        for loc in kind.servers:
            if loc.shape in ("map", "list", "flat"):
                assert (loc.at, loc.shape) in unknown, (kind.id, loc.at, loc.shape)


def test_content_matching_kinds_have_a_location_of_their_own() -> None:
    for kind in CATALOGUE.file_kinds():
        if kind.content_match:
            assert CATALOGUE.distinctive_locations(kind), kind.id


def test_generic_locations_are_not_distinctive() -> None:
    assert CATALOGUE.distinctive_locations(CATALOGUE.file_kind("cursor-project")) == ()
    zed = CATALOGUE.distinctive_locations(CATALOGUE.file_kind("zed-settings-project"))
    assert [loc.at for loc in zed] == [("context_servers",)]
    assert format_family("jsonc") == format_family("json") == "json"


# --- name fields ------------------------------------------------------------------------------------


def test_name_field_paths_parse_into_steps() -> None:
    assert NameField.parse("bearer_token_env_var").steps == ("bearer_token_env_var",)
    assert NameField.parse("env_vars[*]").steps == ("env_vars", "*")
    assert NameField.parse("env_http_headers.*").steps == ("env_http_headers", "*")
    root = NameField.parse("$.settings[*].envVar")
    assert (root.steps, root.from_root) == (("settings", "*", "envVar"), True)
    assert NameField.parse("config.secrets[*].env").from_root is False


@pytest.mark.parametrize("path", ["", "env_vars[]", "a..b", "$settings", "a b", "env_vars[0]", "a.$.b"])
def test_malformed_name_field_paths_are_rejected(path: str) -> None:
    with pytest.raises(ValueError):
        NameField.parse(path)
    validator = Draft202012Validator(load_schema())
    bad = dict(RAW, clients=[dict(RAW["clients"][0], name_fields=[path])])
    assert not validator.is_valid(bad)


def test_name_field_matches_whole_routes_with_wildcards_for_keys_and_indices() -> None:
    env_vars = NameField.parse("env_vars[*]")
    assert env_vars.matches(("env_vars", 0)) and env_vars.matches(("env_vars", 7))
    assert not env_vars.matches(("env_vars",))  # the list itself
    assert not env_vars.matches(("env_vars", 0, "name"))  # deeper than the path
    assert not env_vars.matches(("env", 0))
    headers = NameField.parse("env_http_headers.*")
    assert headers.matches(("env_http_headers", "X-Api-Key"))
    assert not headers.matches(("http_headers", "X-Api-Key"))


def test_name_field_at_reads_server_paths_from_the_server_and_root_paths_from_the_root() -> None:
    fields = (NameField.parse("bearer_token_env_var"), NameField.parse("$.settings[*].envVar"))
    server = ("mcp_servers", "github")
    assert name_field_at(fields, server + ("bearer_token_env_var",), server) == fields[0]
    # Outside any server, or at the document root, a server-relative path names nothing.
    assert name_field_at(fields, ("bearer_token_env_var",), None) is None
    assert name_field_at(fields, ("profiles", "bearer_token_env_var"), server) is None
    assert name_field_at(fields, ("settings", 0, "envVar"), server) == fields[1]
    assert name_field_at(fields, ("settings", 0, "envVar"), None) == fields[1]
    assert name_field_at(fields, server + ("settings", 0, "envVar"), server) is None


def test_every_declared_name_field_parses() -> None:
    for raw_client in RAW["clients"]:
        declared = list(raw_client.get("name_fields", []))
        for raw_file in raw_client["files"]:
            declared += raw_file.get("name_fields", [])
        for path in declared:
            if path != "*":
                NameField.parse(path)


# The bare-name fields of clients.md §1.4 / §3, as catalogue data (kind -> paths it must declare).
DOCUMENTED_NAME_FIELDS = {
    "codex-config": {"bearer_token_env_var", "env_vars[*]", "env_http_headers.*"},
    "codex-project-config": {"bearer_token_env_var", "env_vars[*]", "env_http_headers.*"},
    "goose-config": {"env_keys[*]"},
    "gemini-extension": {"$.settings[*].envVar"},
    "docker-mcp-catalog-entry": {"config.secrets[*].env", "oauth[*].secret", "oauth[*].env"},
    "docker-mcp-catalog": {"config.secrets[*].env", "oauth[*].secret", "oauth[*].env"},
}


@pytest.mark.parametrize(("kind_id", "paths"), sorted(DOCUMENTED_NAME_FIELDS.items()))
def test_documented_name_fields_are_catalogued(kind_id: str, paths: set[str]) -> None:
    assert paths <= {f.path for f in CATALOGUE.file_kind(kind_id).name_fields}


def test_client_name_fields_reach_every_kind_and_kinds_add_their_own() -> None:
    raw = {
        "clients": [
            {"id": "a", "name_fields": ["x_env_var"], "files": [
                {"id": "a-one"}, {"id": "a-two", "name_fields": ["y[*]", "x_env_var"]}]},
            {"id": "b", "files": [{"id": "b-one"}]},
            {"id": "any", "name_fields": ["*"], "files": [{"id": "any-one"}]},
        ]
    }
    data = dict(RAW, clients=[
        dict(RAW["clients"][0], id=c["id"], name_fields=c.get("name_fields", []),
             files=[dict(RAW["clients"][0]["files"][0], **f) for f in c["files"]])
        for c in raw["clients"]
    ])
    built = build_catalogue(data)
    paths = {kind.id: [f.path for f in kind.name_fields] for kind in built.file_kinds()}
    assert paths == {"a-one": ["x_env_var"], "a-two": ["x_env_var", "y[*]"], "b-one": [],
                     "any-one": ["x_env_var", "y[*]"]}


def test_unknown_kind_has_every_name_field() -> None:
    everywhere = {f for kind in CATALOGUE.file_kinds() if kind.client != UNKNOWN_CLIENT_ID
                  for f in kind.name_fields}
    assert everywhere and set(CATALOGUE.file_kind(UNKNOWN_KIND_ID).name_fields) == everywhere


def test_union_name_fields_keeps_rank_order_without_repeats() -> None:
    codex = CATALOGUE.file_kind("codex-config")
    goose = CATALOGUE.file_kind("goose-config")
    merged = union_name_fields([goose, codex, goose])
    assert [f.path for f in merged] == [f.path for f in (*goose.name_fields, *codex.name_fields)]


def _claim_by_every_glob(path: str, exists) -> tuple:
    """The claim rule read straight from clients.yaml's header: every kind, every glob."""
    directory = path.rsplit("/", 1)[0] if "/" in path else ""
    ranked = []
    for order, kind in enumerate(CATALOGUE.file_kinds()):
        ranks = [(1, -specificity(p), order) for p in kind.project if glob_match(path, p)]
        ranks += [(0, -specificity(rule.glob), order) for rule in kind.project_if_sibling
                  if glob_match(path, rule.glob) and exists(f"{directory}/{rule.sibling}" if directory else rule.sibling)]
        if ranks:
            ranked.append((min(ranks), kind))
    return tuple(kind for _, kind in sorted(ranked, key=lambda item: item[0]))


def test_the_indexed_claim_equals_trying_every_glob() -> None:
    globs = {glob for kind in CATALOGUE.file_kinds()
             for glob in (*kind.project, *(rule.glob for rule in kind.project_if_sibling))}
    paths = set()
    for glob in globs:
        for prefix in ("", "app/", "a/b/"):
            paths.add(prefix + glob.replace("**/", "").replace("*", "x").replace("?", "q"))
            paths.add(prefix + glob.replace("**/", "d/").replace("*", "").replace("?", "."))
    paths |= {"mcp.json", "x/settings.json", "README.md", "a/.vscode/settings.json", "servers/a/server.yaml"}
    for exists in (lambda rel: False, lambda rel: True):
        for path in sorted(paths):
            assert CATALOGUE.claim_project_path(path, exists=exists) == _claim_by_every_glob(path, exists), path
    assert CATALOGUE.claim_project_path(".cursor/mcp.json")  # exists omitted: sibling globs never match


def test_the_reference_screen_finds_exactly_the_syntaxes_a_search_per_syntax_finds() -> None:
    """``Catalogue.references_in`` searches once for any syntax before searching each one: it must
    name the same syntaxes as searching each one would, for every syntax's examples and non-examples
    and for random text built from the characters references are written with."""
    import random

    from mcpiam.catalogue import default_catalogue

    catalogue = default_catalogue()
    assert catalogue._any_reference is not None  # the shipped syntaxes can be joined

    def one_by_one(text: str) -> list[str]:
        return [syntax.id for syntax in catalogue.references if syntax.pattern.search(text)]

    texts = [text for syntax in catalogue.references for text in (syntax.example, *syntax.non_examples)]
    generator = random.Random(15)
    pieces = ["$", "{", "}", "%", "(", ")", "env:", "input:", "secrets.", "{{", "}}", "COPILOT_MCP_", "A", "x",
              "_", "1", " ", ":", "-", "/", "localEnv:", "file:", "user_config.", "workspaceFolder"]
    texts += ["".join(generator.choice(pieces) for _ in range(generator.randrange(0, 12))) for _ in range(20000)]
    for text in texts:
        assert [syntax.id for syntax in catalogue.references_in(text)] == one_by_one(text), text
    assert any(one_by_one(text) for text in texts) and any(not one_by_one(text) for text in texts)
