"""A reviewer's score draft open in two tabs: the older tab cannot overwrite (or submit over)
the newer draft. The page shows the stored draft read-only, keeps what was typed, and a second
save is then a deliberate replacement."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from reviews import services
from tests.reviews.review_fixtures import *  # noqa: F403
from tests.reviews.review_fixtures import score_data

pytestmark = pytest.mark.django_db


def score_url(assignment):
    return reverse("reviews:score", kwargs={"pk": assignment.pk})


def open_tab(assignment) -> tuple[Client, str]:
    tab = Client()
    tab.force_login(assignment.reviewer)
    body = tab.get(score_url(assignment)).content.decode()
    found = re.search(r'name="draft_version" value="(\d+)"', body)
    assert found, "the score form carries the draft version"
    return tab, found.group(1)


def test_score_version_older_tab_save_is_refused_with_both_versions(assignment, criteria):
    tab_a, version_a = open_tab(assignment)
    tab_b, version_b = open_tab(assignment)
    assert version_a == version_b
    saved = tab_b.post(
        score_url(assignment),
        {
            **score_data(criteria, points="18", text="Newer text"),
            "draft_version": version_b,
            "draft": "1",
        },
    )
    assert saved.status_code == 302

    stale = tab_a.post(
        score_url(assignment),
        {
            **score_data(criteria, points="5", text="Older tab text"),
            "draft_version": version_a,
            "draft": "1",
        },
    )
    assert stale.status_code == 409
    body = stale.content.decode()
    assert "This review draft was saved from another tab or window at" in body
    assert "your text is kept in the form" in body
    assert "Newer text" in body  # the stored draft, read-only
    assert "Older tab text" in body and 'value="5"' in body  # what this tab typed
    assert set(assignment.scores.values_list("points", flat=True)) == {18}
    assignment.refresh_from_db()
    assert f'name="draft_version" value="{assignment.draft_version}"' in body

    again = tab_a.post(
        score_url(assignment),
        {
            **score_data(criteria, points="5", text="Older tab text"),
            "draft_version": assignment.draft_version,
            "draft": "1",
        },
    )
    assert again.status_code == 302
    assert set(assignment.scores.values_list("points", flat=True)) == {5}


def test_score_version_older_tab_cannot_submit_and_lock(assignment, criteria):
    tab_a, version = open_tab(assignment)
    tab_b, _ = open_tab(assignment)
    tab_b.post(
        score_url(assignment),
        {**score_data(criteria, points="18"), "draft_version": version, "draft": "1"},
    )
    response = tab_a.post(
        score_url(assignment),
        {**score_data(criteria, points="5"), "draft_version": version, "submit": "1"},
    )
    assert response.status_code == 409
    assignment.refresh_from_db()
    assert assignment.status == "in_progress"
    assert assignment.total is None


def test_score_version_each_save_takes_the_next_version(assignment, criteria):
    tab, version = open_tab(assignment)
    for expected in (int(version) + 1, int(version) + 2):
        response = tab.post(
            score_url(assignment),
            {**score_data(criteria), "draft_version": expected - 1, "draft": "1"},
        )
        assert response.status_code == 302
        assignment.refresh_from_db()
        assert assignment.draft_version == expected


def test_score_version_service_conflict_writes_nothing(assignment, criteria):
    scores = {c.pk: ("10", "x") for c in criteria}
    services.save_review_draft(
        assignment=assignment, scores=scores, actor=assignment.reviewer, base_version=1
    )
    with pytest.raises(services.DraftConflict) as raised:
        services.save_review_draft(
            assignment=assignment,
            scores={c.pk: ("3", "y") for c in criteria},
            actor=assignment.reviewer,
            base_version=1,
        )
    assert raised.value.version == 2
    assert raised.value.changed_at is not None
    assert set(assignment.scores.values_list("points", flat=True)) == {10}
    # Without a version (an API client that does not send one) the save goes through.
    services.save_review_draft(
        assignment=assignment,
        scores={c.pk: ("3", "y") for c in criteria},
        actor=assignment.reviewer,
    )
    assignment.refresh_from_db()
    assert assignment.draft_version == 3
