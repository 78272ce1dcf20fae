"""A small repository for the inventory tests, written at test time so that no real-looking
credential sits in the source tree: six servers with references, literals in env, args, a URL and
a connection string, settings that are not credentials, and a policy naming two owners."""

from __future__ import annotations

import json
from pathlib import Path

from mcpiam.secrets.families import expand_example

GITHUB_PAT = "ghp_{github_crc:30}"
STRIPE_KEY = "sk_live_{alnum:24}"
QUERY_TOKEN = "{alnum:16}{digits:4}{upper:4}"
DB_PASSWORD = "{alnum:14}{digits:3}"
IMAGE_DIGEST = "sha256:" + "4f" * 32

POLICY = """\
version: 1
owners:
  - match: {package: "npm:@modelcontextprotocol/server-github"}
    owner: "@acme/platform-security"
    purpose: "triage issues in acme repositories"
    secret_source: "1Password: Engineering/github-mcp"
    revocation: "https://wiki.acme.example/runbooks/github-mcp#revoke"
  - match: {url: "mcp.example.com/*"}
    owner: "=ops+oncall@acme.example"
"""


def secrets() -> dict[str, str]:
    """The fake credentials of the repository, one per place (built from family templates)."""
    return {"github": expand_example(GITHUB_PAT), "stripe": expand_example(STRIPE_KEY),
            "query": expand_example(QUERY_TOKEN), "db": expand_example(DB_PASSWORD)}


def write_inventory_repo(root: Path, *, policy: bool = True) -> dict[str, str]:
    """Write the repository under ``root``; returns its secrets (for leak checks)."""
    planted = secrets()
    servers = {
        "github": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-github"],
                   "env": {"GITHUB_PERSONAL_ACCESS_TOKEN": "${GITHUB_PAT}", "AWS_REGION": "us-east-1",
                           "SLACK_TEAM_ID": "T0123ABCD", "GRAFANA_URL": "https://grafana.example.com"}},
        "payments": {"command": "npx", "args": ["-y", "@acme/payments-mcp@1.2.0", "--api-key", planted["stripe"]]},
        "db": {"command": "uvx", "args": ["mcp-server-postgres",
                                          f"postgresql://app:{planted['db']}@db.example.com/app"]},
        "remote": {"type": "http", "url": f"https://mcp.example.com/mcp?token={planted['query']}",
                   "headers": {"Authorization": "Bearer ${API_TOKEN}"}},
        "github-image": {"command": "docker",
                         "args": ["run", "-i", "--rm", "-e", "GITHUB_PERSONAL_ACCESS_TOKEN",
                                  f"ghcr.io/github/github-mcp-server@{IMAGE_DIGEST}"],
                         "env": {"GITHUB_PERSONAL_ACCESS_TOKEN": planted["github"]}},
        "notes": {"command": "node", "args": ["tools/notes-server.js"]},
    }
    root.mkdir(parents=True, exist_ok=True)
    (root / ".mcp.json").write_text(json.dumps({"mcpServers": servers}, indent=2) + "\n", encoding="utf-8")
    if policy:
        (root / ".mcpiam.yaml").write_text(POLICY, encoding="utf-8")
    return planted


def position_of(path: Path, text: str) -> tuple[int, int]:
    """1-based (line, column) of the first ``text`` in ``path``."""
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if text in line:
            return number, line.index(text) + 1
    raise AssertionError(f"{text!r} not in {path}")
