"""CSV imports as a bursar meets them: a good file lands whole, a file with bad rows lands not at all."""

import datetime as dt

import pytest
from sqlalchemy import event, func, select

from ledger.billing.credits import OPENING_VOTE_HEAD
from ledger.billing.invoicing import invoice_class
from ledger.books.accounts import student_accounts
from ledger.books.reversals import reverse_entry
from ledger.books.tables import Account, Entry, EntryKind, Line, PaymentSource
from ledger.db import Base
from ledger.imports import ImportRefused, decode_csv, import_csv
from ledger.payments.recording import Received, record_payment
from ledger.records.attendance import AttendanceRecord, AttendanceStatus
from ledger.records.results import Score
from ledger.records.tables import FeeItem, Guardian, Language, SchoolClass, Student, Term, VoteHead
from tests import builders as b

TODAY = dt.date(2026, 2, 10)  # in term 2026-1 by the usual calendar

STUDENTS = """\
admission_no,name,class,guardian_name,guardian_phone,guardian2_name,guardian2_phone,language
A001,Achieng Otieno,Grade 7,Mary Otieno,0712 345 678,,,sw
A002,Baraka Otieno,Grade 5,Mary Otieno,+254712345678,John Otieno,0110-123-456,
A-003,Chebet Kiprop,Grade 7,Ruth Kiprop,722000111,,,English
"""

FEES = """\
term,class,vote_head,amount
2026-1,Grade 7,Tuition,"15,000.00"
2026-1,Grade 7,Lunch,"4,500.50"
2026-1,Grade 5,Tuition,12000
2026-1,Grade 5,Transport,3000
"""

BALANCES = """\
admission_no,amount
A001,"2,500.00"
A002,-1000
A003,0
"""

ATTENDANCE = """\
admission_no,date,status,note
A001,2026-02-02,present,
A002,03/02/2026,absent,sick
A003,2026-02-03,late,
"""

RESULTS = """\
admission_no,exam,subject,score,grade
A001,Midterm,Mathematics,78,
A001,Midterm,English,64,B
A002,Midterm,Mathematics,55,
"""

ALL = (("students", STUDENTS), ("fees", FEES), ("balances", BALANCES), ("attendance", ATTENDANCE))
ALL += (("results", RESULTS),)


@pytest.fixture
def school(session):
    return b.school(session)


def run(session, school, kind, text, today=TODAY):
    report = import_csv(session, school, kind, text, actor="bursar@test", today=today)
    session.commit()
    return report


def refusal(session, school, kind, text):
    """The refused report's errors, as the bursar reads them."""
    with pytest.raises(ImportRefused) as refused:
        import_csv(session, school, kind, text, actor="bursar@test", today=TODAY)
    session.commit()
    return [str(error) for error in refused.value.report.errors]


def count(session, model):
    return session.scalar(select(func.count()).select_from(model))


def snapshot(session):
    """Every table's row count and every account's balance, cached and summed from lines."""
    session.expire_all()
    rows = {table.name: count(session, table) for table in Base.metadata.sorted_tables}
    sums = select(Line.account_id, func.sum(Line.debit - Line.credit)).group_by(Line.account_id)
    return (
        rows,
        dict(session.execute(select(Account.key, Account.balance)).all()),
        dict(session.execute(sums).all()),
    )


def owed(session, school, admission_no):
    student = session.scalars(
        select(Student).where(Student.school_id == school.id, Student.admission_no == admission_no)
    ).one()
    session.expire_all()
    return sum(account.balance for account in student_accounts(session, student.id))


def test_a_good_students_file_lands_whole(session, school):
    report = run(session, school, "students", STUDENTS)
    assert (report.rows, report.created, report.updated, report.unchanged, report.errors) == (3, 3, 0, 0, ())
    students = {s.admission_no: s for s in session.scalars(select(Student))}
    assert sorted(students) == ["A-003", "A001", "A002"]
    assert students["A-003"].admission_key == "A003"
    assert sorted(c.name for c in session.scalars(select(SchoolClass))) == ["Grade 5", "Grade 7"]
    assert students["A001"].school_class.name == students["A-003"].school_class.name == "Grade 7"
    guardians = {g.phone: g for g in session.scalars(select(Guardian))}
    assert sorted(guardians) == ["+254110123456", "+254712345678", "+254722000111"]
    mary = guardians["+254712345678"]
    assert sorted(link.student.admission_no for link in mary.student_links) == ["A001", "A002"]
    assert (mary.name, mary.language) == ("Mary Otieno", Language.SW)
    assert guardians["+254722000111"].language == Language.EN
    assert sorted(link.guardian.name for link in students["A002"].guardian_links) == [
        "John Otieno",
        "Mary Otieno",
    ]


def test_a_students_file_with_bad_rows_imports_nothing_and_names_every_line(session, school):
    text = """\
Admission No,Name,Class,Guardian Name,Guardian Phone,Language
A001,Achieng Otieno,Grade 7,Mary Otieno,0712345678,en
A002,Baraka Otieno,Grade 5,Mary Otieno,12345,en

a-001,Achieng Again,Grade 7,Mary Otieno,0712345678,
A004,Chebet Kiprop,Grade 7,Ruth Kiprop,0722000111,Klingon
A005,,Grade 7,Ruth Kiprop,0722000111,sw
A006,Daudi Mwangi,Grade 7,Mary W.,0712345678,sw
"""
    before = snapshot(session)
    assert refusal(session, school, "students", text) == [
        "line 3: guardian_phone: '12345' is not a valid phone number (try the form 0712345678)",
        "line 5: admission number a-001 is also on line 2",
        "line 6: language 'Klingon' is not known; use en (English) or sw (Kiswahili)",
        "line 7: name is empty",
        "line 8: guardian_phone 0712345678 is Mary Otieno's on line 2, not Mary W.'s",
    ]
    assert snapshot(session) == before


def test_a_fees_file_with_bad_rows_imports_nothing(session, school):
    run(session, school, "students", STUDENTS)
    text = """\
term,class,vote_head,amount
2026-1,Grade 7,Tuition,15000
2026-1,Grade 77,Tuition,15000
2026-1,Grade 7,Lunch,-500
2026-4,Grade 7,Tuition,100
2026-1,Grade 7,Trips,12.345
2026-1,Grade 7,Trips,abc
2026-1,Grade 7,Trips,
2026-1,grade 7,tuition,15000
2026-1,Grade 5,Tuition,1000,extra
"""
    before = snapshot(session)
    assert refusal(session, school, "fees", text) == [
        "line 3: unknown class 'Grade 77'; the school has Grade 5, Grade 7 (a students import adds classes)",
        "line 4: fee amount KES -500.00 is negative; a fee is zero or more",
        "line 5: term '2026-4' does not exist: a year has terms 1, 2 and 3",
        "line 6: amount '12.345' is not an amount in KES (like 1500 or 1,500.50)",
        "line 7: amount 'abc' is not an amount in KES (like 1500 or 1,500.50)",
        "line 8: amount is empty",
        "line 9: tuition for Grade 7 in term 2026-1 is also on line 2",
        "line 10: has more values than the header has columns",
    ]
    assert snapshot(session) == before
    assert count(session, Term) == count(session, VoteHead) == count(session, FeeItem) == 0


def test_rows_naming_an_unknown_admission_number_or_a_bad_date_import_nothing(session, school):
    run(session, school, "students", STUDENTS)
    before = snapshot(session)
    attendance = """\
admission_no,date,status
A001,2026-02-02,present
Z999,2026-02-02,present
A002,2026-02-30,absent
A002,2 Feb 2026,absent
A003,2026-02-02,sleeping
A001,02/02/2026,late
"""
    assert refusal(session, school, "attendance", attendance) == [
        "line 3: unknown admission number Z999; import the student first or fix the number",
        "line 4: date '2026-02-30' is not a real date",
        "line 5: date '2 Feb 2026' is not a date; write it as YYYY-MM-DD (e.g. 2026-01-15)",
        "line 6: status 'sleeping' is not known; use present, absent, late or excused",
        "line 7: A001 on 2026-02-02 is also on line 2",
    ]
    balances = "admission_no,amount\nA001,100\nA404,200\na001,300\n"
    assert refusal(session, school, "balances", balances) == [
        "line 3: unknown admission number A404; import the student first or fix the number",
        "line 4: admission number A001 is also on line 2",
    ]
    results = (
        "admission_no,exam,subject,score\nA001,Midterm,Maths,101\nA002,Midterm,Maths,x\nA9,Midterm,Maths,5\n"
    )
    assert refusal(session, school, "results", results) == [
        "line 2: score 101 is outside 0..100",
        "line 3: score 'x' is not a whole number from 0 to 100",
        "line 4: unknown admission number A9; import the student first or fix the number",
    ]
    assert snapshot(session) == before


def test_the_refusal_message_lists_every_bad_line(session, school):
    with pytest.raises(ImportRefused) as refused:
        import_csv(
            session, school, "fees", "term,class,vote_head,amount\n2026-9,X,Y,1\n", actor="t", today=TODAY
        )
    assert "nothing imported: 1 bad row" in str(refused.value)
    assert "line 2: term '2026-9' does not exist" in str(refused.value)


def test_reimporting_the_same_files_changes_nothing(session, school):
    for kind, text in ALL:
        run(session, school, kind, text)
    for school_class in session.scalars(select(SchoolClass)).all():
        invoice_class(session, school_class, session.scalars(select(Term)).one(), actor="bursar@test")
    session.commit()
    before = snapshot(session)
    for kind, text in ALL:
        report = run(session, school, kind, text)
        assert (report.created, report.updated, report.unchanged) == (0, 0, report.rows), kind
    assert snapshot(session) == before


def test_a_changed_register_updates_students_instead_of_duplicating_them(session, school):
    run(session, school, "students", STUDENTS)
    moved = """\
admission_no,name,class,guardian_name,guardian_phone
a001,Achieng Atieno Otieno,Grade 8,Mary Otieno,0712345678
A002,Baraka Otieno,Grade 5,Mary Otieno,0712345678
A 003,Chebet Kiprop,Grade 7,Ruth Kiprop,0722000111
"""
    report = run(session, school, "students", moved)
    assert (report.created, report.updated, report.unchanged) == (0, 3, 0)
    assert count(session, Student) == 3
    achieng = session.scalars(select(Student).where(Student.admission_key == "A001")).one()
    assert (achieng.name, achieng.school_class.name) == ("Achieng Atieno Otieno", "Grade 8")
    baraka = session.scalars(select(Student).where(Student.admission_key == "A002")).one()
    assert [link.guardian.phone for link in baraka.guardian_links] == ["+254712345678"]  # John's link went
    assert count(session, Guardian) == 3  # John stays on record, no longer linked to Baraka
    assert run(session, school, "students", moved).unchanged == 3


def test_one_phone_is_one_guardian_across_imports(session, school):
    run(session, school, "students", STUDENTS)
    sibling = (
        "admission_no,name,class,guardian_name,guardian_phone\n"
        "A010,Dan Otieno,Grade 1,Mary Otieno,254712345678\n"
    )
    run(session, school, "students", sibling)
    mary = session.scalars(select(Guardian).where(Guardian.phone == "+254712345678")).one()
    assert sorted(link.student.admission_no for link in mary.student_links) == ["A001", "A002", "A010"]


def test_the_same_phone_in_another_school_is_another_guardian(session, school):
    run(session, school, "students", STUDENTS)
    run(session, b.school(session), "students", STUDENTS)
    assert count(session, Guardian) == 6
    assert count(session, Student) == 6


def test_opening_balances_give_each_student_what_they_owe_or_hold_in_credit(session, school):
    run(session, school, "students", STUDENTS)
    report = run(session, school, "balances", BALANCES)
    assert (report.rows, report.created, report.unchanged) == (3, 2, 1)
    assert owed(session, school, "A001") == 250_000
    assert owed(session, school, "A002") == -100_000
    assert owed(session, school, "A-003") == 0
    term = session.scalars(select(Term)).one()
    assert (term.code, term.starts_on) == ("2026-1", dt.date(2026, 1, 5))  # the usual calendar
    head = session.scalars(select(VoteHead).where(VoteHead.name == OPENING_VOTE_HEAD)).one()
    assert head.priority == 0
    assert session.scalar(select(func.sum(Line.debit) - func.sum(Line.credit))) == 0


def test_old_arrears_are_paid_before_this_terms_fees(session, school):
    run(session, school, "students", STUDENTS)
    run(session, school, "fees", FEES)
    run(session, school, "balances", BALANCES)
    grade7 = session.scalars(select(SchoolClass).where(SchoolClass.name == "Grade 7")).one()
    invoice_class(session, grade7, session.scalars(select(Term)).one(), actor="bursar@test")
    achieng = session.scalars(select(Student).where(Student.admission_no == "A001")).one()
    received = Received(PaymentSource.CASH, "R1", 200_000, TODAY)
    record_payment(session, school.id, received, achieng, actor="bursar@test")
    session.commit()
    by_head = {
        head: balance
        for head, balance in session.execute(
            select(VoteHead.name, Account.balance)
            .join(Account, Account.vote_head_id == VoteHead.id)
            .where(Account.student_id == achieng.id)
        )
    }
    assert by_head == {OPENING_VOTE_HEAD: 50_000, "Tuition": 1_500_000, "Lunch": 450_050}
    assert owed(session, school, "A001") == 250_000 + 1_950_050 - 200_000


def test_an_opening_balance_uses_the_schools_own_current_term(session, school):
    b.term(session, school, "2026-1")
    b.term(session, school, "2026-2")
    run(session, school, "students", STUDENTS)
    run(session, school, "balances", BALANCES, today=dt.date(2026, 6, 1))
    entry = session.scalars(select(Entry).where(Entry.kind == EntryKind.OPENING_BALANCE)).first()
    assert session.get_one(Term, entry.term_id).code == "2026-2"
    assert count(session, Term) == 2


def test_a_different_opening_balance_must_be_reversed_first(session, school):
    run(session, school, "students", STUDENTS)
    run(session, school, "balances", BALANCES)
    changed = "admission_no,amount\nA001,3000\nA002,-1000\n"
    assert refusal(session, school, "balances", changed) == [
        "line 2: A001 already has an opening balance of KES 2,500.00; reverse it first"
    ]
    opening = session.scalars(
        select(Entry).join(Student, Student.id == Entry.student_id).where(Student.admission_no == "A001")
    ).one()
    reverse_entry(session, school.id, opening.id, reason="wrong figure", on=TODAY, actor="bursar@test")
    session.commit()
    assert owed(session, school, "A001") == 0
    report = run(session, school, "balances", changed)
    assert (report.created, report.unchanged) == (1, 1)
    assert owed(session, school, "A001") == 300_000
    assert run(session, school, "balances", changed).unchanged == 2


@pytest.mark.parametrize(
    ("typed", "cents"),
    [
        ('"1,500.50"', 150_050),
        ('"1,234,567.05"', 123_456_705),
        ("10000000", 1_000_000_000),
        ("1500.5", 150_050),
        ("0.10", 10),
        ("KES 200", 20_000),
        ('"Ksh. 1,000"', 100_000),
        (" 7 ", 700),
        ("0", 0),
    ],
)
def test_amounts_in_kes_become_exact_cents(session, school, typed, cents):
    run(session, school, "students", STUDENTS)
    run(session, school, "fees", f"term,class,vote_head,amount\n2026-1,Grade 7,Tuition,{typed}\n")
    assert session.scalars(select(FeeItem.amount)).one() == cents


@pytest.mark.parametrize("typed", ['"1,50"', "12.345", "abc", "1.5.0", '"1,5000"', "1e3", "--5", ""])
def test_amounts_that_are_not_kes_are_bad_rows(session, school, typed):
    run(session, school, "students", STUDENTS)
    errors = refusal(
        session, school, "fees", f"term,class,vote_head,amount\n2026-1,Grade 7,Tuition,{typed}\n"
    )
    assert len(errors) == 1 and errors[0].startswith("line 2: amount")


@pytest.mark.parametrize("typed", ["99999999999999999999", '"90,000,000,000,000,000"', "10000000.01"])
def test_a_fee_above_the_ceiling_is_a_bad_row_and_nothing_lands(session, school, typed):
    run(session, school, "students", STUDENTS)
    fees = f"term,class,vote_head,amount\n2026-1,Grade 7,Tuition,{typed}\n2026-1,Grade 5,Tuition,12000\n"
    errors = refusal(session, school, "fees", fees)
    assert errors == ["line 2: amount is more than KES 10,000,000.00, the most one row may hold"]
    assert count(session, FeeItem) == 0


@pytest.mark.parametrize("typed", ["99999999999999999999", "-99999999999999999999", "-10000000.01"])
def test_an_opening_balance_above_the_ceiling_either_way_is_a_bad_row(session, school, typed):
    run(session, school, "students", STUDENTS)
    errors = refusal(session, school, "balances", f"admission_no,amount\nA001,{typed}\nA002,500\n")
    assert errors == ["line 2: amount is more than KES 10,000,000.00, the most one row may hold"]
    assert count(session, Entry) == 0


def test_vote_heads_take_the_files_order_and_existing_ones_keep_their_priority(session, school):
    b.vote_head(session, school, "Lunch", 5)
    run(session, school, "students", STUDENTS)
    report = run(session, school, "fees", FEES)
    assert (report.created, report.rows) == (4, 4)
    priorities = dict(session.execute(select(VoteHead.name, VoteHead.priority)).all())
    assert priorities == {"Tuition": 10, "Lunch": 5, "Transport": 30}


def test_a_changed_fee_is_updated_in_place(session, school):
    run(session, school, "students", STUDENTS)
    run(session, school, "fees", FEES)
    report = run(session, school, "fees", FEES.replace("12000", "12500"))
    assert (report.created, report.updated, report.unchanged) == (0, 1, 3)
    assert count(session, FeeItem) == 4
    assert 1_250_000 in session.scalars(select(FeeItem.amount)).all()


def test_a_header_missing_a_column_is_refused(session, school):
    text = "admission_no,name,class,guardian_name\nA001,Achieng,Grade 7,Mary\n"
    assert refusal(session, school, "students", text) == [
        "line 1: missing column guardian_phone; a students file has "
        "admission_no,name,class,guardian_name,guardian_phone[,guardian2_name][,guardian2_phone][,language]"
        "[,guardian_email][,guardian2_email]"
    ]
    assert count(session, Student) == 0


def test_an_unknown_column_or_an_empty_file_is_refused(session, school):
    assert refusal(session, school, "balances", "admission_no,amount,amout_paid\n")[0].startswith(
        "line 1: unknown column amout_paid"
    )
    assert refusal(session, school, "balances", "")[0].startswith("line 1: the first line must be the header")


def test_a_header_is_read_whatever_its_case_spacing_or_byte_order_mark(session, school):
    text = (
        "\ufeff Admission No , NAME,Class ,guardian-name,Guardian Phone,,\r\n"
        "A001,Achieng,Grade 7,Mary,0712345678,,\r\n"
    )
    assert run(session, school, "students", text).created == 1


def test_a_utf8_file_with_a_byte_order_mark_is_read_and_any_other_encoding_refused(session, school):
    saved_by_excel = (
        "\ufeffadmission_no,name,class,guardian_name,guardian_phone\nA001,Wanjirũ,Grade 7,Mary,0712345678\n"
    )
    text = decode_csv(saved_by_excel.encode("utf-8"), "students")
    assert run(session, school, "students", text).created == 1
    assert session.scalars(select(Student.name)).one() == "Wanjirũ"
    with pytest.raises(ImportRefused, match="not UTF-8"):
        decode_csv(saved_by_excel.encode("utf-16"), "students")


def test_an_unknown_kind_is_refused(session, school):
    with pytest.raises(ImportRefused, match="unknown import kind 'teachers'; choose one of students, fees"):
        import_csv(session, school, "teachers", "a,b\n", actor="t", today=TODAY)


def test_attendance_lands_and_a_changed_day_is_updated(session, school):
    run(session, school, "students", STUDENTS)
    assert run(session, school, "attendance", ATTENDANCE).created == 3
    statuses = dict(session.execute(select(AttendanceRecord.on, AttendanceRecord.status)).all())
    assert statuses[dt.date(2026, 2, 2)] == AttendanceStatus.PRESENT
    fixed = ATTENDANCE.replace("A003,2026-02-03,late,", "A003,2026-02-03,E,letter from parent")
    report = run(session, school, "attendance", fixed)
    assert (report.created, report.updated, report.unchanged) == (0, 1, 2)
    excused = session.scalars(
        select(AttendanceRecord).where(AttendanceRecord.status == AttendanceStatus.EXCUSED)
    )
    assert excused.one().note == "letter from parent"


def test_attendance_for_a_day_still_to_come_is_a_bad_row(session, school):
    run(session, school, "students", STUDENTS)
    assert refusal(session, school, "attendance", "admission_no,date,status\nA001,2026-02-11,present\n") == [
        "line 2: date 2026-02-11 is in the future"
    ]


def test_results_land_in_an_exam_of_the_current_term(session, school):
    run(session, school, "students", STUDENTS)
    assert run(session, school, "results", RESULTS).created == 3
    scores = {(s.subject, s.score, s.grade) for s in session.scalars(select(Score))}
    assert scores == {("Mathematics", 78, None), ("English", 64, "B"), ("Mathematics", 55, None)}
    report = run(session, school, "results", RESULTS.replace("55", "57"))
    assert (report.created, report.updated, report.unchanged) == (0, 1, 2)


@pytest.mark.parametrize("typed", ["9" * 5000, "99999999999999999999", "-1", "101"])
def test_a_score_of_any_length_outside_0_to_100_is_a_bad_row(session, school, typed):
    run(session, school, "students", STUDENTS)
    text = f"admission_no,exam,subject,score\nA001,Midterm,Maths,{typed}\n"
    errors = refusal(session, school, "results", text)
    assert len(errors) == 1 and errors[0].startswith("line 2: score") and "0..100" in errors[0]
    assert count(session, Score) == 0


def register_of(families, start=0):
    """A students file of ``families`` families of two children, the second with a second guardian too."""
    lines = ["admission_no,name,class,guardian_name,guardian_phone,guardian2_name,guardian2_phone"]
    for n in range(start, start + families):
        mother, father, grade = f"07{n:08d}", f"011{n:07d}", f"Grade {n % 9 + 1}"
        lines.append(f"R{2 * n},Child {2 * n},{grade},Mother {n},{mother},,")
        lines.append(f"R{2 * n + 1},Child {2 * n + 1},{grade},Mother {n},{mother},Father {n},{father}")
    return "\n".join(lines) + "\n"


def test_a_longer_register_takes_no_more_statements_to_import(engine, session, school):
    """400 rows cost what 20 do: rows are checked in memory and written in bulk, not one at a time."""
    sent = []

    def remember(_conn, _cursor, statement, *_):
        sent.append(statement)

    event.listen(engine, "before_cursor_execute", remember)
    try:
        counts = []
        for families, start in ((10, 0), (200, 1000)):
            sent.clear()
            assert run(session, school, "students", register_of(families, start)).created == 2 * families
            counts.append(len(sent))
    finally:
        event.remove(engine, "before_cursor_execute", remember)
    assert counts[1] <= counts[0], counts
    assert count(session, Student) == 420 and count(session, Guardian) == 420
