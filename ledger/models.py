"""Every table of the ledger, imported in one place so the metadata is complete."""

from ledger.billing.enrolments import Enrolment
from ledger.billing.fee_rules import FeeRules
from ledger.billing.payment_plans import PaymentPlan, PlanInstalment
from ledger.billing.promises import PromiseToPay
from ledger.billing.rollover_tables import YearRollover
from ledger.billing.sponsor_tables import BursaryAward, Sponsor, SponsorCheque, SponsorChequeLine
from ledger.books.tables import Account, Entry, Line, Payment
from ledger.messaging.announcements import Announcement
from ledger.messaging.outbox import OutboxMessage
from ledger.messaging.reminder_plans import Reminder
from ledger.messaging.webhook_tables import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from ledger.payments.api_requests import PaymentRequestKey
from ledger.payments.callbacks import CallbackFailure
from ledger.payments.receipts import ReceiptCounter
from ledger.payments.stk_requests import PaymentRequestRecord
from ledger.records.attendance import AttendanceRecord
from ledger.records.grading import GradeBand, GradingScale
from ledger.records.results import Exam, Score
from ledger.records.tables import (
    FeeItem,
    Guardian,
    School,
    SchoolClass,
    Student,
    StudentGuardian,
    Term,
    VoteHead,
)
from ledger.staff.api_keys import ApiKey
from ledger.staff.approvals import ReversalRequest
from ledger.staff.audit import AuditEntry
from ledger.staff.invites import StaffLink
from ledger.staff.members import LoginFailures, StaffMember

__all__ = [
    "ApiKey",
    "PaymentRequestKey",
    "Account",
    "Announcement",
    "AttendanceRecord",
    "AuditEntry",
    "BursaryAward",
    "CallbackFailure",
    "Enrolment",
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
    "ReceiptCounter",
    "Reminder",
    "ReversalRequest",
    "School",
    "SchoolClass",
    "Score",
    "Sponsor",
    "SponsorCheque",
    "SponsorChequeLine",
    "StaffLink",
    "StaffMember",
    "Student",
    "StudentGuardian",
    "Term",
    "VoteHead",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEndpoint",
    "YearRollover",
]
