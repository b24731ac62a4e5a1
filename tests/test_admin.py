"""The back office: every admin page opens for a programme admin without N+1 queries, statuses
change only through actions that call the services, and secretariat staff see their tracks."""

import datetime

import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts import roles
from accounts.audit import audit_events_for, record_audit_event
from accounts.models import (
    AnonymisedRecord,
    ApiToken,
    AuditEvent,
    ErasureRequest,
    OrganizationInvitation,
)
from applications.models import (
    Answer,
    ApplicantNotice,
    Application,
    ApplicationTag,
    ClarificationRequest,
    ReferenceSequence,
    Tag,
)
from awards.models import Award
from notifications.models import Message, MessageTemplate
from projects.models import DocumentRequirement, Event, EventMaterial, EventParticipant
from results.models import ApplicationResult, Decision, ReviewerTrackStat
from reviews.models import (
    Assignment,
    CommitteeMember,
    InterestDeclaration,
    Job,
    ReviewerInvitation,
    ReviewSettings,
)
from tests.factories import (
    AssignmentFactory,
    CallFactory,
    ConflictDeclarationFactory,
    ConsortiumMemberFactory,
    CountryFactory,
    CriterionFactory,
    DeliverableFactory,
    DocumentFactory,
    OrganizationFactory,
    ProjectFactory,
    QuestionFactory,
    ReviewerProfileFactory,
    ScoreFactory,
    SubmittedApplicationFactory,
    TrackFactory,
    UserFactory,
)
from tests.factories.funding import (
    AgreementFactory,
    BudgetLineFactory,
    DeliverableVersionFactory,
    PaymentRequestFactory,
    TrancheFactory,
)

PORTAL_APPS = {
    "accounts",
    "projects",
    "applications",
    "reviews",
    "results",
    "awards",
    "notifications",
}
ADMIN_MODELS = sorted(
    (model for model in admin.site._registry if model._meta.app_label in PORTAL_APPS),
    key=lambda model: model._meta.label,
)


def build_rows(index: int, *, secretariat, actor) -> dict:
    """One linked row of every portal model (a call, a track, an application under review …)."""
    now = timezone.now()
    letter = chr(ord("A") + index)
    country = CountryFactory(code=f"Q{letter}", iso3=f"QQ{letter}", name=f"Country {letter}")
    org = OrganizationFactory(name=f"Applicant {index}", country_code=country.code)
    user = UserFactory(email=f"person{index}@example.org", organizations=[org])
    call = CallFactory(slug=f"admin-call-{index}")
    track = TrackFactory(call=call, secretariat=secretariat, code="PL")
    application = SubmittedApplicationFactory(
        track=track, organization=org, created_by=user, country=country
    )
    ConsortiumMemberFactory(application=application, name=f"Member {index}")
    DocumentFactory(application=application)
    ClarificationRequest.objects.create(
        application=application, requested_by=actor, message="Please add the site map."
    )
    criterion = CriterionFactory(track=track, code=f"feasibility-{index}", max_points=20)
    DocumentRequirement.objects.create(track=track, kind="site_map", name=f"Site map {index}")
    CommitteeMember.objects.create(track=track, reviewer=user)
    ReviewerInvitation.objects.create(
        track=track,
        email=f"expert{index}@example.org",
        invited_by=actor,
        expires_at=now + datetime.timedelta(days=7),
    )
    InterestDeclaration.objects.create(reviewer=user, expires_at=now + datetime.timedelta(days=1))
    ConflictDeclarationFactory(reviewer=user, application=application)
    # Submitted: a review being written is its author's alone, in the back office too.
    assignment = AssignmentFactory(
        application=application,
        reviewer=user,
        status=Assignment.Status.SUBMITTED,
        total=15,
        submitted_at=now,
        recommendation=Assignment.Recommendation.FUND,
    )
    ScoreFactory(assignment=assignment, criterion=criterion)
    Job.objects.create(track=track, kind=Job.Kind.AGGREGATE)
    ApplicationResult.objects.create(application=application, track=track)
    ReviewerTrackStat.objects.create(track=track, reviewer=user)
    Decision.objects.create(
        application=application, track=track, outcome="selected", amount=400_000_000
    )
    project = ProjectFactory(country=country, contractor=org)
    award = Award.objects.create(application=application, project=project, amount=400_000_000)
    deliverable = DeliverableFactory(project=project)
    DeliverableVersionFactory(deliverable=deliverable, number=1, submitted_by=user)
    # Agreements and payments (awards.funding): a signed agreement with its budget, a tranche,
    # a payment request with its line, and an amendment.
    agreement = AgreementFactory(
        project=project, party=org, reference=f"KCN-GA-ADMIN-{index}", signed=True
    )
    BudgetLineFactory(agreement=agreement)
    tranche = TrancheFactory(agreement=agreement, number=1)
    payment = PaymentRequestFactory(tranche=tranche, requested_by=user)
    payment.lines.create(category="personnel", amount_krw=payment.amount_krw)
    agreement.amendments.create(
        kind="scope", changes={"scope": "More sensors"}, reason="The city asked.", requested_by=user
    )
    event = Event.objects.create(
        kind=Event.Kind.WORKSHOP,
        name=f"Workshop {index}",
        city=project.city,
        starts_on=datetime.date(2026, 5, 1),
        ends_on=datetime.date(2026, 5, 2),
    )
    event.projects.add(project)
    EventParticipant.objects.create(
        event=event, name=f"Delegate {index}", organization=org, country=country, role="Speaker"
    )
    EventMaterial.objects.create(event=event, title=f"Slides {index}", file="events/slides.pdf")
    Message.objects.create(
        recipient=user, to_email=user.email, channel="email", template="applications/submitted"
    )
    MessageTemplate.objects.create(
        name=f"applications/custom_{index}",
        version=1,
        subject_en="{{ reference }}",
        body_en="Body",
        subject_ko="{{ reference }}",
        body_ko="본문",
        created_by=actor,
    )
    ApiToken.objects.create(user=user, name="CI", prefix=f"kc{index}", key_hash=f"hash-{index}")
    ReviewSettings.objects.create(track=track, anonymised=True, updated_by=actor)
    tag = Tag.objects.create(track=track, name=f"Site visit {index}", created_by=actor)
    ApplicationTag.objects.create(application=application, tag=tag, added_by=actor)
    OrganizationInvitation.objects.create(
        organization=org,
        email=f"colleague{index}@example.org",
        invited_by=actor,
        expires_at=now + datetime.timedelta(days=7),
    )
    ReviewerProfileFactory(user=user)
    ErasureRequest.objects.create(user=user, reason="I no longer work for the city.")
    AnonymisedRecord.objects.create(kind=f"kind-{index}", object_id=index + 1, reason="retention")
    question = QuestionFactory(track=track, code=f"population-{index}")
    Answer.objects.create(
        application=application, question=question, value=index, question_snapshot={}
    )
    record_audit_event(
        subject=application, action="status", actor=actor, old_value="draft", new_value="submitted"
    )
    ReferenceSequence.objects.create(prefix=f"{2000 + index}-PL-", started_after=index)
    ApplicantNotice.objects.create(
        track=track, audience="all", subject=f"Notice {index}", body="Text", sent_by=actor
    )
    return {"application": application, "assignment": assignment, "award": award}


def _count(client, url) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    return response.status_code, len(ctx.captured_queries)


def _urls(model, obj) -> tuple[str, str]:
    info = (model._meta.app_label, model._meta.model_name)
    return (
        reverse("admin:{}_{}_changelist".format(*info)),
        reverse("admin:{}_{}_change".format(*info), args=[obj.pk]),
    )


@pytest.mark.django_db
@pytest.mark.parametrize("model", ADMIN_MODELS, ids=lambda m: m._meta.label)
def test_admin_pages_open_for_programme_admin_without_n_plus_one(
    model, client, programme_admin, kind
):
    build_rows(0, secretariat=kind, actor=programme_admin)
    obj = model._default_manager.order_by("pk").first()
    assert obj is not None, f"build_rows made no {model._meta.label}"
    changelist, change = _urls(model, obj)
    client.force_login(programme_admin)
    _count(client, changelist), _count(client, change)  # warm caches (content types, perms)
    status_one, queries_one = _count(client, changelist)
    change_status_one, change_queries_one = _count(client, change)
    for index in range(1, 5):
        build_rows(index, secretariat=kind, actor=programme_admin)
    status_many, queries_many = _count(client, changelist)
    change_status_many, change_queries_many = _count(client, change)
    assert (status_one, status_many, change_status_one, change_status_many) == (200, 200, 200, 200)
    assert queries_many == queries_one
    assert change_queries_many == change_queries_one


@pytest.mark.django_db
def test_admin_every_portal_model_is_registered():
    from django.apps import apps

    portal_models = {m for m in apps.get_models() if m._meta.app_label in PORTAL_APPS}
    # A model shown only as a (read-only) inline of a registered one is reachable too.
    inline_models = {i.model for a in admin.site._registry.values() for i in a.inlines}
    assert portal_models == set(ADMIN_MODELS) | (portal_models & inline_models)


def _post_action(client, model, action, objects, **data):
    info = (model._meta.app_label, model._meta.model_name)
    return client.post(
        reverse("admin:{}_{}_changelist".format(*info)),
        {"action": action, "_selected_action": [o.pk for o in objects], **data},
        follow=True,
    )


@pytest.mark.django_db
def test_admin_action_mark_eligible_calls_the_transition_service(
    client, programme_admin, planning_track
):
    application = SubmittedApplicationFactory(track=planning_track)
    client.force_login(programme_admin)
    response = _post_action(client, Application, "mark_eligible", [application])
    application.refresh_from_db()
    assert response.status_code == 200
    assert application.status == Application.Status.ELIGIBLE
    event = audit_events_for(application).get()
    assert (event.old_value, event.new_value, event.actor) == (
        "submitted",
        "eligible",
        programme_admin,
    )


@pytest.mark.django_db
def test_admin_action_illegal_move_is_reported_and_changes_nothing(
    client, programme_admin, planning_track
):
    application = SubmittedApplicationFactory(track=planning_track)
    client.force_login(programme_admin)
    response = _post_action(client, Application, "mark_reviewed", [application])
    application.refresh_from_db()
    assert application.status == Application.Status.SUBMITTED
    assert not audit_events_for(application).exists()
    texts = [str(m) for m in response.context["messages"]]
    assert any("cannot go from" in text for text in texts)
    assert [m.level_tag for m in response.context["messages"]] == ["error"]


@pytest.mark.django_db
def test_admin_action_award_approve_calls_the_transition_service(
    client, programme_admin, planning_track
):
    award = Award.objects.create(
        application=SubmittedApplicationFactory(track=planning_track), amount=400_000_000
    )
    client.force_login(programme_admin)
    _post_action(client, Award, "approve_awards", [award])
    award.refresh_from_db()
    assert award.status == Award.Status.APPROVED
    assert audit_events_for(award).get().new_value == "approved"


@pytest.mark.django_db
def test_admin_action_reopen_assignment_calls_the_transition_service(
    client, programme_admin, planning_track
):
    assignment = AssignmentFactory(
        # Reviews are written (and reopened) while the application is under review.
        application=SubmittedApplicationFactory(track=planning_track, status="under_review"),
        status=Assignment.Status.SUBMITTED,
        total=80,
        submitted_at=timezone.now(),
    )
    client.force_login(programme_admin)
    _post_action(
        client, Assignment, "reopen_assignments", [assignment], apply="1", text="Scores missing."
    )
    assignment.refresh_from_db()
    assert assignment.status == Assignment.Status.IN_PROGRESS


@pytest.mark.django_db
def test_admin_status_field_is_read_only_on_the_change_form(
    client, programme_admin, planning_track
):
    application = SubmittedApplicationFactory(track=planning_track)
    client.force_login(programme_admin)
    url = reverse("admin:applications_application_change", args=[application.pk])
    response = client.get(url)
    assert "status" not in response.context["adminform"].form.fields
    assert "history (audit trail)" in response.content.decode().lower()


@pytest.mark.django_db
def test_admin_application_change_page_shows_audit_history(client, programme_admin, planning_track):
    application = SubmittedApplicationFactory(track=planning_track)
    record_audit_event(
        subject=application,
        action="status",
        actor=programme_admin,
        old_value="submitted",
        new_value="eligible-marker",
    )
    client.force_login(programme_admin)
    response = client.get(reverse("admin:applications_application_change", args=[application.pk]))
    assert "eligible-marker" in response.content.decode()


@pytest.mark.django_db
def test_admin_history_page_is_the_audit_trail(client, programme_admin, planning_track):
    """Writes here go through services, which leave audit rows, never Django's change log:
    "History" shows the trail, the system's rows included, oldest first."""
    award = Award.objects.create(
        application=SubmittedApplicationFactory(track=planning_track), amount=400_000_000
    )
    client.force_login(programme_admin)
    _post_action(client, Award, "approve_awards", [award])
    record_audit_event(subject=award, action="reminder", old_value="", new_value="sent-marker")
    response = client.get(reverse("admin:awards_award_history", args=[award.pk]))
    assert response.status_code == 200
    rows = list(response.context["action_list"])
    # Each row as the reader's language says it (accounts.audit.describe_event).
    assert [row.get_change_message() for row in rows] == [
        event.describe() for event in audit_events_for(award)
    ]
    assert rows[0].user == programme_admin and rows[-1].user.get_username() == "system"
    body = response.content.decode()
    assert f"→ {Award.Status.APPROVED.label}" in body and "sent-marker" in body
    assert "doesn’t have a change history" not in body


@pytest.mark.django_db
def test_admin_history_page_keeps_its_permission_check(client, kaia_staff, planning_track):
    application = SubmittedApplicationFactory(track=planning_track)  # KIND's track
    record_audit_event(subject=application, action="status", new_value="secret-marker")
    client.force_login(kaia_staff)
    response = client.get(reverse("admin:applications_application_history", args=[application.pk]))
    assert "secret-marker" not in response.content.decode()
    assert response.status_code in (302, 403, 404)


@pytest.mark.django_db
def test_admin_audit_events_cannot_be_added_changed_or_deleted(client, programme_admin):
    event = record_audit_event(subject=programme_admin, action="login")
    client.force_login(programme_admin)
    assert client.get(reverse("admin:accounts_auditevent_add")).status_code == 403
    assert (
        client.post(reverse("admin:accounts_auditevent_delete", args=[event.pk])).status_code == 403
    )
    page = client.get(reverse("admin:accounts_auditevent_change", args=[event.pk]))
    assert page.status_code == 200
    assert page.context["has_change_permission"] is False
    assert AuditEvent.objects.filter(pk=event.pk).exists()


@pytest.mark.django_db
def test_admin_secretariat_staff_cannot_see_audit_event_list(client, kind_staff):
    record_audit_event(subject=kind_staff, action="login")
    client.force_login(kind_staff)
    assert client.get(reverse("admin:accounts_auditevent_changelist")).status_code == 403


@pytest.fixture
def two_track_rows(planning_track, demonstration_track):
    rows = {}
    for track in (planning_track, demonstration_track):
        application = SubmittedApplicationFactory(
            track=track, reference=f"2026-{track.code}-777", title=f"Proposal {track.code}"
        )
        assignment = AssignmentFactory(application=application)
        award = Award.objects.create(application=application, amount=400_000_000)
        rows[track.code] = {"application": application, "assignment": assignment, "award": award}
    return rows


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("model", "key"),
    [(Application, "application"), (Assignment, "assignment"), (Award, "award")],
)
def test_admin_secretariat_staff_see_only_their_track(
    client, kind_staff, two_track_rows, model, key
):
    client.force_login(kind_staff)
    changelist, _ = _urls(model, two_track_rows["PL"][key])
    response = client.get(changelist)
    assert response.status_code == 200
    shown = {obj.pk for obj in response.context["cl"].result_list}
    assert shown == {two_track_rows["PL"][key].pk}


@pytest.mark.django_db
def test_admin_secretariat_staff_cannot_open_other_track_application(
    client, kind_staff, kaia_staff, two_track_rows
):
    theirs = two_track_rows["DM"]["application"]
    url = reverse("admin:applications_application_change", args=[theirs.pk])
    client.force_login(kind_staff)
    denied = client.get(url)
    assert denied.status_code == 302  # the admin's "does not exist" redirect
    client.force_login(kaia_staff)
    assert client.get(url).status_code == 200


@pytest.mark.django_db
def test_admin_secretariat_staff_cannot_act_on_other_track(client, kind_staff, two_track_rows):
    theirs = two_track_rows["DM"]["application"]
    client.force_login(kind_staff)
    _post_action(client, Application, "mark_eligible", [theirs])
    theirs.refresh_from_db()
    assert theirs.status == Application.Status.SUBMITTED


@pytest.mark.django_db
def test_admin_secretariat_staff_do_not_see_drafts(client, kind_staff, planning_track):
    draft = SubmittedApplicationFactory(track=planning_track)
    Application.objects.filter(pk=draft.pk).update(status="draft")
    client.force_login(kind_staff)
    response = client.get(reverse("admin:applications_application_changelist"))
    assert draft.pk not in {obj.pk for obj in response.context["cl"].result_list}


@pytest.mark.django_db
def test_admin_applicant_cannot_enter_back_office(client, applicant, application):
    client.force_login(applicant)
    response = client.get(reverse("admin:applications_application_changelist"))
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


@pytest.mark.django_db
def test_role_groups_give_programme_admin_every_portal_permission(programme_admin):
    assert programme_admin.has_perm("applications.change_application")
    assert programme_admin.has_perm("awards.delete_award")
    assert programme_admin.has_perm("accounts.view_auditevent")


@pytest.mark.django_db
def test_role_groups_give_secretariat_only_track_scoped_permissions(kind_staff):
    assert kind_staff.has_perm("applications.change_application")
    assert kind_staff.has_perm("reviews.view_assignment")
    assert not kind_staff.has_perm("projects.change_call")
    assert not kind_staff.has_perm("accounts.view_user")
    assert not kind_staff.has_perm("notifications.view_message")


@pytest.mark.django_db
def test_ensure_role_groups_is_idempotent(role_groups):
    from django.contrib.auth.models import Group

    before = {g.name: g.permissions.count() for g in Group.objects.all()}
    roles.ensure_role_groups()
    assert {g.name: g.permissions.count() for g in Group.objects.all()} == before


@pytest.mark.django_db
def test_admin_message_retry_queues_failed_email_again(
    client, programme_admin, mailoutbox, django_capture_on_commit_callbacks
):
    message = Message.objects.create(
        recipient=programme_admin,
        to_email=programme_admin.email,
        channel="email",
        template="applications/submitted",
        status=Message.Status.FAILED,
        context={"reference": "2026-PL-001", "title": "Plan", "call": "2026"},
    )
    client.force_login(programme_admin)
    with django_capture_on_commit_callbacks(execute=True):  # queued after the retry commits
        _post_action(client, Message, "retry_delivery", [message])
    message.refresh_from_db()
    assert message.status == Message.Status.SENT  # eager in tests: the task ran on queueing
    assert [m.to for m in mailoutbox] == [[programme_admin.email]]


@pytest.mark.django_db
def test_admin_message_retry_not_offered_to_secretariat(client, kind_staff):
    client.force_login(kind_staff)
    response = client.get(reverse("admin:notifications_message_changelist"))
    assert response.status_code == 403
