"""One way to read an admission number: however a parent punctuates or cases it, with or without the school's
prefix, it names the one child it spells and never a classmate with a similar number."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from ledger.admission import account_reference, admission_key, candidate_keys
from providers import daraja_fields

SEPARATORS = st.sampled_from(["/", "-", ".", " ", "", " / ", "_", "\t", "#"])
PREFIXES = st.sampled_from(["KJA", "MS", "ST", "A"])


@st.composite
def schools(draw):
    """A prefix and several similar admission numbers (all written with the prefix, or all without), as a
    school would store them: distinct once punctuation is ignored, as the students import insists."""
    prefix = draw(PREFIXES)
    prefixed = draw(st.booleans())
    year = draw(st.sampled_from(["2023", "2024", "24"]))
    serial = st.sampled_from(["1", "01", "001", "010", "100", "0010", "011", "101"])
    serials = draw(st.lists(serial, min_size=2))
    stored: dict[str, str] = {}
    for serial in serials:
        sep = draw(SEPARATORS.filter(bool))
        parts = ([prefix] if prefixed else []) + [year, serial]
        stored.setdefault(admission_key("".join(parts)), sep.join(parts))
    return prefix, list(stored.values())


def typed(draw, admission_no: str, prefix: str) -> str:
    """The number as a parent might type it: any case, any separators between its pieces, prefix or not."""
    pieces = "".join(c if c.isalnum() else " " for c in admission_no).split()
    if pieces and pieces[0].upper() == prefix:
        pieces = pieces[1:] if draw(st.booleans()) else pieces
    elif draw(st.booleans()):
        pieces = [prefix, *pieces]
    text = draw(SEPARATORS).join(pieces)
    return "".join(c.lower() if draw(st.booleans()) else c.upper() for c in text)


def matched(prefix: str, stored: list[str], account: str) -> list[str]:
    """What Paybill matching finds: the first candidate key a student holds (ledger.payments.paybill)."""
    by_key = {admission_key(adm): adm for adm in stored}
    for key in candidate_keys(account, prefix):
        if key in by_key:
            return [by_key[key]]
    return []


@given(st.data(), schools())
def test_any_punctuation_and_case_finds_the_one_child_it_spells(data, school):
    prefix, stored = school
    chosen = data.draw(st.sampled_from(stored))
    account = typed(data.draw, chosen, prefix)
    assert matched(prefix, stored, account) == [chosen], account


def test_the_numbers_kenyan_schools_write_all_meet_on_one_key():
    assert {admission_key(t) for t in ("KJA/2024/001", "kja 2024-001", "KJA.2024.001", "kja/2024/001")} == {
        "KJA2024001"
    }
    assert candidate_keys("2024/001", "KJA") == ["2024001", "KJA2024001"]
    assert candidate_keys("/-. ", "KJA") == []


@given(st.text(max_size=30))
def test_the_stk_reference_is_the_key_paybill_matches(text):
    reference = account_reference(text)
    assert len(reference) <= 12 and reference == admission_key(text)[:12]
    if 0 < len(admission_key(text)) <= 12:  # the provider's own check (it may not import the ledger) agrees
        assert daraja_fields.account_reference(text) == reference
