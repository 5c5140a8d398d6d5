"""Payment plans from the student's page: a bursar agrees instalments (date + KES), a bad plan is explained
with what was typed kept, the plan's state (kept, missed, done, next instalment) follows the payments, a
plan is cancelled; each change audited; the reminders page then follows the plan; a head teacher only reads.
"""

from __future__ import annotations

import datetime as dt

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from ledger.billing.payment_plans import PaymentPlan
from ledger.books.tables import PaymentSource
from ledger.messaging.reminder_policy import NAIROBI
from tests.e2e.dashboard.conftest import HEAD_A, Clock, csrf_of, post_form, sign_in
from tests.e2e.dashboard.test_money import achieng_id, count
from tests.e2e.dashboard.test_pages import TODAY, pay
from tests.e2e.dashboard.test_reminders import audited


@pytest.fixture(autouse=True)
def morning(clock: Clock) -> Clock:
    clock.now = dt.datetime.combine(TODAY, dt.time(10), NAIROBI).astimezone(dt.UTC)
    return clock


def days(n: int) -> str:
    return (TODAY + dt.timedelta(days=n)).isoformat()


def add_plan(client: TestClient, student_id: int, rows: list[tuple[str, str]]) -> httpx.Response:
    page = client.get(f"/dashboard/students/{student_id}")
    fields = {
        "csrf_token": csrf_of(page),
        "due_on": [on for on, _ in rows],  # the form's rows: repeated fields, in order
        "amount": [amount for _, amount in rows],
    }
    return client.post(f"/dashboard/students/{student_id}/plan", data=fields)


def test_a_bursar_agrees_a_plan_and_sees_its_state_and_next_instalment(
    bursar: TestClient, staffed: sessionmaker[Session]
) -> None:
    pupil = achieng_id(staffed)
    answer = add_plan(bursar, pupil, [(days(30), "25,000"), (days(10), "10,000"), ("", "")])
    assert answer.status_code == 303
    page = bursar.get(answer.headers["location"]).text
    assert "Plan saved." in page
    assert "KES 35,000.00 in 2 instalments" in page and "kept" in page
    assert f"Next: KES 10,000.00 by {days(10)}." in page
    assert page.index(days(10)) < page.index(days(30))  # instalments in date order
    [entry] = audited(staffed, "plan.create")
    assert entry.actor == "bursar@kilimani.ac.ke" and entry.before == {"student": "KJA-001", "plan": None}
    assert entry.after is not None and entry.after["plan"] == [
        {"due_on": days(10), "amount": 10_000_00},
        {"due_on": days(30), "amount": 25_000_00},
    ]
    # Reminders now follow the plan: the family is reminded 3 days before the first instalment instead.
    preview = bursar.get("/dashboard/reminders").text
    assert "0 families to remind; 1 skipped." in preview and "on a payment plan: next reminder" in preview


def test_the_plan_is_done_when_paid_and_missed_when_an_instalment_passes(
    bursar: TestClient, staffed: sessionmaker[Session], clock: Clock
) -> None:
    pupil = achieng_id(staffed)
    add_plan(bursar, pupil, [(days(2), "1,000"), (days(20), "2,000")])
    clock.advance(5 * 24 * 3600)  # the first instalment's day passes unpaid
    page = bursar.get(f"/dashboard/students/{pupil}").text
    assert '<span class="tag">missed</span>' in page and f"Next: KES 1,000.00 by {days(2)}." in page
    pay(staffed, "KJA-001", 3_000_00, "TKL5PLAN01", PaymentSource.MPESA_PAYBILL)
    page = bursar.get(f"/dashboard/students/{pupil}").text
    assert '<span class="tag">done</span>' in page and "paid KES 3,000.00 since" in page


@pytest.mark.parametrize(
    ("rows", "error"),
    [
        ([("", ""), ("", "")], "A plan needs at least one instalment."),
        ([(days(-1), "5,000")], f"The instalment of {days(-1)} is in the past."),
        ([(days(90), "5,000")], f"The instalment of {days(90)} falls after the term ends."),
        ([(days(5), "5,000"), (days(5), "1,000")], "Two instalments fall on the same day."),
        ([(days(5), "0")], f"The instalment of {days(5)} must be more than zero."),
        ([(days(5), "")], "Row 1: amount is empty."),
        ([(days(5), "5,000"), (days(9), "lots")], "Row 2: amount"),
        ([("31/02/2026", "5,000")], "Row 1: date"),
    ],
)
def test_a_bad_plan_is_explained_with_what_was_typed_kept(
    bursar: TestClient, staffed: sessionmaker[Session], rows: list[tuple[str, str]], error: str
) -> None:
    pupil = achieng_id(staffed)
    answer = add_plan(bursar, pupil, rows)
    assert answer.status_code == 422
    assert error in answer.text.replace("&#39;", "'")
    for on, amount in rows:
        assert (
            f'name="due_on" value="{on}"' in answer.text and f'name="amount" value="{amount}"' in answer.text
        )
    assert "Owes KES 35,000.00" in answer.text  # the rest of the student's page is there too
    assert count(staffed, PaymentPlan) == 0 and audited(staffed, "plan.create") == []


def test_a_plan_is_cancelled_and_audited(bursar: TestClient, staffed: sessionmaker[Session]) -> None:
    pupil = achieng_id(staffed)
    add_plan(bursar, pupil, [(days(10), "5,000")])
    answer = post_form(
        bursar, f"/dashboard/students/{pupil}/plan/cancel", {}, from_page=f"/dashboard/students/{pupil}"
    )
    assert answer.status_code == 303
    page = bursar.get(answer.headers["location"]).text
    assert "Plan cancelled." in page and "No payment plan" in page
    [entry] = audited(staffed, "plan.cancel")
    assert entry.before == {"student": "KJA-001", "plan": [{"due_on": days(10), "amount": 5_000_00}]}
    assert entry.after == {"student": "KJA-001", "plan": None}
    assert "1 family to remind" in bursar.get("/dashboard/reminders").text  # the policy again


def test_the_same_plan_sent_twice_is_saved_once(bursar: TestClient, staffed: sessionmaker[Session]) -> None:
    pupil = achieng_id(staffed)
    for _ in range(2):
        assert add_plan(bursar, pupil, [(days(10), "5,000")]).status_code == 303
    assert count(staffed, PaymentPlan) == 1 and len(audited(staffed, "plan.create")) == 1


def test_a_new_plan_replaces_the_old_one(bursar: TestClient, staffed: sessionmaker[Session]) -> None:
    pupil = achieng_id(staffed)
    add_plan(bursar, pupil, [(days(10), "5,000")])
    add_plan(bursar, pupil, [(days(12), "7,000")])
    page = bursar.get(f"/dashboard/students/{pupil}").text
    assert f"Next: KES 7,000.00 by {days(12)}." in page and days(10) not in page
    second = audited(staffed, "plan.create")[1]
    assert second.before == {"student": "KJA-001", "plan": [{"due_on": days(10), "amount": 5_000_00}]}


def test_a_head_teacher_sees_the_plan_but_cannot_change_it(
    web: TestClient, staffed: sessionmaker[Session]
) -> None:
    pupil = achieng_id(staffed)
    sign_in(web, HEAD_A)
    page = web.get(f"/dashboard/students/{pupil}")
    assert "No payment plan" in page.text and f'action="/dashboard/students/{pupil}/plan"' not in page.text
    token = csrf_of(page)
    form = {"csrf_token": token, "due_on": days(10), "amount": "5,000"}
    assert web.post(f"/dashboard/students/{pupil}/plan", data=form).status_code == 403
    assert web.post(f"/dashboard/students/{pupil}/plan/cancel", data={"csrf_token": token}).status_code == 403
    assert count(staffed, PaymentPlan) == 0
