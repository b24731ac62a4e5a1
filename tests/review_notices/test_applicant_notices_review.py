"""Review of the notices to a track's applicants: who receives them (withdrawn, ineligible,
erased accounts), the Korean text when only some of it was written, the length limits, the call
page's updates, and every door closed to the other secretariat."""

from __future__ import annotations

import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from applications.models import ApplicantNotice
from core.domain import NOTE_MAX_LENGTH, DomainError
from notifications.models import Message
from tests.applications.test_applicant_notices import notices_url, recipients_of, send

pytestmark = pytest.mark.django_db


# --- Who receives it ------------------------------------------------------------------------


def test_an_erased_member_receives_nothing(planning_track, applicants, kind_staff):
    erased = applicants["draft"][1]
    erased.anonymised_at = timezone.now()
    erased.save()
    notice = send(planning_track, kind_staff, "drafts")
    assert notice.recipients == 1
    assert recipients_of() == [applicants["draft"][0].email]


def test_an_ineligible_applicant_is_told_and_a_withdrawn_one_is_not(
    planning_track, applicants, kind_staff
):
    planning_track.applications.filter(status="submitted").update(status="ineligible")
    send(planning_track, kind_staff, "sent")
    assert recipients_of() == [applicants["sent"][0].email]
    assert applicants["withdrawn"][0].email not in recipients_of()


def test_the_page_says_who_is_and_is_not_in_each_group(client, planning_track, kind_staff):
    client.force_login(kind_staff)
    page = client.get(notices_url(planning_track)).content.decode()
    assert "Withdrawn applications are not included" in page
    assert "found ineligible" in page


def test_a_track_without_applicants_can_only_publish(client, planning_track, kind_staff):
    client.force_login(kind_staff)
    data = {"key": uuid.uuid4(), "audience": "all", "subject": "Webinar", "body": "On 3 March."}
    response = client.post(notices_url(planning_track), data)
    assert response.status_code == 400
    assert "Nobody would receive this notice" in response.content.decode()
    assert not ApplicantNotice.objects.exists()


# --- Korean and English ---------------------------------------------------------------------


def test_the_page_says_the_english_is_sent_where_no_korean_is_written(
    client, planning_track, kind_staff
):
    client.force_login(kind_staff)
    page = client.get(notices_url(planning_track)).content.decode()
    help_of_subject_ko = page.split('id="id_subject_ko-help"', 1)[1].split("</p>", 1)[0]
    assert "English" in help_of_subject_ko


@pytest.mark.parametrize(
    "texts,missing",
    [
        ({"subject_ko": "설명회 안내"}, "body_ko"),
        ({"body_ko": "온라인으로 참여하십시오."}, "subject_ko"),
    ],
)
def test_half_a_korean_notice_is_refused_next_to_the_missing_half(
    client, planning_track, applicants, kind_staff, texts, missing
):
    """A Korean reader would otherwise get a Korean subject over the English message (or the
    reverse): the Korean is written whole, or not at all."""
    with pytest.raises(DomainError) as refused:
        send(planning_track, kind_staff, **texts)
    assert refused.value.field == missing
    client.force_login(kind_staff)
    data = {"key": uuid.uuid4(), "audience": "all", "subject": "Webinar", "body": "On 3 March."}
    response = client.post(notices_url(planning_track), {**data, **texts})
    assert response.status_code == 400
    assert missing in response.context["form"].errors
    assert not ApplicantNotice.objects.exists() and not Message.objects.exists()


# --- Length ---------------------------------------------------------------------------------


def test_a_body_over_the_limit_is_refused_by_the_service(planning_track, applicants, kind_staff):
    for field in ("body", "body_ko"):
        texts = {"subject_ko": "안내", "body_ko": "본문", field: "x" * (NOTE_MAX_LENGTH + 1)}
        with pytest.raises(DomainError) as refused:
            send(planning_track, kind_staff, **texts)
        assert (refused.value.code, refused.value.field) == ("too_long", field)
    assert not ApplicantNotice.objects.exists() and not Message.objects.exists()


def test_a_body_within_the_limit_is_not_refused_for_its_line_breaks(
    client, planning_track, applicants, kind_staff
):
    """A browser sends each line break as CRLF and counts it as one character, as the services
    do (``core.domain.refuse_too_long``)."""
    body = "\r\n".join(["x" * 20] * 230)  # 4,829 characters, 5,058 with CRLF as two
    client.force_login(kind_staff)
    data = {"key": uuid.uuid4(), "audience": "all", "subject": "Long", "body": body}
    response = client.post(notices_url(planning_track), data)
    assert response.status_code == 302, response.context["form"].errors
    assert ApplicantNotice.objects.get().body == body.replace("\r\n", "\n")


def test_the_limits_are_said_next_to_the_fields(client, planning_track, kind_staff):
    client.force_login(kind_staff)
    page = client.get(notices_url(planning_track)).content.decode()
    help_of_body = page.split('id="id_body-help"', 1)[1].split("</p>", 1)[0]
    assert "5,000 characters" in help_of_body
    assert 'maxlength="5000"' in page and 'maxlength="200"' in page


# --- The call's page ------------------------------------------------------------------------


def test_a_published_notice_is_shown_once_in_english_and_korean(
    client, planning_track, applicants, kind_staff
):
    send(planning_track, kind_staff, subject="Deadline moved", body="To 10 May.", public=True)
    url = reverse("projects:call_detail", args=[planning_track.call.slug])
    english = client.get(url).content.decode()
    korean = client.get(url, HTTP_ACCEPT_LANGUAGE="ko").content.decode()
    for page in (english, korean):
        assert page.count("Deadline moved") == 1 and page.count("To 10 May.") == 1


# --- Doors closed to the other secretariat --------------------------------------------------


def test_the_other_secretariat_cannot_read_the_notices_in_the_admin(
    client, planning_track, applicants, kind_staff, kaia_staff
):
    notice = send(planning_track, kind_staff, subject="KIND only", body="Private.")
    client.force_login(kaia_staff)
    changelist = client.get(reverse("admin:applications_applicantnotice_changelist"))
    assert changelist.status_code == 403 or "KIND only" not in changelist.content.decode()
    change = client.get(reverse("admin:applications_applicantnotice_change", args=[notice.pk]))
    assert change.status_code in (302, 403, 404)
    assert "Private." not in change.content.decode()


def test_a_sent_notice_cannot_be_changed_or_deleted_in_the_admin(
    client, planning_track, applicants, kind_staff, programme_admin
):
    notice = send(planning_track, kind_staff, public=True)
    client.force_login(programme_admin)
    delete = reverse("admin:applications_applicantnotice_delete", args=[notice.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert ApplicantNotice.objects.filter(pk=notice.pk).exists()


# --- Taking a published notice off the call's page ------------------------------------------


def unpublish_url(notice):
    return reverse(
        "staff_applications:applicant_notice_unpublish", args=[notice.track_id, notice.pk]
    )


def test_staff_take_a_published_notice_off_the_calls_page(
    client, planning_track, applicants, kind_staff
):
    from accounts.audit import audit_events_for

    notice = send(planning_track, kind_staff, subject="Wrong date: 31 April", public=True)
    call_page = reverse("projects:call_detail", args=[planning_track.call.slug])
    assert "Wrong date: 31 April" in client.get(call_page).content.decode()
    client.force_login(kind_staff)
    assert unpublish_url(notice) in client.get(notices_url(planning_track)).content.decode()
    response = client.post(unpublish_url(notice), follow=True)
    assert "The notice is no longer on the call&#x27;s page." in response.content.decode()
    client.logout()
    assert "Wrong date: 31 April" not in client.get(call_page).content.decode()
    notice.refresh_from_db()
    assert notice.public is False and notice.subject == "Wrong date: 31 April"
    event = audit_events_for(planning_track).get(action="applicant_notice_unpublished")
    assert (event.actor, event.detail) == (kind_staff, {"notice": notice.pk})
    assert Message.objects.filter(channel="email").count() == 3  # what was sent stays sent


@pytest.mark.parametrize("who", ["kaia_staff", "applicant", "reviewer"])
def test_others_cannot_take_a_notice_off_the_calls_page(
    client, request, planning_track, applicants, kind_staff, who
):
    notice = send(planning_track, kind_staff, public=True)
    client.force_login(request.getfixturevalue(who))
    assert client.post(unpublish_url(notice)).status_code == 403
    assert client.get(unpublish_url(notice)).status_code in (403, 405)
    notice.refresh_from_db()
    assert notice.public is True
