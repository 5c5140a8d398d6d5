"""The reminders page through the app: the policy edited by a bursar (bad input kept and explained), the
preview of a run now, "Run now" queuing each family once however often it is pressed, what reminders
achieved this term, and a head teacher who may read it all but change nothing. Each change is audited.

The dashboard's clock is set to 10:00 in Nairobi today: the term's fees fell due five days ago, so the
policy's "7 days before due" reminder day has passed and Kilimani's one family is due a reminder.
"""

from __future__ import annotations

import datetime as dt

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.dashboard import reminders as dashboard_reminders
from ledger.books.tables import PaymentSource
from ledger.db import transaction
from ledger.messaging.outbox import Category, OutboxMessage
from ledger.messaging.reminder_policy import NAIROBI
from ledger.records.tables import Guardian, School
from ledger.staff.audit import AuditEntry
from tests.e2e.dashboard.conftest import BURSAR_B, HEAD_A, Clock, csrf_of, post_form, sign_in
from tests.e2e.dashboard.test_pages import TODAY, enrol, pay

PAGE = "/dashboard/reminders"
POLICY = {
    "reminders_on": "on",
    "remind_days_before_due": "7",
    "remind_every_days": "14",
    "remind_max_per_term": "4",
    "quiet_hours_start": "20",
    "quiet_hours_end": "7",
}


@pytest.fixture(autouse=True)
def morning(clock: Clock) -> Clock:
    clock.now = dt.datetime.combine(TODAY, dt.time(10), NAIROBI).astimezone(dt.UTC)
    return clock


def run_now(client: TestClient) -> httpx.Response:
    return post_form(client, f"{PAGE}/run", {}, from_page=PAGE)


def kilimani_of(factory: sessionmaker[Session]) -> School:
    with factory() as session:
        return session.scalars(select(School).where(School.slug == "kilimani")).one()


def reminders_queued(factory: sessionmaker[Session]) -> list[tuple[str, str]]:
    """(school slug, phone) of every reminder in the outbox."""
    with factory() as session:
        query = (
            select(School.slug, OutboxMessage.phone)
            .join(School, School.id == OutboxMessage.school_id)
            .where(OutboxMessage.category == Category.REMINDER)
        )
        return [(slug, phone) for slug, phone in session.execute(query)]


def audited(factory: sessionmaker[Session], action: str) -> list[AuditEntry]:
    with factory() as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def test_the_preview_says_who_would_get_what_and_why_the_others_are_skipped(
    bursar: TestClient, staffed: sessionmaker[Session]
) -> None:
    enrol(staffed, "KJA-002", "Brian Kamau", phone="+254722000002")
    pay(staffed, "KJA-002", 35_000_00, "TKL4AB12CD", PaymentSource.MPESA_PAYBILL)  # owes nothing now
    enrol(staffed, "KJA-003", "Neema Wanjiru", phone="+254733000003")
    with transaction(staffed) as session:
        stopped = session.scalars(select(Guardian).where(Guardian.phone == "+254733000003")).one()
        stopped.opted_out = ["reminders"]
    enrol(staffed, "KJA-004", "Ivy <b>Wa</b>", phone="+254744000004")
    page = bursar.get(PAGE)
    assert page.status_code == 200
    assert "2 families to remind; 2 skipped." in page.text
    assert "Mama Otieno" in page.text and "+254712000001" in page.text and "before due" in page.text
    assert "Kilimani Junior Academy: Fee reminder. Achieng Otieno (KJA-001) KES 35,000" in page.text
    assert "<td>owes nothing</td>" in page.text and "<td>stopped reminders</td>" in page.text
    assert "Neema Wanjiru" not in page.text  # a skipped family is counted, not listed
    # The message text is shown as text: a name with markup in it stays a name.
    assert "Ivy &lt;b&gt;Wa&lt;/b&gt;" in page.text and "<b>Wa</b>" not in page.text
    assert 'action="/dashboard/reminders/run"' in page.text
    assert reminders_queued(staffed) == []  # a preview queues nothing


def test_run_now_queues_each_family_once_for_this_school_only(
    bursar: TestClient, staffed: sessionmaker[Session]
) -> None:
    first = run_now(bursar)
    assert first.status_code == 303 and first.headers["location"] == f"{PAGE}?queued=1"
    page = bursar.get(first.headers["location"]).text
    assert "Queued 1 reminder." in page
    assert "0 families to remind; 1 skipped." in page and "already reminded for" in page
    assert 'id="sent"' in page and "+254712000001" in page and "queued" in page
    # The parent's phone is in both schools: only Kilimani's reminder is queued.
    assert reminders_queued(staffed) == [("kilimani", "+254712000001")]

    again = run_now(bursar)
    assert again.headers["location"] == f"{PAGE}?queued=0"
    assert "Nothing new to queue" in bursar.get(again.headers["location"]).text
    assert reminders_queued(staffed) == [("kilimani", "+254712000001")]
    [entry] = audited(staffed, "reminders.run")
    assert entry.actor == "bursar@kilimani.ac.ke"
    assert entry.before is not None and entry.before["reminders"] == 0
    assert entry.after is not None and entry.after["queued"] == 1 and entry.after["reminders"] == 1


def test_in_quiet_hours_the_page_says_so_and_nothing_is_queued(
    bursar: TestClient, staffed: sessionmaker[Session], clock: Clock
) -> None:
    clock.now = dt.datetime.combine(TODAY, dt.time(21), NAIROBI).astimezone(dt.UTC)
    page = bursar.get(PAGE).text
    assert "No reminders would go: quiet hours (20:00-07:00)." in page
    assert 'action="/dashboard/reminders/run"' not in page
    answer = run_now(bursar)
    assert answer.headers["location"] == f"{PAGE}?queued=0"
    assert "Nothing queued: quiet hours (20:00-07:00)." in bursar.get(answer.headers["location"]).text
    assert reminders_queued(staffed) == [] and audited(staffed, "reminders.run") == []


def test_the_preview_is_paged(
    bursar: TestClient, staffed: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(dashboard_reminders, "PER_PAGE", 2)  # three families, two a page
    enrol(staffed, "KJA-002", "Brian Kamau", phone="+254722000002")
    enrol(staffed, "KJA-003", "Neema Wanjiru", phone="+254733000003")
    first = bursar.get(PAGE).text
    assert "3 families to remind" in first and "page 1 of 2" in first
    assert "Achieng Otieno" in first and "Brian Kamau" in first and "Neema Wanjiru" not in first
    second = bursar.get(PAGE, params={"page": "2"}).text
    assert "page 2 of 2" in second and "Neema Wanjiru" in second and "Brian Kamau" not in second
    assert bursar.get(PAGE, params={"page": "0"}).status_code == 404  # a mistyped address: a page


def test_a_family_that_pays_within_7_days_counts_as_the_reminders_effect(
    bursar: TestClient, staffed: sessionmaker[Session], clock: Clock
) -> None:
    run_now(bursar)
    page = bursar.get(PAGE).text
    assert '<dd id="reminded">1</dd>' in page and '<dd id="waiting">1</dd>' in page
    pay(staffed, "KJA-001", 5_000_00, "TKL9PAID01", PaymentSource.MPESA_PAYBILL)
    page = bursar.get(PAGE).text
    assert '<dd id="paid-within">1</dd>' in page and '<dd id="waiting">0</dd>' in page
    assert '<dd id="rate">100%</dd>' in page


def test_a_bursar_edits_the_policy_and_the_change_is_audited(
    bursar: TestClient, staffed: sessionmaker[Session]
) -> None:
    changed = {**POLICY, "remind_days_before_due": "0", "remind_every_days": "30", "quiet_hours_end": "6"}
    answer = post_form(bursar, f"{PAGE}/policy", changed, from_page=PAGE)
    assert answer.status_code == 303
    page = bursar.get(answer.headers["location"]).text
    assert "Policy saved." in page
    # No reminder day has come under the new policy: the next is 30 days after the due date.
    assert "0 families to remind; 1 skipped." in page and "<td>next reminder day</td>" in page
    school = kilimani_of(staffed)
    assert (school.remind_days_before_due, school.remind_every_days, school.quiet_hours_end) == (0, 30, 6)
    [entry] = audited(staffed, "reminders.policy")
    assert entry.before is not None and entry.before["remind_every_days"] == 14
    assert entry.after is not None and entry.after["remind_every_days"] == 30
    assert entry.after["reminders_on"] is True and entry.target == f"school:{school.id}"

    off = post_form(bursar, f"{PAGE}/policy", {**changed, "reminders_on": "off"}, from_page=PAGE)
    assert (
        "No reminders would go: reminders are off for this school."
        in bursar.get(off.headers["location"]).text
    )
    assert kilimani_of(staffed).reminders_on is False


@pytest.mark.parametrize(
    ("field", "typed", "error"),
    [
        ("remind_days_before_due", "61", "Days before the due date: 61 is not a whole number from 0 to 60."),
        ("remind_every_days", "0", "Days between reminders after it: 0 is not a whole number from 1 to 60."),
        ("remind_max_per_term", "21", "Most reminders a term: 21 is not a whole number from 0 to 20."),
        ("quiet_hours_start", "24", "Quiet hours start (hour): 24 is not a whole number from 0 to 23."),
        (
            "quiet_hours_end",
            "seven",
            "Quiet hours end (hour): &#39;seven&#39; is not a whole number from 0 to 23.",
        ),
        ("remind_every_days", "", "Days between reminders after it: give a whole number from 1 to 60."),
    ],
)
def test_bad_policy_input_is_explained_kept_in_the_form_and_changes_nothing(
    bursar: TestClient, staffed: sessionmaker[Session], field: str, typed: str, error: str
) -> None:
    form = {**POLICY, "remind_max_per_term": "9", field: typed}
    answer = post_form(bursar, f"{PAGE}/policy", form, from_page=PAGE)
    assert answer.status_code == 422
    assert error in answer.text
    assert f'name="{field}" value="{typed}"' in answer.text.replace("&#39;", "'")  # what was typed, kept
    if field != "remind_max_per_term":
        assert 'name="remind_max_per_term" value="9"' in answer.text
    school = kilimani_of(staffed)
    assert (school.remind_days_before_due, school.remind_every_days, school.remind_max_per_term) == (7, 14, 4)
    assert audited(staffed, "reminders.policy") == []


def test_a_head_teacher_reads_the_page_but_cannot_run_or_edit(
    web: TestClient, staffed: sessionmaker[Session]
) -> None:
    sign_in(web, HEAD_A)
    page = web.get(PAGE)
    assert page.status_code == 200 and "1 family to remind" in page.text
    assert 'action="/dashboard/reminders/run"' not in page.text
    assert 'action="/dashboard/reminders/policy"' not in page.text and "Reminders on" in page.text
    token = csrf_of(page)
    assert web.post(f"{PAGE}/run", data={"csrf_token": token}).status_code == 403
    assert (
        web.post(f"{PAGE}/policy", data={**POLICY, "remind_every_days": "3", "csrf_token": token}).status_code
        == 403
    )
    assert reminders_queued(staffed) == [] and kilimani_of(staffed).remind_every_days == 14


def test_run_now_without_the_csrf_token_is_refused(
    bursar: TestClient, staffed: sessionmaker[Session]
) -> None:
    assert bursar.post(f"{PAGE}/run").status_code == 403
    assert reminders_queued(staffed) == []


def test_the_last_reminders_show_only_this_schools(
    bursar: TestClient, staffed: sessionmaker[Session]
) -> None:
    # Mwangaza's bursar, in another browser on the same app, runs Mwangaza's reminders.
    other = TestClient(bursar.app, base_url="https://testserver", follow_redirects=False)
    sign_in(other, BURSAR_B)
    assert run_now(other).headers["location"] == f"{PAGE}?queued=1"
    assert reminders_queued(staffed) == [("mwangaza", "+254712000001")]
    page = bursar.get(PAGE).text
    assert "No reminders yet." in page and "Mwangaza" not in page and "Baraka" not in page
    assert "1 family to remind" in page  # Mwangaza's run left Kilimani's family still due
