"""Stage 3, model: parsed documents to the MCP servers they define.

In: a ``Document`` and the catalogue's claim on its file. Out: ``servers.ConfigFile`` holding
``Server`` objects whose every value keeps its route and span (``extract``). Also read here: how a
server is launched (``launch``, ``package_refs``), which package or endpoint it is (``identity``),
which accounts it names (``accounts``), the dotenv files it loads (``env_files``) and the inline
``mcpiam: ignore[...]`` comments the file carries (``suppressions``).
"""
