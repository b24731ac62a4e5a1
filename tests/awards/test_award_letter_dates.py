"""The award letter is dated the day the award was approved and addressed to the application's
contact, whatever day it is printed."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from accounts.audit import recorded_at
from awards.models import Award
from awards.services import award_letter_context, award_letter_date, transition_award
from tests.factories import SubmittedApplicationFactory

pytestmark = pytest.mark.django_db

# 16:30 UTC on 7 July is already 8 July in Seoul, the programme's time zone.
APPROVED_AT = datetime.datetime(2022, 7, 7, 16, 30, tzinfo=datetime.UTC)


@pytest.fixture
def award(planning_track):
    application = SubmittedApplicationFactory(
        track=planning_track,
        reference="2022-PL-001",
        contact_name="Aminah Rahman",
        contact_position="Director of Urban Planning",
    )
    return Award.objects.create(application=application, amount=400_000_000)


def _approve_and_contract(award, actor):
    with recorded_at(APPROVED_AT):
        award = transition_award(award=award, to=Award.Status.APPROVED, actor=actor)
    with recorded_at(APPROVED_AT + datetime.timedelta(days=14)):
        return transition_award(award=award, to=Award.Status.CONTRACTED, actor=actor)


def _letter_html(award, language="en") -> str:
    with translation.override(language):
        return render_to_string("pdf/award_letter.html", award_letter_context(award=award))


def test_award_letter_date_is_the_approval_day_in_seoul(award, programme_admin):
    award = _approve_and_contract(award, programme_admin)
    assert award_letter_date(award) == datetime.date(2022, 7, 8)
    html = _letter_html(award)
    assert '<p class="date">2022-07-08</p>' in html
    assert timezone.localdate().isoformat() not in html


def test_award_letter_of_an_award_not_approved_yet_is_dated_today(award):
    seoul_today = timezone.localdate(timezone=ZoneInfo("Asia/Seoul"))
    assert award.status == Award.Status.PROPOSED
    assert award_letter_date(award) == seoul_today
    assert f'<p class="date">{seoul_today:%Y-%m-%d}</p>' in _letter_html(award)


@pytest.mark.parametrize("language", ["en", "ko"])
def test_award_letter_is_addressed_to_the_application_contact(award, language):
    html = _letter_html(award, language)
    assert "Aminah Rahman, Director of Urban Planning" in html
    assert award.application.organization.name in html


@pytest.mark.pdf
def test_award_letter_page_is_dated_by_the_approval(client, award, kind_staff, programme_admin):
    _approve_and_contract(award, programme_admin)
    client.force_login(kind_staff)
    url = reverse("staff_awards:award_letter", args=[award.application.track_id, award.pk])
    response = client.get(url, {"lang": "en"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.context["letter_date"] == datetime.date(2022, 7, 8)
