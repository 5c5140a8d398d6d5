"""Money received: recording, STK requests and their settling, Paybill matching, kept callbacks.

May import billing, books, records and the ledger's top level.
"""
