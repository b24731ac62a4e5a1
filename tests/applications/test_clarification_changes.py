"""What a clarification changed (``applications.clarifications``): the reopened sections kept
when staff ask and when the applicant answers, compared for the staff member who screens the
answer and for the applicant's status page."""

import pytest
from django.urls import reverse

from accounts import roles
from applications import clarifications, services
from applications.models import Application, ClarificationRequest, Question
from tests.conftest import login
from tests.factories import (
    CityFactory,
    ConsortiumMemberFactory,
    QuestionFactory,
    SubmittedApplicationFactory,
    UserFactory,
)
from tests.factories.applications import pdf_upload

pytestmark = pytest.mark.django_db

LONG_BEFORE = (
    "A smart mobility master plan for the port district, with traffic signals, a bus "
    "information system and a data hub run by the city."
)
LONG_AFTER = (
    "A smart mobility master plan for the port district, with adaptive traffic signals, a bus "
    "information system and a data hub run jointly by the city and the province."
)


def _ask(application, staff, sections, message="Please make the plan clearer."):
    services.submit_application(application=application, actor=application.created_by)
    return services.request_clarification(
        application=application, actor=staff, message=message, sections=sections
    )


def _answer(application, response="Done as asked."):
    services.answer_clarification(
        application=application, actor=application.created_by, response=response
    )
    return application.clarification_requests.get()


def test_snapshot_keeps_only_the_reopened_sections(complete_draft, kind_staff):
    request = _ask(complete_draft, kind_staff, ["project", "budget"])
    assert set(request.before) == {"fields"}
    assert set(request.before["fields"]) == {
        "title",
        "summary",
        "objectives",
        "outputs",
        "requested_deliverable",
        "budget_requested",
        "co_financing",
        "co_financing_description",
    }
    assert request.before["fields"]["budget_requested"] == 400_000_000
    assert request.after == {}


def test_answer_keeps_the_sections_as_sent_back_and_lists_what_changed(complete_draft, kind_staff):
    Application.objects.filter(pk=complete_draft.pk).update(summary=LONG_BEFORE)
    complete_draft.refresh_from_db()
    _ask(complete_draft, kind_staff, ["project", "budget"])
    applicant = complete_draft.created_by
    services.save_application_section(
        application=complete_draft,
        section="project",
        data={"summary": LONG_AFTER},
        actor=applicant,
    )
    services.save_application_section(
        application=complete_draft,
        section="budget",
        data={"budget_requested": 450_000_000},
        actor=applicant,
    )
    request = _answer(complete_draft)
    assert request.after["fields"]["budget_requested"] == 450_000_000

    found = clarifications.changes(request)
    assert [(c.section, c.label) for c in found] == [
        ("project", "Summary"),
        ("budget", "Requested amount (KRW)"),
    ]
    summary, budget = found
    assert (summary.before, summary.after) == (LONG_BEFORE, LONG_AFTER)
    added = [t.strip() for kind, t in summary.words if kind == "added"]
    removed = [t.strip() for kind, t in summary.words if kind == "removed"]
    assert added == ["adaptive", "jointly", "city and the province."]
    assert removed == ["city."]
    assert "".join(t for _k, t in summary.before_pieces) == LONG_BEFORE
    assert "".join(t for _k, t in summary.after_pieces) == LONG_AFTER
    assert (budget.before, budget.after) == ("KRW 400,000,000", "KRW 450,000,000")
    assert budget.words == ()  # short values are shown whole


def test_nothing_changed_is_an_empty_list(complete_draft, kind_staff):
    _ask(complete_draft, kind_staff, ["site"])
    assert clarifications.changes(_answer(complete_draft)) == []


def test_open_request_compares_with_the_application_as_it_is_now(complete_draft, kind_staff):
    request = _ask(complete_draft, kind_staff, ["site"])
    other = CityFactory(country=complete_draft.country, name="Port Klang")
    services.save_application_section(
        application=complete_draft,
        section="site",
        data={"city": other, "site_population": 1_250_000},
        actor=complete_draft.created_by,
    )
    request.refresh_from_db()
    found = {c.label: (c.before, c.after) for c in clarifications.changes(request)}
    assert found["City"] == ("Klang", "Port Klang")
    assert found["Population"] == ("—", "1,250,000")


def test_withdrawn_while_open_shows_no_changes(complete_draft, kind_staff):
    request = _ask(complete_draft, kind_staff, ["project"])
    services.save_application_section(
        application=complete_draft,
        section="project",
        data={"title": "Changed then withdrawn"},
        actor=complete_draft.created_by,
    )
    services.withdraw_application(
        application=complete_draft, actor=complete_draft.created_by, reason="Budget cut"
    )
    request.refresh_from_db()
    assert request.status == ClarificationRequest.Status.CANCELLED
    assert clarifications.changes(request) == []


def test_request_from_before_snapshots_shows_no_changes(complete_draft, kind_staff):
    request = _ask(complete_draft, kind_staff, ["project"])
    ClarificationRequest.objects.filter(pk=request.pk).update(before={})
    request.refresh_from_db()
    assert clarifications.changes(request) == []


def test_documents_and_answers_changes(complete_draft, kind_staff, planning_track):
    question = QuestionFactory(
        track=planning_track, code="partners", type=Question.Type.SHORT_TEXT, label="Partners"
    )
    applicant = complete_draft.created_by
    services.save_answers(
        application=complete_draft, answers={"partners": "Port authority"}, actor=applicant
    )
    kind = planning_track.required_documents[0]
    old_name = complete_draft.documents.get(kind=kind).original_name
    _ask(complete_draft, kind_staff, ["questions", "documents"])
    services.save_answers(
        application=complete_draft,
        answers={"partners": "Port authority and the province"},
        actor=applicant,
    )
    services.upload_document(
        application=complete_draft,
        kind=kind,
        uploaded_file=pdf_upload("letter-signed.pdf"),
        actor=applicant,
    )
    found = clarifications.changes(_answer(complete_draft))
    assert [(c.section, c.label, c.before, c.after) for c in found] == [
        ("questions", question.label, "Port authority", "Port authority and the province"),
        ("documents", found[1].label, old_name, "letter-signed.pdf"),
    ]
    assert found[1].label != kind  # the requirement's name, not its code


def test_consortium_changes(demonstration_track, kaia_staff):
    application = SubmittedApplicationFactory(track=demonstration_track)
    kept = ConsortiumMemberFactory(application=application, name="Seoul Data Co")
    gone = ConsortiumMemberFactory(
        application=application, name="Busan Port Authority", role="overseas_public_partner"
    )
    request = ClarificationRequest(
        application=application,
        requested_by=kaia_staff,
        message="Who is in?",
        sections=["consortium"],
        before=clarifications.snapshot(application, ["consortium"]),
    )
    gone.delete()
    ConsortiumMemberFactory(application=application, name="Klang City Council", country_code="MY")
    request.after = clarifications.snapshot(application, ["consortium"])
    request.status = ClarificationRequest.Status.ANSWERED
    found = clarifications.changes(request)
    assert kept.name not in " ".join(c.before + c.after for c in found)
    assert [(c.section, c.before, c.after) for c in found] == [
        ("consortium", "Busan Port Authority (Overseas public partner, KR)", "—"),
        ("consortium", "—", "Klang City Council (Member, MY)"),
    ]


def test_word_diff_marks_what_was_taken_out_and_put_in():
    pieces = clarifications.word_diff("one two three", "one 2 three four")
    assert pieces == (
        ("same", "one "),
        ("removed", "two"),
        ("added", "2"),
        ("same", " three"),
        ("added", " four"),
    )


# --- The pages --------------------------------------------------------------------------------


def _answered_with_changes(application, staff):
    _ask(application, staff, ["project"], message="Line one of the request.\nLine two.")
    services.save_application_section(
        application=application,
        section="project",
        data={"title": "A sharper title"},
        actor=application.created_by,
    )
    return _answer(application, response="We sharpened the title.")


def test_staff_screen_page_shows_the_answer_and_what_it_changed(client, complete_draft, kind_staff):
    old_title = complete_draft.title
    _answered_with_changes(complete_draft, kind_staff)
    login(client, kind_staff)
    response = client.get(reverse("staff_applications:screen", kwargs={"pk": complete_draft.pk}))
    body = response.content.decode()
    assert response.status_code == 200
    assert "What the answer changed" in body
    assert "We sharpened the title." in body
    assert "Line one of the request.\nLine two." in body  # kept with its lines (class pre)
    assert old_title in body and "A sharper title" in body
    assert kind_staff.display_name in body


def test_applicant_page_shows_changes_so_far_then_what_the_answer_changed(
    client, complete_draft, kind_staff
):
    _ask(complete_draft, kind_staff, ["project"])
    login(client, complete_draft.created_by)
    url = reverse("applications:detail", kwargs={"pk": complete_draft.pk})
    body = client.get(url).content.decode()
    assert "Your changes so far" in body
    assert "You have not changed the reopened sections yet." in body
    services.save_application_section(
        application=complete_draft,
        section="project",
        data={"title": "A sharper title"},
        actor=complete_draft.created_by,
    )
    body = client.get(url).content.decode()
    assert "A sharper title" in body and "You have not changed" not in body
    _answer(complete_draft, response="We sharpened the title.")
    body = client.get(url).content.decode()
    assert "What your answer changed" in body and "A sharper title" in body
    assert "Your changes so far" not in body
    assert kind_staff.email not in body and kind_staff.display_name not in body


def test_screen_page_of_another_track_stays_closed(client, complete_draft, kind_staff, kaia_staff):
    _answered_with_changes(complete_draft, kind_staff)
    login(client, kaia_staff)
    response = client.get(reverse("staff_applications:screen", kwargs={"pk": complete_draft.pk}))
    assert response.status_code in (403, 404)
    assert "A sharper title" not in response.content.decode()


def test_admin_change_page_shows_what_changed_and_links_the_staff_page(
    client, complete_draft, kind_staff, programme_admin
):
    request = _answered_with_changes(complete_draft, kind_staff)
    login(client, programme_admin)
    response = client.get(
        reverse("admin:applications_clarificationrequest_change", args=[request.pk])
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "A sharper title" in body and "What the answer changed" in body
    assert reverse("staff_applications:screen", kwargs={"pk": complete_draft.pk}) in body
    assert '"fields"' not in body  # the snapshots are not shown raw


# --- The API ----------------------------------------------------------------------------------


def test_api_lists_the_rounds_with_their_changes_to_the_applicant_and_the_track_staff(
    complete_draft, kind_staff, programme_admin
):
    from tests.api.conftest import client_for, url

    old_title = complete_draft.title
    _answered_with_changes(complete_draft, kind_staff)
    for user in (complete_draft.created_by, kind_staff, programme_admin):
        response = client_for(user).get(url("application", complete_draft, "clarifications"))
        assert response.status_code == 200, (user, response.content)
        (round_,) = response.json()
        assert round_["status"] == "answered"
        assert round_["response"] == "We sharpened the title."
        assert round_["changes"] == [
            {
                "section": "project",
                "label": "Project title",
                "before": old_title,
                "after": "A sharper title",
            }
        ]
        assert kind_staff.email not in response.content.decode()


def test_api_clarifications_closed_to_other_staff_and_to_reviewers(
    complete_draft, kind_staff, kaia_staff, reviewer
):
    from tests.api.conftest import client_for, url
    from tests.factories.reviews import (
        AssignmentFactory,
        ConflictDeclarationFactory,
        InterestDeclarationFactory,
    )

    _answered_with_changes(complete_draft, kind_staff)
    AssignmentFactory(application=complete_draft, reviewer=reviewer)
    ConflictDeclarationFactory(application=complete_draft, reviewer=reviewer)
    InterestDeclarationFactory(reviewer=reviewer)
    address = url("application", complete_draft, "clarifications")
    assert client_for(kaia_staff).get(address).status_code == 404
    response = client_for(reviewer).get(address)
    assert response.status_code == 403
    assert "A sharper title" not in response.content.decode()


# --- The staff are told ---------------------------------------------------------------------


def test_answer_tells_the_track_staff_and_the_asker_once_each(
    complete_draft, kind_staff, kaia_staff, programme_admin
):
    from notifications.models import Message
    from notifications.services import render_message

    colleague = UserFactory(
        email="colleague@kind.or.kr",
        roles=[roles.SECRETARIAT_STAFF],
        is_staff=True,
        organizations=[kind_staff.organizations.first()],
    )
    organisation = complete_draft.organization
    organisation.name_ko = "일로일로 시청"
    organisation.save(update_fields=["name_ko"])
    _ask(complete_draft, programme_admin, ["project"])
    services.save_application_section(
        application=complete_draft,
        section="project",
        data={"title": "A sharper title"},
        actor=complete_draft.created_by,
    )
    _answer(complete_draft, response="We sharpened the title.")
    told = Message.objects.filter(template="applications/clarification_answered")
    assert sorted(
        told.filter(channel="email").values_list("recipient__email", flat=True)
    ) == sorted([kind_staff.email, colleague.email, programme_admin.email])
    email = told.filter(channel="email", recipient=kind_staff).get()
    link = reverse("staff_applications:screen", kwargs={"pk": complete_draft.pk})
    assert email.link == link
    render_message(email)
    complete_draft.refresh_from_db()
    assert email.subject == f"Clarification answered: {complete_draft.reference}"
    assert "We sharpened the title." in email.body
    assert "changed 1 item" in email.body
    assert not told.filter(recipient__in=[kaia_staff, complete_draft.created_by]).exists()
    # Read in the reader's language, the organisation's name too.
    korean = told.filter(channel="email", recipient=colleague).get()
    korean.language = "ko"
    render_message(korean)
    assert complete_draft.organization.name_ko in korean.body
    assert "보완 요청에 답변" in korean.body


def test_anonymising_the_application_clears_the_contact_and_documents_from_the_snapshots(
    complete_draft, kind_staff
):
    from applications.privacy import anonymise_application

    Application.objects.filter(pk=complete_draft.pk).update(
        contact_name="Maria Santos", contact_email="maria@iloilo.example"
    )
    complete_draft.refresh_from_db()
    _ask(complete_draft, kind_staff, ["applicant", "documents", "project"])
    services.save_application_section(
        application=complete_draft,
        section="applicant",
        data={"contact_name": "Jose Reyes"},
        actor=complete_draft.created_by,
    )
    request = _answer(complete_draft)
    assert "Maria Santos" in str(request.before) and "Jose Reyes" in str(request.after)
    anonymise_application(complete_draft)
    request.refresh_from_db()
    for taken in (request.before, request.after):
        text = str(taken)
        assert "Maria" not in text and "Jose" not in text and "iloilo" not in text
        assert "documents" not in taken and ".pdf" not in text
    assert request.before["fields"]["title"] == complete_draft.title  # the proposal stays
    assert clarifications.changes(request) == []


def test_erasure_clears_the_person_from_snapshots_where_a_clarification_replaced_them(
    complete_draft, kind_staff
):
    from applications.privacy import erase_contact_details

    former = UserFactory(email="maria@iloilo.example", name="Maria Santos")
    Application.objects.filter(pk=complete_draft.pk).update(
        contact_name="Maria Santos", contact_email="maria@iloilo.example"
    )
    complete_draft.refresh_from_db()
    _ask(complete_draft, kind_staff, ["applicant", "documents"])
    services.save_application_section(
        application=complete_draft,
        section="applicant",
        data={"contact_name": "Jose Reyes", "contact_email": "jose@iloilo.example"},
        actor=complete_draft.created_by,
    )
    request = _answer(complete_draft)
    assert erase_contact_details(former) == 0  # no longer the application's contact
    request.refresh_from_db()
    assert "Maria" not in str(request.before) and "maria@" not in str(request.before)
    assert "documents" in request.before  # the documents stay, as on the application
    complete_draft.refresh_from_db()
    assert complete_draft.contact_name == "Jose Reyes"
