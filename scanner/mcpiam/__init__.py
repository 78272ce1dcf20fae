"""mcpiam: a static scanner for MCP configurations (secrets, token scope, shared identities, owners)."""

__version__ = "0.1.0"
