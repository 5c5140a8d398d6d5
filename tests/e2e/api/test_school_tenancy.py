"""A key of one school never reaches another's records: every school API route with an id, walked with
the other school's ids, answers 404; filters naming the other school's ids list nothing."""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.api.app import api_routers
from ledger.billing.sponsor_tables import BursaryAward
from ledger.books.tables import Payment
from ledger.messaging.outbox import OutboxMessage
from ledger.messaging.webhook_tables import WebhookEndpoint
from ledger.records.tables import School, SchoolClass, Student, Term
from tests.e2e.api.conftest import Keys

PARAM = re.compile(r"{(\w+)}")
Finder = Callable[[Session, int], int | None]
# For each path parameter a school API route may take, one of a school's ids.
FINDERS: dict[str, Finder] = {
    "student_id": lambda s, school: s.scalar(select(Student.id).where(Student.school_id == school)),
    "class_id": lambda s, school: s.scalar(select(SchoolClass.id).where(SchoolClass.school_id == school)),
    "term_id": lambda s, school: s.scalar(select(Term.id).where(Term.school_id == school)),
    "payment_id": lambda s, school: s.scalar(select(Payment.id).where(Payment.school_id == school)),
    "award_id": lambda s, school: s.scalar(select(BursaryAward.id).where(BursaryAward.school_id == school)),
    "message_id": lambda s, school: s.scalar(
        select(OutboxMessage.id).where(OutboxMessage.school_id == school)
    ),
    "endpoint_id": lambda s, school: s.scalar(
        select(WebhookEndpoint.id).where(WebhookEndpoint.school_id == school)
    ),
}


def school_routes() -> list[APIRoute]:
    """Every route signed with a school key (the parent API has its own sign-in and its own walk)."""
    routes = [route for router in api_routers() for route in router.routes if isinstance(route, APIRoute)]
    return [route for route in routes if not route.path.startswith("/parent")]


def test_every_route_with_an_id_answers_404_for_the_other_schools_ids(api: TestClient, keys: Keys) -> None:
    walked = []
    with keys.factory() as session:
        theirs = session.scalars(select(School.id).where(School.slug == "mwangaza")).one()
        ours = session.scalars(select(School.id).where(School.slug == "kilimani")).one()
        ids = {name: (find(session, theirs), find(session, ours)) for name, find in FINDERS.items()}
    assert all(their is not None and our is not None for their, our in ids.values()), ids
    for route in school_routes():
        names = PARAM.findall(route.path)
        if not names:
            continue
        missing = [name for name in names if name not in FINDERS]
        assert not missing, f"{route.path}: add a finder for {missing} to FINDERS"
        for method in sorted(route.methods):
            their_path = "/api/v1" + route.path.format(**{name: ids[name][0] for name in names})
            answer = api.request(method, their_path, headers=keys.auth(keys.write_a), json={})
            assert answer.status_code == 404, f"{method} {their_path}: {answer.status_code}"
            assert "Baraka" not in answer.text and "MS-100" not in answer.text
            our_path = "/api/v1" + route.path.format(**{name: ids[name][1] for name in names})
            if method == "GET":  # the same route with this school's own ids answers
                assert api.get(our_path, headers=keys.auth(keys.write_a)).status_code == 200, our_path
            walked.append(f"{method} {route.path}")
    assert "GET /students/{student_id}/statement" in walked and "GET /payments/{payment_id}" in walked
    assert "GET /terms/{term_id}/fee-structure" in walked and "GET /messages/{message_id}" in walked
    assert "DELETE /webhooks/{endpoint_id}" in walked and "PATCH /webhooks/{endpoint_id}" in walked


def test_lists_show_only_the_keys_school_even_when_filtered_by_the_other_schools_ids(
    api: TestClient, keys: Keys
) -> None:
    with keys.factory() as session:
        theirs = session.scalars(select(School.id).where(School.slug == "mwangaza")).one()
        student = FINDERS["student_id"](session, theirs)
        term = FINDERS["term_id"](session, theirs)
    for route in school_routes():
        if PARAM.search(route.path) or "GET" not in route.methods:
            continue
        for params in ({}, {"student_id": student, "term_id": term}):
            answer = api.get("/api/v1" + route.path, params=params, headers=keys.auth(keys.read_a))
            assert answer.status_code == 200, route.path
            assert (
                "Baraka" not in answer.text and "MS-100" not in answer.text and "mwangaza" not in answer.text
            )
    theirs_listed = api.get("/api/v1/students", headers=keys.auth(keys.write_b)).json()["items"]
    assert [s["admission_no"] for s in theirs_listed] == ["MS-100"]
