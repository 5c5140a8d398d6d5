"""Seeding the demo: two schools loaded through the bursar's CSV imports, invoiced, paid and registered.

Deterministic (everything comes from ``random.Random(2026)`` and seeds derived from it) and idempotent:
a second run on the same day adds nothing; a run on a later day adds only the new school days.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.demo.bursaries import bursaries_csv, seed_bursaries
from bot.demo.corrections import seed_corrections
from bot.demo.emails import address_of, email_candidates, seed_email
from bot.demo.leavers import demo_leaver, leavers_csv
from bot.demo.money import (
    KILIMANI_FEES,
    MWANGAZA_FEES,
    balances_csv,
    fees_csv,
    make_payments,
    opening_balances,
    paid_on,
)
from bot.demo.people import PhoneBook, Pupil, make_pupils, students_csv
from bot.demo.registers import attendance_csv, results_csv, school_days
from bot.demo.staff import LOGINS, DemoLogin, ensure_logins
from bot.demo.transport import TRANSPORT, enrolments_csv, riders
from ledger.db import transaction
from ledger.records.tables import School, SchoolClass, Student, Term

SEED = 2026
ACTOR = "demo"


@dataclass(frozen=True)
class DemoSchool:
    slug: str
    name: str
    paybill: str
    ussd_code: str
    fees: Mapping[str, Mapping[str, int]]


KILIMANI = DemoSchool("kilimani", "Kilimani Junior Academy", "522533", "*384*25#", KILIMANI_FEES)
MWANGAZA = DemoSchool("mwangaza", "Mwangaza Secondary", "880100", "*384*26#", MWANGAZA_FEES)


@dataclass(frozen=True)
class Cast:
    """Everyone in the demo, made before anything is written."""

    kilimani: list[Pupil]
    mwangaza: list[Pupil]
    shared: Pupil  # a Kilimani child whose guardians also have a child at Mwangaza


@dataclass(frozen=True)
class SeedReport:
    term: str
    added: int  # rows created or changed by this run: 0 when run again on the same day
    schools: list[tuple[DemoSchool, int]]  # with their active students
    phones: list[tuple[str, str]]  # (phone as typed at 07.., what to try with it)
    logins: tuple[DemoLogin, ...] = LOGINS  # the dashboard's


def make_cast() -> Cast:
    rng = random.Random(SEED)
    phones = PhoneBook(rng)
    classes = list(KILIMANI_FEES)
    kilimani = make_pupils(rng, phones, classes, total=200, two_child_families=30, first_admission=2101)
    mwangaza = make_pupils(
        rng, phones, list(MWANGAZA_FEES), total=6, two_child_families=0, first_admission=501
    )
    mwangaza = [replace(p, admission_no=f"M{p.admission_no}") for p in mwangaza]
    shared = rng.choice([p for p in kilimani if len(p.parents) == 2])
    # The child's first guardian has an elder child at Mwangaza: one phone, two schools.
    elder = Pupil("M507", f"Tumaini {shared.name.split()[-1]}", "Form 2", shared.parents[:1], shared.language)
    return Cast(kilimani, [*mwangaza, elder], shared)


def seed(sessions: sessionmaker[Session], today: dt.date) -> SeedReport:
    """Load the demo into a migrated database; safe to run again."""
    from ledger.records.terms import term_number_on

    cast = make_cast()
    code = f"{today.year}-{term_number_on(today)}"
    added = sum(ensure_school(sessions, school) for school in (KILIMANI, MWANGAZA))
    opening = opening_balances(random.Random(f"{SEED}:balances"), cast.kilimani)
    added += load_school(sessions, KILIMANI, cast.kilimani, code, today, opening)
    starts_on = find_term(sessions, KILIMANI, code).starts_on
    leavers = leavers_csv(demo_leaver(cast.kilimani, cast.shared), starts_on, today)
    added += import_text(sessions, KILIMANI, "leavers", leavers, today) if leavers else 0
    added += load_school(sessions, MWANGAZA, cast.mwangaza, code, today, {})
    added += sum(next_term_fees(sessions, school, code, today) for school in (KILIMANI, MWANGAZA))
    added += ensure_logins(sessions, dt.datetime.now(dt.UTC))
    added += seed_corrections(sessions, KILIMANI.slug, dt.datetime.now(dt.UTC))
    emails, emailed = seed_email(sessions, KILIMANI.slug, email_candidates(cast.kilimani, cast.shared))
    added += emails
    counts = student_counts(sessions)
    schools = [(school, counts.get(school.slug, 0)) for school in (KILIMANI, MWANGAZA)]
    return SeedReport(code, added, schools, phones_to_try(cast, opening, emailed))


def ensure_school(sessions: sessionmaker[Session], demo: DemoSchool) -> int:
    with transaction(sessions) as session:
        if session.scalar(select(School.id).where(School.slug == demo.slug)) is not None:
            return 0
        session.add(School(slug=demo.slug, name=demo.name, paybill=demo.paybill, ussd_code=demo.ussd_code))
        return 1


def load_school(
    sessions: sessionmaker[Session],
    demo: DemoSchool,
    pupils: Sequence[Pupil],
    code: str,
    today: dt.date,
    opening: Mapping[str, int],
) -> int:
    """Students, fees and opening balances through the imports; invoices; payments; registers."""
    added = import_text(sessions, demo, "students", students_csv(pupils), today)
    added += import_text(sessions, demo, "fees", fees_csv(code, demo.fees), today)
    if opening:
        added += import_text(sessions, demo, "balances", balances_csv(opening), today)
    if demo is KILIMANI:  # the school bus: an optional item, billed only to the children who take it
        bus = enrolments_csv(code, riders(pupils, str(SEED)))
        added += import_text(sessions, demo, "enrolments", bus, today)
    term = find_term(sessions, demo, code)
    added += invoice_school(sessions, demo, term)
    added += pay(sessions, demo, pupils, term, today, opening)
    if demo is KILIMANI:  # a few bursaries, and an NG-CDF cheque split over several students
        added += import_text(sessions, demo, "bursaries", bursaries_csv(code, pupils), today)
        added += seed_bursaries(sessions, lambda session: school_named(session, demo), pupils, term, today)
    days = list(school_days(term.starts_on, min(today, term.ends_on)))
    if days:
        added += import_text(sessions, demo, "attendance", attendance_csv(str(SEED), pupils, days), today)
    if today >= term.starts_on:
        added += import_text(sessions, demo, "results", results_csv(str(SEED), pupils), today)
    return added


def next_term_fees(sessions: sessionmaker[Session], demo: DemoSchool, code: str, today: dt.date) -> int:
    """In the holidays, next term's fee structure (this term's again, the bus left to its enrolments), so
    the reminders page shows the next term's notices as well as holiday arrears."""
    if today <= find_term(sessions, demo, code).ends_on:
        return 0
    year, number = (int(part) for part in code.split("-"))
    following = f"{year + 1}-1" if number == 3 else f"{year}-{number + 1}"
    fees = {name: {h: kes for h, kes in heads.items() if h != TRANSPORT} for name, heads in demo.fees.items()}
    return import_text(sessions, demo, "fees", fees_csv(following, fees), today)


def import_text(
    sessions: sessionmaker[Session], demo: DemoSchool, kind: str, text: str, today: dt.date
) -> int:
    from ledger.imports import import_csv

    with transaction(sessions) as session:
        report = import_csv(session, school_named(session, demo), kind, text, actor=ACTOR, today=today)
    return report.created + report.updated


def find_term(sessions: sessionmaker[Session], demo: DemoSchool, code: str) -> Term:
    from ledger.records.terms import get_or_create_term

    with transaction(sessions) as session:
        return get_or_create_term(session, school_named(session, demo).id, code)


def invoice_school(sessions: sessionmaker[Session], demo: DemoSchool, term: Term) -> int:
    from ledger.billing.invoicing import invoice_class

    with transaction(sessions) as session:
        school = school_named(session, demo)
        classes = session.scalars(select(SchoolClass).where(SchoolClass.school_id == school.id))
        return sum(invoice_class(session, c, term, actor=ACTOR).invoiced for c in classes)


def pay(
    sessions: sessionmaker[Session],
    demo: DemoSchool,
    pupils: Sequence[Pupil],
    term: Term,
    today: dt.date,
    opening: Mapping[str, int],
) -> int:
    """The term's payments that have arrived by ``today`` (later ones arrive on a later run)."""
    from ledger.payments.recording import Received, record_payment

    bus = {p.admission_no for p in riders(pupils, str(SEED))} if demo is KILIMANI else None
    owed = {
        p.admission_no: sum(
            amount
            for head, amount in demo.fees[p.class_name].items()
            if head != TRANSPORT or bus is None or p.admission_no in bus
        )
        + opening.get(p.admission_no, 0)
        for p in pupils
    }
    rng = random.Random(f"{SEED}:payments:{demo.slug}")
    payments = make_payments(rng, pupils, owed, oddities=demo is KILIMANI)
    created = 0
    with transaction(sessions) as session:
        school = school_named(session, demo)
        students = {
            s.admission_no: s for s in session.scalars(select(Student).where(Student.school_id == school.id))
        }
        for payment in payments:
            on = paid_on(term.starts_on, payment)
            if on > today:
                continue
            received = Received(
                payment.source,
                payment.reference,
                payment.amount * 100,
                on,
                payment.account_text,
                payment.payer,
            )
            student = students[payment.admission_no] if payment.admission_no else None
            created += record_payment(session, school.id, received, student, actor=ACTOR)[1]
    return created


def school_named(session: Session, demo: DemoSchool) -> School:
    return session.scalars(select(School).where(School.slug == demo.slug)).one()


def student_counts(sessions: sessionmaker[Session]) -> dict[str, int]:
    with sessions() as session:
        query = (
            select(School.slug, func.count(Student.id))
            .join(Student, Student.school_id == School.id)
            .where(Student.active.is_(True))
            .group_by(School.slug)
        )
        return {slug: count for slug, count in session.execute(query)}


def phones_to_try(cast: Cast, opening: Mapping[str, int], emailed: Pupil) -> list[tuple[str, str]]:
    """A few guardian phones worth dialling from the sandbox, with what each shows."""
    by_phone: dict[str, list[Pupil]] = {}
    for pupil in cast.kilimani:
        by_phone.setdefault(pupil.family_phone, []).append(pupil)
    shared = cast.shared.family_phone
    family = next(kids for phone, kids in by_phone.items() if len(kids) == 2 and phone != shared)
    others = [kids[0] for phone, kids in by_phone.items() if phone not in (shared, family[0].family_phone)]
    swahili = next(p for p in others if p.language == "sw")
    arrears = next(p for p in others if opening.get(p.admission_no, 0) > 0 and p is not swahili)
    leaver = demo_leaver(cast.kilimani, cast.shared)
    return [
        (local(shared), f"children in two schools ({cast.shared.name} at Kilimani, one at Mwangaza)"),
        (local(family[0].family_phone), f"two children: {family[0].name} and {family[1].name}"),
        (local(swahili.family_phone), f"prefers Kiswahili ({swahili.name})"),
        (local(arrears.family_phone), f"arrears brought forward ({arrears.name})"),
        (local(leaver.family_phone), f"a child who left this term ({leaver.name}): the final statement"),
        (
            local(emailed.family_phone),
            f"prefers email ({address_of(emailed.parents[0].name)}): the email pane",
        ),
    ]


def local(phone: str) -> str:
    """A phone as Kenyans write it: 0712345678."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    return "0" + digits[3:] if digits.startswith("254") else digits
