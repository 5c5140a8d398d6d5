"""Screens as WhatsApp menus (``bot.channels.interactive``): buttons for up to three short choices, a list
for up to ten, text otherwise; ids stamped with their screen so an old menu's tap moves nothing."""

from __future__ import annotations

from bot.channels.interactive import menu_of, stamp, tapped
from flows import Conversation, Option, Position, Screen

TEN = tuple(Option(str(n), f"Choice {n}") for n in range(1, 11))


def test_up_to_three_short_options_are_reply_buttons_with_their_keys_stamped() -> None:
    screen = Screen(
        "Confirm KES 5,000?", (Option("1", "Confirm"), Option("2", "Cancel"), Option("0", "Back"))
    )
    menu = menu_of(screen, "en", "abc123")
    assert menu is not None and menu.kind == "buttons"
    assert [(c.id, c.title) for c in menu.choices] == [
        ("1@abc123", "Confirm"),
        ("2@abc123", "Cancel"),
        ("0@abc123", "Back"),
    ]


def test_more_options_or_long_titles_make_a_list_in_the_parents_language() -> None:
    long = Option("1", "Wanjiru Nyambura Kamau-Otieno (Form 3 East)")
    menu = menu_of(Screen("Chagua mtoto", (long, Option("2", "Brian"))), "sw")
    assert menu is not None and menu.kind == "list" and menu.button == "Chagua"
    first = menu.choices[0]
    assert len(first.title) <= 24 and first.description == long.label  # the whole label below the title
    assert menu.choices[1].description == "2"  # a short title: the key that types it
    assert menu_of(Screen("Ten", TEN), "en") is not None


def test_eleven_options_none_or_a_repeated_id_stay_text() -> None:
    assert menu_of(Screen("Eleven", (*TEN, Option("11", "Eleven"))), "en") is None
    assert menu_of(Screen("Nothing to tap"), "en") is None
    assert (
        menu_of(Screen("Twice", (Option("1", "A", payload="X"), Option("2", "B", payload="X"))), "en") is None
    )


def test_a_pay_button_sends_its_payload_unstamped() -> None:
    pay = Option("1", "Pay", payload="PAY 35000 KJA-001", tap="Pay 35,000")
    menu = menu_of(Screen("Balance KES 35,000", (pay, Option("0", "Back"))), "en", "abc123")
    assert menu is not None and [(c.id, c.title) for c in menu.choices] == [
        ("PAY 35000 KJA-001", "Pay 35,000"),
        ("0@abc123", "Back"),
    ]


def test_a_tap_counts_only_on_the_screen_it_was_made_for() -> None:
    on_menu = Conversation(phone="+254700000001", school_id=1, student_id=2, at=Position("menu", "menu"))
    on_confirm = Conversation(phone="+254700000001", school_id=1, student_id=2, at=Position("pay", "confirm"))
    on_confirm.amount = 500_000
    assert tapped(f"1@{stamp(on_menu)}", on_menu) == "1"
    assert tapped(f"1@{stamp(on_menu)}", on_confirm) == ""  # an old Balance must not confirm a payment
    other_amount = Conversation(
        phone="+254700000001", school_id=1, student_id=2, at=Position("pay", "confirm")
    )
    other_amount.amount = 300_000
    assert tapped(f"1@{stamp(on_confirm)}", other_amount) == ""
    on_menu.ended = True
    assert tapped(f"1@{stamp(on_menu)}", on_menu) == ""  # ended: the menu starts afresh
    assert tapped("PAY 35000 KJA-001", None) == "PAY 35000 KJA-001"
    assert tapped("1", on_confirm) == "1"  # no stamp: as typed
