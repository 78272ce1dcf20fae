"""The command line: parses options, runs the engine, picks a reporter, sets the exit code.

``main.main`` is the console script ``mcpiam``; ``snapshots`` lists the generated snapshot files.
"""
