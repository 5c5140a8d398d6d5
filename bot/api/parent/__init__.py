"""The parent API (issue 17): a parent signs in with their phone and a one-time code sent by SMS, then reads
only their own children (fees, payments, attendance, exams), the messages Karo sent them, and starts an
M-Pesa prompt. Every read about a child goes through ``ledger.records.parents.child_of``."""
