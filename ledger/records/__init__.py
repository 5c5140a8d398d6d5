"""Tenants and their people and records: schools, terms, classes, students, guardians, attendance, results.

May import only the ledger's top level.
"""
