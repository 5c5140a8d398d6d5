"""Parents on USSD, end to end: Africa's Talking-shaped requests through the app, real Redis and databases."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import delete, select

from bot.app import create_app
from bot.bootstrap import bootstrap
from bot.channels.tables import UssdSessionReport
from bot.settings import Settings
from ledger.payments.stk_requests import PaymentRequestRecord, RequestStatus
from ledger.records.tables import Guardian, Language, Student, StudentGuardian
from tests.e2e.conftest import PARENT
from tests.e2e.ussd_helpers import SHARED_CODE, TOKEN, Dial


def test_parent_of_two_children_in_two_schools_reaches_each_balance(client):
    first = Dial(client, PARENT)
    assert "Kilimani Junior Academy" in first.reply and "Mwangaza Secondary" in first.reply
    first.choose("Kilimani")
    assert "35,000" in first.choose("Balance")
    second = Dial(client, PARENT).afresh()
    second.choose("Mwangaza")
    assert "48,000" in second.choose("Balance")
    assert "35,000" not in second.reply


def test_a_schools_own_code_goes_straight_to_it(client):
    dial = Dial(client, PARENT, code="*384*26#")
    assert "Balance" in dial.reply and "Kilimani" not in dial.reply
    assert "48,000" in dial.choose("Balance")


def test_pay_reaches_the_confirmation_and_records_a_pending_request(client, schools):
    dial = Dial(client, PARENT, code="*384*25#")
    dial.choose("Pay")
    dial.choose("Other amount")
    confirmation = dial.press("5000")
    assert all(part in confirmation for part in ("5,000", "Achieng Otieno", "KJA-001", "0712 000 001"))
    dial.choose("Confirm")
    assert dial.ended and "M-Pesa" in dial.reply
    with schools() as session:
        (request,) = session.scalars(select(PaymentRequestRecord)).all()
        assert (request.amount, request.phone, request.status) == (5_000_00, PARENT, RequestStatus.PENDING)
    again = Dial(client, PARENT, code="*384*25#").afresh()
    again.choose("Pay")
    again.choose("Full balance")
    again.choose("Confirm")
    assert again.ended
    with schools() as session:
        assert len(session.scalars(select(PaymentRequestRecord)).all()) == 1  # no second prompt


def test_kiswahili_throughout_after_switching_language(client, schools):
    dial = Dial(client, PARENT, code="*384*25#")
    dial.choose("Language")
    menu = dial.choose("Kiswahili")
    assert "Salio" in menu
    assert "35,000" in dial.choose("Salio")
    with schools() as session:
        languages = set(session.scalars(select(Guardian.language).where(Guardian.phone == PARENT)))
        assert Language.SW in languages
    later = Dial(client, PARENT, code="*384*25#")
    if "Endelea" in later.reply:  # offered to continue the session above, in Kiswahili too
        later.press("2")
    assert "Salio" in later.reply and "Balance" not in later.reply


def test_resume_after_a_dropped_session(client):
    dropped = Dial(client, PARENT, code="*384*25#")
    dropped.choose("Pay")
    dropped.choose("Other amount")  # the network drops the session here
    redial = Dial(client, PARENT, code="*384*25#")
    assert "Continue" in redial.reply
    assert "KES" in redial.choose("Continue") and "10 to 250,000" in redial.reply


def test_a_child_no_longer_this_phones_mid_session_is_not_shown_again(client, schools):
    dial = Dial(client, PARENT, code="*384*25#")
    assert "Achieng Otieno" in dial.reply  # the menu of the only child here
    with schools() as session:  # the guardian link is gone (a leaver stays: test_leavers_channels.py)
        achieng = session.scalar(select(Student.id).where(Student.name == "Achieng Otieno"))
        session.execute(delete(StudentGuardian).where(StudentGuardian.student_id == achieng))
        session.commit()
    dial.choose("Balance")
    assert dial.ended and "not registered" in dial.reply
    assert "Achieng" not in dial.reply and "35,000" not in dial.reply


def test_unknown_phone_gets_a_polite_end_naming_nobody(client):
    dial = Dial(client, "+254799999999")
    assert dial.ended
    assert not any(name in dial.reply for name in ("Achieng", "Baraka", "Kilimani", "Mwangaza"))


def test_a_hop_for_an_expired_session_starts_again_at_home(client, redis):
    dial = Dial(client, PARENT, code="*384*25#")
    dial.choose("Balance")
    for key in redis.scan_iter("karo:*"):
        redis.delete(key)  # the session's state expired
    assert "Balance" in dial.press("1") and "Continue" not in dial.reply


def test_a_replayed_hop_gets_the_same_answer_and_does_nothing_twice(client):
    dial = Dial(client, PARENT, code="*384*25#")
    first = dial.choose("Statement")
    replay = dial._hop("*".join(dial.inputs))
    assert replay == first


def test_a_wrong_token_is_refused(client):
    response = client.post("/at/ussd/wrong", data={"sessionId": "x", "phoneNumber": PARENT, "text": ""})
    assert response.status_code == 403


def test_a_hop_missing_its_session_or_phone_or_too_large_gets_the_sorry_screen(client):
    hop = f"/at/ussd/{TOKEN}"
    for data in ({"phoneNumber": PARENT, "text": ""}, {"sessionId": "s1", "text": ""}):
        response = client.post(hop, data=data)
        assert response.status_code == 200 and response.text.startswith("END Sorry, something went wrong")
    huge = {"sessionId": "s2", "serviceCode": SHARED_CODE, "phoneNumber": PARENT, "text": "1*" * 20_000}
    response = client.post(hop, data=huge)
    assert response.status_code == 200 and response.text.startswith("END Sorry, something went wrong")


def test_a_hop_posted_as_multipart_is_answered_as_africas_talking_posts_it(client):
    fields = {"sessionId": "s3", "serviceCode": "*384*25#", "phoneNumber": PARENT, "text": ""}
    multipart = {name: (None, value) for name, value in fields.items()}
    response = client.post(f"/at/ussd/{TOKEN}", files=multipart)
    assert response.status_code == 200 and response.text.startswith("CON Achieng Otieno")
    form = client.post(f"/at/ussd/{TOKEN}", data={**fields, "sessionId": "s4"})
    assert form.text == response.text


def test_redis_unreachable_answers_busy_not_an_error(engine, schools):
    settings = Settings(redis_url="redis://127.0.0.1:1/0", webhook_token=TOKEN)
    with TestClient(create_app(bootstrap(settings, engine=engine))) as client:
        response = client.post(
            f"/at/ussd/{TOKEN}",
            data={"sessionId": "s1", "serviceCode": SHARED_CODE, "phoneNumber": PARENT, "text": ""},
        )
    assert response.status_code == 200
    assert response.text.startswith("END ") and "try again" in response.text


def test_end_of_session_report_is_kept_once(client, schools):
    report = {
        "sessionId": "ATUid_end_1",
        "serviceCode": SHARED_CODE,
        "phoneNumber": PARENT,
        "status": "Failed",
        "hopsCount": "3",
        "durationInMillis": "15000",
        "errorMessage": "timeout",
        "input": "1*2",
        "cost": "KES 0.10",
        "date": "2026-11-22 10:00:00",
        "networkCode": "63902",
    }
    for _ in range(2):
        assert client.post(f"/at/ussd-end/{TOKEN}", data=report).status_code == 200
    assert client.post("/at/ussd-end/nope", data=report).status_code == 403
    with schools() as session:
        (kept,) = session.scalars(select(UssdSessionReport)).all()
        assert (kept.status, kept.hops, kept.duration_ms, kept.error_message) == (
            "Failed",
            3,
            15000,
            "timeout",
        )
