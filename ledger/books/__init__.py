"""The double-entry books: journal, accounts, allocation, reversals, balances, statements, checks, reports.

May import records and the ledger's top level.
"""
