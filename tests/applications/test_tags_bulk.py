"""Staff tags on applications, the tag filter of the track's application list, and one action on
the ticked applications (tag, untag, screen, assign reviewers): each item through its service
and audited, each refusal reported by name, nothing done for another secretariat."""

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from accounts import roles
from accounts.audit import audit_events_for
from applications import services
from applications.models import Application, ApplicationTag, Tag
from core.domain import DomainError
from reviews.models import Assignment, CommitteeMember, ConflictDeclaration
from tests.factories import SubmittedApplicationFactory, UserFactory

pytestmark = pytest.mark.django_db
S = Application.Status


def _list(track):
    return reverse("staff_applications:track_applications", args=[track.pk])


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def apps(planning_track):
    """Two submitted applications and one already eligible, on the KIND planning track."""
    return [
        SubmittedApplicationFactory(track=planning_track, reference="PL-001", title="Klang plan"),
        SubmittedApplicationFactory(track=planning_track, reference="PL-002", title="Khulna plan"),
        SubmittedApplicationFactory(
            track=planning_track, reference="PL-003", title="Zuunmod plan", status=S.ELIGIBLE
        ),
    ]


@pytest.fixture
def tag(planning_track, kind_staff):
    return services.create_tag(
        actor=kind_staff,
        name="Site visit",
        name_ko="현장 방문",
        colour="blue",
        track=planning_track,
    )


# --- Tags -------------------------------------------------------------------------------------


def test_staff_add_a_tag_on_the_tag_page_audited(client, kind_staff, planning_track):
    client.force_login(kind_staff)
    url = reverse("staff_applications:tags", args=[planning_track.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"name": "Needs translation", "colour": "amber"})
    assert response.status_code == 302
    tag = Tag.objects.get()
    assert (tag.name, tag.colour, tag.track, tag.call, tag.created_by) == (
        "Needs translation",
        "amber",
        planning_track,
        None,
        kind_staff,
    )
    assert audit_events_for(tag).get().actor == kind_staff


def test_tag_page_bad_input_refused_next_to_the_field(client, kind_staff, planning_track, tag):
    client.force_login(kind_staff)
    url = reverse("staff_applications:tags", args=[planning_track.pk])
    duplicate = client.post(url, {"name": "site VISIT", "colour": "red"})
    assert duplicate.status_code == 400
    assert "A tag with this name already exists here." in duplicate.content.decode()
    off_palette = client.post(url, {"name": "Pink", "colour": "pink"})
    assert off_palette.status_code == 400
    assert Tag.objects.count() == 1


def test_call_wide_tag_is_for_programme_admins_only(
    client, kind_staff, programme_admin, planning_track
):
    client.force_login(kind_staff)
    url = reverse("staff_applications:tags", args=[planning_track.pk])
    refused = client.post(url, {"name": "Shortlist", "colour": "green", "whole_call": "on"})
    assert refused.status_code == 400
    assert (
        "Only programme administrators keep the tags of a whole call." in refused.content.decode()
    )
    client.force_login(programme_admin)
    client.post(url, {"name": "Shortlist", "colour": "green", "whole_call": "on"})
    tag = Tag.objects.get()
    assert (tag.track, tag.call) == (None, planning_track.call)


def test_other_secretariat_may_not_open_or_add_tags(client, kaia_staff, planning_track):
    client.force_login(kaia_staff)
    url = reverse("staff_applications:tags", args=[planning_track.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, {"name": "X", "colour": "grey"}).status_code == 403
    assert not Tag.objects.exists()
    with pytest.raises(DomainError):
        services.create_tag(actor=kaia_staff, name="X", track=planning_track)


def test_bulk_add_tag_then_filter_by_tag(client, kind_staff, planning_track, apps, tag):
    client.force_login(kind_staff)
    response = client.post(
        _list(planning_track),
        {"action": "add_tag", "tag": tag.pk, "applications": [apps[0].pk, apps[2].pk]},
    )
    assert response.status_code == 302
    assert set(ApplicationTag.objects.values_list("application_id", flat=True)) == {
        apps[0].pk,
        apps[2].pk,
    }
    assert _messages(response) == ["Done for 2 application(s): PL-001, PL-003."]
    for application in (apps[0], apps[2]):
        event = audit_events_for(application).get(action="tag_added")
        assert (event.actor, event.new_value) == (kind_staff, "Site visit")
    listed = client.get(_list(planning_track), {"tag": tag.pk})
    assert [a.reference for a in listed.context["page"].object_list] == ["PL-001", "PL-003"]
    assert "badge-tag-blue" in listed.content.decode()
    everything = client.get(_list(planning_track))
    assert len(everything.context["page"].object_list) == 3


def test_bulk_remove_tag_reports_the_application_without_it(
    client, kind_staff, planning_track, apps, tag
):
    services.tag_application(application=apps[0], tag=tag, actor=kind_staff)
    client.force_login(kind_staff)
    response = client.post(
        _list(planning_track),
        {"action": "remove_tag", "tag": tag.pk, "applications": [apps[0].pk, apps[1].pk]},
    )
    assert not ApplicationTag.objects.exists()
    assert _messages(response) == [
        "Done for 1 application(s): PL-001.",
        "Not done for PL-002: It does not have the tag “Site visit”.",
    ]
    assert audit_events_for(apps[0]).filter(action="tag_removed").count() == 1
    assert not audit_events_for(apps[1]).filter(action="tag_removed").exists()


def test_tag_of_another_track_is_refused(
    client, kind_staff, planning_track, demonstration_track, apps, programme_admin
):
    other = services.create_tag(actor=programme_admin, name="DM only", track=demonstration_track)
    with pytest.raises(DomainError) as refused:
        services.tag_application(application=apps[0], tag=other, actor=programme_admin)
    assert "not one of this application's track or call" in str(refused.value.message)
    client.force_login(kind_staff)
    response = client.post(
        _list(planning_track), {"action": "add_tag", "tag": other.pk, "applications": [apps[0].pk]}
    )
    assert response.status_code == 400  # not a choice on this track's form
    assert not ApplicationTag.objects.exists()


# --- Bulk screening ---------------------------------------------------------------------------


def test_bulk_screening_reports_the_refused_item_and_keeps_the_others(
    client, kind_staff, planning_track, apps
):
    client.force_login(kind_staff)
    response = client.post(
        _list(planning_track) + "?sort=title",
        {"action": "eligible", "applications": [a.pk for a in apps]},
    )
    assert response.status_code == 302 and response["Location"].endswith("?sort=title")
    for application in apps:
        application.refresh_from_db()
    assert [a.status for a in apps] == [S.ELIGIBLE, S.ELIGIBLE, S.ELIGIBLE]
    messages = _messages(response)
    assert messages[0] == "Done for 2 application(s): PL-001, PL-002."
    assert len(messages) == 2 and messages[1].startswith("Not done for PL-003: ")
    for application in apps[:2]:
        event = audit_events_for(application).get()
        assert (event.actor, event.old_value, event.new_value) == (
            kind_staff,
            "submitted",
            "eligible",
        )
    assert not audit_events_for(apps[2]).exists()


def test_bulk_ineligible_without_reason_is_refused_and_keeps_the_ticks(
    client, kind_staff, planning_track, apps
):
    client.force_login(kind_staff)
    response = client.post(
        _list(planning_track), {"action": "ineligible", "applications": [apps[0].pk]}
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "Give the reason the applications are ineligible" in body
    assert f'value="{apps[0].pk}" id="select-{apps[0].pk}" checked' in body
    apps[0].refresh_from_db()
    assert apps[0].status == S.SUBMITTED


def test_bulk_action_without_ticks_is_refused(client, kind_staff, planning_track, apps, tag):
    client.force_login(kind_staff)
    response = client.post(_list(planning_track), {"action": "add_tag", "tag": tag.pk})
    assert response.status_code == 400
    assert "Tick at least one application." in response.content.decode()


def test_bulk_action_on_an_application_of_another_track_is_reported_not_done(
    client, kind_staff, planning_track, demonstration_track, tag
):
    foreign = SubmittedApplicationFactory(track=demonstration_track, reference="DM-001")
    client.force_login(kind_staff)
    response = client.post(
        _list(planning_track), {"action": "eligible", "applications": [foreign.pk]}
    )
    foreign.refresh_from_db()
    assert foreign.status == S.SUBMITTED
    assert _messages(response) == [f"Application {foreign.pk}: not an application of this track."]


def test_other_secretariat_bulk_post_is_refused_and_changes_nothing(
    client, kaia_staff, planning_track, apps, tag
):
    client.force_login(kaia_staff)
    for data in (
        {"action": "eligible", "applications": [apps[0].pk]},
        {"action": "add_tag", "tag": tag.pk, "applications": [apps[0].pk]},
    ):
        assert client.post(_list(planning_track), data).status_code == 403
    response = client.post(
        reverse("staff_reviews:bulk_assign", args=[planning_track.pk]),
        {"applications": [apps[2].pk], "reviewers": [kaia_staff.pk]},
    )
    assert response.status_code == 403
    apps[0].refresh_from_db()
    assert apps[0].status == S.SUBMITTED
    assert not ApplicationTag.objects.exists() and not Assignment.objects.exists()


def test_service_refuses_tagging_by_the_other_secretariat(kaia_staff, apps, tag):
    with pytest.raises(DomainError) as refused:
        services.tag_application(application=apps[0], tag=tag, actor=kaia_staff)
    assert refused.value.code == "forbidden"
    assert not ApplicationTag.objects.exists()


def test_bulk_post_needs_the_csrf_token(kind_staff, planning_track, apps, tag):
    client = Client(enforce_csrf_checks=True)
    client.force_login(kind_staff)
    response = client.post(
        _list(planning_track), {"action": "add_tag", "tag": tag.pk, "applications": [apps[0].pk]}
    )
    assert response.status_code == 403
    assert not ApplicationTag.objects.exists()


# --- Bulk assignment (the review app's view, posted from the same list) -----------------------


@pytest.fixture
def panel(role_groups, planning_track):
    members = [
        UserFactory(email=f"expert{i}@university.ac.kr", name=f"Expert {i}", roles=[roles.REVIEWER])
        for i in (1, 2)
    ]
    for member in members:
        CommitteeMember.objects.create(track=planning_track, reviewer=member)
    return members


def test_bulk_assign_reports_refused_pairs_and_audits_the_rest(
    client, kind_staff, planning_track, apps, panel
):
    Application.objects.filter(pk__in=[apps[0].pk, apps[1].pk]).update(status=S.ELIGIBLE)
    ConflictDeclaration.objects.create(
        reviewer=panel[1], application=apps[1], has_conflict=True, kind="personal"
    )
    client.force_login(kind_staff)
    page = client.get(_list(planning_track)).content.decode()
    assert reverse("staff_reviews:bulk_assign", args=[planning_track.pk]) in page
    response = client.post(
        reverse("staff_reviews:bulk_assign", args=[planning_track.pk]),
        {
            "applications": [apps[0].pk, apps[1].pk],
            "reviewers": [panel[1].pk],
            "next": _list(planning_track) + "?status=eligible",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == _list(planning_track) + "?status=eligible"
    assert list(Assignment.objects.values_list("application_id", "reviewer_id")) == [
        (apps[0].pk, panel[1].pk)
    ]
    messages = _messages(response)
    assert messages[0] == "1 assignment(s) made."
    assert messages[1].startswith("Not assigned — PL-002: ")
    assert "conflict of interest" in messages[1]
    event = audit_events_for(Assignment.objects.get()).get()
    assert (event.action, event.actor) == ("assigned", kind_staff)


def test_bulk_assign_needs_reviewers_and_applications(client, kind_staff, planning_track, apps):
    client.force_login(kind_staff)
    response = client.post(
        reverse("staff_reviews:bulk_assign", args=[planning_track.pk]),
        {"applications": [apps[2].pk]},
    )
    assert response.status_code == 302
    assert _messages(response) == [
        "Tick at least one application and choose at least one reviewer."
    ]
    assert not Assignment.objects.exists()


# --- Renaming and deleting a tag --------------------------------------------------------------


def _tag_url(name, track, tag):
    return reverse(f"staff_applications:{name}", args=[track.pk, tag.pk])


def test_staff_rename_and_recolour_a_tag_audited_and_kept_on_its_applications(
    client, kind_staff, planning_track, apps, tag
):
    services.tag_application(application=apps[0], tag=tag, actor=kind_staff)
    client.force_login(kind_staff)
    page = client.get(_tag_url("tag_edit", planning_track, tag)).content.decode()
    assert 'value="Site visit"' in page and "1 application has it." in page
    response = client.post(
        _tag_url("tag_edit", planning_track, tag),
        {"name": "Site visit done", "name_ko": "현장 방문 완료", "colour": "green"},
    )
    assert response.status_code == 302
    tag.refresh_from_db()
    assert (tag.name, tag.name_ko, tag.colour) == ("Site visit done", "현장 방문 완료", "green")
    assert ApplicationTag.objects.filter(application=apps[0], tag=tag).exists()
    event = audit_events_for(tag).get(action="changed")
    assert (event.old_value, event.new_value, event.actor) == (
        "Site visit",
        "Site visit done",
        kind_staff,
    )
    assert event.detail["old"] == {"name": "Site visit", "name_ko": "현장 방문", "colour": "blue"}
    # Saving it unchanged writes no audit row.
    client.post(
        _tag_url("tag_edit", planning_track, tag),
        {"name": "Site visit done", "name_ko": "현장 방문 완료", "colour": "green"},
    )
    assert audit_events_for(tag).filter(action="changed").count() == 1


def test_tag_rename_to_a_taken_name_is_refused_next_to_the_field_keeping_the_input(
    client, kind_staff, planning_track, tag
):
    services.create_tag(actor=kind_staff, name="Translation", track=planning_track)
    client.force_login(kind_staff)
    response = client.post(
        _tag_url("tag_edit", planning_track, tag),
        {"name": "translation", "name_ko": "번역 필요", "colour": "red"},
    )
    assert response.status_code == 400
    assert response.context["form"].errors["name"] == ["A tag with this name already exists here."]
    assert 'value="번역 필요"' in response.content.decode()
    tag.refresh_from_db()
    assert tag.name == "Site visit"


def test_staff_delete_a_tag_it_comes_off_every_application_each_audited(
    client, kind_staff, planning_track, apps, tag
):
    for application in apps[:2]:
        services.tag_application(application=application, tag=tag, actor=kind_staff)
    tag_pk = tag.pk
    client.force_login(kind_staff)
    response = client.post(_tag_url("tag_delete", planning_track, tag))
    assert response.status_code == 302
    assert _messages(response) == ["The tag “Site visit” is deleted; it came off 2 applications."]
    assert not Tag.objects.filter(pk=tag_pk).exists()
    assert not ApplicationTag.objects.filter(tag_id=tag_pk).exists()
    for application in apps[:2]:
        removed = audit_events_for(application).get(action="tag_removed")
        assert (removed.old_value, removed.detail["tag_deleted"]) == ("Site visit", True)
    assert client.get(_tag_url("tag_edit", planning_track, tag)).status_code == 404
    assert client.get(_tag_url("tag_delete", planning_track, tag)).status_code in (404, 405)


def test_other_secretariat_may_not_rename_or_delete_a_tag(client, kaia_staff, planning_track, tag):
    client.force_login(kaia_staff)
    for name in ("tag_edit", "tag_delete"):
        response = client.post(
            _tag_url(name, planning_track, tag), {"name": "Mine", "colour": "grey"}
        )
        assert response.status_code == 403, name
    with pytest.raises(DomainError):
        services.delete_tag(tag=tag, actor=kaia_staff)
    tag.refresh_from_db()
    assert tag.name == "Site visit"


def test_a_call_wide_tag_is_changed_only_by_programme_admins(
    client, kind_staff, programme_admin, planning_track
):
    call_tag = services.create_tag(actor=programme_admin, name="Priority", call=planning_track.call)
    client.force_login(kind_staff)
    response = client.post(
        _tag_url("tag_edit", planning_track, call_tag), {"name": "Mine", "colour": "grey"}
    )
    assert response.status_code == 400
    assert "Only programme administrators keep the tags of a whole call." in (
        response.content.decode()
    )
    client.post(_tag_url("tag_delete", planning_track, call_tag))
    assert Tag.objects.filter(pk=call_tag.pk).exists()
    services.update_tag(tag=call_tag, actor=programme_admin, name="Top priority", colour="red")
    call_tag.refresh_from_db()
    assert call_tag.name == "Top priority"
