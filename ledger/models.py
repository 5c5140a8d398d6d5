"""Every table of the ledger, imported in one place so the metadata is complete."""

from ledger.attendance import AttendanceRecord
from ledger.audit import AuditEntry
from ledger.fee_rules import FeeRules
from ledger.grading import GradeBand, GradingScale
from ledger.journal_tables import Account, Entry, Line, Payment
from ledger.mpesa_callbacks import CallbackFailure
from ledger.outbox import OutboxMessage
from ledger.payment_plans import PaymentPlan, PlanInstalment
from ledger.payment_requests import PaymentRequestRecord
from ledger.promises import PromiseToPay
from ledger.records import FeeItem, Guardian, School, SchoolClass, Student, StudentGuardian, Term, VoteHead
from ledger.reminders import Reminder
from ledger.results import Exam, Score
from ledger.staff import LoginFailures, StaffMember

__all__ = [
    "Account",
    "AttendanceRecord",
    "AuditEntry",
    "CallbackFailure",
    "Entry",
    "Exam",
    "FeeItem",
    "FeeRules",
    "GradeBand",
    "GradingScale",
    "Guardian",
    "Line",
    "LoginFailures",
    "OutboxMessage",
    "Payment",
    "PaymentPlan",
    "PaymentRequestRecord",
    "PlanInstalment",
    "PromiseToPay",
    "Reminder",
    "School",
    "SchoolClass",
    "Score",
    "StaffMember",
    "Student",
    "StudentGuardian",
    "Term",
    "VoteHead",
]
