"""The composition root: settings, bootstrap, the FastAPI app, jobs, the CLI.

The only package that reads the environment and the only one that wires concrete adapters together.
It may import ledger, flows and providers; nothing imports it.
"""
