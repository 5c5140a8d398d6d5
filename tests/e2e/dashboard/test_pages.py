"""The overview, the students list and a student's page, as Kilimani's bursar reads them."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from ledger.billing.invoicing import invoice_student
from ledger.books.tables import PaymentSource
from ledger.clock import school_day
from ledger.db import transaction
from ledger.messaging.outbox import OutboxMessage, record_refused
from ledger.payments.recording import Received, record_payment
from ledger.records.attendance import AttendanceStatus, record_attendance
from ledger.records.grading import ensure_default_scales
from ledger.records.results import get_or_create_exam
from ledger.records.tables import School, SchoolClass, Student, Term
from tests import builders as b

RESULTS_ONLY = {"HX-Request": "true", "HX-Target": "results"}
TODAY = school_day(dt.datetime.now(dt.UTC))  # the dashboard's today is Nairobi's


def kilimani(session: Session) -> tuple[School, Term, SchoolClass]:
    school = session.scalars(select(School).where(School.slug == "kilimani")).one()
    term = session.scalars(select(Term).where(Term.school_id == school.id)).one()
    grade = session.scalars(select(SchoolClass).where(SchoolClass.school_id == school.id)).one()
    return school, term, grade


def enrol(factory: sessionmaker[Session], adm: str, name: str, *, phone: str | None = None) -> int:
    """A Kilimani pupil in Grade 6, invoiced KES 35,000 for the term; returns their id."""
    with transaction(factory) as session:
        school, term, grade = kilimani(session)
        pupil = b.student(session, grade, adm, name)
        if phone:
            b.guardian(session, school, phone, pupil, name=f"Parent of {name}")
        invoice_student(session, pupil, term, actor="test")
        return pupil.id


def pay(factory: sessionmaker[Session], adm: str, amount: int, ref: str, source: PaymentSource) -> None:
    with transaction(factory) as session:
        school, _, _ = kilimani(session)
        pupil = session.scalars(select(Student).where(Student.admission_no == adm)).one()
        record_payment(session, school.id, Received(source, ref, amount, TODAY, adm), pupil, actor="test")


def table(client: TestClient, **params: str) -> str:
    return client.get("/dashboard/students", params=params, headers=RESULTS_ONLY).text


def test_the_overview_shows_the_terms_totals_and_todays_mpesa(
    bursar: TestClient, staffed: sessionmaker[Session]
) -> None:
    enrol(staffed, "KJA-002", "Brian Kamau")
    pay(staffed, "KJA-001", 10_000_00, "TKL4AB12CD", PaymentSource.MPESA_PAYBILL)
    pay(staffed, "KJA-002", 4_000_00, "CASH-0001", PaymentSource.CASH)
    page = bursar.get("/dashboard").text
    assert 'id="invoiced">KES 70,000.00' in page
    assert 'id="collected">KES 14,000.00' in page
    assert 'id="outstanding">KES 56,000.00' in page
    assert 'id="collection-rate">20.0%' in page
    assert 'id="mpesa-today">KES 10,000.00' in page and "(1 payment)" in page
    assert page.count("<svg") == 2  # daily collections and arrears by age, drawn on the server
    assert "KES 14,000.00</title>" in page  # today's bar carries its amount


def test_students_are_found_by_name_admission_number_or_phone(
    bursar: TestClient, staffed: sessionmaker[Session]
) -> None:
    enrol(staffed, "KJA-002", "Brian Kamau", phone="+254722000002")
    assert "Brian Kamau" in table(bursar, q="brian") and "Achieng" not in table(bursar, q="brian")
    assert "Brian Kamau" in table(bursar, q="kja-002")
    assert "Brian Kamau" in table(bursar, q="0722 000 002")  # a phone as a parent would say it
    assert "Brian Kamau" in table(bursar, q="+254722000002")
    assert "0 students" in table(bursar, q="Zawadi")
    enrol(staffed, "KJA/2024/003", "Chebet Ruto", phone="+254722000003")
    assert "Chebet Ruto" in table(bursar, q="kja 2024-003")  # punctuation as the bursar happens to type it


def test_sql_and_like_metacharacters_in_a_search_are_just_text(
    bursar: TestClient, staffed: sessionmaker[Session]
) -> None:
    enrol(staffed, "KJA-050", "O'Brien 100% Sure_")
    for query in ("' OR '1'='1", "'; DROP TABLE students; --", '" OR 1=1 --', "\\", "%", "_"):
        answer = bursar.get("/dashboard/students", params={"q": query}, headers=RESULTS_ONLY)
        assert answer.status_code == 200, query
        assert "Achieng" not in answer.text, query  # nothing matched everything
    assert "O&#39;Brien" in table(bursar, q="o'brien")
    assert "1 student" in table(bursar, q="100%") and "1 student" in table(bursar, q="sure_")
    assert "Achieng Otieno" in table(bursar)  # the table is still there


def test_a_student_named_as_a_script_is_shown_as_text(
    bursar: TestClient, staffed: sessionmaker[Session]
) -> None:
    pupil = enrol(staffed, "KJA-666", "<script>alert(1)</script>", phone="+254733000003")
    for page in (bursar.get("/dashboard/students").text, bursar.get(f"/dashboard/students/{pupil}").text):
        assert "<script>alert(1)</script>" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "script-src" not in bursar.get("/dashboard").headers["content-security-policy"]  # 'self' only
    assert "default-src 'self'" in bursar.get("/dashboard").headers["content-security-policy"]


def test_students_filter_by_class_balance_and_aging(
    bursar: TestClient, staffed: sessionmaker[Session]
) -> None:
    enrol(staffed, "KJA-002", "Brian Kamau")
    pay(staffed, "KJA-002", 35_000_00, "CASH-0002", PaymentSource.CASH)
    owing = table(bursar, balance="owing")
    assert "Achieng Otieno" in owing and "Brian Kamau" not in owing
    assert "Brian Kamau" in table(bursar, balance="clear") and "Achieng" not in table(bursar, balance="clear")
    assert "0 students" in table(bursar, balance="credit")
    # The e2e term fell due 5 days ago: what Achieng owes is 0-30 days old.
    assert "Achieng Otieno" in table(bursar, aging="0") and "0 students" in table(bursar, aging="3")
    with staffed() as session:
        grade_id = kilimani(session)[2].id
    assert "2 students" in table(bursar, class_id=str(grade_id))
    assert "2 students" in table(bursar, balance="nonsense", aging="99")  # ignored
    # A class id no class can have is no such page, like every other id (tests/e2e/dashboard/test_ids.py).
    assert bursar.get("/dashboard/students", params={"class_id": "junk"}).status_code == 404


def test_the_students_list_is_paged(bursar: TestClient, staffed: sessionmaker[Session]) -> None:
    with transaction(staffed) as session:
        _, _, grade = kilimani(session)
        for n in range(30):
            b.student(session, grade, f"KJA-{100 + n}", f"Zuri Pupil {n:02d}")
    first = table(bursar, q="zuri")
    assert "30 students" in first and "Page 1 of 2" in first and "Zuri Pupil 24" in first
    assert "Zuri Pupil 25" not in first and 'rel="next"' in first
    second = bursar.get("/dashboard/students", params={"q": "zuri", "page": "2"}, headers=RESULTS_ONLY).text
    assert "Zuri Pupil 25" in second and "Zuri Pupil 29" in second and "Zuri Pupil 00" not in second
    assert "Page 2 of 2" in second and 'rel="prev"' in second


def test_a_students_page_shows_statement_guardians_messages_attendance_and_results(
    bursar: TestClient, staffed: sessionmaker[Session]
) -> None:
    pay(staffed, "KJA-001", 12_500_00, "TKL4AB12CD", PaymentSource.MPESA_PAYBILL)
    with transaction(staffed) as session:
        school, term, _ = kilimani(session)
        pupil = session.scalars(select(Student).where(Student.admission_no == "KJA-001")).one()
        receipt = session.scalars(select(OutboxMessage).where(OutboxMessage.student_id == pupil.id)).one()
        record_refused(
            receipt, provider="africastalking", reason="AbsentSubscriber", now=dt.datetime.now(dt.UTC)
        )
        record_attendance(session, pupil, term.starts_on + dt.timedelta(days=1), AttendanceStatus.PRESENT)
        record_attendance(session, pupil, term.starts_on + dt.timedelta(days=2), AttendanceStatus.ABSENT)
        record_attendance(session, pupil, term.starts_on + dt.timedelta(days=3), AttendanceStatus.LATE)
        record_attendance(session, pupil, term.starts_on + dt.timedelta(days=4), AttendanceStatus.EXCUSED)
        ensure_default_scales(session, school)
        b.scores(
            session,
            get_or_create_exam(session, school.id, term, "Opener"),
            pupil,
            {"Maths": 81, "English": 64},
        )
        pupil_id = pupil.id
    page = bursar.get(f"/dashboard/students/{pupil_id}").text
    assert "Owes KES 22,500.00" in page
    assert "Tuition" in page  # the vote head it is owed on
    assert "M-Pesa payment TKL4AB12CD" in page and "KES 12,500.00" in page
    assert "Mama Otieno" in page and "+254712000001" in page
    assert "Received KES 12,500" in page  # the receipt's text
    assert "The phone was off or out of coverage" in page  # its fate, in plain words
    # 2 present (1 of them late) + 1 absent + 1 excused = 4 days: every status named, the figures add up
    assert "Present 2 of 4 days (50.0%), 1 of them late; absent 1, excused 1." in " ".join(page.split())
    assert "Opener" in page and "Maths 81" in page


def test_an_unknown_student_is_a_404_page(bursar: TestClient) -> None:
    answer = bursar.get("/dashboard/students/999999")
    assert answer.status_code == 404 and "Not found" in answer.text


def test_a_mistyped_address_is_a_page_not_json(bursar: TestClient) -> None:
    for url in ("/dashboard/students/abc", "/dashboard/students?page=0", "/dashboard/nowhere"):
        answer = bursar.get(url)
        assert answer.status_code == 404 and answer.headers["content-type"].startswith("text/html"), url
        assert "Not found" in answer.text


def test_the_webhooks_keep_their_json_errors(bursar: TestClient) -> None:
    answer = bursar.post("/at/ussd/wrong-token", data={})
    assert answer.status_code == 403 and answer.json() == {"detail": "forbidden"}
