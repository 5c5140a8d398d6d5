"""A demo family that prefers email: its receipts (with their PDF) land in the sandbox's email pane."""

from __future__ import annotations

import unicodedata

from sqlalchemy import select
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import sessionmaker

from bot.demo.leavers import demo_leaver
from bot.demo.people import Pupil
from ledger.books.tables import Payment
from ledger.db import transaction
from ledger.phones import normalise_phone
from ledger.records.tables import Channel, Guardian, School, Student


def email_candidates(pupils: list[Pupil], shared: Pupil) -> list[Pupil]:
    """English-speaking only children's families from the middle of the register: not the phones the demo
    suggests for other things (picked from its start, and the leaver from its end)."""
    families: dict[str, int] = {}
    for pupil in pupils:
        families[pupil.family_phone] = families.get(pupil.family_phone, 0) + 1
    leaver = demo_leaver(pupils, shared)
    middle = pupils[len(pupils) // 2 :]
    return [
        p
        for p in middle
        if families[p.family_phone] == 1 and p.language == "en" and p not in (shared, leaver)
    ]


def address_of(name: str) -> str:
    """``Wanjirũ Kamau`` -> ``wanjiru.kamau@example.com`` (example.com: no real mailbox is written to)."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    words = [w for w in folded.replace("'", "").split() if w.isalpha()]
    return f"{words[0]}.{words[-1]}@example.com"


def seed_email(
    sessions: sessionmaker[OrmSession], school_slug: str, candidates: list[Pupil]
) -> tuple[int, Pupil]:
    """A candidate's first guardian given an address and email as their channel, once (a later run keeps
    the family an earlier one chose); the rows changed and the pupil.

    The first candidate whose fees were paid is chosen, so a receipt is in the email pane at any hour: the
    term's notices are bulk and wait for the end of quiet hours, a receipt does not.
    """
    with transaction(sessions) as session:
        school = session.scalars(select(School).where(School.slug == school_slug)).one()
        guardians = {
            g.phone: g for g in session.scalars(select(Guardian).where(Guardian.school_id == school.id))
        }
        for pupil in candidates:
            chosen = guardians[normalise_phone(pupil.parents[0].phone)]
            if chosen.email is not None:
                return 0, pupil
        paid = set(
            session.scalars(
                select(Student.admission_no)
                .join(Payment, Payment.student_id == Student.id)
                .where(Student.school_id == school.id)
            )
        )
        pupil = next((p for p in candidates if p.admission_no in paid), candidates[0])
        parent = pupil.parents[0]
        chosen = guardians[normalise_phone(parent.phone)]
        chosen.email, chosen.preferred_channel = address_of(parent.name), Channel.EMAIL
        return 1, pupil
