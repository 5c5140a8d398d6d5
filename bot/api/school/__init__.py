"""The school API: what a school's own system reads and writes with a school API key."""

from __future__ import annotations

from fastapi import APIRouter

from bot.api.school import balances, calendar, payments, records, students, webhooks, writes


def school_routers() -> list[APIRouter]:
    return [
        students.router,
        writes.router,
        calendar.router,
        balances.router,
        payments.router,
        records.router,
        webhooks.router,
    ]
