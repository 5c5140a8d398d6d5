"""This term's attendance: the share of days present, every status counted (present with late days
among them, absent, excused) so the figures add up, and the latest absences."""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING

from flows.context import Turn
from flows.conversation import Position
from flows.formatting import decimal, short_date, term_label
from flows.machine import Flow, Hop, build_machine
from flows.screen import Screen
from ledger.types import AttendanceSummary

if TYPE_CHECKING:
    from transitions.core import TransitionConfigDict

RECENT = 3  # absences listed by date


class AttendanceState(enum.Enum):
    SHOW = "show"


TRANSITIONS: list[TransitionConfigDict] = []  # one screen: only back and home lead anywhere
MACHINE = build_machine("attendance", AttendanceState, TRANSITIONS)


def summary(ctx: Turn, record: AttendanceSummary) -> list[str]:
    lines = [
        ctx.t(
            "attendance_rate",
            term=term_label(record.term, ctx.language),
            percent=f"{decimal(record.percent_present)}%",
        ),
        days(ctx, record),
        absences(ctx, record),
    ]
    if record.recent_absences:
        dates = ", ".join(short_date(on, ctx.language) for on in record.recent_absences[:RECENT])
        lines.append(ctx.t("attendance_recent", dates=dates))
    return lines


def days(ctx: Turn, record: AttendanceSummary) -> str:
    """Days present of days recorded, naming the late ones among them when there are any."""
    key = "attendance_days_late" if record.late else "attendance_days"
    return ctx.t(key, present=record.present, days=record.days_recorded, late=record.late)


def absences(ctx: Turn, record: AttendanceSummary) -> str:
    """Days absent, and the excused days (neither present nor absent) when there are any."""
    key = "attendance_absent_excused" if record.excused else "attendance_absent"
    return ctx.t(key, absent=record.absent, excused=record.excused)


def view(ctx: Turn, state: AttendanceState, at: Position) -> Screen:
    record = ctx.ports.directory.attendance(ctx.phone, ctx.student_id())
    lines = summary(ctx, record) if record and record.days_recorded else [ctx.t("attendance_none")]
    return Screen("\n".join(lines))


FLOW = Flow(
    name="attendance",
    states=AttendanceState,
    machine=MACHINE,
    hop=Hop,
    view=view,
    keys={},
    typed={},
)
