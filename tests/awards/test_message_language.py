"""Refusals kept as module constants are translated when they are shown, in the reader's
language, not once in whichever language was active when the module was imported."""

import pytest
from django.utils import translation
from django.utils.functional import Promise

from awards import funding, services


@pytest.mark.parametrize(
    ("message", "english"),
    [
        (funding.NOT_YOURS, "You may not do this for this project."),
        (services.NOT_YOUR_TRACK, "You do not work on this track."),
    ],
)
def test_refusal_constants_follow_the_active_language(message, english):
    assert isinstance(message, Promise)
    with translation.override("en"):
        assert str(message) == english
    with translation.override("ko"):
        assert str(message) != english


def test_payment_refusal_is_filled_in_the_active_language():
    assert isinstance(funding.PAYMENT_REFUSAL, Promise)
    with translation.override("ko"):
        text = funding.PAYMENT_REFUSAL % {"old": "A", "new": "B"}
    assert isinstance(text, str) and "“A”" in text and "payment request" not in text
