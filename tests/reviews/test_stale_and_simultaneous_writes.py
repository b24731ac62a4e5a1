"""Two staff at once on the review set-up: a criterion edited from a page opened before a
colleague's save, two invitations to one address, two assignments of one reviewer."""

from unittest import mock

import pytest
from django.db.models import QuerySet
from django.test import Client
from django.urls import reverse

from core.domain import DomainError, clean_or_refuse
from reviews import services
from reviews.models import CommitteeMember, Criterion, ReviewerInvitation
from tests.factories import CriterionFactory, SubmittedApplicationFactory
from tests.page_forms import form_data
from tests.reviews.review_fixtures import committee_reviewer

pytestmark = pytest.mark.django_db


def test_stale_criterion_form_does_not_overwrite_a_colleagues_change(
    kind_staff, second_staff, planning_track
):
    criterion = CriterionFactory(
        track=planning_track, name="Feasibility", description="Old guidance.", max_points=30
    )
    url = reverse("staff_reviews:criterion_edit", kwargs={"pk": criterion.pk})
    browser = Client()
    browser.force_login(kind_staff)
    stale = form_data(browser.get(url).content.decode(), having="max_points")
    criterion.refresh_from_db()
    criterion.description = "Guidance agreed with the committee."
    services.save_criterion(criterion=criterion, actor=second_staff)
    stale.update(name_ko="사업 실현 가능성")
    response = browser.post(url, stale)
    criterion.refresh_from_db()
    assert criterion.description == "Guidance agreed with the committee."
    assert criterion.name_ko == ""
    assert response.status_code == 409
    page = response.content.decode()
    assert "Guidance agreed with the committee." in page
    # The typed Korean name is kept; sent again (on purpose), it is saved.
    again = form_data(page, having="max_points")
    assert again["name_ko"] == "사업 실현 가능성"
    again["description"] = "Guidance agreed with the committee."
    assert browser.post(url, again).status_code == 302
    criterion.refresh_from_db()
    assert (criterion.name_ko, criterion.description) == (
        "사업 실현 가능성",
        "Guidance agreed with the committee.",
    )


def test_criterion_form_unchanged_since_opened_saves(kind_staff, planning_track):
    criterion = CriterionFactory(track=planning_track, name="Feasibility", max_points=30)
    url = reverse("staff_reviews:criterion_edit", kwargs={"pk": criterion.pk})
    browser = Client()
    browser.force_login(kind_staff)
    sent = form_data(browser.get(url).content.decode(), having="max_points")
    sent.update(name_ko="사업 실현 가능성")
    assert browser.post(url, sent).status_code == 302
    assert Criterion.objects.get(pk=criterion.pk).name_ko == "사업 실현 가능성"


def test_the_second_of_two_simultaneous_invitations_is_refused_not_a_500(
    role_groups, planning_track, kind_staff
):
    services.invite_reviewer(track=planning_track, email="expert@example.net", actor=kind_staff)
    # The second request read "no pending invitation" before the first one committed: both
    # checks pass, and the database's partial unique constraint refuses the second row.
    exists = QuerySet.exists

    def before_the_first_commit(queryset):
        return False if queryset.model is ReviewerInvitation else exists(queryset)

    def cleaned_before_the_first_commit(obj, **kwargs):
        clean_or_refuse(obj, **{**kwargs, "validate_constraints": False})

    with (
        mock.patch.object(QuerySet, "exists", before_the_first_commit),
        mock.patch("reviews.services.committee.clean_or_refuse", cleaned_before_the_first_commit),
        pytest.raises(DomainError, match="already waiting"),
    ):
        services.invite_reviewer(track=planning_track, email="expert@example.net", actor=kind_staff)
    assert ReviewerInvitation.objects.filter(email="expert@example.net").count() == 1


def test_assign_reviewer_locks_the_reviewers_seat_while_reading_the_load(
    role_groups, planning_track, kind_staff
):
    """Two assignments of one reviewer at once both read the load before either is written;
    the committee seat's row lock makes the second wait and read the first one's."""
    application = SubmittedApplicationFactory(track=planning_track, status="eligible")
    reviewer = committee_reviewer(planning_track, "busy@expert.example.net")
    locked = []
    select_for_update = QuerySet.select_for_update

    def spy(queryset, *args, **kwargs):
        locked.append(queryset.model)
        return select_for_update(queryset, *args, **kwargs)

    with mock.patch.object(QuerySet, "select_for_update", spy):
        services.assign_reviewer(application=application, reviewer=reviewer, actor=kind_staff)
    assert CommitteeMember in locked


def _opened(user, url, having):
    browser = Client()
    browser.force_login(user)
    return browser, form_data(browser.get(url).content.decode(), having=having)


def test_stale_review_settings_form_does_not_overwrite_a_colleagues_change(
    kind_staff, second_staff, planning_track
):
    url = reverse("staff_reviews:track", kwargs={"track_id": planning_track.pk})
    browser, stale = _opened(kind_staff, url, "max_reviewer_load")
    services.update_review_settings(track=planning_track, actor=second_staff, min_reviewers=4)
    stale.update(max_reviewer_load="9")
    response = browser.post(url, stale)
    planning_track.refresh_from_db()
    assert planning_track.min_reviewers == 4
    assert planning_track.max_reviewer_load != 9
    assert response.status_code == 409


def test_stale_visibility_form_does_not_overwrite_a_colleagues_change(
    kind_staff, second_staff, planning_track
):
    url = reverse("staff_reviews:visibility", kwargs={"track_id": planning_track.pk})
    browser, stale = _opened(kind_staff, url, "other_scores")
    services.update_reviewer_visibility(track=planning_track, actor=second_staff, anonymised=True)
    stale.update(scope="all")
    response = browser.post(url, stale)
    settings = planning_track.review_settings
    settings.refresh_from_db()
    assert (settings.anonymised, settings.scope) == (True, "assigned")
    assert response.status_code == 409
    # Unchanged since opened: saved.
    browser, fresh = _opened(kind_staff, url, "other_scores")
    fresh.update(scope="all")
    assert browser.post(url, fresh).status_code == 302
    settings.refresh_from_db()
    assert (settings.anonymised, settings.scope) == (True, "all")
