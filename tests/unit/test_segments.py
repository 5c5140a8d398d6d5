from hypothesis import given
from hypothesis import strategies as st

from flows.gsm import sms_segments


def test_gsm7_limits():
    assert [sms_segments("a" * n) for n in (1, 160, 161, 306, 307)] == [1, 1, 2, 2, 3]


def test_extension_characters_count_twice():
    assert sms_segments("[" * 80) == 1 and sms_segments("[" * 81) == 2


def test_ucs2_limits():
    assert [sms_segments("ŵ" * n) for n in (70, 71, 134, 135)] == [1, 2, 2, 3]


@given(st.text(max_size=400))
def test_more_text_never_takes_fewer_segments(text):
    assert sms_segments(text + "a") >= sms_segments(text)
