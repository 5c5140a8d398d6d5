"""Conversations as state machines: text in, a channel-neutral Screen out.

Pure: reads the ledger only through ``ledger.types`` values handed in by ports, asks for payments through
a port. Never imports providers, FastAPI, SQLAlchemy, Redis or RQ.
"""
