"""What Karo tells families: the outbox, notices and their wording, reminders and campaigns.

May import every other part of the ledger but staff; money operations reach it only through events.
"""
