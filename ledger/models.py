"""Every table of the ledger, imported in one place so the metadata is complete."""

from ledger.journal_tables import Account, Entry, Line, Payment
from ledger.records import FeeItem, Guardian, School, SchoolClass, Student, StudentGuardian, Term, VoteHead

__all__ = [
    "Account",
    "Entry",
    "FeeItem",
    "Guardian",
    "Line",
    "Payment",
    "School",
    "SchoolClass",
    "Student",
    "StudentGuardian",
    "Term",
    "VoteHead",
]
