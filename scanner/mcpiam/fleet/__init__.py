"""Fleet: many scan and sweep results (JSON) merged into one view of machines, users and servers.

In: JSON reports written by ``mcpiam scan -f json`` and ``mcpiam sweep -f json``. Out:
``merge.FleetReport`` (shared credentials across hosts, ownership coverage), rendered by ``render``.
"""
