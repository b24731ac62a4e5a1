"""Korean on the review side: reviewers' names in Hangul where they gave one, and the scoring
form's guidance per criterion in the reader's language with a running total."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from accounts.models import User
from reviews.forms import ScoreForm
from reviews.models import Score
from tests.factories import CriterionFactory, UserFactory
from tests.reviews.review_fixtures import *  # noqa: F403

pytestmark = pytest.mark.django_db


def _korean(client, user):
    client.force_login(user)
    client.cookies["django_language"] = "ko"
    return client


def test_display_name_is_hangul_for_korean_readers_only():
    user = User(email="kim@review.example", name="Kim Ji-won", name_ko="김지원")
    assert user.display_name_for("ko") == "김지원"
    assert user.display_name_for("en") == "Kim Ji-won"
    with translation.override("ko"):
        assert user.display_name == "김지원"


def test_display_name_falls_back_to_name_then_email():
    assert User(email="a@b.example", name="Daniel Choi").display_name_for("ko") == "Daniel Choi"
    assert User(email="a@b.example", name="").display_name_for("ko") == "a@b.example"


def test_korean_board_and_committee_show_reviewer_hangul_name(
    client, kind_staff, planning_track, assignment, assigned_reviewer
):
    assigned_reviewer.name_ko = "김지원"
    assigned_reviewer.save(update_fields=["name_ko"])
    _korean(client, kind_staff)
    for url in (
        reverse("staff_reviews:board", kwargs={"track_id": planning_track.pk}),
        reverse("staff_reviews:committee", kwargs={"track_id": planning_track.pk}),
        reverse("staff_reviews:assignments", kwargs={"track_id": planning_track.pk}),
    ):
        body = client.get(url).content.decode()
        assert "김지원" in body, url
        assert "Dr Assigned" not in body, url


def test_english_board_shows_reviewer_name_as_written(
    client, kind_staff, planning_track, assignment, assigned_reviewer
):
    assigned_reviewer.name_ko = "김지원"
    assigned_reviewer.save(update_fields=["name_ko"])
    client.force_login(kind_staff)
    client.cookies["django_language"] = "en"
    body = client.get(
        reverse("staff_reviews:board", kwargs={"track_id": planning_track.pk})
    ).content.decode()
    assert "Dr Assigned" in body and "김지원" not in body


def test_korean_board_keeps_romanised_name_of_reviewer_without_hangul(
    client, kind_staff, planning_track, assignment
):
    _korean(client, kind_staff)
    body = client.get(
        reverse("staff_reviews:board", kwargs={"track_id": planning_track.pk})
    ).content.decode()
    assert "Dr Assigned" in body


def test_profile_form_saves_hangul_name(client):
    user = UserFactory(name="Kim Ji-won", language="en", time_zone="Asia/Seoul")
    client.force_login(user)
    response = client.post(
        reverse("accounts:profile"),
        {"name": "Kim Ji-won", "name_ko": " 김지원 ", "language": "ko", "time_zone": "Asia/Seoul"},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.name, user.name_ko, user.language) == ("Kim Ji-won", "김지원", "ko")
    page = client.get(reverse("accounts:profile")).content.decode()
    assert 'value="김지원"' in page


def test_score_page_shows_korean_guidance_max_points_and_total(client, assignment, criteria):
    first, second = criteria[0], criteria[1]
    first.name_ko, first.description = "사업 실현 가능성", "Can the plan be carried out?"
    first.description_ko = "계획을 실행할 수 있는가?"
    first.save()
    second.description = "Only in English."
    second.save()
    Score.objects.create(assignment=assignment, criterion=first, points=Decimal("15.5"))
    Score.objects.create(assignment=assignment, criterion=second, points=Decimal(12))
    _korean(client, assignment.reviewer)
    body = client.get(reverse("reviews:score", kwargs={"pk": assignment.pk})).content.decode()
    assert "계획을 실행할 수 있는가?" in body
    assert "Can the plan be carried out?" not in body
    assert "Only in English." in body  # no Korean guidance: the English one
    assert "사업 실현 가능성" in body
    assert 'data-score-total aria-live="polite">27.5</output> / 100' in body
    assert body.count("data-score-points") == len(criteria)
    assert 'src="/static/js/scoring.js"' in body
    assert 'name="draft_version"' in body  # the optimistic lock stays


def test_score_page_total_is_recomputed_from_what_was_typed(client, assignment, criteria):
    client.force_login(assignment.reviewer)
    data = {f"points_{c.pk}": "10" for c in criteria}
    data[f"points_{criteria[0].pk}"] = "not a number"
    data["draft"] = "1"
    response = client.post(reverse("reviews:score", kwargs={"pk": assignment.pk}), data)
    assert response.status_code == 400
    assert 'data-score-total aria-live="polite">40</output>' in response.content.decode()


def test_running_total_uses_the_weighted_formula(planning_track):
    heavy = CriterionFactory(track=planning_track, code="w2", max_points=50, weight=2)
    light = CriterionFactory(track=planning_track, code="w1", max_points=50, weight=1)
    for criterion in (heavy, light):
        criterion.refresh_from_db()  # decimals, as the view reads them
    form = ScoreForm(
        data={f"points_{heavy.pk}": "25", f"points_{light.pk}": ""},
        criteria=[heavy, light],
        min_length=10,
    )
    # 100 · (25·2 + 0·1) / (50·2 + 50·1) = 33.33
    assert form.running_total() == "33.33"
