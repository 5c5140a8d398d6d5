"""Outgoing webhooks: POSTing the deliveries the ledger queued to the schools' own systems, signed with
each endpoint's secret, retried with backoff, every attempt logged (``ledger.messaging.webhook_deliveries``).

Run by ``karo worker`` on the scheduler's cadence with Redis, and by a thread of the web process on the
embedded default (``bot.background``). Its own module: the SMS and WhatsApp dispatcher is another thing.
"""
