"""The help and legal layer: contact and help desk, questions and answers, accessibility
statement — open to anonymous visitors in English and Korean, naming the help desks of the
settings, and linked from every page's footer."""

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format

from reporting.help_views import ACCESSIBILITY_REVIEWED_ON

pytestmark = pytest.mark.django_db

HELP_PAGES = ("reporting:help", "reporting:faq", "reporting:accessibility")


@pytest.mark.parametrize("name", HELP_PAGES)
@pytest.mark.parametrize("language", ["en", "ko"])
def test_help_page_opens_for_anonymous_visitors_in_both_languages(client, name, language):
    response = client.get(reverse(name), HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<html lang="{language}">' in html
    # The page's own entry of the help menu is marked as the current page, and only it.
    assert html.count('aria-current="page"') == 1
    assert f'href="{reverse(name)}" aria-current="page"' in html


def test_help_page_names_each_secretariat_of_the_settings(client, settings):
    settings.KCITY_SECRETARIATS = {
        "KIND": {
            "name": "KIND help desk",
            "tracks": "Smart City Planning",
            "email": "help@kind.test",
            "phone": "+82 2 000 0000",
            "website": "https://kind.test",
        },
        "KAIA": {
            "name": "KAIA help desk",
            "tracks": "Demonstration",
            "email": "help@kaia.test",
            "phone": "",
            "website": "https://kaia.test",
        },
    }
    settings.KCITY_HELPDESK_HOURS = "Weekdays 9:00–18:00 KST"
    html = client.get(reverse("reporting:help")).content.decode()
    assert '<a href="mailto:help@kind.test">help@kind.test</a>' in html
    assert '<a href="tel:+8220000000">+82 2 000 0000</a>' in html
    assert '<a href="mailto:help@kaia.test">help@kaia.test</a>' in html
    # KAIA has no telephone set: no empty line for it.
    assert html.count("tel:") == 1
    assert "Weekdays 9:00–18:00 KST." in html
    assert "What to include in your request" in html


def test_faq_answers_each_role(client):
    html = client.get(reverse("reporting:faq")).content.decode()
    for anchor in ("applicants", "reviewers", "staff"):
        assert f'<a href="#{anchor}">' in html and f'<h2 id="{anchor}">' in html


def test_accessibility_statement_names_the_standard_limits_and_review_date(client, settings):
    settings.KCITY_SESSION_IDLE_TIMEOUT_STAFF = 45 * 60
    html = client.get(reverse("reporting:accessibility"), HTTP_ACCEPT_LANGUAGE="en").content
    html = html.decode()
    assert "KWCAG 2.2" in html and "WCAG" in html and "2.1" in html and "level AA" in html
    assert "Known limitations" in html
    assert "logged out after 45 minutes without activity" in html
    assert "Report a problem" in html and "mailto:" in html
    with translation.override("en"):
        reviewed = date_format(ACCESSIBILITY_REVIEWED_ON, "DATE_FORMAT")
    assert f"This statement was last reviewed on {reviewed}." in html


def test_every_page_footer_links_to_the_help_and_legal_pages(client):
    html = client.get(reverse("home")).content.decode()
    footer = html[html.index('<footer class="site-footer">') :]
    for name in ("privacy", *HELP_PAGES):
        assert f'href="{reverse(name)}"' in footer, name


def test_help_pages_refuse_post(client):
    for name in HELP_PAGES:
        assert client.post(reverse(name)).status_code == 405
