"""What a pre-commit scan of one JSON config loads: only what it needs (issue 7's latency goal).

Loading is most of a short scan's time, so these pin the lazy paths: heavy libraries are not
imported, the shipped YAML data comes from its snapshots (no YAML parser at all), and only the
token-family patterns a value could match are compiled. The hook's own form (``mcpiam scan FILE``
through the console entry point) loads neither click nor any stdlib module the scan does not use,
and builds its value types without ``dataclasses`` (whose every generated method is compiled).
What it loads is pinned exactly (``HOOK_MODULES``, ``HOOK_STDLIB``): any module joining the path
fails a test rather than slowing the hook unnoticed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

PROBE = """
import json, sys
from mcpiam.cli.main import main
try:
    main(["scan", *sys.argv[1:]])
except SystemExit:
    pass
from mcpiam.secrets.families import compile_pattern, load_families
heavy = sorted(m for m in ("detect_secrets", "requests", "sarif_om", "jsonschema", "yaml", "tomli", "duckdb",
                           "tree_sitter_yaml", "tree_sitter_toml")
               if m in sys.modules)
print(json.dumps({"heavy": heavy, "compiled": compile_pattern.cache_info().currsize,
                  "families": len(load_families(check_examples=False))}))
"""


def _probe(tmp_path: Path, text: str, *options: str) -> dict:
    config = tmp_path / ".cursor" / "mcp.json"
    config.parent.mkdir(exist_ok=True)
    config.write_text(text, encoding="utf-8")
    result = subprocess.run([sys.executable, "-c", PROBE, *options, str(config)], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_a_scan_of_one_json_config_loads_no_heavy_library_and_no_yaml(tmp_path: Path) -> None:
    seen = _probe(tmp_path, '{"mcpServers": {"gh": {"command": "npx", "args": ["-y", '
                            '"@modelcontextprotocol/server-github@1.2.3"], '
                            '"env": {"GITHUB_TOKEN": "${env:GITHUB_TOKEN}"}}}}\n')
    assert seen["heavy"] == []
    # Only the families a value could match are compiled (pre-filter literal or key keyword).
    assert seen["compiled"] < seen["families"] // 4


def test_sarif_output_loads_the_sarif_model_but_still_no_yaml(tmp_path: Path) -> None:
    seen = _probe(tmp_path, '{"mcpServers": {"x": {"command": "uvx", "args": ["pkg==1.0"]}}}\n',
                  "--format", "sarif")
    assert "yaml" not in seen["heavy"]
    assert "detect_secrets" not in seen["heavy"]


# The console entry point's plain scan, as a pre-commit hook runs it, into a real UTF-8 stream.
HOOK_PROBE = """
import io, json, os, sys
import mcpiam.cli.entry as entry
sys.stdout = io.TextIOWrapper(open(os.devnull, "wb"), encoding="utf-8")
code = entry.plain_scan(["scan", *sys.argv[1:]])
sys.stdout = sys.__stdout__
print(json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""

# Loaded by click, the report writers or a library the hook never needs; each one a few ms.
NOT_ON_THE_HOOK_PATH = (
    "click", "dataclasses", "inspect", "ast", "dis", "tokenize", "linecache", "traceback", "platform",
    "datetime", "uuid", "locale", "gettext", "importlib.resources", "tempfile", "shutil", "subprocess",
    "threading", "multiprocessing", "concurrent", "email", "http", "urllib.request", "ssl", "socket",
    "selectors", "logging", "textwrap", "pickle", "copy", "random", "secrets", "csv", "decimal",
    "detect_secrets", "requests", "yaml", "tomli", "tomllib", "jsonschema", "sarif_om", "attr",
    "tree_sitter_json", "tree_sitter_yaml", "tree_sitter_toml",  # only their compiled grammar, not the package
    "typing", "tree_sitter",  # tree_sitter's package __init__ only adds typing; its _binding is loaded directly
    "hashlib", "hmac", "_hashlib",  # OpenSSL's libcrypto (~2 ms): core.digest uses CPython's own SHA-256
)


def _hook_probe(tmp_path: Path, text: str) -> dict:
    config = tmp_path / ".cursor" / "mcp.json"
    config.parent.mkdir(exist_ok=True)
    config.write_text(text, encoding="utf-8")
    env = {key: value for key, value in os.environ.items() if not key.startswith("MCPIAM_")}
    result = subprocess.run([sys.executable, "-c", HOOK_PROBE, str(config)], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def _secret_config() -> str:
    from mcpiam.secrets.families import expand_example, load_families

    families = {family.id: family for family in load_families(check_examples=False)}
    token = {name: expand_example(families[name].examples.positive[0].template)
             for name in ("github-classic-pat", "aws-access-key-id", "slack-bot-token")}
    return json.dumps({"mcpServers": {
        "gh": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-github"],
               "env": {"GITHUB_TOKEN": token["github-classic-pat"], "AWS_ACCESS_KEY_ID": token["aws-access-key-id"]}},
        "slack": {"url": "https://mcp.example.com/slack", "headers": {"X-Token": token["slack-bot-token"]}}}})


@pytest.mark.parametrize("kind", ["clean", "secrets"])
def test_the_hooks_one_file_scan_loads_only_what_it_uses(tmp_path: Path, kind: str) -> None:
    text = _secret_config() if kind == "secrets" else (
        '{"mcpServers": {"gh": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-github@1.2.3"], '
        '"env": {"GITHUB_TOKEN": "${env:GITHUB_TOKEN}"}}}}\n')
    seen = _hook_probe(tmp_path, text)
    assert seen["code"] == (1 if kind == "secrets" else 0)  # the plain path ran (None: it went to click)
    loaded = set(seen["modules"])
    assert sorted(loaded.intersection(NOT_ON_THE_HOOK_PATH)) == []
    assert "tree_sitter_json._binding" in loaded  # the grammar, loaded without its package


# Every mcpiam module a hook's one-file scan loads (a clean config and one with secrets load the
# same). A module that joins the path, or leaves it, fails the test below: update this list
# deliberately, with the hook's measured cost in the commit (bench/precommit_latency.py).
HOOK_MODULES = (
    'mcpiam', 'mcpiam.catalogue', 'mcpiam.checks', 'mcpiam.checks._activity', 'mcpiam.checks._grants',
    'mcpiam.checks._ownership', 'mcpiam.checks._privilege', 'mcpiam.checks.base',
    'mcpiam.checks.config_parse_error', 'mcpiam.checks.credential_in_agent_history',
    'mcpiam.checks.dormant_server', 'mcpiam.checks.embedded_secret', 'mcpiam.checks.excessive_scope',
    'mcpiam.checks.incomplete_ownership', 'mcpiam.checks.insecure_transport', 'mcpiam.checks.missing_owner',
    'mcpiam.checks.shared_account', 'mcpiam.checks.shared_credential',
    'mcpiam.checks.suppression_without_reason', 'mcpiam.checks.unapproved_server',
    'mcpiam.checks.unconfigured_server_use', 'mcpiam.checks.unexpanded_reference',
    'mcpiam.checks.unknown_rule_in_suppression', 'mcpiam.checks.unpinned_server',
    'mcpiam.checks.unscoped_token', 'mcpiam.checks.world_readable_secrets', 'mcpiam.cli', 'mcpiam.cli.entry',
    'mcpiam.cli.terminal', 'mcpiam.core', 'mcpiam.core.digest', 'mcpiam.core.document',
    'mcpiam.core.findings', 'mcpiam.core.globs', 'mcpiam.core.json_text', 'mcpiam.core.lazy_pattern',
    'mcpiam.core.notes', 'mcpiam.core.pattern_code', 'mcpiam.core.redact', 'mcpiam.core.safe_open',
    'mcpiam.core.snapshot', 'mcpiam.core.valuetype', 'mcpiam.core.valuetype_inits', 'mcpiam.discover',
    'mcpiam.discover.arguments', 'mcpiam.discover.walk', 'mcpiam.engine', 'mcpiam.engine.per_file', 'mcpiam.engine.result',
    'mcpiam.engine.scan', 'mcpiam.model', 'mcpiam.model.accounts', 'mcpiam.model.env_files',
    'mcpiam.model.extract', 'mcpiam.model.identity', 'mcpiam.model.launch', 'mcpiam.model.package_refs',
    'mcpiam.model.servers', 'mcpiam.model.shell_words', 'mcpiam.model.suppressions', 'mcpiam.parse',
    'mcpiam.parse.common', 'mcpiam.parse.json_parser', 'mcpiam.parse.positions', 'mcpiam.parse.sniff',
    'mcpiam.parse.source', 'mcpiam.parse.strings', 'mcpiam.parse.treesitter', 'mcpiam.policy',
    'mcpiam.policy.apply', 'mcpiam.policy.codeowners', 'mcpiam.policy.loader', 'mcpiam.policy.matching',
    'mcpiam.policy.model', 'mcpiam.report', 'mcpiam.report._shared', 'mcpiam.report.text', 'mcpiam.secrets',
    'mcpiam.secrets.advice', 'mcpiam.secrets.detect', 'mcpiam.secrets.families', 'mcpiam.secrets.generic',
    'mcpiam.secrets.locate', 'mcpiam.secrets.providers', 'mcpiam.secrets.references', 'mcpiam.secrets.shell',
    'mcpiam.secrets.validators', 'mcpiam.triage', 'mcpiam.triage.apply', 'mcpiam.triage.baseline',
)
# The public standard-library modules the scan loads beyond what the interpreter and the console
# script (``import re``) already hold; private accelerators (``_json``, ``_blake2``...) are left out,
# as they differ between Python versions. pathlib brings fnmatch, ntpath, urllib.parse, ipaddress.
HOOK_STDLIB = frozenset({
    'array', 'base64', 'binascii', 'bisect', 'collections.abc', 'contextlib', 'errno', 'fnmatch', 'gc',
    'importlib', 'importlib.machinery', 'importlib.util', 'ipaddress', 'ntpath', 'pathlib', 'struct',
    'urllib', 'urllib.parse', 'warnings', 'zlib',
})

# The probe above, also saying which modules the interpreter held before mcpiam's first import.
PIN_PROBE = HOOK_PROBE.replace("import mcpiam.cli.entry as entry",
                               "import re\nbefore = sorted(sys.modules)\nimport mcpiam.cli.entry as entry").replace(
    '"modules": sorted(sys.modules)', '"modules": sorted(sys.modules), "before": before')


@pytest.mark.parametrize("kind", ["clean", "secrets"])
def test_the_hooks_imports_are_pinned(tmp_path: Path, kind: str) -> None:
    """What a one-file scan loads is exactly the pinned list: a regression (an import that drags
    in more) fails here rather than as a slower hook."""
    text = _secret_config() if kind == "secrets" else (
        '{"mcpServers": {"gh": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-github@1.2.3"], '
        '"env": {"GITHUB_TOKEN": "${env:GITHUB_TOKEN}"}}}}\n')
    config = tmp_path / ".cursor" / "mcp.json"
    config.parent.mkdir(exist_ok=True)
    config.write_text(text, encoding="utf-8")
    env = {key: value for key, value in os.environ.items() if not key.startswith("MCPIAM_")}
    result = subprocess.run([sys.executable, "-c", PIN_PROBE, str(config)], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["code"] == (1 if kind == "secrets" else 0)  # the plain path ran
    loaded = set(seen["modules"]) - set(seen["before"])
    ours = {name for name in loaded if name == "mcpiam" or name.startswith("mcpiam.")}
    assert {"joined": sorted(ours - set(HOOK_MODULES)), "left": sorted(set(HOOK_MODULES) - ours)} == {
        "joined": [], "left": []}, "update HOOK_MODULES deliberately"
    public_stdlib = {name for name in loaded - ours if not any(part.startswith("_") for part in name.split("."))
                     and name.split(".")[0] not in ("tree_sitter", "tree_sitter_json")}
    assert sorted(public_stdlib - HOOK_STDLIB) == [], "update HOOK_STDLIB deliberately"


def test_the_hooks_value_types_are_built_without_dataclasses(tmp_path: Path) -> None:
    """Every value type a one-file scan defines comes from mcpiam.core.valuetype (closures, no
    exec), none from the stdlib decorator, which compiles each generated method at import; and
    each one's ``__init__`` from ``mcpiam.core.valuetype_inits``, not compiled at run time."""
    probe = HOOK_PROBE.replace(
        'print(json.dumps({"code": code, "modules": sorted(sys.modules)}))',
        'import types\n'
        'classes = [value for name, module in list(sys.modules.items()) if name.startswith("mcpiam")\n'
        '           for value in vars(module).values() if isinstance(value, type) and value.__module__ == name]\n'
        'print(json.dumps({"code": code, "value_types": sum("__valuetype_fields__" in vars(c) for c in classes),\n'
        '                  "stdlib": sorted(c.__qualname__ for c in classes\n'
        '                                   if isinstance(vars(c).get("__dataclass_fields__"), dict)),\n'
        '                  "compiled_inits": compiled}))')
    # Every __init__ comes from the generated module (byte code Python caches), none from exec.
    probe = probe.replace("import mcpiam.cli.entry as entry",
                          "import builtins, mcpiam.core.valuetype as valuetype\n"
                          "compiled = []\n"
                          "valuetype.exec = lambda *args: (compiled.append(args[0]), builtins.exec(*args))\n"
                          "import mcpiam.cli.entry as entry")
    config = tmp_path / ".mcp.json"
    config.write_text('{"mcpServers": {"x": {"command": "uvx", "args": ["pkg==1.0"]}}}\n', encoding="utf-8")
    # Any MCPIAM_* variable (CI sets one for hypothesis) sends a run down click's path instead.
    env = {key: value for key, value in os.environ.items() if not key.startswith("MCPIAM_")}
    result = subprocess.run([sys.executable, "-c", probe, str(config)], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["code"] == 0
    assert seen["stdlib"] == []
    assert seen["value_types"] > 50
    assert seen["compiled_inits"] == [], "run `python -m mcpiam generate-snapshots`"


# Whether the cycle collector ran during the scan of a hook's files, and after it.
COLLECTOR_PROBE = """
import gc, io, json, os, sys
import mcpiam.engine.scan as scan
real = scan.scan_paths
during = []
def spy(paths, settings, **options):
    during.append(gc.isenabled())
    return real(paths, settings, **options)
scan.scan_paths = spy
import mcpiam.cli.entry as entry
sys.stdout = io.TextIOWrapper(open(os.devnull, "wb"), encoding="utf-8")
code = entry.plain_scan(["scan", *sys.argv[1:]])
sys.stdout = sys.__stdout__
print(json.dumps({"code": code, "during": during, "after": gc.isenabled()}))
"""


@pytest.mark.parametrize("named, paused", [("file", True), ("folder", False), ("many files", False)])
def test_the_collector_pauses_only_for_a_bounded_list_of_files(tmp_path: Path, named: str,
                                                                 paused: bool) -> None:
    from mcpiam.cli import entry

    config = tmp_path / ".mcp.json"
    config.write_text('{"mcpServers": {"x": {"command": "uvx", "args": ["pkg==1.0"]}}}\n', encoding="utf-8")
    arguments = {"file": [str(config)], "folder": [str(tmp_path)],
                 "many files": [str(config)] * (entry.COLLECTOR_PAUSED_UP_TO + 1)}[named]
    env = {key: value for key, value in os.environ.items() if not key.startswith("MCPIAM_")}
    result = subprocess.run([sys.executable, "-c", COLLECTOR_PROBE, *arguments], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen == {"code": 0, "during": [not paused], "after": True}


# The patterns the regular-expression compiler itself compiles during a hook's one-file scan.
COMPILE_PROBE = """
import io, json, os, sys
import re._compiler as compiler
real = compiler.compile
compiled = []
def spy(pattern, flags=0):
    compiled.append(pattern if isinstance(pattern, str) else repr(pattern))
    return real(pattern, flags)
compiler.compile = spy
import mcpiam.cli.entry as entry
from mcpiam.core import lazy_pattern, pattern_code
sys.stdout = io.TextIOWrapper(open(os.devnull, "wb"), encoding="utf-8")
code = entry.plain_scan(["scan", *sys.argv[1:]])
sys.stdout = sys.__stdout__
print(json.dumps({"code": code, "compiled": compiled, "stored": sorted(p for p, _ in pattern_code.CODE),
                  "usable": pattern_code.ENGINE == lazy_pattern._engine()}))
"""


def test_the_hooks_scan_takes_its_patterns_compiled_ahead(tmp_path: Path) -> None:
    """Every pattern a one-file scan needs that ``generate-snapshots`` stores (module patterns,
    token families, reference syntaxes, placeholders) comes from ``mcpiam.core.pattern_code``;
    what ``re`` still compiles is the standard library's and a few patterns built at run time."""
    config = tmp_path / ".cursor" / "mcp.json"
    config.parent.mkdir()
    config.write_text(_secret_config(), encoding="utf-8")
    env = {key: value for key, value in os.environ.items() if not key.startswith("MCPIAM_")}
    result = subprocess.run([sys.executable, "-c", COMPILE_PROBE, str(config)], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["code"] == 1
    if not seen["usable"]:
        pytest.skip("the stored pattern code was generated by another interpreter")
    assert sorted(set(seen["compiled"]).intersection(seen["stored"])) == [], "run generate-snapshots"
    assert len(seen["compiled"]) < 25, seen["compiled"]


def test_a_value_that_reaches_detect_secrets_loads_its_plugins_not_its_pipeline(tmp_path: Path) -> None:
    """A high-entropy value under a secret-like key no token family claims goes to detect-secrets'
    keyword and entropy plugins; its package ``__init__`` (the whole scanning pipeline, with
    multiprocessing, socket, subprocess, logging) is not run, until something asks for it."""
    import random
    import string

    generator = random.Random(15)
    value = "".join(generator.choice(string.ascii_letters + string.digits + "+/") for _ in range(40))
    text = json.dumps({"mcpServers": {"internal": {"command": "internal-mcp", "env": {"INTERNAL_API_SECRET": value}}}})
    probe = HOOK_PROBE.replace(
        'print(json.dumps({"code": code, "modules": sorted(sys.modules)}))',
        'loaded = sorted(sys.modules)\n'
        'from detect_secrets import SecretsCollection  # the whole package, on demand\n'
        'print(json.dumps({"code": code, "modules": loaded, "whole": SecretsCollection.__name__}))')
    config = tmp_path / ".cursor" / "mcp.json"
    config.parent.mkdir()
    config.write_text(text, encoding="utf-8")
    env = {key: value for key, value in os.environ.items() if not key.startswith("MCPIAM_")}
    result = subprocess.run([sys.executable, "-c", probe, str(config)], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["code"] == 1  # reported
    loaded = set(seen["modules"])
    assert "detect_secrets.plugins.keyword" in loaded and "detect_secrets.plugins.high_entropy_strings" in loaded
    assert "detect_secrets.core.secrets_collection" not in loaded
    assert sorted(loaded.intersection({"multiprocessing", "socket", "subprocess", "logging", "threading",
                                       "pickle", "requests", "urllib3"})) == []
    assert seen["whole"] == "SecretsCollection"
