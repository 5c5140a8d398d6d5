"""`karo announce` as a head uses it, on a SQLite file: the dry run shows families, channels, parts and cost
and sends nothing; sending twice queues each family once (one message for two children, in its language);
bad input is refused in one line."""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import create_engine, select

from ledger.messaging.announcement_reports import SMS_PART_CENTS
from ledger.messaging.outbox import BULK_PRIORITY, Category, OutboxMessage
from ledger.sms_parts import sms_segments
from tests.e2e import test_cli
from tests.e2e.test_cli import Karo, one_line_refusal, write
from tests.e2e.test_cli_audit import audit_rows

karo, kilimani = test_cli.karo, test_cli.kilimani  # the CLI fixtures: a migrated SQLite file, one school

STUDENTS = """admission_no,name,class,guardian_name,guardian_phone,language
2101,Wanjiku Kamau,Grade 4,Mary Kamau,0712 345 678,sw
2104,Njeri Kamau,Grade 5,Mary Kamau,0712 345 678,sw
2102,Otieno Ochieng,Grade 4,Jane Achieng,+254722000111,en
2103,Chebet Kiprop,Grade 5,Peter Kiprop,0110 123 456,en
"""
BALANCES = """admission_no,amount
2101,4000
2104,3000
2102,500
2103,9000
"""
EN = "School closes early on Friday at noon for the sports day."
SW = "Shule itafungwa mapema Ijumaa saa sita mchana kwa siku ya michezo."
SEND = ("announce", "--school", "kilimani", "--text", EN, "--text-sw", SW)


def outbox() -> list[OutboxMessage]:
    engine = create_engine(os.environ["KARO_DATABASE_URL"])
    try:
        with engine.connect() as connection:
            return list(connection.execute(select(OutboxMessage).order_by(OutboxMessage.phone)))  # type: ignore[arg-type]
    finally:
        engine.dispose()


def families(kilimani: Karo, tmp_path: Path) -> Karo:
    for kind, text in (("students", STUDENTS), ("balances", BALANCES)):
        done = kilimani("import", kind, write(tmp_path, f"{kind}.csv", text), "--school", "kilimani")
        assert done.exit_code == 0, done.output
    return kilimani


def test_dry_run_previews_and_sending_twice_queues_each_family_once(kilimani: Karo, tmp_path: Path) -> None:
    karo = families(kilimani, tmp_path)
    en_parts, sw_parts = (sms_segments(f"Kilimani Junior Academy: {text}") for text in (EN, SW))
    dry = karo(*SEND, "--dry-run")
    assert dry.exit_code == 0, dry.output
    parts = 2 * en_parts + sw_parts  # two English families, one Kiswahili
    cost = parts * SMS_PART_CENTS
    assert dry.output.splitlines() == [
        "To: all families",
        "Families: 3 (sms 3); 0 opted out",
        f"SMS parts per message: English {en_parts}, Kiswahili {sw_parts}",
        f"Estimated cost: KES {cost // 100}.{cost % 100:02d} ({parts} SMS parts at KES 0.80)",
        "Dry run: nothing sent.",
    ]
    assert outbox() == []
    sent = karo(*SEND)
    assert sent.exit_code == 0, sent.output
    last = sent.output.splitlines()[-1]
    assert last == "Announcement 1: queued 3 message(s). They go out after quiet hours."
    again = karo(*SEND)
    assert "queued 0 message(s); 3 family(ies) already had it" in again.output
    rows = outbox()
    assert [(m.phone, m.body) for m in rows] == [
        ("+254110123456", f"Kilimani Junior Academy: {EN}"),
        ("+254712345678", f"Kilimani Junior Academy: {SW}"),  # one message for Wanjiku and Njeri
        ("+254722000111", f"Kilimani Junior Academy: {EN}"),
    ]
    assert {(m.category, m.priority) for m in rows} == {(Category.ANNOUNCEMENT, BULK_PRIORITY)}
    sends = [row for row in audit_rows() if row.action == "announcement.send"]
    assert [(row.target, row.after["queued"]) for row in sends] == [("announcement:1", 3)]


def test_classes_and_owing_over_narrow_the_audience(kilimani: Karo, tmp_path: Path) -> None:
    karo = families(kilimani, tmp_path)
    # Grade 4: the Kamaus owe 4,000 for Wanjiku there (Njeri is in Grade 5), Achieng 500.
    narrowed = karo(*SEND, "--class", "grade 4", "--owing-over", "1,000")
    assert narrowed.exit_code == 0, narrowed.output
    assert narrowed.output.startswith("To: all families in Grade 4 owing over KES 1,000\nFamilies: 1 (sms 1)")
    assert [m.phone for m in outbox()] == ["+254712345678"]
    both = karo(*SEND, "--class", "Grade 4", "--class", "Grade 5", "--owing-over", "5000", "--dry-run")
    assert "Families: 2 (sms 2)" in both.output  # the Kamaus (7,000 together) and the Kiproks (9,000)


def test_bad_input_is_refused_in_one_line(kilimani: Karo, tmp_path: Path) -> None:
    karo = families(kilimani, tmp_path)
    for args, says in [
        ((*SEND, "--class", "Grade 77"), "kilimani has no class 'Grade 77'"),
        (("announce", "--school", "kilimani", "--text", "   "), "the text is empty"),
        ((*SEND, "--owing-over", "lots"), "'lots' is not an amount in KES"),
        ((*SEND, "--owing-over", "-5"), "must not be negative"),
        (("announce", "--school", "nowhere", "--text", EN), "no school with slug 'nowhere'"),
        (("announce", "--school", "kilimani", "--text", "x" * 481), "at most 480"),
        ((*SEND, "--owing-over", "1000000"), "no family to send to"),
    ]:
        assert says in one_line_refusal(karo(*args)), args
    assert outbox() == []
