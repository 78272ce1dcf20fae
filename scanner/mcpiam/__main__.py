"""Allow ``python -m mcpiam``."""

from mcpiam.cli.main import main

raise SystemExit(main())
