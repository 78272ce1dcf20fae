"""The engine: runs the stages in order and hands the result to the reporters.

``scan.scan_paths`` runs discover, parse, model, detect, checks and triage over named paths and
returns an ``result.ScanResult``; ``sweep.run_sweep`` feeds a machine's homes through the same
scan and adds the host's identity (``sweep.SweepResult``). Each file goes through ``per_file``
(parse, model, credentials, the rules that judge one file), in forked workers (``pool``) when
there are many; a large scan keeps its results compressed (``packed``). Nothing here knows a
client or a rule.
"""
