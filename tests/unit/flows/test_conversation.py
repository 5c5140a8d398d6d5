"""Who is asking, navigation everywhere, invalid input, language and reminders, resuming, and storage."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from flows import Conversation, Position, offer_resume, resumable, start, step
from ledger.types import GuardianRef, StudentRef
from tests.unit.flows import fakes
from tests.unit.flows.fakes import CREDIT, EMPTY, MULTI, UNKNOWN, world
from tests.unit.flows.helpers import AMINA, run

UNKNOWN_TEXT = (
    "Sorry, this number is not registered. Please contact your school.\n"
    "Samahani, nambari hii haijasajiliwa. Tafadhali wasiliana na shule yako."
)
NAMES = [s.name for s in (fakes.AMINA, fakes.BRIAN, fakes.WANJIRU, fakes.FAITH, fakes.KEVIN)]


# --- who is asking ---------------------------------------------------------------------------------------


def test_a_phone_in_several_schools_chooses_the_school_then_the_child() -> None:
    _, screen, _ = run([], phone=MULTI)
    assert screen.render() == "Choose a school:\n1. Karo Demo Academy\n2. St. Mary's Girls High Sch."
    _, screen, _ = run(["1"], phone=MULTI)
    assert screen.render() == "Choose a child:\n1. Amina Wanjiku, Grade 6\n2. Brian Otieno, PP2\n0 Back"
    _, screen, _ = run(["1", "2"], phone=MULTI)
    assert screen.render().startswith("Brian Otieno\n1. Balance\n2. Pay fees\n3. Statement")


def test_one_school_and_one_child_go_straight_to_the_menu() -> None:
    _, screen, _ = run([], phone=CREDIT)
    assert screen.render() == (
        "Faith Chebet\n1. Balance\n2. Pay fees\n3. Statement\n4. Attendance\n5. Results\n6. Promise to pay\n"
        "7. Language\n8. Settings"
    )


def test_the_menu_in_kiswahili() -> None:
    _, screen, _ = run([], phone=CREDIT, language="sw")
    assert screen.render() == (
        "Faith Chebet\n1. Salio\n2. Lipa karo\n3. Taarifa ya malipo\n4. Mahudhurio\n5. Matokeo\n"
        "6. Ahadi ya kulipa\n7. Lugha\n8. Mipangilio"
    )


@pytest.mark.parametrize("language", ["en", "sw"])
def test_an_unknown_phone_gets_a_polite_end_naming_nobody(language: str) -> None:
    conversation, screen, _ = run([], phone=UNKNOWN, language=language)
    assert (screen.text, screen.end, conversation.ended) == (UNKNOWN_TEXT, True, True)
    assert not any(name.split()[0] in screen.text for name in NAMES)


def test_a_school_code_goes_straight_to_that_school() -> None:
    _, screen, _ = run([], phone=MULTI, school_id=2)
    assert screen.render().startswith("Wanjiru Nyambura Ka.\n1. Balance")
    conversation, screen, _ = run([], phone=MULTI, school_id=1)
    assert screen.render().startswith("Choose a child:")
    assert conversation.dialled_school_id == 1


def test_another_schools_code_looks_exactly_like_an_unknown_phone() -> None:
    _, screen, _ = run([], phone=CREDIT, school_id=2)
    assert (screen.text, screen.end) == (UNKNOWN_TEXT, True)


def test_a_child_this_phone_cannot_see_is_never_shown() -> None:
    w = world()
    forged = Conversation(
        phone=CREDIT, school_id=1, student_id=fakes.AMINA.id, at=Position("balance", "show")
    )
    conversation, screen = step(forged, "98", w.ports)
    assert "Amina" not in screen.render() and "12,500" not in screen.render()
    assert conversation.student_id == fakes.FAITH.id


def test_a_chosen_child_no_longer_this_phones_is_never_shown_again(monkeypatch: pytest.MonkeyPatch) -> None:
    conversation, screen, w = run(AMINA, phone=MULTI)
    assert screen.render().startswith("Amina Wanjiku\n1. Balance")
    monkeypatch.setitem(fakes.FAMILIES, MULTI, {1: [fakes.BRIAN], 2: [fakes.WANJIRU]})  # Amina unlinked
    conversation, screen = step(conversation, "1", w.ports)
    assert "Amina" not in screen.render() and "12,500" not in screen.render()
    assert screen.render().startswith("Choose a school:") and conversation.student is None


def test_the_chosen_child_is_kept_so_later_hops_need_not_list_the_children() -> None:
    w = world()
    listed: list[int] = []
    children = w.directory.children

    def listing(phone: str, school_id: int) -> list[StudentRef]:
        listed.append(school_id)
        return children(phone, school_id)

    w.directory.children = listing  # type: ignore[method-assign]
    conversation, _ = run(AMINA, phone=MULTI, w=w)[:2]
    reads_to_choose = len(listed)
    for typed in ["1", "0", "3", "98", "00", "5", "1"]:  # as the USSD store keeps it: JSON between hops
        conversation = Conversation.from_dict(json.loads(json.dumps(conversation.to_dict())))
        conversation, screen = step(conversation, typed, w.ports)
    assert screen.render().startswith("Subjects 1-4 of 9:\nMathematics 78 A-")
    assert len(listed) == reads_to_choose and conversation.student == fakes.AMINA


def test_a_schools_own_code_reads_the_guardian_once_to_speak_their_language() -> None:
    w = world("sw")
    asked: list[int] = []
    guardian = w.directory.guardian

    def reading(phone: str, school_id: int) -> GuardianRef | None:
        asked.append(school_id)
        return guardian(phone, school_id)

    w.directory.guardian = reading  # type: ignore[method-assign]
    _, screen = start(CREDIT, w.ports, school_id=1)
    assert screen.render().startswith("Faith Chebet\n1. Salio")
    assert asked == [1]


# --- navigation ------------------------------------------------------------------------------------------

# (phone, inputs, fragment the last screen starts with)
NAVIGATION = [
    (MULTI, [*AMINA, "5", "1", "98", "00"], "Amina Wanjiku\n1. Balance"),
    (MULTI, [*AMINA, "5", "1", "98", "00", "0"], "Choose a child:"),
    (MULTI, [*AMINA, "5", "1", "98", "00", "0", "0"], "Choose a school:"),
    (MULTI, [*AMINA, "5", "1", "98", "0", "0", "0"], "Amina Wanjiku\n1. Balance"),
    (MULTI, [*AMINA, "2", "2", "20000", "1", "00"], "Amina Wanjiku\n1. Balance"),
    (MULTI, [*AMINA, "2", "2", "20000", "1", "0"], "KES 20,000 is more than the balance"),
    (MULTI, [*AMINA, "2", "2", "20000", "1", "0", "0", "0"], "Pay fees for Amina Wanjiku"),
    (MULTI, [*AMINA, "3", "98", "00", "0", "00"], "Amina Wanjiku\n1. Balance"),
    (MULTI, ["0"], "Choose a school:"),
    (MULTI, ["00"], "Choose a school:"),
    (MULTI, ["1", "00"], "Choose a school:"),
    (CREDIT, ["0"], "Faith Chebet\n1. Balance"),
    (CREDIT, ["00", "0", "00"], "Faith Chebet\n1. Balance"),
    (CREDIT, ["1", "1", "0"], "Credit KES 2,000"),
    (CREDIT, ["1", "1", "0", "0"], "Faith Chebet\n1. Balance"),
    (CREDIT, ["1", "1", "2", "0"], "Pay fees for Faith Chebet"),
]


@pytest.mark.parametrize(("phone", "inputs", "expected"), NAVIGATION)
def test_zero_goes_back_and_double_zero_goes_home(phone: str, inputs: list[str], expected: str) -> None:
    _, screen, _ = run(inputs, phone=phone)
    assert screen.render().startswith(expected)
    assert not screen.end


def test_home_and_back_keys_are_shown_only_where_they_lead_somewhere() -> None:
    _, screen, _ = run([], phone=CREDIT)
    assert "0 Back" not in screen.render()
    _, screen, _ = run(["1"], phone=CREDIT)
    assert screen.render().endswith("\n0 Back")
    _, screen, _ = run(["2", "2"], phone=CREDIT)
    assert screen.render().endswith("\n0 Back 00 Home")


@pytest.mark.parametrize(
    "junk",
    ["9", "abc", "", "x" * 500, "\u0661", "*", "#", "1*2", "*384#", "\U0001f600", " 1 1 ", "-1", "099"],
)
@pytest.mark.parametrize(("language", "hint"), [("en", "Invalid choice.\n"), ("sw", "Chaguo si sahihi.\n")])
def test_invalid_input_repeats_the_screen_with_a_hint(junk: str, language: str, hint: str) -> None:
    conversation, menu, w = run([], phone=CREDIT, language=language)
    after, screen = step(conversation, junk, w.ports)
    assert screen.render() == hint + menu.render()
    assert not screen.end and after.at == conversation.at


def test_step_leaves_the_conversation_it_was_given_unchanged() -> None:
    conversation, _, w = run([*AMINA, "2", "2"], phone=MULTI)
    before = conversation.to_dict()
    step(conversation, "20000", w.ports)
    assert conversation.to_dict() == before


# --- language and reminders ------------------------------------------------------------------------------


def test_switching_to_kiswahili_answers_in_kiswahili_from_then_on() -> None:
    conversation, screen, w = run(["7"], phone=CREDIT)
    assert screen.render() == "Choose language:\n1. English\n2. Kiswahili\n0 Back"
    conversation, screen = step(conversation, "2", w.ports)
    assert screen.render().startswith("Lugha: Kiswahili.\nFaith Chebet\n1. Salio\n2. Lipa karo")
    assert w.directory.guardian(CREDIT, 1).language == "sw"  # type: ignore[union-attr]
    for text, fragment in [
        ("1", "Salio la ziada KES 2,000"),
        ("0", "3. Taarifa ya malipo"),
        ("3", "Malipo -12,000"),
    ]:
        conversation, screen = step(conversation, text, w.ports)
        assert fragment in screen.render()
    conversation, screen = step(conversation, "xyz", w.ports)
    assert screen.render().startswith("Chaguo si sahihi.")
    _, screen = start(CREDIT, w.ports)
    assert "1. Salio" in screen.render()


def test_switching_back_to_english() -> None:
    _, screen, w = run(["7", "1"], phone=CREDIT, language="sw")
    assert screen.render().startswith("Language: English.\nFaith Chebet\n1. Balance")
    assert w.directory.guardian(CREDIT, 1).language == "en"  # type: ignore[union-attr]


SETTINGS_EN = (
    "Reminders: ON\nAnnouncements: ON\nMessages by: SMS\n1. Turn reminders off\n2. Turn announcements off\n"
    "3. Change channel\n0 Back"
)


@pytest.mark.parametrize(
    ("inputs", "language", "fragment", "on"),
    [
        (["8"], "en", SETTINGS_EN, True),
        (["8", "1"], "en", "Reminders turned off.\nFaith Chebet\n1. Balance", False),
        (
            ["8", "1", "8"],
            "en",
            "Reminders: OFF\nAnnouncements: ON\nMessages by: SMS\n1. Turn reminders on",
            False,
        ),
        (["8", "1", "8", "1"], "en", "Reminders turned on.\nFaith Chebet", True),
        (
            ["8"],
            "sw",
            "Vikumbusho: vimewashwa\nMatangazo: yamewashwa\nUjumbe kwa: SMS\n1. Zima vikumbusho",
            True,
        ),
        (["8", "1"], "sw", "Vikumbusho vimezimwa.\nFaith Chebet\n1. Salio", False),
        (["8", "1", "8", "1"], "sw", "Vikumbusho vimewashwa.", True),
        (["8", "4"], "en", "Invalid choice.\nReminders: ON", True),
    ],
)
def test_reminders_off_and_on(inputs: list[str], language: str, fragment: str, on: bool) -> None:
    _, screen, w = run(inputs, phone=CREDIT, language=language)
    assert fragment in screen.render()
    assert w.directory.guardian(CREDIT, 1).reminders_on is on  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("inputs", "language", "fragment", "announcements_on", "reminders_on"),
    [
        (["8", "2"], "en", "Announcements turned off.\nFaith Chebet", False, True),
        (
            ["8", "2", "8"],
            "en",
            "Reminders: ON\nAnnouncements: OFF\nMessages by: SMS\n1. Turn reminders off\n"
            "2. Turn announcements on",
            False,
            True,
        ),
        (["8", "2", "8", "2"], "en", "Announcements turned on.", True, True),
        (["8", "2"], "sw", "Matangazo yamezimwa.\nFaith Chebet\n1. Salio", False, True),
        (
            ["8", "2", "8"],
            "sw",
            "Matangazo: yamezimwa\nUjumbe kwa: SMS\n1. Zima vikumbusho\n2. Washa matangazo",
            False,
            True,
        ),
    ],
)
def test_announcements_off_and_on_leave_reminders_alone(
    inputs: list[str], language: str, fragment: str, announcements_on: bool, reminders_on: bool
) -> None:
    _, screen, w = run(inputs, phone=CREDIT, language=language)
    assert fragment in screen.render()
    guardian = w.directory.guardian(CREDIT, 1)
    assert guardian is not None
    assert (guardian.announcements_on, guardian.reminders_on) == (announcements_on, reminders_on)


@pytest.mark.parametrize(
    ("inputs", "language", "has_email", "fragment", "channel"),
    [
        (["8", "3"], "en", False, "Receive messages by:\n1. SMS\n2. WhatsApp\n3. Email\n0 Back", "sms"),
        (["8", "3"], "sw", False, "Pokea ujumbe kwa:\n1. SMS\n2. WhatsApp\n3. Barua pepe\n0 Rudi", "sms"),
        (
            ["8", "3", "2"],
            "en",
            False,
            "Messages now by WhatsApp.\nFaith Chebet\n1. Balance",
            "whatsapp",
        ),
        (["8", "3", "2"], "sw", False, "Ujumbe kwa WhatsApp.\nFaith Chebet\n1. Salio", "whatsapp"),
        (
            ["8", "3", "3"],
            "en",
            False,
            "No email address on file: ask the school to add it.\nReceive messages by:\n1. SMS",
            "sms",
        ),
        (["8", "3", "3"], "sw", False, "Hakuna barua pepe iliyosajiliwa", "sms"),
        (["8", "3", "3"], "en", True, "Messages now by Email.", "email"),
        (["8", "3", "2", "8", "3", "1"], "en", False, "Messages now by SMS.", "sms"),
        (["8", "3", "2", "8"], "en", False, "Messages by: WhatsApp\n1.", "whatsapp"),
        (["8", "3", "4"], "en", False, "Invalid choice.\nReceive messages by:", "sms"),
        (["8", "3", "0"], "en", False, "Reminders: ON\nAnnouncements: ON", "sms"),
    ],
)
def test_changing_the_channel(
    inputs: list[str], language: str, has_email: bool, fragment: str, channel: str
) -> None:
    w = world(language)
    w.directory.guardians[CREDIT, 1] = replace(w.directory.guardians[CREDIT, 1], has_email=has_email)
    _, screen, _ = run(inputs, phone=CREDIT, w=w)
    assert fragment in screen.render()
    assert w.directory.guardian(CREDIT, 1).channel == channel  # type: ignore[union-attr]


def test_settings_apply_to_the_school_they_were_made_in() -> None:
    _, _, w = run(["2", "8", "1"], phone=MULTI)
    assert w.directory.guardian(MULTI, 2).reminders_on is False  # type: ignore[union-attr]
    assert w.directory.guardian(MULTI, 1).reminders_on is True  # type: ignore[union-attr]
    _, _, w = run(["2", "8", "3", "2"], phone=MULTI)
    assert w.directory.guardian(MULTI, 2).channel == "whatsapp"  # type: ignore[union-attr]
    assert w.directory.guardian(MULTI, 1).channel == "sms"  # type: ignore[union-attr]


# --- resuming and storage --------------------------------------------------------------------------------


def test_a_redial_can_continue_where_it_left_off_with_fresh_figures() -> None:
    dropped, _, w = run([*AMINA, "1", "98"], phone=MULTI)
    assert resumable(dropped)
    offered, screen = offer_resume(dropped, w.ports)
    assert screen.render() == "Continue where you left off?\n1. Continue\n2. Start again"
    balance = w.directory.balances[1]
    w.directory.balances[1] = type(balance)(balance.student, 900_000, balance.by_vote_head, 0, balance.due_on)
    resumed, screen = step(offered, "1", w.ports)
    assert screen.render().startswith("Balance KES 9,000\nDue by 19 Jan 2026\nLunch 500")
    assert resumed.at == dropped.at and resumed.back == dropped.back
    _, screen = step(resumed, "0", w.ports)
    assert "Tuition 8,000" in screen.render()


def test_a_redial_can_start_again() -> None:
    dropped, _, w = run([*AMINA, "2", "2", "20000"], phone=MULTI, language="sw")
    offered, screen = offer_resume(dropped, w.ports)
    assert screen.render() == "Endelea ulipoachia?\n1. Endelea\n2. Anza upya"
    for junk in ["0", "00", "3", ""]:
        offered, screen = step(offered, junk, w.ports)
        assert "Endelea ulipoachia?" in screen.render()
    conversation, screen = step(offered, "2", w.ports)
    assert screen.render().startswith("Chagua shule:")
    assert conversation.amount is None and conversation.previous is None


@pytest.mark.parametrize("inputs", [[], ["1"], [*AMINA, "6", "1"]])
def test_nothing_worth_resuming_starts_afresh(inputs: list[str]) -> None:
    dropped, _, w = run(inputs, phone=MULTI)
    assert not resumable(dropped)
    conversation, screen = offer_resume(dropped, w.ports)
    assert screen.render().startswith("Choose a school:") and conversation.previous is None


def test_a_conversation_survives_json_mid_flow() -> None:
    conversation, screen, w = run([*AMINA, "2", "2", "20000"], phone=MULTI, language="sw")
    stored = json.dumps(conversation.to_dict())
    restored = Conversation.from_dict(json.loads(stored))
    assert restored == conversation
    assert restored.amount == 2_000_000 and len(restored.back) == 5
    assert step(restored, "1", w.ports)[1] == step(conversation, "1", w.ports)[1]


def test_a_resume_offer_survives_json() -> None:
    dropped, _, w = run([*AMINA, "3", "98"], phone=MULTI)
    offered, _ = offer_resume(dropped, w.ports)
    restored = Conversation.from_dict(json.loads(json.dumps(offered.to_dict())))
    _, screen = step(restored, "1", w.ports)
    assert screen.render().startswith("Amina Wanjiku\n5 Jan Fees 15,000")


def test_an_unknown_stored_format_is_refused() -> None:
    with pytest.raises(ValueError, match="format"):
        Conversation.from_dict({"format": 99, "phone": MULTI})


def test_a_stored_screen_that_no_longer_exists_lands_on_the_menu() -> None:
    conversation, _, w = run([], phone=EMPTY)
    conversation.at = Position("balance", "gone")
    _, screen = step(conversation, "1", w.ports)
    assert screen.render().startswith("Kevin Mwangi\n1. Balance")


def test_a_resume_offer_holding_an_unreadable_conversation_starts_afresh() -> None:
    dropped, _, w = run([*AMINA, "1"], phone=MULTI)
    offered, _ = offer_resume(dropped, w.ports)
    offered.previous = {"format": 0}
    _, screen = step(offered, "1", w.ports)
    assert screen.render().startswith("Choose a school:")
