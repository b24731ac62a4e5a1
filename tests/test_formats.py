"""Dates and times as each language writes them."""

import datetime

from django.utils import formats, translation

FOUR_PM = datetime.datetime(2027, 2, 23, 16, 0)


def test_korean_puts_the_half_of_the_day_before_the_hour():
    with translation.override("ko"):
        assert formats.date_format(FOUR_PM, "DATETIME_FORMAT") == "2027년 2월 23일 오후 4:00"
        # What the override leaves alone is still Django's Korean.
        assert formats.date_format(FOUR_PM, "DATE_FORMAT") == "2027년 2월 23일"


def test_english_unchanged():
    with translation.override("en"):
        assert formats.date_format(FOUR_PM, "DATETIME_FORMAT") == "Feb. 23, 2027, 4 p.m."
