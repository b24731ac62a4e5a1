"""Every bidder of a contractor selection hears its outcome once, even when the recorded
contractor left the project (its service contract terminated) before the selection's decisions
were released: the archived selection keeps its winner, so its funding line can still be
proposed, confirmed and released."""

from __future__ import annotations

import pytest
from django.urls import reverse

from awards.contractor_selection import record_contractor, release_contractor
from notifications.models import Message
from results.models import Decision
from results.services import propose_funding_line
from tests.awards.test_contractor_views import (  # noqa: F401
    draft_selection,
    project,  # noqa: F811
    score_companies,
    selection,
)
from tests.factories.results import ensure_email_templates

pytestmark = pytest.mark.django_db

Outcome = Decision.Outcome
BIDS = [
    ("Dear Planners", 350_000_000, (45, 27, 18)),
    ("Cheap Planners", 150_000_000, (40, 24, 16)),
    ("Late Planners", 390_000_000, (30, 18, 12)),
]


@pytest.fixture(autouse=True)
def _email_templates(settings, tmp_path):
    ensure_email_templates(settings, tmp_path, ["applications/decision"])


@pytest.fixture
def recorded(selection, kind_staff):  # noqa: F811
    """Three bids scored; Cheap Planners recorded as the contractor (price weighs in)."""
    track = selection.tracks.get()
    apps = score_companies(track, kind_staff, BIDS)
    record_contractor(track=track, actor=kind_staff)
    return track, apps


def _step(client, user, track, action):
    client.force_login(user)
    response = client.post(reverse("staff_results:selection", args=[track.pk]), {"action": action})
    assert response.status_code == 302, response.content
    return response


def _told(app):
    return list(
        Message.objects.filter(
            template="applications/decision",
            channel=Message.Channel.EMAIL,
            recipient__memberships__organization=app.organization,
        ).values_list("context__outcome", flat=True)
    )


def _assert_each_told_once(apps, winner):
    for app in apps:
        expected = Outcome.SELECTED if app == winner else Outcome.REJECTED
        assert _told(app) == [expected], app.organization.name


def test_bidders_hear_when_the_contractor_left_before_anything_was_proposed(
    client,
    recorded,
    project,  # noqa: F811
    kind_staff,
    programme_admin,
):
    track, (dear, cheap, late) = recorded
    release_contractor(project=project, reason="Stopped work.", actor=programme_admin)
    _step(client, kind_staff, track, "propose")
    assert {d.application_id: d.outcome for d in Decision.objects.filter(track=track)} == {
        dear.pk: Outcome.REJECTED,
        cheap.pk: Outcome.SELECTED,
        late.pk: Outcome.REJECTED,
    }
    _step(client, programme_admin, track, "confirm")
    _step(client, programme_admin, track, "release_track")
    assert Decision.objects.filter(track=track, released_at__isnull=True).count() == 0
    _assert_each_told_once([dear, cheap, late], cheap)


def test_bidders_hear_when_the_contractor_left_between_proposal_and_confirmation(
    client,
    recorded,
    project,  # noqa: F811
    kind_staff,
    programme_admin,
):
    track, (dear, cheap, late) = recorded
    propose_funding_line(track=track, actor=kind_staff)
    release_contractor(project=project, reason="Stopped work.", actor=programme_admin)
    _step(client, programme_admin, track, "confirm")
    assert Decision.objects.filter(track=track, confirmed_at__isnull=True).count() == 0
    _step(client, programme_admin, track, "release_track")
    _assert_each_told_once([dear, cheap, late], cheap)
    # Released once: a second release finds nothing waiting and tells nobody again.
    client.post(reverse("staff_results:selection", args=[track.pk]), {"action": "release_track"})
    _assert_each_told_once([dear, cheap, late], cheap)
