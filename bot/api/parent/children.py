"""``/parent/children``: the signed-in phone's children in every school it is a guardian in."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from bot.api.pages import Page
from bot.api.parent.deps import Db, Phone
from bot.api.problems import PROBLEM_RESPONSES
from ledger.records import parents
from ledger.types import SchoolRef, StudentRef

router = APIRouter(prefix="/parent", tags=["parent"], responses=PROBLEM_RESPONSES)


class Child(BaseModel):
    id: int
    name: str
    admission_no: str
    class_name: str
    school_id: int
    school: str
    left: bool  # the child has left the school: their history stays readable

    @classmethod
    def of(cls, child: StudentRef, school: SchoolRef) -> Child:
        return cls(
            id=child.id,
            name=child.name,
            admission_no=child.admission_no,
            class_name=child.class_name,
            school_id=school.id,
            school=school.name,
            left=child.left,
        )


@router.get("/children", response_model=Page[Child])
def children(phone: Phone, session: Db) -> Page[Child]:
    """Every child of this phone (a family has a handful: one page)."""
    return Page[Child](
        items=[
            Child.of(child, school)
            for school in parents.schools_for_phone(session, phone)
            for child in parents.children_of(session, phone, school.id)
        ]
    )
