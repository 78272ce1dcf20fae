"""Stage 6, triage: what happens to a finding after a rule raised it.

In: findings from the checks, the documents' inline suppressions, a baseline file. Out:
``apply.Triage`` (what was suppressed or baselined, and why) and the findings that remain.
``baseline`` reads and writes baseline files. The policy's allow-list is applied by
``mcpiam.policy.apply``.
"""
