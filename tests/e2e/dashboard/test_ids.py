"""An id the database cannot hold (too big, negative, not a number) is a 404 page on every dashboard route
that takes one, in its path or its query, never a 500."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from bot.dashboard.ids import is_id
from tests.e2e.dashboard.conftest import csrf_of
from tests.e2e.dashboard.test_money import achieng_id
from tests.e2e.dashboard.test_tenancy import PARAM, dashboard_routes

BAD_IDS = ("99999999999999999999", "-1", "0", "abc", "１２")  # the last: full-width digits
NOT_IDS = {"token"}  # an invite link's token: no row id, its route finds no link for any of BAD_IDS


def test_every_route_with_an_id_in_its_path_answers_404_for_an_id_out_of_range(bursar: TestClient) -> None:
    walked = set()
    for route in dashboard_routes():
        names = PARAM.findall(route.path)
        assert all(is_id(name) or name in NOT_IDS for name in names), f"{route.path}: a parameter not an id"
        for name in names:
            for bad in BAD_IDS:
                path = route.path.format(**{other: 1 for other in names} | {name: bad})
                for method in sorted(route.methods):
                    data = {"csrf_token": csrf_of(bursar.get("/dashboard"))} if method == "POST" else None
                    answer = bursar.request(method, path, data=data)
                    assert answer.status_code == 404, f"{method} {path}: {answer.status_code}"
                    assert "not found" in answer.text.lower() or "no such" in answer.text.lower(), path
                    walked.add(f"{method} {route.path}")
    assert "GET /dashboard/students/{student_id}" in walked
    assert "POST /dashboard/suspense/{payment_id}/allocate" in walked


def test_every_id_in_a_query_answers_404_when_out_of_range(
    bursar: TestClient, staffed: sessionmaker[Session]
) -> None:
    pupil = achieng_id(staffed)
    walked = set()
    for route in dashboard_routes():
        if "GET" not in route.methods:
            continue
        for param in route.dependant.query_params:
            if not is_id(param.name):
                continue
            path = route.path.format(**{name: pupil for name in PARAM.findall(route.path)})
            for bad in BAD_IDS:
                answer = bursar.get(path, params={param.name: bad})
                assert answer.status_code == 404, f"GET {path}?{param.name}={bad}: {answer.status_code}"
            walked.add(f"{route.path}?{param.name}")
    assert walked == {
        "/dashboard/students?class_id",
        "/dashboard/students/{student_id}?paid",
        "/dashboard/payments?reversal_id",
    }


def test_an_empty_class_filter_still_lists_everyone(bursar: TestClient) -> None:
    page = bursar.get("/dashboard/students", params={"class_id": ""})
    assert page.status_code == 200 and "Achieng Otieno" in page.text


def test_the_largest_id_the_database_holds_is_an_ordinary_404(bursar: TestClient) -> None:
    answer = bursar.get("/dashboard/students/2147483647")
    assert answer.status_code == 404 and "No such student" in answer.text
