"""The register: students, the classes they are in, and their guardians (one phone, one guardian)."""

from __future__ import annotations

from ledger.errors import InvalidPhone
from ledger.imports.core import BadRow, Importer, ImportScope, Row, RowChange
from ledger.imports.fields import admission_key, language_value, text_value
from ledger.imports.phones import register_phone
from ledger.imports.register import GuardianPlan, RegisterWriter, StudentPlan
from ledger.records.emails import InvalidEmail, clean_email


class StudentsImport(Importer[StudentPlan]):
    """Creates or updates each student by admission number; the file's guardians become theirs."""

    required = ("admission_no", "name", "class", "guardian_name", "guardian_phone")
    optional = ("guardian2_name", "guardian2_phone", "language", "guardian_email", "guardian2_email")

    def __init__(self, ctx: ImportScope) -> None:
        super().__init__(ctx)
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
        first = self._check_guardian(row, "guardian_name", "guardian_phone", "guardian_email")
        if not (row.get("guardian2_name") or row.get("guardian2_phone")):
            if row.get("guardian2_email"):
                raise BadRow("guardian2_email is given without guardian2_name and guardian2_phone")
            return (first,)
        second = self._check_guardian(row, "guardian2_name", "guardian2_phone", "guardian2_email")
        if second.phone == first.phone:
            raise BadRow("guardian2_phone is the same number as guardian_phone")
        return first, second

    def _check_guardian(
        self, row: Row, name_column: str, phone_column: str, email_column: str
    ) -> GuardianPlan:
        try:
            phone = register_phone(row.get(phone_column))
        except InvalidPhone as bad:
            raise BadRow(f"{phone_column}: {bad}") from None
        name = text_value(row.get(name_column), name_column, 120)
        # One phone is one guardian per school, so two names for it in one file is a typo to fix.
        first_name, line = self.names_by_phone.setdefault(phone, (name, row.line))
        if first_name.casefold() != name.casefold():
            raise BadRow(
                f"{phone_column} {row.get(phone_column)} is {first_name}'s on line {line}, not {name}'s"
            )
        try:
            email = clean_email(row.get(email_column))
        except InvalidEmail as bad:
            raise BadRow(f"{email_column}: {bad}") from None
        return GuardianPlan(phone, name, email)

    def apply(self, plan: StudentPlan) -> RowChange:
        return self.apply_all([plan])[0]

    def apply_all(self, plans: list[StudentPlan]) -> list[RowChange]:
        # The register is read only now: a refused file never needed it.
        self.lines_by_key.clear()
        self.names_by_phone.clear()  # what checking needed, freed before writing needs its own
        return RegisterWriter(self.ctx.session, self.ctx.school).write(plans)
