"""The school's staff and the audit log of every change.

May import records and the ledger's top level.
"""
