"""Two-stage calls (issue 14, part 4): a concept note first, the track's staff shortlist, the
invited applicants complete the full proposal from their concept note; statistics count both
stages; a one-stage call is unchanged."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts import services as account_services
from accounts.audit import audit_events_for
from applications import selectors, services, shortlisting, stages
from applications.models import Answer, Application, Question
from core.domain import DomainError, IllegalTransition
from notifications.models import Message
from notifications.services import render_message
from projects import services as project_services
from projects.models import Call, DocumentRequirement, Stage
from reporting.dashboards import call_dashboard
from reporting.statistics import programme_stats
from tests.conftest import login
from tests.factories import (
    ApplicationFactory,
    CallFactory,
    CityFactory,
    CountryFactory,
    CriterionFactory,
    DocumentFactory,
    OrganizationFactory,
    QuestionFactory,
    TrackFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

S = Application.Status
NOW = timezone.now()
DAY = datetime.timedelta(days=1)


# --- Fixtures ---------------------------------------------------------------------------------


@pytest.fixture
def call(db):
    """An open two-stage call: concept notes close in 10 days, full proposals in 30."""
    return CallFactory(
        status=Call.Status.OPEN,
        two_stage=True,
        opens_at=NOW - 30 * DAY,
        concept_closes_at=NOW + 10 * DAY,
        closes_at=NOW + 30 * DAY,
    )


@pytest.fixture
def track(call, kind):
    track = TrackFactory(call=call, secretariat=kind, code="PL", kind="planning")
    # A letter of intent with the concept note, a site map with the full proposal.
    DocumentRequirement.objects.create(
        track=track, kind="letter_of_intent", name="Letter of intent", stage=Stage.CONCEPT, order=1
    )
    DocumentRequirement.objects.create(
        track=track, kind="site_map", name="Site map", stage=Stage.FULL, order=2
    )
    track.required_documents = ["letter_of_intent", "site_map"]
    track.save()
    return track


@pytest.fixture
def concept_question(track):
    return QuestionFactory(
        track=track,
        code="idea",
        label="What is the idea in one paragraph?",
        stage=Stage.CONCEPT,
        required=True,
    )


@pytest.fixture
def full_question(track):
    return QuestionFactory(
        track=track, code="workplan", label="Work plan", stage=Stage.FULL, required=True
    )


@pytest.fixture
def applicant_user(verified_applicant):
    return verified_applicant


@pytest.fixture
def concept_draft(applicant_user, track, concept_question, full_question):
    """A concept note with everything a concept note asks and nothing more."""
    country = CountryFactory(code="MY", iso3="MYS", name="Malaysia")
    application = ApplicationFactory(
        track=track,
        stage=Stage.CONCEPT,
        organization=applicant_user.organizations.first(),
        created_by=applicant_user,
        country=country,
        city=CityFactory(country=country, name="Klang"),
        objectives="",
        requested_deliverable="",
        budget_requested=400_000_000,
    )
    services.save_answers(
        application=application,
        answers={"idea": "Flood sensors along the Klang river."},
        actor=applicant_user,
    )
    DocumentFactory(application=application, kind="letter_of_intent")
    return application


@pytest.fixture
def concept_note(concept_draft, applicant_user):
    return services.submit_application(application=concept_draft, actor=applicant_user)


def _messages(template):
    return Message.objects.filter(template=template, channel="email")


# --- Configuring a two-stage call --------------------------------------------------------------


def test_call_concept_deadline_outside_the_call_is_refused_next_to_the_field(call):
    call.concept_closes_at = call.closes_at + DAY
    with pytest.raises(ValidationError) as refused:
        call.full_clean()
    assert "concept_closes_at" in refused.value.message_dict


def test_two_stage_call_without_concept_questions_cannot_open(call, track, programme_admin):
    CriterionFactory(track=track, code="feasibility", max_points=100)
    Call.objects.filter(pk=call.pk).update(status=Call.Status.PUBLISHED)
    call.refresh_from_db()
    codes = [p.code for p in project_services.call_problems(call)]
    assert codes == ["concept_questions"]
    with pytest.raises(project_services.CallNotReady):
        project_services.transition_call(call=call, to=Call.Status.OPEN, actor=programme_admin)
    QuestionFactory(track=track, code="idea", stage=Stage.CONCEPT)
    assert project_services.call_problems(call) == []
    project_services.transition_call(call=call, to=Call.Status.OPEN, actor=programme_admin)
    call.refresh_from_db()
    assert call.status == Call.Status.OPEN


def test_two_stage_call_without_concept_deadline_is_a_problem(call, track, concept_question):
    CriterionFactory(track=track, code="feasibility", max_points=100)
    Call.objects.filter(pk=call.pk).update(concept_closes_at=None)
    call.refresh_from_db()
    assert [p.code for p in project_services.call_problems(call)] == ["concept_deadline"]


def test_copy_call_copies_the_two_stages_with_a_new_concept_deadline(
    call, track, concept_question, programme_admin
):
    new = {
        "call": call,
        "actor": programme_admin,
        "year": 2027,
        "slug": "call-2027",
        "name": "K-City Network 2027",
        "opens_at": NOW + 300 * DAY,
        "closes_at": NOW + 360 * DAY,
    }
    with pytest.raises(DomainError) as refused:
        project_services.copy_call(**new)
    assert refused.value.field == "concept_closes_at"
    copy = project_services.copy_call(**new, concept_closes_at=NOW + 330 * DAY)
    assert copy.two_stage and copy.concept_closes_at == NOW + 330 * DAY
    (question,) = Question.objects.filter(call=copy)
    assert question.stage == Stage.CONCEPT
    stages_of_documents = dict(
        DocumentRequirement.objects.filter(track__call=copy).values_list("kind", "stage")
    )
    assert stages_of_documents == {"letter_of_intent": "concept", "site_map": "full"}


def test_staff_design_concept_questions_and_documents_on_their_pages(
    client, track, kind_staff, planning_track
):
    login(client, kind_staff)
    response = client.post(
        reverse("staff_applications:questions", args=[track.pk]),
        {
            "code": "idea",
            "type": "long_text",
            "stage": "concept",
            "label": "The idea",
            "section_order": 0,
            "order": 0,
        },
    )
    assert response.status_code == 302
    assert Question.objects.get(track=track, code="idea").stage == Stage.CONCEPT
    response = client.post(
        reverse("staff_projects:requirements", args=[track.pk]),
        {
            "kind": "budget_sheet",
            "name": "Budget sheet",
            "formats": ["pdf"],
            "is_required": "on",
            "stage": "concept",
        },
    )
    assert response.status_code == 302
    assert track.document_requirements.get(kind="budget_sheet").stage == Stage.CONCEPT
    # A one-stage call's pages do not ask for a stage.
    page = client.get(reverse("staff_applications:questions", args=[planning_track.pk]))
    assert 'name="stage"' not in page.content.decode()


def test_two_stage_is_fixed_once_anyone_applied(call, concept_draft, programme_admin):
    with pytest.raises(DomainError) as refused:
        project_services.update_call(call=call, actor=programme_admin, two_stage=False)
    assert refused.value.field == "two_stage"


def test_a_condition_across_the_stages_is_refused(track, concept_question, kind_staff):
    with pytest.raises(DomainError) as refused:
        services.create_question(
            actor=kind_staff,
            track=track,
            code="sensors",
            type="short_text",
            label="How many sensors?",
            stage=Stage.FULL,
            condition={"question": "idea", "equals": "x"},
        )
    assert refused.value.field == "condition"


def test_the_stage_of_an_answered_question_is_locked(concept_draft, concept_question, kind_staff):
    with pytest.raises(DomainError) as refused:
        services.update_question(question=concept_question, actor=kind_staff, stage=Stage.FULL)
    assert refused.value.field == "stage"


# --- The concept note ---------------------------------------------------------------------------


def test_a_new_application_of_a_two_stage_call_is_a_concept_note(track, applicant_user):
    application = services.start_application(
        track=track, organization=applicant_user.organizations.first(), actor=applicant_user
    )
    assert application.stage == Stage.CONCEPT
    assert [key for key, _label in selectors.sections_for_application(application)] == [
        "applicant",
        "site",
        "project",
        "budget",
        "documents",
    ]


def test_no_new_application_after_the_concept_notes_closed(call, track, applicant_user):
    Call.objects.filter(pk=call.pk).update(concept_closes_at=NOW - DAY)
    track.call.refresh_from_db()
    with pytest.raises(DomainError) as refused:
        services.start_application(
            track=track, organization=applicant_user.organizations.first(), actor=applicant_user
        )
    assert refused.value.code == "closed"


def test_concept_note_submits_with_its_own_fields_answers_and_documents(
    concept_draft, applicant_user
):
    assert selectors.submission_problems(concept_draft) == []
    submitted = services.submit_application(application=concept_draft, actor=applicant_user)
    assert submitted.status == S.CONCEPT_SUBMITTED
    assert submitted.stage == Stage.CONCEPT
    assert submitted.reference == f"{submitted.call.year}-PL-001"
    assert submitted.concept_submitted_at is not None
    (mail,) = _messages("applications/concept_submitted")
    render_message(mail)
    assert submitted.reference in mail.subject and "concept note" in mail.body
    event = audit_events_for(submitted).filter(action="status").get()
    assert (event.old_value, event.new_value, event.actor) == (
        "draft",
        "concept_submitted",
        applicant_user,
    )


def test_concept_note_needs_its_required_concept_answer_and_document(concept_draft, applicant_user):
    Answer.objects.filter(application=concept_draft).delete()
    concept_draft.documents.all().delete()
    messages = [str(p.message) for p in selectors.submission_problems(concept_draft)]
    assert messages == [
        "Answer the question: What is the idea in one paragraph?",
        "Upload the required document: Letter of intent.",
    ]
    with pytest.raises(DomainError) as refused:
        services.submit_application(application=concept_draft, actor=applicant_user)
    assert refused.value.code == "incomplete"


def test_concept_note_after_the_concept_deadline_is_refused(call, concept_draft, applicant_user):
    Call.objects.filter(pk=call.pk).update(concept_closes_at=NOW - DAY)
    with pytest.raises(DomainError) as refused:
        services.submit_application(application=concept_draft, actor=applicant_user)
    assert refused.value.code == "deadline"
    concept_draft.refresh_from_db()
    assert concept_draft.status == S.DRAFT


def test_concept_section_form_shows_and_writes_only_the_concept_fields(
    client, concept_draft, applicant_user
):
    Application.objects.filter(pk=concept_draft.pk).update(objectives="Kept as it was")
    login(client, applicant_user)
    url = reverse("applications:section", args=[concept_draft.pk, "project"])
    page = client.get(url).content.decode()
    assert 'name="title"' in page and 'name="summary"' in page
    assert 'name="objectives"' not in page and 'name="requested_deliverable"' not in page
    response = client.post(url, {"title": "Klang flood sensors", "summary": "Sensors."})
    assert response.status_code == 302
    concept_draft.refresh_from_db()
    assert (concept_draft.title, concept_draft.objectives) == (
        "Klang flood sensors",
        "Kept as it was",
    )


def test_concept_note_has_no_full_proposal_section(concept_draft, applicant_user):
    with pytest.raises(DomainError) as refused:
        services.save_application_section(
            application=concept_draft,
            section="readiness",
            data={"existing_plans": "A master plan of 2019."},
            actor=applicant_user,
        )
    assert refused.value.code == "not_editable"
    assert "concept note does not have this section" in str(refused.value.message)


def test_concept_note_answers_only_its_stage_questions(concept_draft, applicant_user):
    with pytest.raises(services.AnswersInvalid) as refused:
        services.save_answers(
            application=concept_draft, answers={"workplan": "Later"}, actor=applicant_user
        )
    assert set(refused.value.errors) == {"workplan"}


def test_concept_note_is_not_screened_or_reviewed(concept_note, kind_staff):
    assert not selectors.screening_queue(kind_staff).filter(pk=concept_note.pk).exists()
    assert concept_note.status not in Application.SUBMITTED_STATUSES
    with pytest.raises(IllegalTransition):
        services.screen_application(application=concept_note, eligible=True, actor=kind_staff)


def test_staff_read_a_concept_note_without_a_screening_form(client, concept_note, kind_staff):
    login(client, kind_staff)
    response = client.get(reverse("staff_applications:screen", args=[concept_note.pk]))
    assert response.status_code == 200
    assert response.context["can_screen"] is False
    assert 'name="decision"' not in response.content.decode()


def test_concept_note_can_be_withdrawn(concept_note, applicant_user):
    services.withdraw_application(application=concept_note, actor=applicant_user, reason="x")
    concept_note.refresh_from_db()
    assert concept_note.status == S.WITHDRAWN


# --- The shortlist -----------------------------------------------------------------------------


def test_invite_makes_a_full_proposal_draft_keeping_everything_with_mail_and_audit(
    concept_note, kind_staff, applicant_user
):
    reference = concept_note.reference
    invited = shortlisting.invite_to_full_proposal(application=concept_note, actor=kind_staff)
    assert (invited.status, invited.stage) == (S.DRAFT, Stage.FULL)
    assert invited.reference == reference
    assert invited.shortlisted_at is not None and invited.submitted_at is None
    assert invited.concept_submitted_at is not None
    assert selectors.shown_answers(invited)[0].answers[0].text == (
        "Flood sensors along the Klang river."
    )
    assert invited.documents.filter(kind="letter_of_intent").exists()
    event = audit_events_for(invited).filter(action="status").last()
    assert (event.old_value, event.new_value, event.actor) == (
        "concept_submitted",
        "draft",
        kind_staff,
    )
    assert event.detail["shortlist"] == "invited"
    (mail,) = _messages("applications/invited_to_full_proposal")
    assert mail.recipient == applicant_user
    render_message(mail)
    assert "invited to submit a full proposal" in mail.subject
    assert invited.call.closes_at.astimezone(datetime.UTC).year == int(
        mail.context["closes_at"][:4]
    )


def test_the_organisations_name_stays_fixed_after_its_concept_note_is_shortlisted(
    concept_note, kind_staff, applicant_user
):
    """The name is fixed once the organisation submitted "to any call, at either stage"
    (accounts.selectors.has_submitted_application): shortlisting clears ``submitted_at`` but
    the concept note was submitted (``concept_submitted_at``)."""
    organization = concept_note.organization
    with pytest.raises(DomainError):
        account_services.update_organization(
            organization=organization, actor=applicant_user, name="Renamed Council"
        )
    shortlisting.invite_to_full_proposal(application=concept_note, actor=kind_staff)
    organization.refresh_from_db()
    with pytest.raises(DomainError) as refused:
        account_services.update_organization(
            organization=organization, actor=applicant_user, name="Renamed Council"
        )
    assert refused.value.code == "name_locked"


def test_decline_gives_the_final_status_with_the_reason_by_mail_and_audit(
    concept_note, kind_staff, applicant_user
):
    declined = shortlisting.decline_concept_note(
        application=concept_note, actor=kind_staff, reason="Outside the programme's scope."
    )
    assert declined.status == S.NOT_SHORTLISTED
    (mail,) = _messages("applications/not_shortlisted")
    assert mail.context["reason"] == "Outside the programme's scope."
    render_message(mail)
    assert "not shortlisted" in mail.subject and "Outside the programme's scope." in mail.body
    event = audit_events_for(declined).filter(action="status").last()
    assert (event.new_value, event.actor, event.detail["shortlist"]) == (
        "not_shortlisted",
        kind_staff,
        "declined",
    )
    with pytest.raises(DomainError) as refused:
        shortlisting.invite_to_full_proposal(application=declined, actor=kind_staff)
    assert refused.value.code == "not_concept_note"


def test_a_not_shortlisted_reason_longer_than_the_limit_is_refused_on_the_field(
    concept_note, kind_staff
):
    from core.domain import REASON_MAX_LENGTH  # noqa: PLC0415

    with pytest.raises(DomainError) as refused:
        shortlisting.decline_concept_note(
            application=concept_note, actor=kind_staff, reason="x" * (REASON_MAX_LENGTH + 1)
        )
    assert (refused.value.code, refused.value.field) == ("too_long", "reason")
    concept_note.refresh_from_db()
    assert concept_note.status != S.NOT_SHORTLISTED
    assert not _messages("applications/not_shortlisted")


def test_invite_after_the_call_closed_is_refused(call, concept_note, kind_staff):
    with pytest.raises(DomainError) as refused:
        shortlisting.invite_to_full_proposal(
            application=concept_note, actor=kind_staff, now=call.closes_at
        )
    assert refused.value.code == "deadline"
    concept_note.refresh_from_db()
    assert concept_note.status == S.CONCEPT_SUBMITTED


def test_invite_after_the_call_was_closed_early_is_refused(call, concept_note, kind_staff):
    # Staff closed the call before its closing time: the invited draft could never be sent.
    Call.objects.filter(pk=call.pk).update(status=Call.Status.CLOSED)
    concept_note.refresh_from_db()
    with pytest.raises(DomainError) as refused:
        shortlisting.invite_to_full_proposal(application=concept_note, actor=kind_staff)
    assert refused.value.code == "deadline"
    concept_note.refresh_from_db()
    assert concept_note.status == S.CONCEPT_SUBMITTED


@pytest.mark.parametrize("who", ["applicant_user", "kaia_staff"])
def test_applicant_and_other_track_staff_cannot_shortlist(request, client, concept_note, who):
    user = request.getfixturevalue(who)
    for decide in (
        lambda: shortlisting.invite_to_full_proposal(application=concept_note, actor=user),
        lambda: shortlisting.decline_concept_note(application=concept_note, actor=user),
    ):
        with pytest.raises(DomainError) as refused:
            decide()
        assert refused.value.code == "forbidden"
    login(client, user)
    url = reverse("staff_applications:shortlist", args=[concept_note.track_id])
    assert client.get(url).status_code == 403
    response = client.post(url, {"applications": [concept_note.pk], "decision": "invite"})
    assert response.status_code == 403
    concept_note.refresh_from_db()
    assert concept_note.status == S.CONCEPT_SUBMITTED
    assert not _messages("applications/invited_to_full_proposal").exists()


def _second_concept_note(track, concept_question, full_question):
    org = OrganizationFactory(name="Khulna City Corporation", kind="city_government")
    user = UserFactory(organizations=[org], email_verified_at=NOW)
    application = ApplicationFactory(
        track=track, stage=Stage.CONCEPT, organization=org, created_by=user
    )
    services.save_answers(application=application, answers={"idea": "Bus lanes."}, actor=user)
    DocumentFactory(application=application, kind="letter_of_intent")
    return services.submit_application(application=application, actor=user)


def test_shortlist_page_lists_concept_notes_and_invites_the_ticked_ones(
    client, track, concept_note, concept_question, full_question, kind_staff
):
    other = _second_concept_note(track, concept_question, full_question)
    login(client, kind_staff)
    url = reverse("staff_applications:shortlist", args=[track.pk])
    page = client.get(url).content.decode()
    assert concept_note.reference in page and other.reference in page
    response = client.post(url, {"applications": [concept_note.pk, other.pk], "decision": "invite"})
    assert response.status_code == 302
    statuses = set(
        Application.objects.filter(pk__in=[concept_note.pk, other.pk]).values_list(
            "status", "stage"
        )
    )
    assert statuses == {(S.DRAFT, Stage.FULL)}
    assert _messages("applications/invited_to_full_proposal").count() == 2
    page = client.get(url).content.decode()
    assert page.count("Invited: full proposal in preparation") == 2
    assert "Decision recorded for 2 concept notes:" in page


def test_shortlist_page_declines_one_from_its_row(client, track, concept_note, kind_staff):
    login(client, kind_staff)
    url = reverse("staff_applications:shortlist", args=[track.pk])
    response = client.post(url, {"applications": [concept_note.pk], "decision": "decline"})
    assert response.status_code == 302
    concept_note.refresh_from_db()
    assert concept_note.status == S.NOT_SHORTLISTED
    page = client.get(url).content.decode()
    assert f"Decision recorded for 1 concept note: {concept_note.reference}." in page


def test_shortlist_page_without_a_selection_says_so_and_changes_nothing(
    client, track, concept_note, kind_staff
):
    login(client, kind_staff)
    url = reverse("staff_applications:shortlist", args=[track.pk])
    response = client.post(url, {"decision": "invite"})
    assert response.status_code == 400
    assert "Select at least one concept note." in response.content.decode()
    concept_note.refresh_from_db()
    assert concept_note.status == S.CONCEPT_SUBMITTED


def test_shortlist_page_of_a_one_stage_call_is_not_found(client, planning_track, kind_staff):
    login(client, kind_staff)
    url = reverse("staff_applications:shortlist", args=[planning_track.pk])
    assert client.get(url).status_code == 404


# --- The full proposal --------------------------------------------------------------------------


@pytest.fixture
def invited(concept_note, kind_staff):
    return shortlisting.invite_to_full_proposal(application=concept_note, actor=kind_staff)


def test_full_proposal_keeps_the_concept_answers_when_its_answers_are_saved(
    invited, applicant_user
):
    services.save_answers(
        application=invited, answers={"workplan": "Six months."}, actor=applicant_user
    )
    values = dict(Answer.objects.filter(application=invited).values_list("question__code", "value"))
    assert values == {"idea": "Flood sensors along the Klang river.", "workplan": "Six months."}
    with pytest.raises(services.AnswersInvalid):
        services.save_answers(
            application=invited, answers={"idea": "Changed"}, actor=applicant_user
        )


def test_full_proposal_form_shows_the_concept_answers_read_only(client, invited, applicant_user):
    login(client, applicant_user)
    page = client.get(reverse("applications:section", args=[invited.pk, "questions"]))
    html = page.content.decode()
    assert "Your concept note's answers" in html
    assert "Flood sensors along the Klang river." in html
    assert 'name="q_workplan"' in html and 'name="q_idea"' not in html


def test_full_proposal_asks_the_full_fields_answers_and_documents(invited, applicant_user):
    messages = {str(p.message) for p in selectors.submission_problems(invited)}
    assert {
        "Describe the project's objectives.",
        "Choose the requested deliverable.",
        "Answer the question: Work plan",
        "Upload the required document: Site map.",
    } <= messages
    assert "Answer the question: What is the idea in one paragraph?" not in messages


def _complete(application, user):
    Application.objects.filter(pk=application.pk).update(
        objectives="Less flooding.", requested_deliverable="master_plan"
    )
    services.save_answers(application=application, answers={"workplan": "Six months."}, actor=user)
    DocumentFactory(application=application, kind="site_map")


def test_full_proposal_submits_with_the_same_reference_and_goes_to_screening(
    invited, applicant_user, kind_staff
):
    _complete(invited, applicant_user)
    submitted = services.submit_application(application=invited, actor=applicant_user)
    assert (submitted.status, submitted.stage) == (S.SUBMITTED, Stage.FULL)
    assert submitted.reference == invited.reference
    assert submitted.submitted_at > submitted.concept_submitted_at
    assert selectors.screening_queue(kind_staff).filter(pk=submitted.pk).exists()
    assert _messages("applications/submitted").count() == 1


def test_full_proposal_after_the_call_closed_is_refused(call, invited, applicant_user):
    _complete(invited, applicant_user)
    Call.objects.filter(pk=call.pk).update(concept_closes_at=NOW - 2 * DAY, closes_at=NOW - DAY)
    with pytest.raises(DomainError) as refused:
        services.submit_application(application=invited, actor=applicant_user)
    assert refused.value.code == "deadline"


def test_full_proposal_can_be_submitted_after_the_concept_notes_closed(
    call, invited, applicant_user
):
    _complete(invited, applicant_user)
    Call.objects.filter(pk=call.pk).update(concept_closes_at=NOW - DAY)
    submitted = services.submit_application(application=invited, actor=applicant_user)
    assert submitted.status == S.SUBMITTED


def test_applicant_timeline_says_invited(invited):
    labels = [str(item["label"]) for item in selectors.applicant_timeline(invited)]
    assert labels == ["Concept note submitted", "Invited to submit a full proposal"]


# --- One-stage calls are unchanged --------------------------------------------------------------


def test_one_stage_call_asks_every_question_and_document_at_once(
    planning_track, verified_applicant
):
    QuestionFactory(track=planning_track, code="idea", stage=Stage.CONCEPT, required=True)
    QuestionFactory(track=planning_track, code="workplan", stage=Stage.FULL, required=True)
    application = services.start_application(
        track=planning_track,
        organization=verified_applicant.organizations.first(),
        actor=verified_applicant,
    )
    assert application.stage == Stage.FULL
    assert {x.code for x in selectors.stage_questions(application)} == {"idea", "workplan"}
    keys = [key for key, _label in selectors.sections_for_application(application)]
    assert keys == [key for key, _label in selectors.sections_for_track(planning_track)]


def test_one_stage_submission_is_submitted(complete_draft, verified_applicant):
    submitted = services.submit_application(application=complete_draft, actor=verified_applicant)
    assert (submitted.status, submitted.stage) == (S.SUBMITTED, Stage.FULL)
    assert submitted.concept_submitted_at is None


# --- Statistics ---------------------------------------------------------------------------------


def test_statistics_count_both_stages(
    client, track, concept_note, concept_question, full_question, kind_staff, applicant_user
):
    other = _second_concept_note(track, concept_question, full_question)
    invited = shortlisting.invite_to_full_proposal(application=concept_note, actor=kind_staff)
    shortlisting.decline_concept_note(application=other, actor=kind_staff)
    _complete(invited, applicant_user)
    services.submit_application(application=invited, actor=applicant_user)
    counts = stages.stage_counts_by_track(Application.objects.all())[track.pk]
    assert counts == stages.StageCounts(
        concept_notes=2, awaiting_shortlist=0, shortlisted=1, not_shortlisted=1, full_proposals=1
    )
    dashboard = call_dashboard(track.call, kind_staff)
    assert dashboard["stage_totals"] == counts
    assert dashboard["tracks"][0]["stages"] == counts
    assert dashboard["total"] == 1  # applications submitted: full proposals only
    # The programme's yearly figures count proposals, as before.
    assert programme_stats(track.call.year)["applications"] == 1
    login(client, kind_staff)
    page = client.get(reverse("staff_reporting:call_dashboard", args=[track.call.slug]))
    html = page.content.decode()
    assert "concept notes received" in html and "full proposals submitted" in html
    shortlist = client.get(reverse("staff_applications:shortlist", args=[track.pk]))
    assert shortlist.context["counts"] == counts


# --- The API ------------------------------------------------------------------------------------


def test_api_shows_the_stage_and_filters_by_it(client, concept_note, applicant_user, kind_staff):
    login(client, applicant_user)
    data = client.get(reverse("api:application-detail", args=[concept_note.pk])).json()
    assert (data["stage"], data["status"]) == ("concept", "concept_submitted")
    assert data["concept_submitted_at"] is not None and data["shortlisted_at"] is None
    shortlisting.invite_to_full_proposal(application=concept_note, actor=kind_staff)
    data = client.get(reverse("api:application-detail", args=[concept_note.pk])).json()
    assert (data["stage"], data["status"]) == ("full", "draft")
    listed = client.get(reverse("api:application-list"), {"stage": "concept"}).json()
    assert listed["results"] == []
    listed = client.get(reverse("api:application-list"), {"stage": "full"}).json()
    assert [row["id"] for row in listed["results"]] == [concept_note.pk]


def test_api_question_list_shows_each_questions_stage(
    client, track, concept_question, full_question
):
    rows = client.get(reverse("api:track-question-list", args=[track.pk])).json()
    assert {row["code"]: row["stage"] for row in rows} == {"idea": "concept", "workplan": "full"}


# --- Reminders before each stage's deadline ----------------------------------------------------


def test_concept_draft_reminded_before_the_concept_deadline_then_again_as_a_full_proposal(
    concept_draft, kind_staff, applicant_user
):
    """A concept note is reminded before the concept notes close (not the call), in words of
    its own; once invited, the full proposal is reminded again before the call closes, its
    reminders not taken for the concept note's."""
    call = concept_draft.call
    assert services.remind_draft_applicants() == 0  # 10 days to the concept deadline
    six_days_before = call.concept_closes_at - 6 * DAY
    assert services.remind_draft_applicants(now=six_days_before) == 2  # e-mail and notice
    assert services.remind_draft_applicants(now=six_days_before) == 0
    mail = _messages("applications/draft_reminder").get()
    render_message(mail)
    assert mail.context["concept"] is True
    assert mail.subject.startswith("Concept notes for")
    assert stages.korea_time(call.concept_closes_at) in mail.body
    assert "Your concept note" in mail.body

    concept_note = services.submit_application(application=concept_draft, actor=applicant_user)
    invited = shortlisting.invite_to_full_proposal(application=concept_note, actor=kind_staff)
    assert services.remind_draft_applicants(now=six_days_before) == 0  # not a concept note now
    six_days_before_close = call.closes_at - 6 * DAY
    assert services.remind_draft_applicants(now=six_days_before_close) == 2
    full = _messages("applications/draft_reminder").exclude(pk=mail.pk).get()
    render_message(full)
    assert full.context["concept"] is False
    assert full.link == invited.get_absolute_url()
    assert stages.korea_time(call.closes_at) in full.body
    assert "Your draft application" in full.body


def test_concept_reminder_in_korean(concept_draft, applicant_user):
    applicant_user.language = "ko"
    applicant_user.save()
    call = concept_draft.call
    assert services.remind_draft_applicants(now=call.concept_closes_at - 12 * HOUR) == 2
    mail = _messages("applications/draft_reminder").get()
    render_message(mail)
    assert mail.language == "ko"
    assert "사전 제안서 마감까지 1일 남았습니다" in mail.subject
    assert "사전 제안서" in mail.body


HOUR = datetime.timedelta(hours=1)


# --- The staff preview, a stage at a time -------------------------------------------------------


def test_preview_of_a_two_stage_call_shows_each_stage_form_in_both_languages(
    client, track, concept_question, full_question, kind_staff
):
    client.force_login(kind_staff)
    url = reverse("staff_projects:track_preview", kwargs={"track_id": track.pk})
    concept = client.get(url).content.decode()  # the concept note first, as applicants meet it
    assert 'aria-current="page">Concept note<' in concept
    assert concept_question.label in concept and full_question.label not in concept
    assert "Letter of intent" in concept and "Site map" not in concept
    assert 'name="project-title"' in concept
    assert 'name="project-objectives"' not in concept  # the full proposal asks it
    assert 'name="readiness-' not in concept

    full = client.get(url + "?stage=full").content.decode()
    assert 'aria-current="page">Full proposal<' in full
    assert full_question.label in full and concept_question.label not in full
    assert "Letter of intent" in full and "Site map" in full
    assert 'name="project-objectives"' in full

    korean = client.get(url + "?stage=full&lang=ko").content.decode()
    # The form in Korean; the page around it, stage switch included, in the reader's language.
    assert '<html lang="en"' in korean and '<div lang="ko">' in korean
    assert 'aria-current="page">Full proposal<' in korean
    assert "?lang=en&amp;stage=full" in korean  # the language switch keeps the stage
    # A stage that does not exist falls back to the concept note.
    assert 'aria-current="page">Concept note<' in client.get(url + "?stage=x").content.decode()


def test_preview_of_a_one_stage_call_has_no_stage_switch(client, planning_track, kind_staff):
    client.force_login(kind_staff)
    url = reverse("staff_projects:track_preview", kwargs={"track_id": planning_track.pk})
    page = client.get(url + "?stage=concept").content.decode()
    assert "preview-stages" not in page
    assert 'name="project-objectives"' in page


# --- The shortlist through the API -------------------------------------------------------------


def test_api_shortlist_invites_and_declines_with_the_same_rules(
    client, concept_note, concept_draft, kind_staff, kaia_staff, applicant_user
):
    url = reverse("api:application-shortlist", kwargs={"pk": concept_note.pk})
    client.force_login(applicant_user)  # the applicant cannot shortlist its own
    assert client.post(url, {"invite": True}, content_type="application/json").status_code == 403
    client.force_login(kaia_staff)  # another secretariat's staff do not see it at all
    assert client.post(url, {"invite": True}, content_type="application/json").status_code == 404
    client.force_login(kind_staff)
    assert client.post(url, {}, content_type="application/json").status_code == 400
    answer = client.post(url, {"invite": True}, content_type="application/json")
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert (body["status"], body["stage"], body["reference"]) == (
        "draft",
        "full",
        concept_note.reference,
    )
    assert body["shortlisted_at"]
    assert _messages("applications/invited_to_full_proposal").count() == 1
    assert (
        audit_events_for(Application.objects.get(pk=concept_note.pk))
        .filter(action="status", new_value="draft", actor=kind_staff)
        .exists()
    )
    # Decided once: the invited draft is the applicant's again, out of the staff's sight.
    again = client.post(url, {"invite": False}, content_type="application/json")
    assert again.status_code == 404


def test_api_shortlist_declines_with_the_reason_shown_to_the_applicant(
    client, concept_note, kind_staff
):
    client.force_login(kind_staff)
    url = reverse("api:application-shortlist", kwargs={"pk": concept_note.pk})
    answer = client.post(
        url,
        {"invite": False, "reason": "Outside the call's priorities."},
        content_type="application/json",
    )
    assert answer.status_code == 200, answer.content
    assert answer.json()["status"] == S.NOT_SHORTLISTED
    concept_note.refresh_from_db()
    assert concept_note.status == S.NOT_SHORTLISTED
    assert _messages("applications/not_shortlisted").count() == 1


@pytest.mark.parametrize("page", ["home", "projects:call_list"])
def test_public_call_lists_give_the_concept_notes_deadline_before_the_closing(client, call, page):
    # New applications are taken only until the concept notes close: "Closes" alone (the
    # full proposals' deadline) told a newcomer they had twenty days more than they have.
    body = client.get(reverse(page)).content.decode()
    assert "Concept notes close" in body
    assert body.index("Concept notes close") < body.rindex("Closes")
