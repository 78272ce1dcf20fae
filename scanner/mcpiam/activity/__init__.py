"""Activity: what the AI clients' own records on disk say was used, never what was said.

In: the plan of a sweep (its homes) and the servers the configs define. Out: a ``usage.Usage`` per
client, server and tool (calls, first and last use, projects, sessions, outcomes; each configured
server ``used`` or ``dormant``, each called but undefined server ``unknown``), and the literal
credentials the token families find in those records (``history.HistoryCredential``), both for the
rules and reports above. ``sources.yaml`` says where each client keeps its records per OS;
``lines`` streams a file line by line through ``mcpiam.core.safe_open``; one module per format
under ``readers``; ``read`` runs them; ``usage`` joins the calls with the configs.
No prompt, reply, tool argument or tool result text leaves this stage: readers keep names,
counts, times, outcomes, paths and positions only.
"""
