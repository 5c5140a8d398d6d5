"""What a family is charged and allowed: invoicing, credits, fee rules, late fees, discounts, plans, promises.

May import books, records and the ledger's top level.
"""
