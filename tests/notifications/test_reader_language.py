"""Names in messages follow the reader's language, not the language of whoever caused them.

A Korean reader's mail names the call and track by their Korean names (falling back to the
English one), an English reader's by the English names, whichever language the staff member
or applicant who caused the message was using. Job summaries likewise.
"""

import pytest
from django.template.loader import render_to_string
from django.utils import translation

from accounts import roles
from applications import services as application_services
from notifications.models import Message
from notifications.services import in_each_language, render_message
from reviews import services as review_services
from reviews.models import Job
from tests.factories import SubmittedApplicationFactory, UserFactory
from tests.reviews.review_fixtures import committee_reviewer

pytestmark = pytest.mark.django_db

CALL_KO = "케이시티 네트워크 2026 공모"
TRACK_KO = "스마트시티 계획 수립"


@pytest.fixture
def korean_names(planning_track):
    planning_track.call.name_ko = CALL_KO
    planning_track.call.save(update_fields=["name_ko"])
    planning_track.name_ko = TRACK_KO
    planning_track.save(update_fields=["name_ko"])
    planning_track.refresh_from_db()  # the factory's name is a lazy label until reloaded
    return planning_track


def _mail(**filters) -> Message:
    """The queued e-mail, rendered as delivery renders it (e-mails are rendered when sent)."""
    message = Message.objects.get(channel="email", **filters)
    render_message(message)
    return message


def _text(message: Message) -> str:
    return message.subject + "\n" + message.body


def test_in_each_language_gives_the_english_key_and_the_korean_twin(korean_names):
    call = korean_names.call
    with translation.override("ko"):  # the caller's language does not matter
        entries = in_each_language("call", lambda: call.display_name)
    assert entries == {"call": call.name, "call_ko": CALL_KO}


def test_in_each_language_falls_back_to_english_without_a_korean_name(planning_track):
    call = planning_track.call
    assert call.name_ko == ""
    assert in_each_language("call", lambda: call.display_name) == {
        "call": call.name,
        "call_ko": call.name,
    }


def test_context_stored_before_the_korean_twin_still_renders():
    message = Message(
        template="reviews/assigned",
        context={"track": "K-City Network 2026 — Planning", "count": 2},
        language="ko",
        link="/reviews/",
    )
    render_message(message)
    assert "K-City Network 2026 — Planning" in message.subject


def test_invitation_names_the_track_in_korean_for_a_korean_reader(
    role_groups, korean_names, kind_staff
):
    UserFactory(email="han@expert.example.net", language="ko")
    with translation.override("en"):
        review_services.invite_reviewer(
            track=korean_names, email="han@expert.example.net", actor=kind_staff
        )
    mail = _mail(template="reviews/invitation")
    assert f"{CALL_KO} — {TRACK_KO}" in mail.subject
    assert f"{CALL_KO} — {TRACK_KO}" in mail.body
    assert korean_names.call.name not in _text(mail)


def test_invitation_names_the_track_in_english_for_an_english_reader(
    role_groups, korean_names, kind_staff
):
    with translation.override("ko"):
        review_services.invite_reviewer(
            track=korean_names, email="newcomer@expert.example.net", actor=kind_staff
        )
    mail = _mail(template="reviews/invitation")
    assert str(korean_names) in mail.subject
    assert TRACK_KO not in _text(mail) and CALL_KO not in _text(mail)


def test_assignment_mail_names_the_track_in_each_readers_language(
    role_groups, korean_names, kind_staff
):
    application = SubmittedApplicationFactory(track=korean_names, status="eligible")
    korean = committee_reviewer(korean_names, "ko@expert.example.net", language="ko")
    english = committee_reviewer(korean_names, "en@expert.example.net", language="en")
    with translation.override("ko"):
        review_services.assign_reviewers_bulk(
            applications=[application], reviewers=[korean, english], actor=kind_staff
        )
    korean_mail = _mail(template="reviews/assigned", recipient=korean)
    english_mail = _mail(template="reviews/assigned", recipient=english)
    assert f"{CALL_KO} — {TRACK_KO}" in korean_mail.body
    assert korean_names.name not in _text(korean_mail)
    assert str(korean_names) in english_mail.body
    assert TRACK_KO not in _text(english_mail)


def test_in_app_assignment_notice_names_the_track_in_korean(role_groups, korean_names, kind_staff):
    application = SubmittedApplicationFactory(track=korean_names, status="eligible")
    korean = committee_reviewer(korean_names, "ko@expert.example.net", language="ko")
    review_services.assign_reviewer(application=application, reviewer=korean, actor=kind_staff)
    notice = Message.objects.get(template="reviews/assigned", channel="in_app")
    assert f"{CALL_KO} — {TRACK_KO}" in notice.body


def test_applicant_mail_names_the_call_in_the_readers_language(
    korean_names, complete_draft, verified_applicant
):
    colleague = UserFactory(
        email="colleague@klang.gov.my",
        language="ko",
        roles=[roles.APPLICANT],
        organizations=[complete_draft.organization],
    )
    with translation.override("ko"):
        application_services.submit_application(
            application=complete_draft, actor=verified_applicant
        )
    english_mail = _mail(template="applications/submitted", recipient=verified_applicant)
    korean_mail = _mail(template="applications/submitted", recipient=colleague)
    assert korean_names.call.name in english_mail.body
    assert CALL_KO not in _text(english_mail)
    assert CALL_KO in korean_mail.body
    assert korean_names.call.name not in _text(korean_mail)


def test_assignment_job_message_is_stored_in_english_whoever_ran_it(
    role_groups, planning_track, kind_staff, django_capture_on_commit_callbacks
):
    planning_track.min_reviewers = 1
    planning_track.save()
    SubmittedApplicationFactory(track=planning_track, status="eligible")
    committee_reviewer(planning_track, "rev@expert.example.net")
    with translation.override("ko"), django_capture_on_commit_callbacks(execute=True):
        job = review_services.create_assignment_job(track=planning_track, actor=kind_staff)
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED
    assert job.message == "1 assignments made; every application has at least 1 reviewers."
    assert job.result["created"] == 1 and job.result["minimum"] == 1


def _job_panel(job, track, language):
    with translation.override(language):
        return render_to_string("reviews/staff/partials/_job.html", {"job": job, "track": track})


def test_assignment_job_summary_is_written_in_the_readers_language(planning_track):
    job = Job.objects.create(
        track=planning_track,
        kind=Job.Kind.ASSIGN,
        status=Job.Status.SUCCEEDED,
        done=6,
        total=6,
        message="6 assignments made; every application has at least 3 reviewers.",
        result={"created": 6, "minimum": 3, "max_load": 4, "shortfalls": []},
    )
    korean = _job_panel(job, planning_track, "ko")
    assert "배정 6건을 완료했습니다. 모든 신청서에 평가위원이 3명 이상 있습니다." in korean
    assert "assignments made" not in korean
    english = _job_panel(job, planning_track, "en")
    assert "6 assignments made; every application has at least 3 reviewers." in english


def test_assignment_job_summary_uses_the_minimum_of_its_run(planning_track):
    planning_track.min_reviewers = 5
    planning_track.save()
    job = Job.objects.create(
        track=planning_track,
        kind=Job.Kind.ASSIGN,
        status=Job.Status.SUCCEEDED,
        message="stored",
        result={"created": 2, "minimum": 2, "shortfalls": []},
    )
    assert "every application has at least 2 reviewers." in _job_panel(job, planning_track, "en")


def test_failed_job_still_shows_its_stored_error(planning_track):
    job = Job.objects.create(
        track=planning_track,
        kind=Job.Kind.ASSIGN,
        status=Job.Status.FAILED,
        message="The assignment failed: solver exploded",
    )
    assert "The assignment failed: solver exploded" in _job_panel(job, planning_track, "ko")


def test_in_app_notices_follow_the_language_the_site_is_read_in(
    client, role_groups, korean_names, kind_staff
):
    """A notice is written in the recipient's language of the day; a reviewer who has since
    switched the site to Korean reads it in Korean (names included), and in English again
    after switching back, where the stored text is shown as it was written."""
    from django.conf import settings

    application = SubmittedApplicationFactory(track=korean_names, status="eligible")
    reviewer = committee_reviewer(korean_names, "en@expert.example.net", language="en")
    review_services.assign_reviewer(application=application, reviewer=reviewer, actor=kind_staff)
    notice = Message.objects.get(template="reviews/assigned", channel="in_app")
    assert notice.language == "en" and TRACK_KO not in notice.body
    client.force_login(reviewer)

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ko"
    korean = client.get("/notifications/").content.decode()
    assert f"{CALL_KO} — {TRACK_KO}" in korean
    assert notice.body.splitlines()[0] not in korean

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get("/notifications/").content.decode()
    assert TRACK_KO not in english
    assert str(korean_names) in english
    notice.refresh_from_db()
    assert notice.language == "en" and TRACK_KO not in notice.body  # nothing saved


def test_notices_rendered_again_cost_one_query_for_the_templates_whatever_their_number(
    role_groups, korean_names, kind_staff, django_assert_num_queries
):
    from notifications.services import notices_in_language

    reviewer = committee_reviewer(korean_names, "en2@expert.example.net", language="en")
    for _ in range(3):
        application = SubmittedApplicationFactory(track=korean_names, status="eligible")
        review_services.assign_reviewer(
            application=application, reviewer=reviewer, actor=kind_staff
        )
    notices = list(Message.objects.filter(channel="in_app", recipient=reviewer))
    assert len(notices) == 3
    with django_assert_num_queries(1):
        notices_in_language(notices, "ko")
    assert all(TRACK_KO in n.body for n in notices)
    with django_assert_num_queries(0):
        notices_in_language(notices, "en")  # stored in English: nothing to render
