"""Adapters for the vendors Karo talks to (Africa's Talking, Twilio, M-Pesa Daraja), each behind a small
Protocol, with local simulators for tests and the demo. Knows nothing of flows, the ledger or the bot.
"""
