"""SMS and WhatsApp: keywords in both languages answered at once, anything else through the USSD menus."""

from __future__ import annotations

from dataclasses import replace

import pytest

from flows import Conversation, converse, is_gsm7, sms_segments
from flows.keywords import parse
from flows.ports import PaymentOutcome, PaymentRequest
from flows.texts import TEXTS
from ledger.types import GuardianRef, StudentRef
from tests.unit.flows import fakes
from tests.unit.flows.fakes import (
    AMINA,
    BRIAN,
    CREDIT,
    EMPTY,
    FAITH,
    KEVIN,
    MULTI,
    UNKNOWN,
    WANJIRU,
    World,
    world,
)

BIG = "+254799000333"  # five children in two schools: more than two SMS can hold


def send(
    messages: list[str], *, phone: str = CREDIT, w: World | None = None, language: str = "en"
) -> tuple[Conversation, str, World]:
    """Send the messages one by one as the channel would, keeping the conversation between them."""
    w = w or world(language)
    conversation: Conversation | None = None
    reply = ""
    for message in messages:
        conversation, screen = converse(conversation, phone, message, w.ports)
        reply = screen.render()
    assert conversation is not None
    return conversation, reply, w


def guardian(w: World, phone: str, school_id: int) -> GuardianRef:
    found = w.directory.guardian(phone, school_id)
    assert found is not None
    return found


@pytest.fixture
def big_family(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(fakes.FAMILIES, BIG, {1: [AMINA, BRIAN, FAITH, KEVIN], 2: [WANJIRU]})


# (message, action, language, words after the keyword)
KEYWORDS = [
    ("BAL", "balance", "en", ()),
    ("bal", "balance", "en", ()),
    ("Bal.", "balance", "en", ()),
    ("  bal  ", "balance", "en", ()),
    ("*BAL*", "balance", "en", ()),
    ("BAL 1001", "balance", "en", ("1001",)),
    ("SALIO", "balance", "sw", ()),
    ("salio!", "balance", "sw", ()),
    ("PAY 5000", "pay", "en", ("5000",)),
    ("pay5000", "pay", "en", ("5000",)),
    ("Pay 5,000 1002.", "pay", "en", ("5,000", "1002")),
    ("LIPA 5,000 SMG/2024/0457", "pay", "sw", ("5,000", "SMG/2024/0457")),
    ("lipa  5000", "pay", "sw", ("5000",)),
    ("STMT", "statement", None, ()),
    ("stmt 1001", "statement", None, ("1001",)),
    ("ATT", "attendance", "en", ()),
    ("att?", "attendance", "en", ()),
    ("MAHUDHURIO", "attendance", "sw", ()),
    ("Mahudhurio 1004", "attendance", "sw", ("1004",)),
    ("RES", "results", "en", ()),
    ("res.", "results", "en", ()),
    ("MATOKEO", "results", "sw", ()),
    ("matokeo", "results", "sw", ()),
    ("HELP", "help", "en", ()),
    ("help?", "help", "en", ()),
    ("MSAADA", "help", "sw", ()),
    ("Msaada", "help", "sw", ()),
    ("STOP", "stop", "en", ()),
    ("stop.", "stop", "en", ()),
    ("ACHA", "stop", "sw", ()),
    ("acha", "stop", "sw", ()),
    ("START", "start", "en", ()),
    ("Start!", "start", "en", ()),
    ("ANZA", "start", "sw", ()),
    ("anza", "start", "sw", ()),
]


@pytest.mark.parametrize(("message", "action", "language", "args"), KEYWORDS)
def test_keywords_are_read_whatever_the_case_spaces_and_punctuation(
    message: str, action: str, language: str | None, args: tuple[str, ...]
) -> None:
    keyword = parse(message)
    assert keyword is not None
    assert (keyword.action, keyword.language, keyword.args) == (action, language, args)


@pytest.mark.parametrize(
    "message",
    ["hi", "habari", "Menu", "0", "00", "1", "98", "", "  ", "payment", "stopwatch", "1 BAL"],
)
def test_other_messages_are_no_keyword(message: str) -> None:
    assert parse(message) is None


# (message, what the parent of one child reads in the reply)
ANSWERS = [
    ("BAL", "Faith Chebet (1004)\nCredit KES 2,000"),
    ("bal.", "Credit KES 2,000"),
    ("SALIO", "Faith Chebet (1004)\nSalio la ziada KES 2,000"),
    ("  salio  ", "Salio la ziada KES 2,000"),
    ("STMT", "Faith Chebet (1004)\n5 Jan Fees 10,000\n6 Jan Payment -12,000\nCredit KES 2,000"),
    (
        "ATT",
        "Term 1 2026: 97.4% present\nPresent 37 of 38 days (2 of them late)\n"
        "Days absent: 1\nAbsent on 20 Jan",
    ),
    ("mahudhurio", "Muhula 1 2026: mahudhurio 97.4%"),
    ("RES", "Opener, Term 1 2026\nMean 66 (B)\nBest: Mathematics\nWeakest: Kiswahili\nMathematics 78 A-"),
    ("Matokeo!", "Opener, Muhula 1 2026\nWastani 66 (B)"),
    ("PAY 5000", "You will receive an M-Pesa prompt on 0722 000 111 shortly."),
    ("lipa 5000", "Utapokea ombi la M-Pesa kwenye 0722 000 111 hivi punde."),
    ("HELP", "Karo keywords:\nBAL - fee balance"),
    ("msaada", "Maneno ya Karo:\nSALIO - salio la karo"),
    ("STOP", "Fee reminders are now off. Receipts still come. Reply START to turn them back on."),
    ("Acha.", "Vikumbusho vya karo vimezimwa. Risiti bado hutumwa. Jibu ANZA kuviwasha tena."),
    ("start", "Fee reminders are now on. Reply STOP to turn them off."),
    ("ANZA", "Vikumbusho vya karo vimewashwa. Jibu ACHA kuvizima."),
]


@pytest.mark.parametrize(("message", "fragment"), ANSWERS)
def test_every_keyword_is_answered_at_once_in_its_language(message: str, fragment: str) -> None:
    conversation, reply, _ = send([message])
    assert fragment in reply
    assert conversation.ended


def test_bal_shows_every_child_of_the_phone_in_every_school() -> None:
    _, reply, _ = send(["BAL"], phone=MULTI)
    assert reply == (
        "Amina Wanjiku (1001)\nBalance KES 12,500\nDue by 19 Jan 2026\n\n"
        "Brian Otieno (1002)\nBalance KES 25,500.50\nDue by 19 Jan 2026\n\n"
        "Wanjiru Nyambura Kamau. (SMG/2024/0457)\nBalance KES 249,999\nDue by 28 Feb 2026\n\n"
        "To pay, reply PAY <amount> <adm no.>."
    )


def test_salio_answers_in_kiswahili_to_an_english_speaking_guardian() -> None:
    conversation, reply, w = send(["SALIO"], phone=MULTI, language="en")
    assert reply.startswith("Amina Wanjiku (1001)\nSalio KES 12,500\nLipa kufikia 19 Jan 2026")
    assert reply.endswith("Kulipa, jibu LIPA <kiasi> <adm no.>.")
    assert conversation.language == "sw"
    assert guardian(w, MULTI, 1).language == "en"  # the stored preference is left alone


def test_bal_answers_in_english_to_a_kiswahili_speaking_guardian() -> None:
    _, reply, _ = send(["BAL"], phone=CREDIT, language="sw")
    assert reply == "Faith Chebet (1004)\nCredit KES 2,000"


@pytest.mark.parametrize(
    ("language", "fragment"), [("en", "6 Jan Payment -12,000"), ("sw", "6 Jan Malipo -12,000")]
)
def test_stmt_is_spelt_the_same_in_both_and_answers_in_the_stored_language(
    language: str, fragment: str
) -> None:
    _, reply, _ = send(["STMT"], language=language)
    assert fragment in reply


@pytest.mark.parametrize(
    ("message", "child", "fragment"),
    [
        ("BAL 1001", AMINA, "Balance KES 12,500\nDue by 19 Jan 2026\nTuition 8,000\nBoarding 3,000"),
        ("STMT 1001", AMINA, "30 Jan Bursary -1,000\n10 Feb Payment -1,500"),
        (
            "ATT 1002",
            BRIAN,
            "Term 1 2026: 100% present\nPresent 40 of 40 days (2 of them late)\nDays absent: 0",
        ),
        ("RES smg-2024-0457", WANJIRU, "County Joint Ev., Term 1 2026\nMean 100 (A)"),
    ],
)
def test_an_admission_number_answers_for_that_child_in_detail(
    message: str, child: StudentRef, fragment: str
) -> None:
    _, reply, _ = send([message], phone=MULTI)
    assert reply.split("\n")[0].endswith(f"({child.admission_no})")
    assert fragment in reply
    others = {AMINA, BRIAN, WANJIRU} - {child}
    assert not any(f"({other.admission_no})" in reply for other in others)


def test_an_admission_number_of_no_child_of_theirs_gets_the_exact_messages_to_send() -> None:
    _, reply, _ = send(["ATT 9999"], phone=MULTI)
    assert reply == (
        "No child with Adm No. 9999. Reply with one of:\n"
        "Amina Wanjiku: ATT 1001\nBrian Otieno: ATT 1002\nWanjiru Nyambura Kamau.: ATT SMG/2024/0457"
    )


@pytest.mark.parametrize("message", ["PAY 5000", "pay 5,000", "LIPA 5000", "Pay 5000 1004", "PAY 5000."])
def test_pay_with_one_child_asks_for_the_prompt_at_once(message: str) -> None:
    conversation, reply, w = send([message])
    assert w.payments.requests == [PaymentRequest(CREDIT, FAITH.id, 500_000)]
    assert conversation.ended
    assert "KES 5,000 for Faith Chebet" in reply or "KES 5,000 kwa Faith Chebet" in reply


@pytest.mark.parametrize(
    ("message", "phone", "language", "reply"),
    [
        ("PAY 5000", CREDIT, "en", "Pay by M-Pesa Paybill 123456, account 1004."),
        ("LIPA 5000", CREDIT, "sw", "Lipa kwa M-Pesa Paybill 123456, akaunti 1004."),
        ("PAY 5000 SMG/2024/0457", MULTI, "en", "Please contact the school"),
    ],
)
def test_pay_at_a_school_without_a_daraja_app_answers_with_paybill(
    message: str, phone: str, language: str, reply: str
) -> None:
    w = world(language)
    w.payments.no_stk = {1, 2}
    conversation, answer, w = send([message], phone=phone, w=w)
    assert reply in answer and "prompt" not in answer
    assert w.payments.requests == [] and conversation.ended


def test_lipa_for_several_children_without_an_admission_number_asks_which() -> None:
    _, reply, w = send(["LIPA 5,000"], phone=MULTI)
    assert reply == (
        "Mtoto yupi? Jibu kwa mojawapo ya:\n"
        "Amina Wanjiku: LIPA 5000 1001\n"
        "Brian Otieno: LIPA 5000 1002\n"
        "Wanjiru Nyambura Kamau.: LIPA 5000 SMG/2024/0457"
    )
    assert w.payments.requests == []


@pytest.mark.parametrize(
    ("message", "student", "cents"),
    [
        ("PAY 5000 1002", BRIAN, 500_000),
        ("pay 5000 1001", AMINA, 500_000),
        ("PAY 5,000 smg-2024-0457", WANJIRU, 500_000),
        ("PAY 250000 SMG 2024 0457", WANJIRU, 25_000_000),
        ("Lipa 10 smg/2024/0457.", WANJIRU, 1_000),
    ],
)
def test_pay_names_a_child_by_admission_number(message: str, student: StudentRef, cents: int) -> None:
    _, reply, w = send([message], phone=MULTI)
    assert w.payments.requests == [PaymentRequest(MULTI, student.id, cents)]
    assert student.name.split(" ")[0] in reply


@pytest.mark.parametrize(
    ("message", "reply"),
    [
        ("PAY 5", "You can pay KES 10 to 250,000 at a time, e.g. PAY 5000."),
        ("PAY 250001", "You can pay KES 10 to 250,000 at a time, e.g. PAY 5000."),
        ("PAY 0", "You can pay KES 10 to 250,000 at a time, e.g. PAY 5000."),
        ("PAY abc", "To pay by M-Pesa, reply with the amount in digits, e.g. PAY 5000."),
        ("PAY", "To pay by M-Pesa, reply with the amount in digits, e.g. PAY 5000."),
        ("PAY 5,00", "To pay by M-Pesa, reply with the amount in digits, e.g. PAY 5000."),
        ("PAY 5000.50", "To pay by M-Pesa, reply with the amount in digits, e.g. PAY 5000."),
        ("PAY KES", "To pay by M-Pesa, reply with the amount in digits, e.g. PAY 5000."),
        ("PAY 5.5.5k", "To pay by M-Pesa, reply with the amount in digits, e.g. PAY 5000."),
        ("LIPA 5", "Unaweza kulipa KES 10 hadi 250,000 kwa wakati mmoja, mfano LIPA 5000."),
        ("lipa abc", "Kulipa kwa M-Pesa, jibu kwa kiasi kwa tarakimu, mfano LIPA 5000."),
    ],
)
def test_pay_refuses_an_amount_it_cannot_take_with_a_hint(message: str, reply: str) -> None:
    _, answer, w = send([message])
    assert answer == reply
    assert w.payments.requests == []


def test_the_hint_for_several_children_shows_the_admission_number() -> None:
    _, reply, _ = send(["PAY abc"], phone=MULTI)
    assert reply.endswith("e.g. PAY 5000 1001.")


def test_pay_for_a_child_not_theirs_lists_their_children() -> None:
    _, reply, w = send(["PAY 5000 1004"], phone=MULTI)
    assert reply.startswith("No child with Adm No. 1004. Reply with one of:\nAmina Wanjiku: PAY 5000 1001\n")
    assert "Faith" not in reply
    assert w.payments.requests == []


def test_a_prompt_already_on_its_way_is_explained() -> None:
    w = world(outcome=PaymentOutcome.ALREADY_PENDING)
    _, reply, _ = send(["PAY 5000 1001"], phone=MULTI, w=w)
    assert reply == (
        "An M-Pesa prompt is already on its way to 0712 345 678. Please check your phone and enter your PIN."
    )
    assert len(w.payments.requests) == 1


def test_payments_unavailable_say_how_else_to_pay() -> None:
    w = world(outcome=PaymentOutcome.UNAVAILABLE)
    _, reply, _ = send(["PAY 5000 1001"], phone=MULTI, w=w)
    assert reply.endswith("You can pay by Paybill 123456, account 1001.")


def test_stop_then_start_turn_reminders_off_and_on_in_every_school() -> None:
    w = world()
    schools = (1, 2)
    send(["STOP"], phone=MULTI, w=w)
    assert [guardian(w, MULTI, s).reminders_on for s in schools] == [False, False]
    assert guardian(w, CREDIT, 1).reminders_on  # nobody else's
    send(["ANZA"], phone=MULTI, w=w)
    assert [guardian(w, MULTI, s).reminders_on for s in schools] == [True, True]


@pytest.mark.parametrize(("message", "language"), [("HELP", "en"), ("MSAADA", "sw")])
def test_help_lists_every_keyword_of_its_language(message: str, language: str) -> None:
    _, reply, _ = send([message])
    words = [v for k, v in TEXTS[language].items() if k.startswith("kw_word_")]
    assert len(words) == 10
    assert all(word in reply for word in words), reply


def test_hi_starts_the_menu_as_text_and_a_digit_continues_it() -> None:
    conversation, reply, w = send(["hi"])
    assert reply.startswith("Faith Chebet\n1. Balance\n2. Pay fees\n3. Statement")
    conversation, screen = converse(conversation, CREDIT, "1", w.ports)
    assert screen.render().startswith("Credit KES 2,000\n1. Pay\n0 Back")
    assert not conversation.ended


@pytest.mark.parametrize(("message", "first_line"), [("habari", "Chagua shule:"), ("menu", "Chagua shule:")])
def test_any_other_message_starts_the_menu_in_the_stored_language(message: str, first_line: str) -> None:
    _, reply, _ = send([message], phone=MULTI, language="sw")
    assert reply.startswith(first_line)


def test_a_keyword_mid_conversation_closes_it_and_a_digit_then_starts_afresh() -> None:
    # At the payment confirmation ("1. Confirm"), a keyword arrives, then "1".
    conversation, reply, w = send(["hi", "2", "2", "5000", "1"], phone=MULTI)
    assert conversation.at.flow == "pay"
    conversation, screen = converse(conversation, MULTI, "BAL", w.ports)
    assert conversation.ended and "Brian Otieno (1002)" in screen.render()
    conversation, screen = converse(conversation, MULTI, "1", w.ports)
    assert screen.render().startswith("Choose a school:")
    assert w.payments.requests == []


def test_a_screen_that_ends_closes_the_conversation_and_the_next_message_starts_afresh() -> None:
    conversation, reply, w = send(["hi", "2", "2", "500", "1", "1"])
    assert conversation.ended and "M-Pesa prompt" in reply
    _, screen = converse(conversation, CREDIT, "hi", w.ports)
    assert screen.render().startswith("Faith Chebet\n1. Balance")


@pytest.mark.parametrize("message", ["BAL", "SALIO", "PAY 5000 1001", "HELP", "STOP", "hi", "1", "habari"])
def test_an_unknown_phone_gets_the_polite_reply_naming_nobody(message: str) -> None:
    conversation, reply, w = send([message], phone=UNKNOWN)
    assert reply == TEXTS["en"]["unknown"]
    assert conversation.ended
    assert not any(c.name.split(" ")[0] in reply for c in (AMINA, BRIAN, WANJIRU, FAITH, KEVIN))
    assert w.payments.requests == []


def test_a_big_family_is_cut_to_two_sms_with_how_to_ask_about_one(big_family: None) -> None:
    _, reply, _ = send(["STMT"], phone=BIG)
    assert sms_segments(reply) <= 2
    assert reply.startswith("Amina Wanjiku (1001)\n")
    assert "Not shown: " in reply and "Reply STMT <adm no.> for one child." in reply
    shown = [c for c in (AMINA, BRIAN, FAITH, KEVIN, WANJIRU) if f"({c.admission_no})" in reply]
    not_shown = reply.split("Not shown: ")[1].split(". Reply")[0].split(", ")
    assert [c.admission_no for c in shown] + not_shown == ["1001", "1002", "1004", "1005", "SMG/2024/0457"]


def test_a_number_shared_by_children_in_two_schools(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(fakes.FAMILIES, BIG, {1: [AMINA], 2: [replace(WANJIRU, admission_no="1001")]})
    _, reply, w = send(["PAY 5000 1001"], phone=BIG)
    assert reply == "More than one child has Adm No. 1001. To pay, send HI and choose Pay fees."
    assert w.payments.requests == []
    _, reply, _ = send(["BAL 1001"], phone=BIG)
    assert "Amina Wanjiku (1001)" in reply and "Wanjiru Nyambura Kamau. (1001)" in reply


REPLIES = [
    "BAL",
    "SALIO",
    "STMT",
    "ATT",
    "MAHUDHURIO",
    "RES",
    "MATOKEO",
    "HELP",
    "MSAADA",
    "STOP",
    "ACHA",
    "START",
    "ANZA",
    "PAY",
    "PAY 5000",
    "LIPA 5000",
    "PAY 5",
    "LIPA abc",
    "PAY 5000 1001",
    "LIPA 5000 SMG/2024/0457",
    "PAY 5000 9999",
    "BAL 1001",
    "SALIO 1002",
    "STMT 1001",
    "STMT SMG/2024/0457",
    "ATT SMG/2024/0457",
    "RES 1001",
    "MATOKEO SMG/2024/0457",
    "RES 9999",
    "BAL \u2019\U0001f600 \u00e9",
]


@pytest.mark.parametrize("outcome", list(PaymentOutcome))
@pytest.mark.parametrize("phone", [MULTI, CREDIT, EMPTY, UNKNOWN, BIG])
@pytest.mark.parametrize("language", ["en", "sw"])
def test_every_keyword_reply_fits_two_sms_in_gsm7(
    big_family: None, language: str, phone: str, outcome: PaymentOutcome
) -> None:
    for message in REPLIES:
        _, screen = converse(None, phone, message, world(language, outcome).ports)
        reply = screen.render()
        assert is_gsm7(reply) and sms_segments(reply) <= 2, f"{message!r}:\n{reply}"


def test_the_conversation_kept_after_a_keyword_survives_the_session_store() -> None:
    conversation, _, _ = send(["SALIO"])
    assert Conversation.from_dict(conversation.to_dict()) == conversation


# (message, reminders on, announcements on, the reply's start) after it, from both on, for a MULTI phone
STOPS = [
    ("STOP", False, True, "Fee reminders are now off."),
    ("STOP REMINDERS", False, True, "Fee reminders are now off."),
    ("stop reminder", False, True, "Fee reminders are now off."),
    ("STOP ANNOUNCEMENTS", True, False, "Announcements are now off. Receipts still come."),
    ("Stop news.", True, False, "Announcements are now off."),
    ("ACHA", False, True, "Vikumbusho vya karo vimezimwa."),
    ("ACHA VIKUMBUSHO", False, True, "Vikumbusho vya karo vimezimwa."),
    ("acha matangazo", True, False, "Matangazo yamezimwa. Risiti bado hutumwa."),
    ("ACHA TANGAZO", True, False, "Matangazo yamezimwa."),
    ("STOP MATANGAZO", True, False, "Announcements are now off."),  # the keyword's language answers
    ("STOP PLEASE", True, True, "Reply STOP REMINDERS or STOP ANNOUNCEMENTS"),
    ("ACHA SASA", True, True, "Jibu ACHA VIKUMBUSHO au ACHA MATANGAZO"),
]


@pytest.mark.parametrize(("message", "reminders_on", "announcements_on", "reply_start"), STOPS)
def test_stop_each_category_in_both_languages_in_every_school(
    message: str, reminders_on: bool, announcements_on: bool, reply_start: str
) -> None:
    _, reply, w = send([message], phone=MULTI)
    assert reply.startswith(reply_start), reply
    for school_id in (1, 2):
        found = guardian(w, MULTI, school_id)
        assert (found.reminders_on, found.announcements_on) == (reminders_on, announcements_on)
    assert is_gsm7(reply) and sms_segments(reply) <= 2


@pytest.mark.parametrize(
    ("stop", "start", "reply_start"),
    [
        ("STOP ANNOUNCEMENTS", "START ANNOUNCEMENTS", "Announcements are now on."),
        ("ACHA MATANGAZO", "ANZA MATANGAZO", "Matangazo yamewashwa."),
        ("STOP REMINDERS", "START REMINDERS", "Fee reminders are now on."),
        ("ACHA VIKUMBUSHO", "ANZA VIKUMBUSHO", "Vikumbusho vya karo vimewashwa."),
    ],
)
def test_start_turns_each_category_back_on(stop: str, start: str, reply_start: str) -> None:
    _, reply, w = send([stop, start], phone=MULTI)
    assert reply.startswith(reply_start), reply
    found = guardian(w, MULTI, 1)
    assert found.reminders_on and found.announcements_on


# (message, whether the phone has an email address on file, the channel after, the reply's start)
CHANNELS = [
    ("CHANNEL WHATSAPP", False, "whatsapp", "Messages will now come by WhatsApp."),
    ("channel wa", False, "whatsapp", "Messages will now come by WhatsApp."),
    ("CHANNEL SMS", False, "sms", "Messages will now come by SMS."),
    ("Channel: text", False, "sms", "Messages will now come by SMS."),
    ("CHANNEL EMAIL", True, "email", "Messages will now come by Email."),
    ("CHANNEL E-MAIL", True, "email", "Messages will now come by Email."),
    (
        "CHANNEL EMAIL",
        False,
        "sms",
        "No email address on file: ask the school to add it. Messages still come by SMS",
    ),
    ("NJIA WHATSAPP", False, "whatsapp", "Ujumbe sasa utakuja kwa WhatsApp."),
    ("njia sms", False, "sms", "Ujumbe sasa utakuja kwa SMS."),
    ("NJIA BARUAPEPE", True, "email", "Ujumbe sasa utakuja kwa Barua pepe."),
    ("NJIA BARUA PEPE", True, "email", "Ujumbe sasa utakuja kwa Barua pepe."),
    ("NJIA BARUAPEPE", False, "sms", "Hakuna barua pepe iliyosajiliwa"),
    ("CHANNEL", False, "sms", "Messages come by SMS. To change, reply CHANNEL SMS"),
    ("CHANNEL PIGEON", False, "sms", "Messages come by SMS. To change"),
    ("NJIA", False, "sms", "Ujumbe unakuja kwa SMS. Kubadilisha, jibu NJIA SMS"),
]


@pytest.mark.parametrize(("message", "has_email", "channel", "reply_start"), CHANNELS)
def test_channel_keyword_in_both_languages(
    message: str, has_email: bool, channel: str, reply_start: str
) -> None:
    w = world()
    for school_id in (1, 2):
        w.directory.guardians[MULTI, school_id] = replace(guardian(w, MULTI, school_id), has_email=has_email)
    _, reply, _ = send([message], phone=MULTI, w=w)
    assert reply.startswith(reply_start), reply
    assert [guardian(w, MULTI, s).channel for s in (1, 2)] == [channel, channel]
    assert is_gsm7(reply) and sms_segments(reply) <= 2


def test_email_is_chosen_only_in_the_schools_that_have_the_address() -> None:
    w = world()
    w.directory.guardians[MULTI, 2] = replace(guardian(w, MULTI, 2), has_email=True)
    _, reply, _ = send(["CHANNEL EMAIL"], phone=MULTI, w=w)
    assert reply.startswith("Messages will now come by Email.")
    assert [guardian(w, MULTI, s).channel for s in (1, 2)] == ["sms", "email"]
