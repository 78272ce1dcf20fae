"""Shared value types and helpers every stage may use; it imports no other part of mcpiam.

In: nothing. Out: ``document`` (the located tree every parser produces: nodes, spans, routes),
``findings`` (Finding, Location, Severity), ``notes`` (Note), ``globs`` (path patterns),
``valuetype`` (the frozen, slotted value types, built without the stdlib decorator's import cost;
their ``__init__`` compiled ahead of time in the generated ``valuetype_inits``), ``lazy_pattern``
(regular expressions compiled on first use, from the code generated in ``pattern_code``), ``digest`` (SHA-256 and HMAC without
loading OpenSSL),
the safety primitives every stage goes through: ``safe_open`` (reading), ``safe_write`` (writing)
and ``redact`` (the one gate every input string passes on its way to any output), ``json_text``
(the reports' JSON writer) and ``snapshot`` (the JSON snapshots of shipped YAML data).
"""
