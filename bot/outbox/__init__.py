"""Sending from the outbox: the dispatcher, the provider senders, rate limits."""
