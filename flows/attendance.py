"""This term's attendance: the share of days present, days absent, and the latest absences."""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING

from flows.context import Context
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


def summary(ctx: Context, record: AttendanceSummary) -> list[str]:
    lines = [
        ctx.t(
            "attendance_rate",
            term=term_label(record.term, ctx.language),
            percent=f"{decimal(record.percent_present)}%",
        ),
        ctx.t("attendance_days", present=record.present, days=record.days_recorded),
        ctx.t("attendance_absent", absent=record.absent),
    ]
    if record.recent_absences:
        dates = ", ".join(short_date(on, ctx.language) for on in record.recent_absences[:RECENT])
        lines.append(ctx.t("attendance_recent", dates=dates))
    return lines


def view(ctx: Context, state: AttendanceState, at: Position) -> Screen:
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
