"""Benchmarks and load generators, run by hand (``python -m bench.<name>``), never as timed tests.

Each benchmark builds its own databases (never the test ones), prints a table of figures measured in one
run, and with ``--record`` adds them to ``bench/README.md``. May import anything in Karo; nothing imports it.
"""
