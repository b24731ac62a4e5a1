import datetime

import pytest
from django.db import IntegrityError
from django.utils import timezone

from accounts.models import AuditEvent
from applications import selectors, services
from applications.models import Application, ClarificationRequest, ConsortiumMember
from core.domain import DomainError
from notifications.models import Message
from tests.factories import (
    ApplicationFactory,
    OrganizationFactory,
    SubmittedApplicationFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def test_start_application_unverified_email_refused(applicant, planning_track):
    with pytest.raises(DomainError) as exc:
        services.start_application(
            track=planning_track, organization=applicant.organizations.first(), actor=applicant
        )
    assert exc.value.code == "unverified"
    assert Application.objects.count() == 0


def test_start_application_wrong_organisation_kind_refused(verified_applicant, demonstration_track):
    with pytest.raises(DomainError) as exc:
        services.start_application(
            track=demonstration_track,
            organization=verified_applicant.organizations.first(),
            actor=verified_applicant,
        )
    assert exc.value.code == "ineligible"


def test_start_application_creates_draft_with_contact(verified_applicant, planning_track):
    application = services.start_application(
        track=planning_track,
        organization=verified_applicant.organizations.first(),
        actor=verified_applicant,
    )
    assert application.status == Application.Status.DRAFT
    assert application.contact_email == verified_applicant.email
    assert AuditEvent.objects.filter(action="created", object_id=str(application.pk)).count() == 1


def test_start_application_korean_company_gets_lead_member(role_groups, demonstration_track):
    company = OrganizationFactory(name="Seoul Smart Co", kind="korean_company", country_code="KR")
    user = UserFactory(organizations=[company], email_verified_at=timezone.now())
    application = services.start_application(
        track=demonstration_track, organization=company, actor=user
    )
    assert list(application.consortium_members.values_list("role", flat=True)) == ["lead"]


def test_save_application_section_new_city_created_in_country(complete_draft, verified_applicant):
    services.save_application_section(
        application=complete_draft,
        section="site",
        data={"country": complete_draft.country, "city": None},
        actor=verified_applicant,
        new_city_name="  Port   Klang ",
    )
    complete_draft.refresh_from_db()
    assert complete_draft.city.name == "Port Klang"
    assert complete_draft.city.country == complete_draft.country


def test_save_application_section_after_submission_refused(complete_draft, verified_applicant):
    services.submit_application(application=complete_draft, actor=verified_applicant)
    with pytest.raises(DomainError) as exc:
        services.save_application_section(
            application=complete_draft,
            section="project",
            data={"title": "Changed"},
            actor=verified_applicant,
        )
    assert exc.value.code == "not_editable"
    complete_draft.refresh_from_db()
    assert complete_draft.title != "Changed"


def test_submit_application_complete_draft_submitted_with_notices(
    complete_draft, verified_applicant, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        application = services.submit_application(
            application=complete_draft, actor=verified_applicant
        )
    assert application.status == Application.Status.SUBMITTED
    assert application.reference.endswith("-PL-001")
    assert Message.objects.filter(template="applications/submitted", channel="in_app").count() == 1
    assert len(mailoutbox) == 1
    assert application.reference in mailoutbox[0].subject


def test_submit_application_after_deadline_refused(complete_draft, verified_applicant):
    call = complete_draft.call
    call.opens_at = timezone.now() - datetime.timedelta(days=60)
    call.closes_at = timezone.now() - datetime.timedelta(minutes=1)
    call.save()
    with pytest.raises(DomainError) as exc:
        services.submit_application(application=complete_draft, actor=verified_applicant)
    assert exc.value.code == "deadline"
    assert "closed" in exc.value.message
    complete_draft.refresh_from_db()
    assert complete_draft.status == Application.Status.DRAFT


def test_submit_application_missing_required_document_refused(complete_draft, verified_applicant):
    complete_draft.documents.filter(kind="concept_paper").delete()
    with pytest.raises(DomainError) as exc:
        services.submit_application(application=complete_draft, actor=verified_applicant)
    assert exc.value.code == "incomplete"
    assert "Project concept paper" in exc.value.message


def test_submit_application_budget_outside_range_refused(complete_draft, verified_applicant):
    Application.objects.filter(pk=complete_draft.pk).update(budget_requested=600_000_000)
    with pytest.raises(DomainError) as exc:
        services.submit_application(application=complete_draft, actor=verified_applicant)
    assert "between" in exc.value.message


def test_submit_application_second_proposal_same_city_refused(complete_draft, verified_applicant):
    SubmittedApplicationFactory(
        track=complete_draft.track,
        organization=complete_draft.organization,
        country=complete_draft.country,
        city=complete_draft.city,
        created_by=verified_applicant,
    )
    with pytest.raises(DomainError) as exc:
        services.submit_application(application=complete_draft, actor=verified_applicant)
    assert "only one proposal per city" in exc.value.message
    complete_draft.refresh_from_db()
    assert complete_draft.status == Application.Status.DRAFT


def test_one_per_city_constraint_backs_the_service(complete_draft, verified_applicant):
    services.submit_application(application=complete_draft, actor=verified_applicant)
    twin = ApplicationFactory(
        track=complete_draft.track,
        organization=complete_draft.organization,
        country=complete_draft.country,
        city=complete_draft.city,
        created_by=verified_applicant,
    )
    with pytest.raises(IntegrityError):
        Application.objects.filter(pk=twin.pk).update(
            status="submitted", submitted_at=timezone.now()
        )


def test_submit_application_twice_submits_once(complete_draft, verified_applicant):
    services.submit_application(application=complete_draft, actor=verified_applicant)
    with pytest.raises(services.AlreadySubmitted):
        services.submit_application(application=complete_draft, actor=verified_applicant)
    events = AuditEvent.objects.filter(object_id=str(complete_draft.pk), action="status")
    assert list(events.values_list("new_value", flat=True)) == ["submitted"]
    assert Message.objects.filter(template="applications/submitted", channel="email").count() == 1


def test_submit_application_demonstration_without_partner_refused(role_groups, demonstration_track):
    company = OrganizationFactory(name="Seoul Smart Co", kind="korean_company", country_code="KR")
    user = UserFactory(organizations=[company], email_verified_at=timezone.now())
    application = services.start_application(
        track=demonstration_track, organization=company, actor=user
    )
    problems = selectors.submission_problems(application)
    assert any("overseas public partner" in str(p.message) for p in problems)
    services.add_consortium_member(
        application=application,
        actor=user,
        name="Mukdahan Municipality",
        kind="city_government",
        role=ConsortiumMember.Role.OVERSEAS_PUBLIC_PARTNER,
        country_code="th",
    )
    problems = selectors.submission_problems(application)
    assert not any(p.section == "consortium" for p in problems)


def test_add_consortium_member_company_as_public_partner_refused(role_groups, demonstration_track):
    company = OrganizationFactory(name="Seoul Smart Co", kind="korean_company", country_code="KR")
    user = UserFactory(organizations=[company], email_verified_at=timezone.now())
    application = services.start_application(
        track=demonstration_track, organization=company, actor=user
    )
    with pytest.raises(DomainError) as exc:
        services.add_consortium_member(
            application=application,
            actor=user,
            name="Other Co",
            kind="korean_company",
            role=ConsortiumMember.Role.OVERSEAS_PUBLIC_PARTNER,
        )
    assert exc.value.field == "kind"


def test_withdraw_application_without_reason_refused(complete_draft, verified_applicant):
    with pytest.raises(DomainError) as exc:
        services.withdraw_application(
            application=complete_draft, actor=verified_applicant, reason="  "
        )
    assert exc.value.field == "reason"


def test_withdraw_application_after_decision_refused(verified_applicant, planning_track):
    application = SubmittedApplicationFactory(
        track=planning_track,
        organization=verified_applicant.organizations.first(),
        status=Application.Status.SELECTED,
    )
    with pytest.raises(DomainError) as exc:
        services.withdraw_application(
            application=application, actor=verified_applicant, reason="Changed plans"
        )
    assert exc.value.code == "not_withdrawable"


def test_withdraw_refused_once_a_decision_is_proposed(verified_applicant, planning_track):
    """Under review, but the funding line has proposed a decision: withdrawing now would leave
    a decision its release cannot apply (withdrawn cannot become selected), failing the
    release of the whole call. The design's "before a decision" is the decision row."""
    from results.models import Decision

    application = SubmittedApplicationFactory(
        track=planning_track,
        organization=verified_applicant.organizations.first(),
        status=Application.Status.UNDER_REVIEW,
    )
    assert verified_applicant.has_perm("applications.withdraw_application", application)
    Decision.objects.create(
        application=application, track=planning_track, outcome="selected", amount=400_000_000
    )
    assert not verified_applicant.has_perm("applications.withdraw_application", application)
    with pytest.raises(DomainError) as exc:
        services.withdraw_application(
            application=application, actor=verified_applicant, reason="Changed plans"
        )
    assert exc.value.code == "not_withdrawable"
    application.refresh_from_db()
    assert application.status == Application.Status.UNDER_REVIEW


def test_withdraw_application_records_reason(complete_draft, verified_applicant):
    services.submit_application(application=complete_draft, actor=verified_applicant)
    application = services.withdraw_application(
        application=complete_draft, actor=verified_applicant, reason="Budget cut"
    )
    assert application.status == Application.Status.WITHDRAWN
    assert application.status_reason == "Budget cut"


def test_request_clarification_opens_named_sections_only(
    complete_draft, verified_applicant, kind_staff
):
    services.submit_application(application=complete_draft, actor=verified_applicant)
    services.request_clarification(
        application=complete_draft,
        actor=kind_staff,
        message="Please give the site area.",
        sections=["site"],
    )
    complete_draft.refresh_from_db()
    assert complete_draft.status == Application.Status.CLARIFICATION
    assert selectors.editable_sections(complete_draft) == {"site"}
    services.save_application_section(
        application=complete_draft,
        section="site",
        data={"site_area_km2": 12},
        actor=verified_applicant,
    )
    with pytest.raises(DomainError):
        services.save_application_section(
            application=complete_draft,
            section="budget",
            data={"budget_requested": 300_000_000},
            actor=verified_applicant,
        )
    services.answer_clarification(
        application=complete_draft, actor=verified_applicant, response="Area added."
    )
    complete_draft.refresh_from_db()
    assert complete_draft.status == Application.Status.SUBMITTED
    request = ClarificationRequest.objects.get()
    assert request.status == "answered" and request.response == "Area added."
    actions = list(
        AuditEvent.objects.filter(object_id=str(complete_draft.pk)).values_list("action", flat=True)
    )
    assert actions.count("clarification_edit") == 1


def test_request_clarification_by_other_track_staff_refused(
    complete_draft, verified_applicant, kaia_staff
):
    services.submit_application(application=complete_draft, actor=verified_applicant)
    with pytest.raises(DomainError) as exc:
        services.request_clarification(
            application=complete_draft, actor=kaia_staff, message="x", sections=["site"]
        )
    assert exc.value.code == "forbidden"


def test_applicant_visible_status_hides_unreleased_decision(verified_applicant, planning_track):
    application = SubmittedApplicationFactory(
        track=planning_track,
        organization=verified_applicant.organizations.first(),
        status=Application.Status.REJECTED,
    )
    assert selectors.applicant_visible_status(application) == Application.Status.UNDER_REVIEW
    call = application.call
    call.decisions_released_at = timezone.now() - datetime.timedelta(minutes=1)
    call.save()
    application.refresh_from_db()
    assert selectors.applicant_visible_status(application) == Application.Status.REJECTED


def test_applicant_timeline_has_no_actor_and_hides_decision(
    complete_draft, verified_applicant, programme_admin
):
    services.submit_application(application=complete_draft, actor=verified_applicant)
    for status in ("eligible", "under_review", "reviewed", "selected"):
        services.transition_application(
            application=complete_draft, to=status, actor=programme_admin, notify=False
        )
    timeline = selectors.applicant_timeline(complete_draft)
    assert [item["status"] for item in timeline] == ["submitted", "eligible", "under_review"]
    assert all(set(item) == {"at", "status", "label", "reason"} for item in timeline)


def test_remind_draft_applicants_each_stage_once(complete_draft, verified_applicant):
    call = complete_draft.call
    call.closes_at = timezone.now() + datetime.timedelta(days=6)
    call.save()
    assert services.remind_draft_applicants() == 2  # e-mail + in-app notice
    assert services.remind_draft_applicants() == 0
    later = timezone.now() + datetime.timedelta(days=5, hours=12)
    assert services.remind_draft_applicants(now=later) == 2
    assert services.remind_draft_applicants(now=later) == 0
    keys = set(Message.objects.values_list("dedupe_key", flat=True))
    assert any(key.endswith(":7d:email") for key in keys)
    assert any(key.endswith(":1d:email") for key in keys)


def test_remind_draft_applicants_submitted_not_reminded(complete_draft, verified_applicant):
    services.submit_application(application=complete_draft, actor=verified_applicant)
    call = complete_draft.call
    call.closes_at = timezone.now() + datetime.timedelta(hours=10)
    call.save()
    assert services.remind_draft_applicants() == 0
