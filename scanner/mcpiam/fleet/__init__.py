"""Fleet: many scan and sweep results (JSON or NDJSON) in one DuckDB database, and the reports of it.

In: results written by ``mcpiam scan -f json`` and ``mcpiam sweep -f json|ndjson`` (``sources`` finds
them, ``read`` and ``fast`` cut them into rows, a sweep's agent activity included) and a user,team
CSV (``teams``). Out: the fleet database (``database``: tables, the named views in ``*.sql``), ``merge.FleetReport`` (shared credentials across hosts, ownership
coverage), rendered by ``render``, and Parquet (``export``).
"""
