"""A question or document made required after proposals were submitted.

Staff may need it (for later stages, for the drafts still open), so it is not refused: the
design pages warn that the submitted proposals are not asked for it. Answering a clarification
counts only what is missing in the sections the request reopened, so a requirement added
elsewhere never blocks an answer the applicant has no way to give; in a reopened section it is
asked like any other."""

import pytest
from django.urls import reverse

from applications import services
from applications.models import Question
from core.domain import DomainError
from projects import services as project_services
from projects.models import DocumentRequirement
from tests.conftest import login

pytestmark = pytest.mark.django_db

WARNING = "1 application on this track has already been submitted."


def _returned_for_clarification(application, staff, sections):
    services.submit_application(application=application, actor=application.created_by)
    services.request_clarification(
        application=application, actor=staff, message="Please make it clearer.", sections=sections
    )
    application.refresh_from_db()
    return application


def _add_question(track, staff, *, required=True):
    return services.create_question(
        actor=staff,
        track=track,
        code="population_served",
        type=Question.Type.SHORT_TEXT,
        label="Population served",
        required=required,
    )


def test_question_required_after_submission_does_not_block_a_clarification_answer(
    complete_draft, kind_staff
):
    application = _returned_for_clarification(complete_draft, kind_staff, ["project"])
    _add_question(application.track, kind_staff)
    services.save_application_section(
        application=application,
        section="project",
        data={"summary": "A clearer summary."},
        actor=application.created_by,
    )
    services.answer_clarification(
        application=application, actor=application.created_by, response="Clarified."
    )
    application.refresh_from_db()
    assert application.status == "submitted"


def test_document_required_after_submission_does_not_block_a_clarification_answer(
    complete_draft, kind_staff
):
    application = _returned_for_clarification(complete_draft, kind_staff, ["project"])
    project_services.save_document_requirement(
        requirement=DocumentRequirement(
            track=application.track, kind="site_map", name="Site map", is_required=True
        ),
        actor=kind_staff,
    )
    services.answer_clarification(
        application=application, actor=application.created_by, response="Clarified."
    )
    application.refresh_from_db()
    assert application.status == "submitted"


def test_a_question_made_required_in_a_reopened_section_is_asked_of_the_answer(
    complete_draft, kind_staff
):
    question = _add_question(complete_draft.track, kind_staff, required=False)
    application = _returned_for_clarification(complete_draft, kind_staff, ["questions"])
    services.update_question(question=question, actor=kind_staff, required=True)
    with pytest.raises(DomainError) as refused:
        services.answer_clarification(
            application=application, actor=application.created_by, response="Clarified."
        )
    assert refused.value.code == "incomplete"
    assert "Population served" in str(refused.value.message)
    services.save_answers(
        application=application,
        answers={"population_served": "120,000 residents"},
        actor=application.created_by,
    )
    services.answer_clarification(
        application=application, actor=application.created_by, response="Clarified."
    )
    application.refresh_from_db()
    assert application.status == "submitted"


def test_the_question_pages_warn_once_applications_are_submitted(
    client, complete_draft, kind_staff
):
    track = complete_draft.track
    question = _add_question(track, kind_staff, required=False)
    login(client, kind_staff)
    pages = [
        reverse("staff_applications:questions", kwargs={"track_id": track.pk}),
        reverse(
            "staff_applications:question_edit", kwargs={"track_id": track.pk, "pk": question.pk}
        ),
    ]
    for page in pages:
        assert WARNING not in client.get(page).content.decode()
    services.submit_application(application=complete_draft, actor=complete_draft.created_by)
    for page in pages:
        body = client.get(page).content.decode()
        assert WARNING in body
        assert "is not asked of it unless a clarification request reopens that section" in body
