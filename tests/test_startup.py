"""What a pre-commit scan of one JSON config loads: only what it needs (issue 7's latency goal).

Loading is most of a short scan's time, so these pin the lazy paths: heavy libraries are not
imported, the shipped YAML data comes from its snapshots (no YAML parser at all), and only the
token-family patterns a value could match are compiled.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

PROBE = """
import json, sys
from mcpiam.cli.main import main
try:
    main(["scan", *sys.argv[1:]])
except SystemExit:
    pass
from mcpiam.secrets.families import compile_pattern, load_families
heavy = sorted(m for m in ("detect_secrets", "requests", "sarif_om", "jsonschema", "yaml", "tomli",
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
