"""What a reviewer types in the scoring form: an absurd number is a field error, not a 500."""

import pytest
from django.urls import reverse

from reviews.models import Assignment
from tests.reviews.review_fixtures import *  # noqa: F403
from tests.reviews.review_fixtures import score_data

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("typed", ["1e999999999", "9E+999999", "123456789012345678901234567890"])
@pytest.mark.parametrize("button", ["draft", "submit"])
def test_an_absurd_number_is_refused_next_to_its_field(client, assignment, criteria, typed, button):
    client.force_login(assignment.reviewer)
    data = score_data(criteria)
    data[f"points_{criteria[0].pk}"] = typed
    data[button] = "1"
    response = client.post(reverse("reviews:score", kwargs={"pk": assignment.pk}), data)
    assert response.status_code == 400
    form = response.context["form"]
    assert form.errors[f"points_{criteria[0].pk}"] == ["Give between 0 and 20 points."]
    body = response.content.decode()
    assert typed in body  # what was typed stays in the field
    # The running total counts the refused entry as 0: four criteria at 15 of 20 each.
    assert 'data-score-total aria-live="polite">60</output>' in body
    assignment.refresh_from_db()
    assert assignment.status == Assignment.Status.ACCEPTED
    assert not assignment.scores.exists()
