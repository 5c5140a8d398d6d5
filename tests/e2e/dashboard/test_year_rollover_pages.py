"""The rollover wizard over HTTP: anyone previews, only the head applies (with the CSRF token, once), the
preview's choices are what is applied, another school's classes are never touched, and undo puts it back."""

from __future__ import annotations

import datetime as dt
import html
import re

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from ledger.db import transaction
from ledger.records.tables import School, SchoolClass, Student
from ledger.staff.audit import AuditEntry
from tests import builders as b
from tests.e2e.dashboard.conftest import BURSAR_A, CLERK_A, HEAD_A, Clock, csrf_of, sign_in

PAGE = "/dashboard/year/rollover"
HIDDEN = re.compile(r'<input type="hidden" name="(\w+)" value="([^"]*)">')


def apply_form(page: str) -> dict[str, list[str]]:
    """The Apply form's fields as the browser would post them (CSRF token included)."""
    form = page[page.index('id="apply-form"') : page.index("</form>", page.index('id="apply-form"'))]
    fields: dict[str, list[str]] = {}
    for name, value in HIDDEN.findall(form):
        fields.setdefault(name, []).append(html.unescape(value))
    return fields


def class_ids(session: Session, slug: str) -> dict[str, int]:
    school = session.scalars(select(School).where(School.slug == slug)).one()
    return {
        c.name: c.id for c in session.scalars(select(SchoolClass).where(SchoolClass.school_id == school.id))
    }


def classes_of_pupils(factory: sessionmaker[Session]) -> dict[str, tuple[str, bool]]:
    with factory() as session:
        pupils = session.scalars(select(Student).order_by(Student.admission_no))
        return {p.admission_no: (session.get(SchoolClass, p.class_id).name, p.active) for p in pupils}


def test_the_head_applies_the_previewed_rollover_once_and_undoes_it(
    web: TestClient, staffed: sessionmaker[Session], clock: Clock
) -> None:
    with transaction(staffed) as session:
        kilimani = session.scalars(select(School).where(School.slug == "kilimani")).one()
        b.student(session, b.school_class(session, kilimani, "Grade 9"), "KJA-009", "Wanjiru Leaves")
    clock.now += dt.timedelta(days=90)  # the term is over: the holidays before the new year
    before = classes_of_pupils(staffed)
    with staffed() as session:
        ours, theirs = class_ids(session, "kilimani"), class_ids(session, "mwangaza")
    choices = [
        ("cls", str(ours["Grade 6"])), ("to", ""), ("new", "Grade 7 Blue"),
        ("cls", str(ours["Grade 9"])), ("to", "-"), ("new", ""),
        ("cls", str(theirs["Grade 6"])), ("to", "-"), ("new", ""),  # another school's class: ignored
        ("increase", "10"),
    ]  # fmt: skip

    assert sign_in(web, BURSAR_A).status_code == 303
    preview = web.get(PAGE, params=choices)
    assert preview.status_code == 200
    assert "Grade 7 Blue" in preview.text and "KES 38,500.00" in preview.text  # 35,000 and 10% more
    assert "The head applies the rollover" in preview.text and 'id="apply-form"' not in preview.text
    assert "Mwangaza" not in preview.text and "Baraka" not in preview.text
    token = csrf_of(preview)
    assert web.post(PAGE, data={"csrf_token": token, "to_year": "2030"}).status_code == 403
    web.cookies.clear()

    assert sign_in(web, HEAD_A).status_code == 303
    fields = apply_form(web.get(PAGE, params=choices).text)
    assert web.post(PAGE, data={n: v for n, v in fields.items() if n != "csrf_token"}).status_code == 403
    stale = {**fields, "plan_fingerprint": ["0" * 20]}
    refused = web.post(PAGE, data=stale)
    assert refused.status_code == 422 and "changed since the preview" in refused.text
    assert 'value="Grade 7 Blue"' in refused.text  # the choices are shown again as they were
    applied = web.post(PAGE, data=fields)
    assert applied.status_code == 303 and applied.headers["location"] == f"{PAGE}?done=applied"
    after = classes_of_pupils(staffed)
    assert after["KJA-001"] == ("Grade 7 Blue", True) and after["KJA-009"] == ("Grade 9", False)
    assert after["MS-100"] == before["MS-100"]  # Mwangaza's pupil stays where he was
    again = web.post(PAGE, data=fields)
    assert again.headers["location"] == f"{PAGE}?done=already"
    with staffed() as session:
        audited = select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "year.rollover")
        assert session.scalar(audited) == 1

    page = web.get(PAGE)
    assert "Undo the rollover" in page.text
    undone = web.post(
        f"{PAGE}/undo",
        data={"csrf_token": csrf_of(page), "to_year": page.text.split('name="to_year" value="')[1][:4]},
    )
    assert undone.headers["location"] == f"{PAGE}?done=undone"
    assert classes_of_pupils(staffed) == before


def test_a_clerk_may_look_but_not_apply_or_undo(web: TestClient, staffed: sessionmaker[Session]) -> None:
    assert sign_in(web, CLERK_A).status_code == 303
    page = web.get(PAGE)
    assert page.status_code == 200 and "Roll over to" in page.text
    token = csrf_of(page)
    assert web.post(f"{PAGE}/undo", data={"csrf_token": token, "to_year": "2030"}).status_code == 403
