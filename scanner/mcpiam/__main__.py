"""Allow ``python -m mcpiam``."""

from mcpiam.cli.entry import console_main

console_main()
