"""The parent API's routers, in the order their routes are matched."""

from __future__ import annotations

from fastapi import APIRouter

from bot.api.parent import attendance, children, exams, fees, notifications, pay, payments, signin


def parent_routers() -> list[APIRouter]:
    modules = (signin, children, fees, payments, attendance, exams, notifications, pay)
    return [module.router for module in modules]
