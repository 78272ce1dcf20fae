"""Shared value types and helpers every stage may use; it imports no other part of mcpiam.

In: nothing. Out: ``document`` (the located tree every parser produces: nodes, spans, routes),
``findings`` (Finding, Location, Severity), ``notes`` (Note), ``globs`` (path patterns),
``redact`` (the one gate every input string passes on its way to any output) and ``snapshot``
(reading and writing the JSON snapshots of shipped YAML data).
"""
