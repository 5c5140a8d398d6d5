"""Exam results: the latest exam's mean score and grade, its subjects a page at a time, and earlier exams."""

from __future__ import annotations

import enum
from functools import cached_property
from typing import TYPE_CHECKING

from flows.context import Turn
from flows.conversation import Position
from flows.formatting import clip, decimal, term_label
from flows.machine import Flow, Hop, build_machine
from flows.paging import chosen, numbered, page
from flows.screen import Option, Screen
from ledger.types import ExamSummary

if TYPE_CHECKING:
    from transitions.core import TransitionConfigDict

SUBJECTS_PAGE = 4
EXAMS_PAGE = 3


class ResultsState(enum.Enum):
    EXAM = "exam"  # item: which exam, 0 the latest
    SUBJECTS = "subjects"  # item: which exam; cursor: the first subject shown
    EARLIER = "earlier"  # cursor: the first earlier exam shown


R = ResultsState
TRANSITIONS: list[TransitionConfigDict] = [
    {
        "trigger": "subjects",
        "source": R.EXAM,
        "dest": R.SUBJECTS,
        "conditions": "has_exam",
        "before": "restart_paging",
    },
    {
        "trigger": "earlier",
        "source": R.EXAM,
        "dest": R.EARLIER,
        "conditions": "has_earlier",
        "before": "restart_paging",
    },
    {
        "trigger": "more",
        "source": R.SUBJECTS,
        "dest": None,
        "conditions": "more_subjects",
        "after": "turn_subjects",
    },
    {"trigger": "more", "source": R.EARLIER, "dest": None, "conditions": "more_exams", "after": "turn_exams"},
    {
        "trigger": "pick",
        "source": R.EARLIER,
        "dest": R.EXAM,
        "conditions": "known_exam",
        "before": "keep_exam",
    },
]
MACHINE = build_machine("results", ResultsState, TRANSITIONS)


def read(ctx: Turn) -> list[ExamSummary]:
    return ctx.ports.directory.exams(ctx.phone, ctx.student_id())


def exam_label(ctx: Turn, exam: ExamSummary, limit: int) -> str:
    return f"{clip(exam.exam, limit)}, {term_label(exam.term, ctx.language)}"


class ResultsHop(Hop):
    @cached_property
    def exams(self) -> list[ExamSummary]:
        return read(self.ctx)

    def has_exam(self) -> bool:
        return 0 <= self.item < len(self.exams) or self.refuse("invalid")

    def has_earlier(self) -> bool:
        return (self.item == 0 and len(self.exams) > 1) or self.refuse("invalid")

    def restart_paging(self) -> None:
        self.cursor = 0

    def more_subjects(self) -> bool:
        subjects = self.exams[self.item].subjects if self.item < len(self.exams) else ()
        return (self.cursor or 0) + SUBJECTS_PAGE < len(subjects) or self.refuse("invalid")

    def turn_subjects(self) -> None:
        self.cursor = (self.cursor or 0) + SUBJECTS_PAGE

    def more_exams(self) -> bool:
        return (self.cursor or 0) + EXAMS_PAGE < len(self.exams) - 1 or self.refuse("invalid")

    def turn_exams(self) -> None:
        self.cursor = (self.cursor or 0) + EXAMS_PAGE

    def known_exam(self) -> bool:
        return chosen(self.text, len(self.exams) - 1) is not None or self.refuse("invalid")

    def keep_exam(self) -> None:
        index = chosen(self.text, len(self.exams) - 1)
        self.item, self.cursor = (index or 0) + 1, None


def exam_view(ctx: Turn, exams: list[ExamSummary], at: Position) -> Screen:
    if not 0 <= at.item < len(exams):
        return Screen(ctx.t("results_none"))
    exam = exams[at.item]
    mean = ctx.t("results_mean", score=decimal(exam.mean_score), grade=clip(exam.mean_grade, 4))
    lines = [exam_label(ctx, exam, 16), mean]
    if exam.strongest:
        lines.append(ctx.t("results_best", subject=clip(exam.strongest, 14)))
    if exam.weakest:
        lines.append(ctx.t("results_weakest", subject=clip(exam.weakest, 14)))
    options = [Option("1", ctx.t("results_subjects"))]
    if at.item == 0 and len(exams) > 1:
        options.append(Option("2", ctx.t("results_earlier")))
    return Screen("\n".join(lines), tuple(options))


def subjects_view(ctx: Turn, exams: list[ExamSummary], at: Position) -> Screen:
    exam = exams[at.item] if 0 <= at.item < len(exams) else None
    if exam is None or not exam.subjects:
        return Screen(ctx.t("results_none"))
    first = max(at.cursor or 0, 0)
    shown, more = page(exam.subjects, first, SUBJECTS_PAGE)
    last = first + len(shown)
    numbers = f"{first + 1}-{last}" if last > first + 1 else str(last)
    head = ctx.t("results_page", shown=numbers, total=len(exam.subjects))
    lines = [head, *(f"{clip(s.subject, 14)} {s.score} {clip(s.grade, 3)}" for s in shown)]
    return Screen("\n".join(lines), (Option("98", ctx.t("more")),) if more else ())


def view(ctx: Turn, state: ResultsState, at: Position) -> Screen:
    exams = read(ctx)
    if state is R.SUBJECTS:
        return subjects_view(ctx, exams, at)
    if state is R.EARLIER:
        labels = [exam_label(ctx, exam, 13) for exam in exams[1:]]
        return Screen(
            ctx.t("results_earlier_title"), numbered(labels, at.cursor or 0, EXAMS_PAGE, ctx.t("more"))
        )
    return exam_view(ctx, exams, at)


FLOW = Flow(
    name="results",
    states=ResultsState,
    machine=MACHINE,
    hop=ResultsHop,
    view=view,
    keys={R.EXAM: {"1": "subjects", "2": "earlier"}, R.SUBJECTS: {"98": "more"}, R.EARLIER: {"98": "more"}},
    typed={R.EARLIER: "pick"},
)
