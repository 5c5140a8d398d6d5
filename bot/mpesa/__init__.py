"""M-Pesa for parents: STK pushes sent after a conversation, their answers (callback or query), and Paybill.

The money itself is the ledger's (``ledger.payments.stk``, ``ledger.payments.paybill``); this package
composes the
Daraja adapter (``providers.daraja``), schedules the push and its queries (RQ, or timers in-process), opens
the schools' sealed credentials (``bot.crypto``) and turns Daraja's callbacks into ledger calls. It may
import ledger, providers and the rest of bot; no provider call is ever made inside a database transaction.
"""
