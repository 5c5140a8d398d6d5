"""The home page: which schools this deployment serves, for a person checking it is up."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.routes.deps import SessionDep
from ledger.records.tables import School, Student

TEMPLATES = Jinja2Templates(directory=Path(__file__).resolve().parent.parent / "templates")

router = APIRouter()


@dataclass(frozen=True)
class SchoolRow:
    name: str
    slug: str
    paybill: str | None
    ussd_code: str | None
    students: int


def school_rows(session: Session) -> list[SchoolRow]:
    """Every school with its count of active students, by name."""
    active = func.count(Student.id).filter(Student.active.is_(True))
    query = (
        select(School.name, School.slug, School.paybill, School.ussd_code, active)
        .outerjoin(Student, Student.school_id == School.id)
        .group_by(School.id)
        .order_by(School.name)
    )
    return [SchoolRow(*row) for row in session.execute(query)]


@router.get("/", response_class=HTMLResponse)
def home(request: Request, session: SessionDep) -> HTMLResponse:
    return TEMPLATES.TemplateResponse(request, "home.html", {"schools": school_rows(session)})
