"""The demo's leaver: one Kilimani child who left a week into the term, so the dashboard shows a leaver's
banner and the sandbox a family still reading the final statement (imported as any school would)."""

from __future__ import annotations

import datetime as dt

from bot.demo.people import Pupil


def demo_leaver(pupils: list[Pupil], shared: Pupil) -> Pupil:
    """An only child (so the family has nobody else at school), picked from the end of the register."""
    families: dict[str, int] = {}
    for pupil in pupils:
        families[pupil.family_phone] = families.get(pupil.family_phone, 0) + 1
    return next(p for p in reversed(pupils) if families[p.family_phone] == 1 and p is not shared)


def leavers_csv(leaver: Pupil, term_starts_on: dt.date, today: dt.date) -> str | None:
    """The leavers file, or None before the leaving day has come (the demo never dates the future)."""
    left_on = term_starts_on + dt.timedelta(days=7)
    if left_on > today:
        return None
    return f"admission_no,date,reason\n{leaver.admission_no},{left_on.isoformat()},transferred\n"
