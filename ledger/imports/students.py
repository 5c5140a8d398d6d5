"""The register: students, the classes they are in, and their guardians (one phone, one guardian)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ledger.errors import InvalidPhone
from ledger.imports.core import BadRow, Context, Importer, Outcome, Row
from ledger.imports.fields import admission_key, language_value, text_value
from ledger.imports.lookups import classes_by_name
from ledger.phones import normalise_phone
from ledger.records import Guardian, Language, SchoolClass, Student, StudentGuardian


@dataclass(frozen=True)
class GuardianPlan:
    phone: str  # E.164
    name: str


@dataclass(frozen=True)
class StudentPlan:
    admission_no: str
    key: str
    name: str
    class_name: str
    guardians: tuple[GuardianPlan, ...]
    language: Language | None  # None: leave (or default) the guardians' language


class StudentsImport(Importer[StudentPlan]):
    """Creates or updates each student by admission number; the file's guardians become theirs."""

    required = ("admission_no", "name", "class", "guardian_name", "guardian_phone")
    optional = ("guardian2_name", "guardian2_phone", "language")

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        school_id = ctx.school.id
        query = select(Student).where(Student.school_id == school_id)
        students = ctx.session.scalars(query.options(selectinload(Student.guardian_links)))
        self.students = {s.admission_key: s for s in students}
        self.classes = classes_by_name(ctx.session, school_id)
        guardians = ctx.session.scalars(select(Guardian).where(Guardian.school_id == school_id))
        self.guardians = {g.phone: g for g in guardians}
        self.lines_by_key: dict[str, int] = {}
        self.names_by_phone: dict[str, tuple[str, int]] = {}

    def check(self, row: Row) -> StudentPlan:
        admission_no = text_value(row.get("admission_no"), "admission_no", 20)
        key = admission_key(admission_no)
        if not key:
            raise BadRow(f"admission_no {admission_no!r} has no letters or digits")
        earlier = self.lines_by_key.setdefault(key, row.line)
        if earlier != row.line:
            raise BadRow(f"admission number {admission_no} is also on line {earlier}")
        return StudentPlan(
            admission_no=admission_no,
            key=key,
            name=text_value(row.get("name"), "name", 120),
            class_name=text_value(row.get("class"), "class", 40),
            guardians=self._check_guardians(row),
            language=language_value(row.get("language")),
        )

    def _check_guardians(self, row: Row) -> tuple[GuardianPlan, ...]:
        first = self._check_guardian(row, "guardian_name", "guardian_phone")
        if not (row.get("guardian2_name") or row.get("guardian2_phone")):
            return (first,)
        second = self._check_guardian(row, "guardian2_name", "guardian2_phone")
        if second.phone == first.phone:
            raise BadRow("guardian2_phone is the same number as guardian_phone")
        return first, second

    def _check_guardian(self, row: Row, name_column: str, phone_column: str) -> GuardianPlan:
        try:
            phone = normalise_phone(row.get(phone_column))
        except InvalidPhone as bad:
            raise BadRow(f"{phone_column}: {bad}") from None
        name = text_value(row.get(name_column), name_column, 120)
        # One phone is one guardian per school, so two names for it in one file is a typo to fix.
        first_name, line = self.names_by_phone.setdefault(phone, (name, row.line))
        if first_name.casefold() != name.casefold():
            raise BadRow(
                f"{phone_column} {row.get(phone_column)} is {first_name}'s on line {line}, not {name}'s"
            )
        return GuardianPlan(phone, name)

    def apply(self, plan: StudentPlan) -> Outcome:
        school_class = self._school_class(plan.class_name)
        student = self.students.get(plan.key)
        created = student is None
        if student is None:
            student = self._new_student(plan, school_class)
            changed = True
        else:
            changed = _assign(
                student, admission_no=plan.admission_no, name=plan.name, class_id=school_class.id
            )
        guardians = [self._guardian(g, plan.language) for g in plan.guardians]
        linked = self._link(student, [guardian for guardian, _ in guardians])
        if created:
            return Outcome.CREATED
        return Outcome.UPDATED if changed or linked or any(c for _, c in guardians) else Outcome.UNCHANGED

    def _school_class(self, name: str) -> SchoolClass:
        found = self.classes.get(name.casefold())
        if found is None:
            found = SchoolClass(school_id=self.ctx.school.id, name=name)
            self.ctx.session.add(found)
            self.ctx.session.flush()
            self.classes[name.casefold()] = found
        return found

    def _new_student(self, plan: StudentPlan, school_class: SchoolClass) -> Student:
        student = Student(
            school_id=self.ctx.school.id,
            admission_no=plan.admission_no,
            admission_key=plan.key,
            name=plan.name,
            class_id=school_class.id,
            guardian_links=[],
        )
        self.ctx.session.add(student)
        self.ctx.session.flush()
        self.students[plan.key] = student
        return student

    def _guardian(self, plan: GuardianPlan, language: Language | None) -> tuple[Guardian, bool]:
        """The guardian with this phone, created or brought up to date; and whether anything changed."""
        guardian = self.guardians.get(plan.phone)
        if guardian is not None:
            changes: dict[str, object] = {"name": plan.name}
            if language is not None:
                changes["language"] = language
            return guardian, _assign(guardian, **changes)
        guardian = Guardian(
            school_id=self.ctx.school.id,
            phone=plan.phone,
            name=plan.name,
            language=language or self.ctx.school.default_language,
        )
        self.ctx.session.add(guardian)
        self.ctx.session.flush()
        self.guardians[plan.phone] = guardian
        return guardian, True

    def _link(self, student: Student, guardians: list[Guardian]) -> bool:
        """Make the file's guardians the student's own: a number no longer listed stops getting news."""
        wanted = {g.id for g in guardians}
        stale = [link for link in student.guardian_links if link.guardian_id not in wanted]
        for link in stale:
            student.guardian_links.remove(link)
            self.ctx.session.delete(link)
        have = {link.guardian_id for link in student.guardian_links}
        added = [StudentGuardian(guardian_id=g.id) for g in guardians if g.id not in have]
        student.guardian_links.extend(added)
        self.ctx.session.flush()
        return bool(stale or added)


def _assign(record: object, **values: object) -> bool:
    """Set the fields that differ; True if any did."""
    changed = False
    for field, value in values.items():
        if getattr(record, field) != value:
            setattr(record, field, value)
            changed = True
    return changed
