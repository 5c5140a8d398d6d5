"""Running a scheduled M-Pesa task now: what an in-process timer calls (RQ calls ``bot.mpesa.jobs``)."""

from __future__ import annotations

from bot.mpesa.desk import MpesaDesk
from bot.mpesa.push import send_push
from bot.mpesa.queries import query
from bot.mpesa.scheduling import Task


def run_task(desk: MpesaDesk, task: Task, *args: int) -> None:
    """Send the push (args: request_id) or ask about it (args: request_id, attempt)."""
    if task == Task.PUSH:
        send_push(desk, *args)
    else:
        query(desk, *args)
