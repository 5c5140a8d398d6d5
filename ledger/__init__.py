"""The school's books and records.

Schools, terms, classes, students, guardians, vote heads, fee structures, the double-entry journal,
payments, attendance and results. Imports only the standard library, SQLAlchemy and phonenumbers:
nothing here knows of channels, providers, queues or web frameworks. ``ledger.types`` holds the frozen
dataclasses that the rest of Karo (and flows in particular) may read.
"""
