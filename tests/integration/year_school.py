"""A generated school for whole-year tests: families of one to three children in three classes, each family
with one paying habit, the Kenyan calendar's 2026 terms and 2027's first, fees for all four, a late fee.

Each family keeps one habit all year: ``on_time`` pays each term's fees on opening day, ``late`` pays what
it owes three weeks after the due date, ``half`` pays half the term's fees on opening day, ``never`` pays
nothing, ``stopped`` pays nothing and stopped reminders, ``silent`` pays nothing and stopped every message.
A third of the families read Kiswahili.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.billing.fee_rules import RuleChanges, set_rules
from ledger.billing.invoicing import invoice_class
from ledger.books.balances import total_owed
from ledger.books.tables import PaymentSource
from ledger.payments.recording import Received, record_payment
from ledger.records.tables import Guardian, Language, School, SchoolClass, Student, Term
from ledger.records.terms import get_or_create_term
from tests import builders as b
from tests.integration.reminders_school import KES, at

HABITS = ("on_time", "late", "half", "never", "stopped", "silent")
CODES = ("2026-1", "2026-2", "2026-3", "2027-1")
LATE_FEE = 500 * KES
GRACE_DAYS = 7
PAYS_LATE_AFTER_DUE = dt.timedelta(days=21)


@dataclass
class YearSchool:
    school: School
    terms: list[Term]  # 2026-1..3 and 2027-1
    classes: list[SchoolClass]
    fees: dict[int, int]  # class id -> each term's fees (cents)
    habits: dict[int, str] = field(default_factory=dict)  # guardian id -> habit
    children: dict[int, list[Student]] = field(default_factory=dict)  # guardian id -> its children


def year_school(session: Session, families: int = 24, seed: int = 15) -> YearSchool:
    rng = random.Random(seed)
    school = b.school(
        session,
        slug="mwanzo",
        name="Mwanzo Academy",
        paybill="600100",
        remind_days_before_due=7,
        remind_every_days=14,
        remind_max_per_term=4,
        holiday_reminders_on=True,
        holiday_remind_every_days=14,
        holiday_remind_max=3,
        next_term_notice_days=7,
    )
    classes = [b.school_class(session, school, f"Grade {n}") for n in (4, 5, 6)]
    tuition = b.vote_head(session, school, "Tuition", 10)
    terms = [get_or_create_term(session, school.id, code) for code in CODES]
    fees = {c.id: (18_000 + 2_000 * i) * KES for i, c in enumerate(classes)}
    for term in terms:
        for c in classes:
            b.fees(session, term, c, {tuition: fees[c.id]})
    set_rules(session, school.id, RuleChanges(late_fee_cents=LATE_FEE, grace_days=GRACE_DAYS))
    made = YearSchool(school, terms, classes, fees)
    for n in range(families):
        kids = [
            b.student(session, rng.choice(classes), f"Y{n:02d}{k}", f"{rng.choice(NAMES)} Child{n}")
            for k in range(rng.choice((1, 1, 2, 3)))
        ]
        guardian = b.guardian(session, school, f"+2547001{n:05d}", *kids, name=f"Parent {n}")
        guardian.language = Language.SW if (n // len(HABITS)) % 3 == 2 else Language.EN
        habit = HABITS[n % len(HABITS)]
        guardian.opted_out = {"stopped": ["reminders"], "silent": ["all"]}.get(habit, [])
        made.habits[guardian.id], made.children[guardian.id] = habit, kids
    session.commit()
    return made


NAMES = ("Wanjiku", "Otieno", "Achieng", "Kiprop", "Njeri", "Mutua", "Wambũi", "Chebet")


def opening_morning(session: Session, year: YearSchool, term: Term) -> None:
    """Invoice every class, then the families that pay on opening day pay."""
    for c in year.classes:
        invoice_class(session, c, term, actor="bursar", now=at(term.starts_on, 8))
    for guardian_id, habit in year.habits.items():
        for kid in year.children[guardian_id]:
            fees = year.fees[kid.class_id]
            amount = (
                total_owed(session, kid.id) if habit == "on_time" else fees // 2 if habit == "half" else 0
            )
            if amount > 0:
                _pay(session, year, kid, f"{term.code}-{kid.admission_no}", amount, term.starts_on)


def late_payers_pay(session: Session, year: YearSchool, term: Term, on: dt.date) -> None:
    for guardian_id, habit in year.habits.items():
        for kid in year.children[guardian_id] if habit == "late" else ():
            owed = total_owed(session, kid.id)
            if owed > 0:
                _pay(session, year, kid, f"{term.code}-late-{kid.admission_no}", owed, on)


def _pay(session: Session, year: YearSchool, kid: Student, ref: str, cents: int, on: dt.date) -> None:
    received = Received(PaymentSource.MPESA_PAYBILL, ref, cents, on)
    record_payment(session, year.school.id, received, kid, actor="t", now=at(on, 9))


def family_of(session: Session, year: YearSchool, habit: str, language: Language) -> Guardian:
    return next(
        guardian
        for guardian in session.scalars(select(Guardian).where(Guardian.id.in_(list(year.habits))))
        if year.habits[guardian.id] == habit and guardian.language == language
    )
