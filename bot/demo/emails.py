"""A demo family that prefers email: its receipts (with their PDF) land in the sandbox's email pane."""

from __future__ import annotations

import unicodedata

from sqlalchemy import select
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import sessionmaker

from bot.demo.leavers import demo_leaver
from bot.demo.people import Pupil
from ledger.db import transaction
from ledger.phones import normalise_phone
from ledger.records.tables import Channel, Guardian, School


def email_pupil(pupils: list[Pupil], shared: Pupil) -> Pupil:
    """An English-speaking only child's family from the middle of the register: not the phones the demo
    suggests for other things (picked from its start, and the leaver from its end)."""
    families: dict[str, int] = {}
    for pupil in pupils:
        families[pupil.family_phone] = families.get(pupil.family_phone, 0) + 1
    leaver = demo_leaver(pupils, shared)
    middle = pupils[len(pupils) // 2 :]
    return next(
        p
        for p in middle
        if families[p.family_phone] == 1 and p.language == "en" and p not in (shared, leaver)
    )


def address_of(name: str) -> str:
    """``Wanjirũ Kamau`` -> ``wanjiru.kamau@example.com`` (example.com: no real mailbox is written to)."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    words = [w for w in folded.replace("'", "").split() if w.isalpha()]
    return f"{words[0]}.{words[-1]}@example.com"


def seed_email(sessions: sessionmaker[OrmSession], school_slug: str, pupil: Pupil) -> int:
    """The pupil's first guardian given an address and email as their channel, once; rows changed."""
    parent = pupil.parents[0]
    with transaction(sessions) as session:
        guardian = session.scalars(
            select(Guardian)
            .join(School, School.id == Guardian.school_id)
            .where(School.slug == school_slug, Guardian.phone == normalise_phone(parent.phone))
        ).one()
        if guardian.email is not None:
            return 0
        guardian.email, guardian.preferred_channel = address_of(parent.name), Channel.EMAIL
        return 1
