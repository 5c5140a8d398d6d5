"""A campaign killed with SIGKILL half-way: the next run writes the rest, and no family gets two.

A real ``karo reminders run`` process on real PostgreSQL, writing 400 families in batches of 5, is killed
once some batches have committed and others have not; a second run plans again and writes what is missing.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from ledger.billing.invoicing import invoice_class
from ledger.messaging.outbox import Category, OutboxMessage
from ledger.messaging.reminder_plans import Reminder
from tests import builders as b
from tests.conftest import PG_URL

FAMILIES = 400
KARO = Path(sys.executable).with_name("karo")
RUN = ["reminders", "run", "--school", "crash", "--at", "2026-02-02T10:00", "--batch", "5"]


def seed(engine: Engine) -> None:
    with Session(engine) as session:
        school = b.school(session, slug="crash", paybill="522522")
        grade = b.school_class(session, school, "Grade 3")
        term = b.term(session, school, "2026-1")
        b.fees(session, term, grade, {b.vote_head(session, school, "Tuition", 10): 10_000_00})
        for n in range(FAMILIES):
            b.guardian(session, school, f"+2547{n:08d}", b.student(session, grade, f"C{n:04d}"))
        invoice_class(session, grade, term, actor="t")
        session.commit()


def count(engine: Engine) -> tuple[int, int, int]:
    with Session(engine) as session:
        reminders = session.scalar(select(func.count()).select_from(Reminder)) or 0
        messages = session.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.category == Category.REMINDER)
        )
        families = session.scalar(select(func.count(OutboxMessage.guardian_id.distinct())))
        return reminders, messages or 0, families or 0


def karo(*args: str) -> subprocess.Popen[str]:
    env = os.environ | {"KARO_DATABASE_URL": PG_URL}
    env.pop("KARO_REDIS_URL", None)
    return subprocess.Popen(
        [str(KARO), *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


@pytest.mark.postgres_only
def test_a_campaign_killed_half_way_is_finished_by_the_next_run_without_duplicates(pg: Engine) -> None:
    seed(pg)
    first = karo(*RUN)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and count(pg)[0] < FAMILIES // 4:
        time.sleep(0.01)
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)
    written_before, _, _ = count(pg)
    assert 0 < written_before < FAMILIES, "the kill should land mid-campaign"
    second = karo(*RUN)
    out, err = second.communicate(timeout=120)
    assert second.returncode == 0, err
    *_, summary, queued = out.splitlines()
    assert queued == f"Queued {FAMILIES - written_before} reminder(s)."
    skipped = f"{written_before} skipped (already reminded for {written_before})"
    assert summary == f"{FAMILIES - written_before} to remind; {skipped}"
    assert count(pg) == (FAMILIES, FAMILIES, FAMILIES)  # one reminder and one message per family
