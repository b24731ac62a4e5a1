"""Cancelling an award from the staff pages: not a button on every row of the awards page, but a
page that says what will happen and asks for the reason, then calls ``cancel_award``."""

import pytest
from django.urls import reverse

from accounts.models import AuditEvent
from awards.models import Award
from awards.services import award_funding
from results.models import Decision
from tests.awards.test_awards import M, released  # noqa: F401  (the fixture)
from tests.factories.results import ensure_email_templates

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _email_templates(settings, tmp_path):
    ensure_email_templates(
        settings,
        tmp_path,
        ["applications/decision", "applications/status_changed", "results/reserve_offer"],
    )


@pytest.fixture
def award(released, kind_staff):  # noqa: F811
    _track, apps = released
    return award_funding(application=apps[0], amount=400 * M, actor=kind_staff)


def _cancel_url(award):
    return reverse(
        "staff_awards:award_cancel",
        kwargs={"track_id": award.application.track_id, "pk": award.pk},
    )


def test_awards_page_has_no_cancel_form_on_its_rows(client, award, kind_staff):
    client.force_login(kind_staff)
    body = client.get(
        reverse("staff_awards:awards", args=[award.application.track_id])
    ).content.decode()
    row = body.split(f'id="award-{award.pk}"')[1].split("</tr>")[0]
    assert 'value="cancelled"' not in row and "button-danger" not in row
    assert 'name="reason"' not in row
    assert f'href="{_cancel_url(award)}"' in row


def test_cancel_page_says_what_will_happen_and_names_the_next_reserve(
    client,
    award,
    kind_staff,
    released,  # noqa: F811
):
    _track, apps = released
    client.force_login(kind_staff)
    body = client.get(_cancel_url(award)).content.decode()
    assert "cannot be reopened" in body
    assert award.project.code in body
    assert f"The first application on the reserve list, {apps[2].reference}" in body
    assert 'name="reason"' in body
    assert Award.objects.get(pk=award.pk).status == "proposed"  # opening it changes nothing


def test_cancel_without_reason_is_refused_next_to_the_field(client, award, kind_staff):
    client.force_login(kind_staff)
    response = client.post(_cancel_url(award), {"reason": ""})
    assert response.status_code == 400
    assert 'id="id_reason-error"' in response.content.decode()
    assert Award.objects.get(pk=award.pk).status == "proposed"


def test_cancel_with_reason_cancels_promotes_and_audits(
    client,
    award,
    kind_staff,
    released,  # noqa: F811
):
    _track, apps = released
    client.force_login(kind_staff)
    response = client.post(_cancel_url(award), {"reason": "The city withdrew"})
    assert response.status_code == 302
    award.refresh_from_db()
    assert award.status == "cancelled" and award.cancelled_reason == "The city withdrew"
    assert Decision.objects.get(application=apps[2]).outcome == "selected"
    assert AuditEvent.objects.filter(new_value="cancelled", actor=kind_staff).exists()
    # A closed award has nothing to cancel: back to the awards page.
    again = client.get(_cancel_url(award))
    assert again.status_code == 302


def test_cancel_page_refused_to_other_secretariat_and_applicant(
    client, award, kaia_staff, applicant
):
    for user in (kaia_staff, applicant):
        client.force_login(user)
        assert client.get(_cancel_url(award)).status_code == 404
        assert client.post(_cancel_url(award), {"reason": "No"}).status_code == 404
    assert Award.objects.get(pk=award.pk).status == "proposed"


# --- One limit on the reason: the service's, which the page and the API take -----------------


def test_the_service_refuses_a_reason_over_the_limit(award, kind_staff):
    from awards.services import CANCEL_REASON_MAX_LENGTH, cancel_award  # noqa: PLC0415
    from core.domain import DomainError  # noqa: PLC0415

    with pytest.raises(DomainError) as refused:
        cancel_award(award=award, reason="r" * (CANCEL_REASON_MAX_LENGTH + 1), actor=kind_staff)
    assert refused.value.field == "reason"
    assert Award.objects.get(pk=award.pk).status == "proposed"
    cancelled, _promoted = cancel_award(
        award=award, reason="r" * CANCEL_REASON_MAX_LENGTH, actor=kind_staff
    )
    assert cancelled.status == "cancelled"


def test_the_page_and_the_api_take_the_services_limit(client, award, kind_staff):
    """The API took 2,000 characters where the page took 500 (awards/api.py, awards/forms.py)."""
    from awards.api import AwardMoveSerializer  # noqa: PLC0415
    from awards.forms import CancelAwardForm  # noqa: PLC0415
    from awards.services import CANCEL_REASON_MAX_LENGTH  # noqa: PLC0415
    from tests.api.conftest import client_for, url  # noqa: PLC0415

    assert CancelAwardForm().fields["reason"].max_length == CANCEL_REASON_MAX_LENGTH
    assert AwardMoveSerializer().fields["reason"].max_length == CANCEL_REASON_MAX_LENGTH
    response = client_for(kind_staff).post(
        url("award", award, "move"), {"to": "cancelled", "reason": "r" * 1500}, format="json"
    )
    assert response.status_code == 400, response.content
    assert "reason" in response.json()["errors"]
    client.force_login(kind_staff)
    page = client.post(_cancel_url(award), {"reason": "r" * 1500})
    assert page.status_code == 400
    assert 'id="id_reason-error"' in page.content.decode()
    assert Award.objects.get(pk=award.pk).status == "proposed"
