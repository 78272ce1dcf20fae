"""Stage 1, discover: which files to read.

In: paths named on the command line, or a machine's homes (a sweep). Out: ``Candidate`` paths,
each with the catalogue's claim on it (``walk.discover``; ``homes.sweep`` for a workstation).
``gitfiles`` reads git's index and ignore files so a scan sees what git sees.
"""
