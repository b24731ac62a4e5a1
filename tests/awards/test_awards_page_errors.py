"""The staff awards page: a refused amount is shown next to that decision's amount field, with
the amount typed kept, not as a message at the top over a field refilled with the decided one."""

import pytest
from django.urls import reverse

from awards.models import Award
from results.models import Decision
from tests.awards import test_awards

# The track with two released selections, and the e-mail templates awarding needs.
released = test_awards.released
_email_templates = test_awards._email_templates

pytestmark = pytest.mark.django_db


def _error_of(page: str, decision: Decision) -> str:
    marker = f'id="amount-{decision.pk}-error">'
    assert marker in page, "no error next to the decision's amount"
    return page.split(marker, 1)[1].split("</p>", 1)[0]


def _input_of(page: str, decision: Decision) -> str:
    start = page.index(f'id="amount-{decision.pk}"')
    return page[page.rindex("<input", 0, start) : page.index(">", start)]


def test_out_of_range_amount_is_refused_next_to_its_field_with_the_typed_value(
    client, released, kind_staff
):
    track, _apps = released
    chosen, other = Decision.objects.filter(track=track, outcome="selected").order_by("pk")[:2]
    client.force_login(kind_staff)
    url = reverse("staff_awards:awards", args=[track.pk])
    response = client.post(url, {"decision": chosen.pk, "amount": "600000000"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "must be between KRW 300,000,000 and KRW 500,000,000" in _error_of(page, chosen)
    typed = _input_of(page, chosen)
    assert 'value="600000000"' in typed and 'aria-invalid="true"' in typed
    # The other decision's form is untouched: its decided amount, no error.
    assert f'value="{other.amount}"' in _input_of(page, other)
    assert f'id="amount-{other.pk}-error"' not in page
    assert not list(response.context["messages"])  # no flash message at the top
    assert not Award.objects.exists()


def test_amount_that_is_not_a_number_is_refused_next_to_its_field(client, released, kind_staff):
    track, _apps = released
    chosen = Decision.objects.filter(track=track, outcome="selected").first()
    client.force_login(kind_staff)
    response = client.post(
        reverse("staff_awards:awards", args=[track.pk]), {"decision": chosen.pk, "amount": "4e8"}
    )
    assert response.status_code == 400
    assert "Enter a whole number." in _error_of(response.content.decode(), chosen)


def test_a_decision_awarded_meanwhile_is_said_so(client, released, kind_staff):
    """A colleague awarded it first: its row has left the form, so the refusal is a message."""
    from awards.services import award_funding

    track, _apps = released
    chosen = Decision.objects.filter(track=track, outcome="selected").first()
    award_funding(application=chosen.application, amount=400_000_000, actor=kind_staff)
    client.force_login(kind_staff)
    response = client.post(
        reverse("staff_awards:awards", args=[track.pk]),
        {"decision": chosen.pk, "amount": "450000000"},
    )
    assert response.status_code == 400
    assert "This application already has an award." in response.content.decode()
    assert Award.objects.get().amount == 400_000_000
