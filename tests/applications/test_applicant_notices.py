"""Notices to a track's applicants: who receives them, in which language, once per form, by
whom they may be sent, and the staff page that sends them."""

from __future__ import annotations

import uuid

import pytest
from django.urls import reverse

from accounts.audit import audit_events_for
from applications import services
from applications.models import ApplicantNotice
from core.domain import DomainError
from notifications.models import Message
from notifications.services import render_message
from tests.factories import (
    ApplicationFactory,
    OrganizationFactory,
    SubmittedApplicationFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def applicants(planning_track, role_groups):
    """Three organisations of the track: one with a draft (two members, one reading Korean),
    one with a submitted proposal, one that withdrew; and a draft on another track."""
    from accounts import roles

    def organisation(name, status, *, track=planning_track, members=1, language="en"):
        org = OrganizationFactory(name=name, kind="city_government", country_code="MY")
        users = [
            UserFactory(
                email=f"{name.lower().replace(' ', '')}{n}@example.org",
                roles=[roles.APPLICANT],
                organizations=[org],
                language=language if n == 0 else "en",
            )
            for n in range(members)
        ]
        factory = ApplicationFactory if status == "draft" else SubmittedApplicationFactory
        factory(track=track, organization=org, status=status)
        return users

    return {
        "draft": organisation("Draft City", "draft", members=2, language="ko"),
        "sent": organisation("Sent City", "submitted"),
        "withdrawn": organisation("Gone City", "withdrawn"),
    }


def send(track, actor, audience="all", key=None, **texts):
    return services.send_applicant_notice(
        track=track,
        audience=audience,
        subject=texts.get("subject", "Information session on 3 March"),
        body=texts.get("body", "Join us online at 10:00 KST."),
        subject_ko=texts.get("subject_ko", ""),
        body_ko=texts.get("body_ko", ""),
        public=texts.get("public", False),
        actor=actor,
        key=key or uuid.uuid4(),
    )


def recipients_of(notice_template="applications/applicant_notice", channel="email"):
    return sorted(
        Message.objects.filter(template=notice_template, channel=channel).values_list(
            "recipient__email", flat=True
        )
    )


def test_each_audience_reaches_the_members_of_its_organisations(
    planning_track, applicants, kind_staff
):
    drafts = send(planning_track, kind_staff, "drafts")
    assert drafts.recipients == 2
    assert recipients_of() == sorted(u.email for u in applicants["draft"])
    Message.objects.all().delete()
    send(planning_track, kind_staff, "sent")
    assert recipients_of() == [applicants["sent"][0].email]  # not the withdrawn one
    Message.objects.all().delete()
    everyone = send(planning_track, kind_staff, "all")
    assert everyone.recipients == 3
    assert len(recipients_of(channel="in_app")) == 3


def test_an_inactive_member_receives_nothing(planning_track, applicants, kind_staff):
    gone = applicants["draft"][1]
    gone.is_active = False
    gone.save()
    assert send(planning_track, kind_staff, "drafts").recipients == 1


def test_each_reader_gets_their_language_and_the_english_where_korean_is_missing(
    planning_track, applicants, kind_staff
):
    send(
        planning_track,
        kind_staff,
        "drafts",
        subject_ko="3월 3일 설명회",
        body_ko="온라인으로 참여하세요.",
    )
    korean = Message.objects.get(channel="email", recipient=applicants["draft"][0])
    english = Message.objects.get(channel="email", recipient=applicants["draft"][1])
    render_message(korean)
    render_message(english)
    assert korean.subject == "3월 3일 설명회" and "온라인으로 참여하세요." in korean.body
    assert english.subject == "Information session on 3 March"
    assert "Join us online at 10:00 KST." in english.body
    assert reverse("projects:call_detail", args=[planning_track.call.slug]) in english.body
    Message.objects.all().delete()
    send(planning_track, kind_staff, "drafts")  # no Korean text: the English for everyone
    korean = Message.objects.get(channel="email", recipient=applicants["draft"][0])
    render_message(korean)
    assert korean.subject == "Information session on 3 March"


def test_one_form_sends_one_notice(planning_track, applicants, kind_staff):
    key = uuid.uuid4()
    notice = send(planning_track, kind_staff, key=key)
    with pytest.raises(services.AlreadySent) as refused:
        send(planning_track, kind_staff, key=key)
    assert refused.value.notice == notice
    assert ApplicantNotice.objects.count() == 1
    assert Message.objects.filter(channel="email").count() == 3


def test_the_sending_is_audited_on_the_track(planning_track, applicants, kind_staff):
    notice = send(planning_track, kind_staff, "sent")
    event = audit_events_for(planning_track).get(action="applicant_notice_sent")
    assert event.actor == kind_staff
    assert event.detail == {
        "notice": notice.pk,
        "audience": "sent",
        "recipients": 1,
        "public": False,
    }


@pytest.mark.parametrize("who", ["kaia_staff", "reviewer", "applicant"])
def test_only_the_tracks_secretariat_and_programme_admins_send(
    request, planning_track, applicants, who, programme_admin
):
    with pytest.raises(DomainError) as refused:
        send(planning_track, request.getfixturevalue(who))
    assert refused.value.code == "forbidden"
    assert not Message.objects.exists() and not ApplicantNotice.objects.exists()
    assert send(planning_track, programme_admin).recipients == 3


def test_a_group_with_nobody_in_it_is_refused(planning_track, applicants, kind_staff):
    ApplicationFactory(track=planning_track)  # an organisation without members
    planning_track.applications.filter(status="submitted").update(status="withdrawn")
    with pytest.raises(DomainError) as refused:
        send(planning_track, kind_staff, "sent")
    assert refused.value.field == "audience"


@pytest.mark.parametrize("field", ["subject", "body"])
def test_subject_and_message_are_needed(planning_track, applicants, kind_staff, field):
    with pytest.raises(DomainError) as refused:
        send(planning_track, kind_staff, **{field: "   "})
    assert refused.value.field == field


# --- The staff page ---------------------------------------------------------------------------


def notices_url(track):
    return reverse("staff_applications:applicant_notices", args=[track.pk])


def test_staff_send_a_notice_from_the_page_once(client, planning_track, applicants, kind_staff):
    client.force_login(kind_staff)
    page = client.get(notices_url(planning_track))
    assert page.status_code == 200
    html = page.content.decode()
    assert "(3 people)" in html and "(2 people)" in html and "(1 person)" in html
    key = page.context["form"].initial["key"]
    data = {"key": key, "audience": "all", "subject": "Deadline", "body": "Moved to 10 May."}
    response = client.post(notices_url(planning_track), data, follow=True)
    assert "The notice has been sent to 3 people." in response.content.decode()
    assert "Deadline" in response.content.decode()  # in the list of notices sent
    response = client.post(notices_url(planning_track), data, follow=True)  # a second click
    assert "This notice was already sent, to 3 people." in response.content.decode()
    assert ApplicantNotice.objects.count() == 1


def test_a_refusal_keeps_what_was_typed(client, planning_track, applicants, kind_staff):
    client.force_login(kind_staff)
    response = client.post(
        notices_url(planning_track),
        {"key": uuid.uuid4(), "audience": "all", "subject": "", "body": "Kept text"},
    )
    assert response.status_code == 400
    assert "subject" in response.context["form"].errors
    assert "Kept text" in response.content.decode()


@pytest.mark.parametrize("who,status", [("kaia_staff", 403), ("applicant", 403), ("reviewer", 403)])
def test_others_cannot_open_the_page(client, request, planning_track, who, status):
    client.force_login(request.getfixturevalue(who))
    assert client.get(notices_url(planning_track)).status_code == status
    assert client.post(notices_url(planning_track), {}).status_code == status


def test_the_page_is_in_the_track_navigation(client, planning_track, kind_staff):
    client.force_login(kind_staff)
    page = client.get(reverse("staff_applications:track_applications", args=[planning_track.pk]))
    assert notices_url(planning_track) in page.content.decode()


# --- Published on the call's page -------------------------------------------------------------


def test_a_public_notice_is_read_on_the_calls_page_in_the_readers_language(
    client, planning_track, applicants, kind_staff
):
    send(
        planning_track,
        kind_staff,
        subject="Deadline extended to 10 May",
        body="Because of the holidays.",
        subject_ko="마감이 5월 10일로 연장되었습니다",
        body_ko="연휴 때문입니다.",
        public=True,
    )
    send(planning_track, kind_staff, subject="Only for applicants", body="Private.")
    url = reverse("projects:call_detail", args=[planning_track.call.slug])
    page = client.get(url).content.decode()
    assert "Call updates" in page and "Deadline extended to 10 May" in page
    assert "Because of the holidays." in page
    assert "Only for applicants" not in page
    korean = client.get(url, HTTP_ACCEPT_LANGUAGE="ko").content.decode()
    assert "마감이 5월 10일로 연장되었습니다" in korean and "연휴 때문입니다." in korean


def test_a_public_notice_may_go_out_before_anyone_applied(planning_track, kind_staff):
    notice = send(planning_track, kind_staff, public=True)
    assert (notice.recipients, notice.public) == (0, True)
    assert not Message.objects.exists()
    event = audit_events_for(planning_track).get(action="applicant_notice_sent")
    assert event.detail["public"] is True


def test_staff_publish_from_the_page(client, planning_track, applicants, kind_staff):
    client.force_login(kind_staff)
    key = client.get(notices_url(planning_track)).context["form"].initial["key"]
    client.post(
        notices_url(planning_track),
        {"key": key, "audience": "sent", "subject": "Q&A", "body": "Answers.", "public": "on"},
    )
    assert ApplicantNotice.objects.get().public is True
    page = client.get(reverse("projects:call_detail", args=[planning_track.call.slug]))
    assert "Q&amp;A" in page.content.decode()


def test_the_notices_emails_are_queued_together_after_commit(
    planning_track, applicants, kind_staff, monkeypatch, django_capture_on_commit_callbacks
):
    """One delivery task for the notice's e-mails, not one per person: with the broker down,
    one broker call fails (the resend job takes the rows later) instead of one per recipient,
    each waiting for its time-out."""
    from notifications import tasks

    published = []
    monkeypatch.setattr(tasks.task_deliver_message, "delay", lambda **kw: published.append(kw))
    with django_capture_on_commit_callbacks(execute=True):
        send(planning_track, kind_staff, "all")
    emails = Message.objects.filter(channel="email").order_by("pk")
    assert published == [{"message_ids": [m.pk for m in emails]}]


def test_with_the_broker_down_the_notice_is_sent_and_its_emails_wait(
    planning_track, applicants, kind_staff, monkeypatch, django_capture_on_commit_callbacks
):
    from notifications import tasks

    calls = []

    def down(**kwargs):
        calls.append(kwargs)
        raise ConnectionError("broker unreachable")

    monkeypatch.setattr(tasks.task_deliver_message, "delay", down)
    with django_capture_on_commit_callbacks(execute=True):
        notice = send(planning_track, kind_staff, "all")
    assert len(calls) == 1  # tried once, not once per recipient
    assert ApplicantNotice.objects.get() == notice
    assert set(Message.objects.filter(channel="email").values_list("status", flat=True)) == {
        Message.Status.PENDING
    }
