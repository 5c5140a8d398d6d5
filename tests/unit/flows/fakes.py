"""Hand-written fakes of the flows' ports, built from ledger.types values.

MULTI is a guardian of two children in one school and of a child (long names, big amounts) in a second;
CREDIT's only child has paid ahead; EMPTY's only child has no exams, attendance or entries; UNKNOWN is
no guardian anywhere. RECEIPTED's only child has several payments with receipt numbers on the statement
(one reversed).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace

from flows.ports import (
    ANNOUNCEMENTS,
    CHANNELS,
    REMINDERS,
    ChildGone,
    PaymentOutcome,
    PaymentRequest,
    Ports,
)
from ledger.types import (
    AttendanceSummary,
    Balance,
    ExamSummary,
    GuardianRef,
    Receipt,
    SchoolRef,
    Statement,
    StatementLine,
    StudentRef,
    SubjectScore,
    TermRef,
    VoteHeadBalance,
)

MULTI, CREDIT, EMPTY, UNKNOWN = "+254712345678", "+254722000111", "+254733000222", "+254700000000"
RECEIPTED = "+254744000333"
TODAY = dt.date(2026, 3, 10)
KES = 100

ACADEMY = SchoolRef(1, "academy", "Karo Demo Academy", "123456", "*384*1#")
ST_MARYS = SchoolRef(2, "st-marys", "St. Mary's Girls High School, Nyeri", None, None)
TERM = TermRef("2026-1", dt.date(2026, 1, 5), dt.date(2026, 4, 2), dt.date(2026, 1, 19))

AMINA = StudentRef(1, 1, "1001", "Amina Wanjiku", "Grade 6")
BRIAN = StudentRef(2, 1, "1002", "Brian Otieno", "PP2")
WANJIRU = StudentRef(3, 2, "SMG/2024/0457", "Wanjiru Nyambura Kamau-Otieno", "Form 3 East")
FAITH = StudentRef(4, 1, "1004", "Faith Chebet", "Grade 3")
KEVIN = StudentRef(5, 1, "1005", "Kevin Mwangi", "Grade 1")
GRACE = StudentRef(6, 1, "1006", "Grace Akinyi Wambui-Odhiambo", "Grade 8")

FAMILIES = {
    MULTI: {1: [AMINA, BRIAN], 2: [WANJIRU]},
    CREDIT: {1: [FAITH]},
    EMPTY: {1: [KEVIN]},
    RECEIPTED: {1: [GRACE]},
}


def _heads(*pairs: tuple[str, int]) -> tuple[VoteHeadBalance, ...]:
    return tuple(VoteHeadBalance(name, kes * KES) for name, kes in pairs)


BALANCES = {
    1: Balance(
        AMINA,
        12_500 * KES,
        _heads(("Tuition", 8_000), ("Boarding", 3_000), ("Activity", 1_000), ("Lunch", 500)),
        0,
        TERM.due_on,
    ),
    2: Balance(BRIAN, 25_500 * KES + 50, _heads(("Tuition", 25_500)), 0, TERM.due_on),
    3: Balance(
        WANJIRU,
        249_999 * KES,
        _heads(
            ("Development and Infrastructure Fund", 120_000),
            ("Boarding and Meals", 99_999),
            ("Personal Emolument", 20_000),
            ("Examinations", 10_000),
        ),
        0,
        dt.date(2026, 2, 28),
    ),
    4: Balance(FAITH, -2_000 * KES, (), 2_000 * KES, None),
    5: Balance(KEVIN, 0, (), 0, None),
    6: Balance(GRACE, 15_000 * KES, _heads(("Tuition", 15_000)), 0, TERM.due_on),
}


def _line(
    entry_id: int, on: dt.date, kind: str, charged: int = 0, paid: int = 0, receipt: str | None = None
) -> StatementLine:
    memo = {"invoice": "Fees for term 2026-1", "payment": "M-Pesa QJK4XYZ12 allocated"}.get(kind, kind)
    return StatementLine(entry_id, on, memo, kind, charged * KES, paid * KES, 0, receipt)


ENTRIES = {
    1: [
        _line(11, dt.date(2025, 12, 20), "opening_balance", charged=2_500),
        _line(12, dt.date(2026, 1, 5), "invoice", charged=15_000),
        _line(13, dt.date(2026, 1, 12), "payment", paid=2_000),
        _line(14, dt.date(2026, 1, 30), "bursary", paid=1_000),
        _line(15, dt.date(2026, 2, 10), "payment", paid=1_500),
        _line(16, dt.date(2026, 2, 11), "reversal", charged=1_500),
        _line(17, dt.date(2026, 3, 2), "payment", paid=2_000),
    ],
    2: [_line(21, dt.date(2026, 1, 5), "invoice", charged=25_500)],
    3: [
        _line(31, dt.date(2026, 1, 5), "invoice", charged=249_999),
        _line(32, dt.date(2026, 2, 1), "Adjustment by the bursar after audit", charged=100_000),
        _line(33, dt.date(2026, 2, 2), "payment", paid=100_000),
    ],
    4: [
        _line(41, dt.date(2026, 1, 5), "invoice", charged=10_000),
        _line(42, dt.date(2026, 1, 6), "payment", paid=12_000),
    ],
    5: [],
    6: [
        _line(61, dt.date(2026, 1, 5), "invoice", charged=30_000),
        _line(62, dt.date(2026, 1, 10), "payment", paid=5_000, receipt="ACA-2026-000004"),
        _line(63, dt.date(2026, 1, 20), "payment", paid=5_000, receipt="ACA-2026-000005"),
        _line(64, dt.date(2026, 2, 2), "payment", paid=6_000, receipt="ACA-2026-000008"),
        _line(65, dt.date(2026, 2, 3), "reversal", charged=6_000, receipt="ACA-2026-000008"),
        _line(66, dt.date(2026, 3, 1), "payment", paid=5_000, receipt="ACA-2026-000011"),
    ],
}


def _receipt(
    payment_id: int, number: str, source: str, kes: int, on: dt.date, reversed_: bool = False
) -> Receipt:
    return Receipt(payment_id, number, f"REF{payment_id}", source, kes * KES, on, reversed_)


# Each child's receipts, newest first.
RECEIPTS = {
    1: [
        _receipt(17, "ACA-2026-000012", "mpesa_paybill", 2_000, dt.date(2026, 3, 2)),
        _receipt(15, "ACA-2026-000007", "cash", 1_500, dt.date(2026, 2, 10), reversed_=True),
        _receipt(13, "ACA-2026-000003", "mpesa_stk", 2_000, dt.date(2026, 1, 12)),
    ],
    2: [],
    3: [_receipt(33, "SMG-2026-000457", "bank", 100_000, dt.date(2026, 2, 2))],
    4: [_receipt(42, "ACA-2026-000001", "cheque", 12_000, dt.date(2026, 1, 6))],
    5: [],
    6: [
        _receipt(66, "ACA-2026-000011", "mpesa_stk", 5_000, dt.date(2026, 3, 1)),
        _receipt(64, "ACA-2026-000008", "mpesa_stk", 6_000, dt.date(2026, 2, 2), reversed_=True),
        _receipt(63, "ACA-2026-000005", "cash", 5_000, dt.date(2026, 1, 20)),
        _receipt(62, "ACA-2026-000004", "mpesa_stk", 5_000, dt.date(2026, 1, 10)),
    ],
}


def _exam(
    student: StudentRef, name: str, term: str, scores: list[tuple[str, int, str]], mean: float, grade: str
) -> ExamSummary:
    subjects = tuple(SubjectScore(subject, score, g, None) for subject, score, g in scores)
    best = max(subjects, key=lambda s: s.score).subject if subjects else None
    worst = min(subjects, key=lambda s: s.score).subject if subjects else None
    return ExamSummary(student, name, term, subjects, mean, grade, best, worst)


NINE = [
    ("Mathematics", 78, "A-"),
    ("English", 65, "B"),
    ("Kiswahili", 52, "C"),
    ("Science", 70, "B+"),
    ("Social Studies", 61, "B-"),
    ("CRE", 66, "B"),
    ("Agriculture", 59, "C+"),
    ("Creative Arts", 48, "C-"),
    ("Physical Education", 80, "A"),
]
LONG = [(f"Christian Religious Education {n}", 100, "A") for n in range(12)]
EXAMS = {
    1: [
        _exam(AMINA, "Mid-term", "2026-1", NINE, 62.46, "B-"),
        _exam(AMINA, "End term", "2025-3", NINE[:5], 58.0, "C+"),
        _exam(AMINA, "Mid-term", "2025-3", NINE[:3], 55.25, "C+"),
    ],
    2: [_exam(BRIAN, "Opener", "2026-1", NINE[:2], 71.5, "B+")],
    3: [
        _exam(WANJIRU, f"County Joint Evaluation Mock Exam {n}", "2026-1", LONG, 100.0, "A") for n in range(7)
    ],
    4: [_exam(FAITH, "Opener", "2026-1", NINE[:4], 66.0, "B")],
    5: [],
    6: [],
}


def _attendance(student: StudentRef, days: int, absences: list[dt.date]) -> AttendanceSummary:
    absent = len(absences)
    return AttendanceSummary(student, "2026-1", days, days - absent, absent, 2, 0, tuple(absences))


ATTENDANCE = {
    1: _attendance(AMINA, 40, [dt.date(2026, 3, 6), dt.date(2026, 2, 20), dt.date(2026, 2, 2)]),
    2: _attendance(BRIAN, 40, []),
    3: _attendance(WANJIRU, 100, [dt.date(2026, 3, d) for d in range(1, 10)]),
    4: _attendance(FAITH, 38, [dt.date(2026, 1, 20)]),
    5: None,
    6: None,
}


@dataclass
class FakeDirectory:
    language: str = "en"
    guardians: dict[tuple[str, int], GuardianRef] = field(default_factory=dict)
    promises: list[tuple[str, int, dt.date]] = field(default_factory=list)
    terms: dict[int, TermRef | None] = field(default_factory=lambda: {1: TERM, 2: None})
    balances: dict[int, Balance] = field(default_factory=lambda: dict(BALANCES))

    def __post_init__(self) -> None:
        for n, (phone, schools) in enumerate(FAMILIES.items()):
            for school_id in schools:
                self.guardians[phone, school_id] = GuardianRef(
                    10 * n + school_id, school_id, phone, f"Guardian {n}", self.language, True
                )

    def _own(self, phone: str, student_id: int) -> None:
        if all(s.id != student_id for kids in FAMILIES.get(phone, {}).values() for s in kids):
            raise ChildGone(f"student {student_id} is not a child of {phone}")

    def schools_for(self, phone: str) -> list[SchoolRef]:
        return [s for s in (ACADEMY, ST_MARYS) if s.id in FAMILIES.get(phone, {})]

    def guardian(self, phone: str, school_id: int) -> GuardianRef | None:
        return self.guardians.get((phone, school_id))

    def children(self, phone: str, school_id: int) -> list[StudentRef]:
        return list(FAMILIES.get(phone, {}).get(school_id, []))

    def balance(self, phone: str, student_id: int) -> Balance:
        self._own(phone, student_id)
        return self.balances[student_id]

    def statement(
        self, phone: str, student_id: int, *, before: int | None = None, limit: int = 3
    ) -> Statement:
        self._own(phone, student_id)
        older = [e for e in ENTRIES[student_id] if before is None or e.entry_id < before]
        page = older[-limit:]
        closing = sum(e.charged - e.paid for e in older)
        opening = closing - sum(e.charged - e.paid for e in page)
        return Statement(self.balances[student_id].student, opening, tuple(page), closing)

    def receipts(self, phone: str, student_id: int, *, limit: int = 3) -> list[Receipt]:
        self._own(phone, student_id)
        return RECEIPTS[student_id][:limit]

    def attendance(self, phone: str, student_id: int) -> AttendanceSummary | None:
        self._own(phone, student_id)
        return ATTENDANCE[student_id]

    def exams(self, phone: str, student_id: int) -> list[ExamSummary]:
        self._own(phone, student_id)
        return list(EXAMS[student_id])

    def current_term(self, school_id: int) -> TermRef | None:
        return self.terms.get(school_id)

    def set_language(self, phone: str, school_id: int, language: str) -> None:
        self.guardians[phone, school_id] = replace(self.guardians[phone, school_id], language=language)

    def set_wanted(self, phone: str, school_id: int, category: str, on: bool) -> None:
        guardian = self.guardians[phone, school_id]
        if category == REMINDERS:
            self.guardians[phone, school_id] = replace(guardian, reminders_on=on)
        elif category == ANNOUNCEMENTS:
            self.guardians[phone, school_id] = replace(guardian, announcements_on=on)
        else:
            raise ValueError(category)

    def set_channel(self, phone: str, school_id: int, channel: str) -> bool:
        guardian = self.guardians[phone, school_id]
        if channel not in CHANNELS or (channel == "email" and not guardian.has_email):
            return False
        self.guardians[phone, school_id] = replace(guardian, channel=channel)
        return True

    def promise_to_pay(self, phone: str, student_id: int, on: dt.date) -> None:
        self._own(phone, student_id)
        self.promises.append((phone, student_id, on))


@dataclass
class FakePayments:
    outcome: PaymentOutcome = PaymentOutcome.QUEUED
    requests: list[PaymentRequest] = field(default_factory=list)
    no_stk: set[int] = field(default_factory=set)  # schools without a Daraja app: Paybill only

    def stk_available(self, school_id: int) -> bool:
        return school_id not in self.no_stk

    def request_payment(self, request: PaymentRequest) -> PaymentOutcome:
        self.requests.append(request)
        return self.outcome


@dataclass
class FixedClock:
    on: dt.date = TODAY

    def today(self) -> dt.date:
        return self.on


@dataclass
class World:
    """The fakes together, and the Ports the flows are given."""

    directory: FakeDirectory
    payments: FakePayments
    clock: FixedClock

    @property
    def ports(self) -> Ports:
        return Ports(self.directory, self.payments, self.clock)


def world(language: str = "en", outcome: PaymentOutcome = PaymentOutcome.QUEUED) -> World:
    return World(FakeDirectory(language), FakePayments(outcome), FixedClock())
