"""The register changed by hand, under the students file's rules: a student added (refused as the file
refuses), a name or class changed, guardians added, re-phoned, given a language, removed; and what a phone
may reach afterwards."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.errors import NotFound
from ledger.imports import ImportRefused, import_csv
from ledger.imports.guardian_edits import (
    add_guardian,
    change_phone,
    remove_guardian,
    set_preferences,
)
from ledger.imports.register_edits import RegisterRefused, add_student, change_student, register_snapshot
from ledger.messaging.outbox import Category, MessageStatus, OutboxMessage, enqueue
from ledger.messaging.withdrawals import WITHDRAWN
from ledger.records.parents import children_of, schools_for_phone
from ledger.records.tables import Guardian, Language, School, SchoolClass, Student
from tests import builders as b

TODAY = dt.date(2026, 2, 10)
AT = dt.datetime(2026, 2, 10, 9, 0, tzinfo=dt.UTC)
MARY, JOHN, NEW = "+254712345678", "+254110123456", "+254722000111"


def typed(**fields: str) -> dict[str, str]:
    base = {
        "admission_no": "KJA/2026/014",
        "name": "Achieng Otieno",
        "class": "Grade 7",
        "guardian_name": "Mary Otieno",
        "guardian_phone": "0712 345 678",
    }
    return base | fields


@pytest.fixture
def school(session: Session) -> School:
    made = b.school(session, slug="kilimani")
    b.school_class(session, made, "Grade 7")
    session.commit()
    return made


def test_a_student_is_added_with_guardians_phones_in_any_kenyan_form(
    session: Session, school: School
) -> None:
    fields = typed(guardian2_name="John Otieno", guardian2_phone="0110-123-456", language="sw")
    added = add_student(session, school, fields, today=TODAY)
    session.commit()
    assert added.linked == ()
    snapshot = register_snapshot(session, added.student)
    assert snapshot["admission_no"] == "KJA/2026/014" and snapshot["class"] == "Grade 7"
    assert [(g["name"], g["phone"], g["language"]) for g in snapshot["guardians"]] == [
        ("Mary Otieno", MARY, "sw"),
        ("John Otieno", JOHN, "sw"),
    ]
    assert added.student.admission_key == "KJA2026014"
    assert [c.name for c in children_of(session, MARY, school.id)] == ["Achieng Otieno"]


def test_a_new_class_is_made_and_an_existing_one_found_ignoring_case(
    session: Session, school: School
) -> None:
    add_student(session, school, typed(**{"class": "grade 7"}), today=TODAY)
    add_student(session, school, typed(admission_no="KJA-15", **{"class": "Grade 8"}), today=TODAY)
    session.commit()
    names = session.scalars(select(SchoolClass.name).where(SchoolClass.school_id == school.id))
    assert sorted(names) == ["Grade 7", "Grade 8"]


def test_an_admission_number_taken_by_its_key_is_refused_naming_its_holder(
    session: Session, school: School
) -> None:
    add_student(session, school, typed(), today=TODAY)
    session.commit()
    with pytest.raises(RegisterRefused) as refused:
        add_student(session, school, typed(admission_no="kja 2026-014", name="Other"), today=TODAY)
    assert refused.value.field == "admission_no"
    assert str(refused.value) == "Admission number KJA/2026/014 is already Achieng Otieno's."


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"guardian_phone": "12345"}, "guardian_phone", "is not a valid phone number"),
        ({"guardian_phone": "020 2222222"}, "guardian_phone", "is not a mobile number"),
        ({"name": "  "}, "name", "Name is empty"),
        ({"admission_no": "//"}, "admission_no", "has no letters or digits"),
        (
            {"guardian2_name": "Mary Otieno", "guardian2_phone": "+254 712 345 678"},
            "guardian2_phone",
            "same number",
        ),
        ({"language": "French"}, "language", "use en (English) or sw (Kiswahili)"),
        ({"class": "x" * 41}, "class", "longer than 40 characters"),
    ],
)
def test_a_student_is_refused_as_the_students_file_refuses_the_row(
    session: Session, school: School, fields: dict[str, str], field: str, words: str
) -> None:
    with pytest.raises(RegisterRefused) as refused:
        add_student(session, school, typed(**fields), today=TODAY)
    assert refused.value.field == field and words in str(refused.value)
    # The students file refuses the same row, for the same reason.
    header = "admission_no,name,class,guardian_name,guardian_phone,guardian2_name,guardian2_phone,language"
    row = typed(**fields)
    cells = [row.get(column, "") for column in header.split(",")]
    with pytest.raises(ImportRefused) as file_refused:
        import_csv(session, school, "students", header + "\n" + ",".join(cells), actor="t", today=TODAY)
    assert words.lower() in str(file_refused.value).lower()


def test_two_names_for_one_phone_are_refused_without_a_line_number(session: Session, school: School) -> None:
    fields = typed(guardian2_name="John Otieno", guardian2_phone="0712345678")
    with pytest.raises(RegisterRefused) as refused:
        add_student(session, school, fields, today=TODAY)
    assert refused.value.field == "guardian2_phone"
    assert str(refused.value) == "Guardian2_phone 0712345678 is Mary Otieno's, not John Otieno's"


def test_a_phone_already_of_a_guardian_links_that_guardian(session: Session, school: School) -> None:
    add_student(session, school, typed(), today=TODAY)
    sibling = add_student(
        session, school, typed(admission_no="KJA-2", name="Baraka", guardian_name="Mama Baraka"), today=TODAY
    )
    session.commit()
    assert sibling.linked == ("Mary Otieno",)
    assert len(session.scalars(select(Guardian).where(Guardian.school_id == school.id)).all()) == 1
    assert [c.name for c in children_of(session, MARY, school.id)] == ["Achieng Otieno", "Baraka"]


def test_a_name_and_class_change(session: Session, school: School) -> None:
    student = add_student(session, school, typed(), today=TODAY).student
    assert change_student(session, student, name=" Achieng  A. Otieno ", class_name="Grade 8") is True
    assert change_student(session, student, name="Achieng A. Otieno", class_name="grade 8") is False
    assert register_snapshot(session, student)["name"] == "Achieng A. Otieno"
    with pytest.raises(RegisterRefused) as refused:
        change_student(session, student, name="", class_name="Grade 8")
    assert refused.value.field == "name"


def test_a_second_guardian_then_no_third(session: Session, school: School) -> None:
    student = add_student(session, school, typed(), today=TODAY).student
    with pytest.raises(RegisterRefused, match="already Mary Otieno's"):
        add_guardian(session, student, name="Mary", phone="0712345678", language="")
    assert add_guardian(session, student, name="John", phone="0110 123 456", language="sw") is None
    with pytest.raises(RegisterRefused, match="at most 2 guardians"):
        add_guardian(session, student, name="Aunt", phone="0733 000 111", language="")
    with pytest.raises(RegisterRefused) as refused:
        add_guardian(session, student, name="x", phone="07", language="")
    assert refused.value.field == ""  # refused for the count before the phone is read


def test_a_changed_phone_loses_every_child_of_the_guardian_at_once(session: Session, school: School) -> None:
    first = add_student(session, school, typed(), today=TODAY).student
    add_student(session, school, typed(admission_no="KJA-2", name="Baraka"), today=TODAY)
    mary = session.scalars(select(Guardian).where(Guardian.phone == MARY)).one()
    mary.opted_out = ["reminders", "sms"]
    session.commit()
    change = change_phone(session, first, mary.id, "0722 000 111", at=AT)
    session.commit()
    assert (change.old, change.new, change.merged_into, change.children) == (MARY, NEW, None, 2)
    assert children_of(session, MARY, school.id) == [] and schools_for_phone(session, MARY) == []
    assert [c.name for c in children_of(session, NEW, school.id)] == ["Achieng Otieno", "Baraka"]
    assert mary.opted_out == ["reminders"]  # her choice stays; the old SIM's network opt-out does not


def test_a_phone_of_another_guardian_moves_the_links_to_them(session: Session, school: School) -> None:
    achieng = add_student(session, school, typed(), today=TODAY).student
    add_student(
        session,
        school,
        typed(admission_no="KJA-2", name="Baraka", guardian_phone=NEW, guardian_name="Baba"),
        today=TODAY,
    )
    mary = session.scalars(select(Guardian).where(Guardian.phone == MARY)).one()
    change = change_phone(session, achieng, mary.id, "+254722000111", at=AT)
    session.commit()
    assert change.merged_into == "Baba"
    assert children_of(session, MARY, school.id) == []
    assert [c.name for c in children_of(session, NEW, school.id)] == ["Achieng Otieno", "Baraka"]
    assert (
        session.scalars(select(Guardian.phone).where(Guardian.school_id == school.id)).all().count(NEW) == 1
    )


def test_a_phone_change_to_the_same_number_or_a_bad_one_is_refused(session: Session, school: School) -> None:
    student = add_student(session, school, typed(), today=TODAY).student
    mary = session.scalars(select(Guardian).where(Guardian.phone == MARY)).one()
    with pytest.raises(RegisterRefused, match="already Mary Otieno's phone"):
        change_phone(session, student, mary.id, "0712-345-678", at=AT)
    with pytest.raises(RegisterRefused, match="not a valid phone number") as refused:
        change_phone(session, student, mary.id, "0712", at=AT)
    assert refused.value.field == "phone"


def test_a_guardian_of_another_student_or_school_is_not_found(session: Session, school: School) -> None:
    mine = add_student(session, school, typed(), today=TODAY).student
    other = b.school(session, slug="mwangaza")
    b.school_class(session, other, "Grade 7")
    theirs = add_student(session, other, typed(guardian_phone="0733 111 222"), today=TODAY).student
    their_guardian = session.scalars(select(Guardian).where(Guardian.school_id == other.id)).one()
    for change in (
        lambda: change_phone(session, mine, their_guardian.id, "0744 000 000", at=AT),
        lambda: remove_guardian(session, mine, their_guardian.id, at=AT),
        lambda: set_preferences(session, mine, their_guardian.id, language="sw", channel="sms"),
    ):
        with pytest.raises(NotFound):
            change()
    assert [c.name for c in children_of(session, "+254733111222", other.id)] == [theirs.name]


def test_the_last_guardian_is_never_removed(session: Session, school: School) -> None:
    student = add_student(session, school, typed(), today=TODAY).student
    mary = session.scalars(select(Guardian).where(Guardian.phone == MARY)).one()
    with pytest.raises(RegisterRefused, match="only guardian"):
        remove_guardian(session, student, mary.id, at=AT)
    add_guardian(session, student, name="John", phone=JOHN, language="")
    remove_guardian(session, student, mary.id, at=AT)
    session.commit()
    assert children_of(session, MARY, school.id) == []
    assert [g["phone"] for g in register_snapshot(session, student)["guardians"]] == [JOHN]


def test_language_and_channel(session: Session, school: School) -> None:
    student = add_student(session, school, typed(), today=TODAY).student
    mary = session.scalars(select(Guardian).where(Guardian.phone == MARY)).one()
    assert set_preferences(session, student, mary.id, language="sw", channel="whatsapp") is True
    assert set_preferences(session, student, mary.id, language="Kiswahili", channel="whatsapp") is False
    assert mary.language == Language.SW and mary.preferred_channel.value == "whatsapp"
    with pytest.raises(RegisterRefused) as refused:
        set_preferences(session, student, mary.id, language="sw", channel="pigeon")
    assert refused.value.field == "channel"


def queued(session: Session, school: School, phone: str, key: str, student: Student | None) -> None:
    enqueue(
        session,
        dedupe_key=key,
        phone=phone,
        body="Fees due",
        category=Category.REMINDER,
        now=AT,
        school_id=school.id,
        student_id=student.id if student else None,
    )


def statuses(session: Session) -> dict[str, tuple[MessageStatus, str | None]]:
    rows = session.scalars(select(OutboxMessage))
    return {m.dedupe_key: (m.status, m.failure_reason) for m in rows}


def test_messages_queued_to_a_changed_phone_are_withdrawn_in_the_same_commit(
    session: Session, school: School
) -> None:
    student = add_student(session, school, typed(), today=TODAY).student
    queued(session, school, MARY, "to-old", student)
    queued(session, school, JOHN, "to-someone-else", None)
    mary = session.scalars(select(Guardian).where(Guardian.phone == MARY)).one()
    session.commit()
    change_phone(session, student, mary.id, NEW, at=AT)
    session.commit()
    assert statuses(session) == {
        "to-old": (MessageStatus.FAILED, WITHDRAWN),
        "to-someone-else": (MessageStatus.QUEUED, None),
    }


def test_a_removed_guardian_keeps_news_of_their_other_children_only(session: Session, school: School) -> None:
    achieng = add_student(session, school, typed(), today=TODAY).student
    baraka = add_student(session, school, typed(admission_no="KJA-2", name="Baraka"), today=TODAY).student
    add_guardian(session, achieng, name="John", phone=JOHN, language="")
    queued(session, school, MARY, "about-achieng", achieng)
    queued(session, school, MARY, "about-baraka", baraka)
    mary = session.scalars(select(Guardian).where(Guardian.phone == MARY)).one()
    session.commit()
    remove_guardian(session, achieng, mary.id, at=AT)
    session.commit()
    assert statuses(session)["about-achieng"][0] == MessageStatus.FAILED
    assert statuses(session)["about-baraka"][0] == MessageStatus.QUEUED
    assert [c.name for c in children_of(session, MARY, school.id)] == ["Baraka"]
