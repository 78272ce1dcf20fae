"""The command line: parses options, runs the engine, picks a reporter, sets the exit code.

``entry.console_main`` is the console script ``mcpiam`` (``main.main``, the click command line,
runs all but a plain scan); ``snapshots`` lists the generated snapshot files.
"""
