"""Two-stage calls, checked from outside: the dates a new applicant is shown, and the doors
a concept note or a declined one must not pass."""

from __future__ import annotations

import pytest
from django.urls import reverse

from core.templatetags.deadlines import countdown_text

pytestmark = pytest.mark.django_db


def test_the_start_card_of_a_two_stage_call_gives_the_concept_notes_deadline(
    client, call, track, concept_question, applicant_user
):
    """A new application of a two-stage call is a concept note, taken only until the concept
    notes close: the card that offers to start one says that date, not the full proposals'."""
    client.force_login(applicant_user)
    page = client.get(reverse("applications:dashboard")).content.decode()
    assert f'action="{reverse("applications:start", args=[track.pk])}"' in page
    assert countdown_text(call.concept_closes_at, closes=True) in page
    assert countdown_text(call.closes_at, closes=True) not in page
