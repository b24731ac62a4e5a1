"""The applicant downloads their own award letter (rule ``awards.download_award_letter``):
members of the funded organisation once the award is approved and the decision released, staff
of the track at any stage; everyone else gets a 404 that names nothing."""

import datetime
from decimal import Decimal
from urllib.parse import quote

import pytest
from django.urls import reverse
from django.utils import timezone

from awards.models import Award
from awards.services import advance_award, award_funding, cancel_award, transition_award
from results.models import ApplicationResult, Decision
from results.services import confirm_decisions, propose_funding_line, release_decisions
from tests.factories.results import ensure_email_templates, reviewed_application

pytestmark = pytest.mark.django_db

M = 1_000_000
TITLE = "Klang riverside flood sensors"
PANEL = 'id="decision-heading"'


@pytest.fixture(autouse=True)
def _email_templates(settings, tmp_path):
    ensure_email_templates(
        settings, tmp_path, ["applications/decision", "applications/status_changed"]
    )


@pytest.fixture
def award(planning_track, applicant, kind_staff, programme_admin):
    """The applicant's selected application, its decision released, awarded (proposed)."""
    planning_track.total_budget = 800 * M
    planning_track.save()
    application = reviewed_application(
        planning_track,
        title=TITLE,
        budget_requested=400 * M,
        organization=applicant.organizations.first(),
    )
    ApplicationResult.objects.create(
        application=application, track=planning_track, official_score=Decimal("90.00"), rank=1
    )
    propose_funding_line(track=planning_track, actor=kind_staff)
    confirm_decisions(track=planning_track, actor=programme_admin)
    release_decisions(track=planning_track, actor=programme_admin)
    return award_funding(application=application, amount=400 * M, actor=kind_staff)


@pytest.fixture
def approved(award, kind_staff):
    return advance_award(award=award, to=Award.Status.APPROVED, actor=kind_staff)


def letter_url(award, language=None):
    url = reverse("awards:letter", args=[award.pk])
    return f"{url}?lang={language}" if language else url


def _filename(response) -> str:
    return response["Content-Disposition"].split('filename="')[1].rstrip('"')


@pytest.mark.pdf
@pytest.mark.parametrize("language", ["en", "ko"])
def test_award_letter_applicant_member_downloads_each_language(
    client, applicant, approved, language
):
    client.force_login(applicant)
    response = client.get(letter_url(approved, language))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    reference = approved.application.reference
    assert response["Content-Disposition"] == (
        f'attachment; filename="award-letter-{reference}-{language}.pdf"'
    )
    cache_control = response["Cache-Control"]
    assert "private" in cache_control and "no-store" in cache_control


@pytest.mark.pdf
def test_award_letter_language_defaults_to_the_readers(client, applicant, approved):
    applicant.language = "ko"
    applicant.save()
    client.force_login(applicant)
    response = client.get(letter_url(approved))
    assert response.status_code == 200
    assert _filename(response).endswith("-ko.pdf")


@pytest.mark.pdf
def test_award_letter_unknown_language_falls_back_to_english(client, applicant, approved):
    client.force_login(applicant)
    response = client.get(letter_url(approved, "fr"))
    assert response.status_code == 200
    assert _filename(response).endswith("-en.pdf")


@pytest.mark.parametrize(
    "path",
    [
        [],
        [Award.Status.CONTRACTED],
        [Award.Status.CONTRACTED, Award.Status.IN_PROGRESS],
        [Award.Status.CONTRACTED, Award.Status.IN_PROGRESS, Award.Status.COMPLETED],
    ],
)
def test_award_letter_rule_allows_applicant_from_approval_on(applicant, approved, kind_staff, path):
    award = approved
    for to in path:
        # The award row's own move: what the rule reads is the status, whatever led to it
        # (the lifecycle's conditions have their tests in test_lifecycle.py).
        award = transition_award(award=award, to=to, actor=kind_staff)
    award = Award.objects.get(pk=award.pk)
    assert applicant.has_perm("awards.download_award_letter", award)


def test_award_letter_of_a_proposed_award_is_404_for_the_applicant(client, applicant, award):
    assert award.status == Award.Status.PROPOSED
    assert not applicant.has_perm("awards.download_award_letter", award)
    client.force_login(applicant)
    assert client.get(letter_url(award, "en")).status_code == 404


def test_award_letter_of_a_cancelled_award_is_404_for_the_applicant(
    client, applicant, approved, kind_staff
):
    award, _promoted = cancel_award(award=approved, reason="The city withdrew", actor=kind_staff)
    assert award.status == Award.Status.CANCELLED
    client.force_login(applicant)
    assert client.get(letter_url(award, "en")).status_code == 404


def test_award_letter_before_the_decision_is_released_is_404_for_the_applicant(
    client, applicant, approved
):
    # A release scheduled for later: the applicant does not see the decision yet.
    Decision.objects.filter(application=approved.application).update(
        released_at=timezone.now() + datetime.timedelta(days=1)
    )
    client.force_login(applicant)
    assert client.get(letter_url(approved, "en")).status_code == 404


def test_award_letter_of_another_organisation_is_404_naming_nothing(
    client, other_applicant, approved
):
    client.force_login(other_applicant)
    response = client.get(letter_url(approved, "en"))
    assert response.status_code == 404
    body = response.content.decode()
    assert TITLE not in body
    assert approved.application.organization.name not in body


def test_award_letter_of_a_missing_award_is_404(client, applicant, approved):
    client.force_login(applicant)
    assert client.get(reverse("awards:letter", args=[approved.pk + 1000])).status_code == 404


def test_award_letter_anonymous_is_sent_to_log_in(client, approved):
    url = letter_url(approved, "en")
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('accounts:login')}?next={quote(url, safe='/')}"


@pytest.mark.pdf
def test_award_letter_staff_of_the_track_downloads_even_a_proposed_award(
    client, kind_staff, programme_admin, award
):
    for user in (kind_staff, programme_admin):
        client.force_login(user)
        response = client.get(letter_url(award, "ko"))
        assert response.status_code == 200
        assert response.content.startswith(b"%PDF")


def test_award_letter_other_secretariat_is_404(client, kaia_staff, approved):
    assert not kaia_staff.has_perm("awards.download_award_letter", approved)
    client.force_login(kaia_staff)
    assert client.get(letter_url(approved, "en")).status_code == 404


@pytest.mark.pdf
def test_award_letter_staff_page_shares_the_private_response(client, kind_staff, approved):
    url = reverse(
        "staff_awards:award_letter",
        args=[approved.application.track_id, approved.pk],
    )
    client.force_login(kind_staff)
    response = client.get(url + "?lang=ko")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert _filename(response) == f"award-letter-{approved.application.reference}-ko.pdf"
    assert "no-store" in response["Cache-Control"]


def test_decision_panel_links_the_award_letter_once_approved(client, applicant, approved):
    client.force_login(applicant)
    page = client.get(approved.application.get_absolute_url()).content.decode()
    assert PANEL in page
    assert f'href="{letter_url(approved, "en")}"' in page
    assert f'href="{letter_url(approved, "ko")}"' in page


def test_decision_panel_has_no_letter_link_for_a_proposed_award(client, applicant, award):
    client.force_login(applicant)
    page = client.get(award.application.get_absolute_url()).content.decode()
    assert PANEL in page
    assert reverse("awards:letter", args=[award.pk]) not in page
    assert "Award letter" not in page


def test_decision_panel_has_no_letter_link_for_a_cancelled_award(
    client, applicant, approved, kind_staff
):
    cancel_award(award=approved, reason="The city withdrew", actor=kind_staff)
    client.force_login(applicant)
    page = client.get(approved.application.get_absolute_url()).content.decode()
    assert PANEL in page
    assert "Award letter" not in page
