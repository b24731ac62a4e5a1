"""Text people type is broken where it must be: a word longer than a phone's line (a string
pasted without spaces, a long reference or address) in a project's facts, its partner's name
and its summary does not widen the page, in English or in Korean.

Before the rule, a payment request whose feedback was one long word made its page 23,999 px
wide on a 390 px phone (found by filling the staff forms with such input); the facts list's
second column grew to the word's width, and the Korean pages' own rule (`break-word`) does not
let a grid column shrink."""

import pytest
from django.conf import settings

from tests.browser.conftest import PHONE, page_too_wide
from tests.factories import OrganizationFactory, ProjectFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WORD = "Klang" + "x" * 200  # wider than any screen, within a name's 255 characters


def test_a_long_word_in_a_projects_facts_and_summary_keeps_the_page_on_the_phone(page, live_server):
    partner = OrganizationFactory(
        name=f"City of {WORD}", name_ko=f"{WORD} 시청", kind="city_government", country_code="MY"
    )
    project = ProjectFactory(partner=partner, summary=WORD, summary_ko=f"요약 {WORD}")
    page.set_viewport_size(PHONE)
    for language in ("en", "ko"):
        page.context.add_cookies(
            [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}]
        )
        page.goto(project.get_absolute_url())
        assert WORD in page.locator("main").inner_text()
        assert page_too_wide(page) is None, language
