"""Bad input and closed applications on the applicant's pages: a clear message next to the
field, in the reader's language, what was typed or chosen kept, and never a 500.

- numbers too large or not numbers at all (``1e30``, ``NaN``, 30 digits) in a number question
  or a table's number column;
- NUL characters, which the database refuses, in any answer (a table cell, a country);
- a save that arrives after a colleague submitted the application (or answered the
  clarification): the form again with the reason, not a bare 403;
- a clarification answer after the round was answered or closed: the answer box again."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from applications import questions as q
from applications import services
from applications.models import Answer, Application, ConsortiumMember, Question
from tests.applications.conftest import PDF, upload
from tests.conftest import login
from tests.factories import (
    ApplicationFactory,
    CountryFactory,
    OrganizationFactory,
    QuestionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

T = Question.Type
CLOSED = "This application has been submitted and can no longer be changed."
NUL = "Null characters are not allowed."

TABLE_COLUMNS = [
    {"code": "item", "type": "short_text", "label": "Item"},
    {"code": "share", "type": "number", "label": "Share"},
    {"code": "amount", "type": "amount_krw", "label": "Amount"},
]


def section_url(application, section):
    return reverse("applications:section", kwargs={"pk": application.pk, "section": section})


def open_form(client, url) -> dict:
    body = client.get(url).content.decode()
    version = re.search(r'name="version" value="(\d+)"', body)
    token = re.search(r'name="edit_token" value="([0-9a-f]+)"', body)
    return {"version": version.group(1), "edit_token": token.group(1)}


# --- Numbers ---------------------------------------------------------------------------------

NOT_NUMBERS = ["NaN", "nan", "sNaN", "Infinity", "-Infinity", "inf"]
TOO_LARGE = ["1e30", "1e999999", "1E+999999999", "1" * 30, "-" + "9" * 16]


@pytest.mark.parametrize("raw", NOT_NUMBERS)
@pytest.mark.parametrize("constraints", [{}, {"decimals": 0}, {"min": 0, "max": 100}])
def test_number_not_a_number_is_the_usual_answer_error(raw, constraints):
    question = Question(code="n", type=T.NUMBER, constraints=constraints)
    with pytest.raises(q.AnswerInvalid) as refused:
        q.normalize(question, raw)
    assert "Enter a number" in str(refused.value.message)


@pytest.mark.parametrize("raw", TOO_LARGE)
@pytest.mark.parametrize("constraints", [{}, {"decimals": 0}, {"decimals": 5}])
def test_number_too_large_is_refused_with_the_digit_limit(raw, constraints):
    question = Question(code="n", type=T.NUMBER, constraints=constraints)
    with pytest.raises(q.AnswerInvalid) as refused:
        q.normalize(question, raw)
    assert str(refused.value.message) == "Enter a number of at most 15 digits."


def test_number_digits_count_the_decimals_too():
    question = Question(code="n", type=T.NUMBER, constraints={"decimals": 5})
    assert q.normalize(question, "1234567890.12345") == 1234567890.12345
    with pytest.raises(q.AnswerInvalid, match="at most 15 digits"):
        q.normalize(question, "12345678901.12345")


@pytest.mark.parametrize("raw", ["1e30", "1E+999999999", "1" * 30, "1e-999999", "NaN"])
def test_amount_too_large_or_not_a_number_is_refused(raw):
    question = Question(code="a", type=T.AMOUNT_KRW, constraints={})
    with pytest.raises(q.AnswerInvalid):
        q.normalize(question, raw)


def test_number_tiny_fraction_is_a_decimal_places_error():
    question = Question(code="n", type=T.NUMBER, constraints={})
    with pytest.raises(q.AnswerInvalid) as refused:
        q.normalize(question, "1e-999999")
    assert "at most 2 decimal places" in str(refused.value.message)
    whole = Question(code="n", type=T.NUMBER, constraints={"decimals": 0})
    with pytest.raises(q.AnswerInvalid, match="whole number"):
        q.normalize(whole, "0.5")


@pytest.mark.parametrize(
    ("type_", "constraints", "raw", "stored"),
    [
        (T.NUMBER, {}, "999,999,999,999,999", 999_999_999_999_999),
        (T.NUMBER, {}, "1234567890123.45", 1234567890123.45),
        (T.NUMBER, {}, "12.50", 12.5),
        (T.NUMBER, {}, "1e3", 1000),
        (T.NUMBER, {"decimals": 40}, "0.5", 0.5),
        (T.AMOUNT_KRW, {}, "999,999,999,999,999", 999_999_999_999_999),
    ],
)
def test_number_up_to_the_digit_limit_is_stored(type_, constraints, raw, stored):
    question = Question(code="n", type=type_, constraints=constraints)
    assert q.normalize(question, raw) == stored


def test_number_digit_limit_in_korean():
    question = Question(code="n", type=T.NUMBER, constraints={})
    with translation.override("ko"), pytest.raises(q.AnswerInvalid) as refused:
        q.normalize(question, "1e30")
    assert "15" in str(refused.value.message)


@pytest.mark.parametrize("raw", ["1e30", "NaN", "Infinity", "1" * 30])
@pytest.mark.parametrize("column", ["share", "amount"])
def test_table_number_cell_too_large_or_not_a_number_is_refused(raw, column):
    question = Question(code="t", type=T.TABLE, constraints={"columns": TABLE_COLUMNS})
    with pytest.raises(q.AnswerInvalid) as refused:
        q.normalize(question, [{"item": "Survey", column: raw}])
    assert "Row 1" in str(refused.value.message)


# --- NUL characters --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("type_", "extra", "raw"),
    [
        (T.SHORT_TEXT, {}, "Klang\x00"),
        (T.LONG_TEXT, {}, "A plan\x00 for the port"),
        (T.COUNTRY, {}, "MY\x00"),
        (T.COUNTRY, {}, "\x00"),
        (T.SINGLE_CHOICE, {"options": [{"value": "a", "label": "A"}]}, "a\x00"),
        (T.MULTIPLE_CHOICE, {"options": [{"value": "a", "label": "A"}]}, ["a", "\x00"]),
        (T.DATE, {}, "2026-05-01\x00"),
        (T.TABLE, {"constraints": {"columns": TABLE_COLUMNS}}, [{"item": "Sur\x00vey"}]),
        (T.TABLE, {"constraints": {"columns": TABLE_COLUMNS}}, [{"share": "1\x00"}]),
        (T.TABLE, {"constraints": {"columns": TABLE_COLUMNS}}, [{"item\x00": "x"}]),
    ],
)
def test_nul_characters_are_refused_in_every_answer(type_, extra, raw):
    CountryFactory(code="MY", iso3="MYS", name="Malaysia")
    question = Question(code="x", type=type_, **extra)
    with pytest.raises(q.AnswerInvalid) as refused:
        q.normalize(question, raw)
    assert NUL in str(refused.value.message)


def test_nul_characters_message_in_korean():
    question = Question(code="x", type=T.COUNTRY)
    with translation.override("ko"), pytest.raises(q.AnswerInvalid) as refused:
        q.normalize(question, "\x00")
    message = str(refused.value.message)
    assert message != NUL and "문자" in message


def test_questions_page_bad_numbers_and_nul_are_errors_next_to_the_fields(
    client, application, applicant, planning_track
):
    QuestionFactory(track=planning_track, code="population", type=T.NUMBER, label="Population")
    QuestionFactory(
        track=planning_track,
        code="costs",
        type=T.TABLE,
        label="Costs",
        constraints={"columns": TABLE_COLUMNS},
    )
    CountryFactory(code="MY", iso3="MYS", name="Malaysia")
    QuestionFactory(track=planning_track, code="partner", type=T.COUNTRY, label="Partner")
    login(client, applicant)
    url = section_url(application, "questions")
    form = open_form(client, url)
    typed = {
        **form,
        "q_population": "1e999999",
        "q_costs_0_item": "Survey",
        "q_costs_0_share": "Infinity",
        "q_partner": "MY\x00",
        "save": "1",
    }
    response = client.post(url, typed)
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert errors["q_population"] == ["Enter a number of at most 15 digits."]
    assert "Row 1, Share" in errors["q_costs"][0]
    assert errors["q_partner"] == [NUL]
    body = response.content.decode()
    assert 'value="1e999999"' in body and 'value="Infinity"' in body
    assert 'id="id_q_population-error"' in body
    assert not Answer.objects.exists()

    autosave = client.post(url, typed, HTTP_HX_REQUEST="true")
    assert autosave.status_code == 200
    assert "Not saved yet" in autosave.content.decode()

    nul_cell = client.post(url, {**form, "q_costs_0_item": "Sur\x00vey", "save": "1"})
    assert nul_cell.status_code == 400
    assert nul_cell.context["form"].errors["q_costs"] == [NUL]


def test_api_bad_number_or_nul_is_a_400_with_the_message(application, applicant, planning_track):
    from tests.api.conftest import client_for

    QuestionFactory(track=planning_track, code="population", type=T.NUMBER)
    CountryFactory(code="MY", iso3="MYS", name="Malaysia")
    QuestionFactory(track=planning_track, code="partner", type=T.COUNTRY)
    client = client_for(applicant)
    detail = reverse("api:application-detail", kwargs={"pk": application.pk})
    refused = client.patch(
        detail, {"answers": {"population": "1e30", "partner": "MY\x00"}}, format="json"
    )
    assert refused.status_code == 400
    assert refused.json()["errors"] == {
        "answers.population": ["Enter a number of at most 15 digits."],
        "answers.partner": [NUL],
    }
    assert not Answer.objects.exists()


# --- A save after the application was submitted ----------------------------------------------


def test_section_save_after_a_colleague_submitted_keeps_the_typed_text(client, complete_draft):
    login(client, complete_draft.created_by)
    url = section_url(complete_draft, "project")
    form = open_form(client, url)
    services.submit_application(application=complete_draft, actor=complete_draft.created_by)
    response = client.post(url, {**form, "title": "A sharper title", "save": "1"})
    assert response.status_code == 409
    body = response.content.decode()
    assert CLOSED in body and 'class="error-summary"' in body
    assert 'value="A sharper title"' in body
    assert body.count("A sharper title") == 1  # in the field only, not as the page's title
    complete_draft.refresh_from_db()
    assert complete_draft.title != "A sharper title"

    autosave = client.post(url, {**form, "title": "A sharper title"}, HTTP_HX_REQUEST="true")
    assert autosave.status_code == 200
    assert CLOSED in autosave.content.decode()
    assert 'role="alert"' in autosave.content.decode()


def test_section_save_after_submission_in_korean(client, complete_draft):
    user = complete_draft.created_by
    client.cookies["django_language"] = "ko"
    login(client, user)
    url = section_url(complete_draft, "project")
    form = open_form(client, url)
    services.submit_application(application=complete_draft, actor=user)
    response = client.post(url, {**form, "title": "더 나은 제목", "save": "1"})
    assert response.status_code == 409
    body = response.content.decode()
    assert "더 나은 제목" in body and CLOSED not in body


def test_questions_save_after_submission_keeps_the_answers(client, complete_draft, planning_track):
    QuestionFactory(track=planning_track, code="vision", type=T.SHORT_TEXT, label="Vision")
    login(client, complete_draft.created_by)
    url = section_url(complete_draft, "questions")
    form = open_form(client, url)
    Application.objects.filter(pk=complete_draft.pk).update(
        status=Application.Status.SUBMITTED, submitted_at=timezone.now()
    )
    response = client.post(url, {**form, "q_vision": "A port city", "save": "1"})
    assert response.status_code == 409
    body = response.content.decode()
    assert CLOSED in body and 'value="A port city"' in body
    assert not Answer.objects.exists()
    autosave = client.post(url, {**form, "q_vision": "A port city"}, HTTP_HX_REQUEST="true")
    assert autosave.status_code == 200 and CLOSED in autosave.content.decode()


def test_upload_after_submission_keeps_the_file(client, complete_draft):
    login(client, complete_draft.created_by)
    url = section_url(complete_draft, "documents")
    services.submit_application(application=complete_draft, actor=complete_draft.created_by)
    count = complete_draft.documents.count()
    response = client.post(url, {"kind": "other", "file": upload("annex.pdf", PDF)})
    assert response.status_code == 409
    body = response.content.decode()
    assert CLOSED in body
    assert "Kept from your last try" in body and "annex.pdf" in body
    assert '<option value="other" selected>' in body
    assert complete_draft.documents.count() == count


def test_consortium_member_after_submission_keeps_the_typed_member(
    client, role_groups, demonstration_track
):
    company = OrganizationFactory(name="Seoul Smart Co", kind="korean_company", country_code="KR")
    user = UserFactory(organizations=[company], email_verified_at=timezone.now())
    application = ApplicationFactory(
        track=demonstration_track, organization=company, created_by=user
    )
    login(client, user)
    Application.objects.filter(pk=application.pk).update(
        status=Application.Status.SUBMITTED, submitted_at=timezone.now()
    )
    response = client.post(
        section_url(application, "consortium"),
        {
            "name": "Busan Port Authority",
            "kind": "public_institution",
            "role": "member",
            "country_code": "KR",
            "email_domain": "busanpa.com",
        },
    )
    assert response.status_code == 409
    body = response.content.decode()
    assert CLOSED in body and 'value="Busan Port Authority"' in body
    assert not ConsortiumMember.objects.filter(name="Busan Port Authority").exists()


def test_section_save_after_the_clarification_was_answered(
    client, complete_draft, kind_staff, role_groups
):
    user = complete_draft.created_by
    services.submit_application(application=complete_draft, actor=user)
    services.request_clarification(
        application=complete_draft, actor=kind_staff, message="A title?", sections=["project"]
    )
    login(client, user)
    url = section_url(complete_draft, "project")
    form = open_form(client, url)
    colleague = UserFactory(
        email="colleague@klang.gov.my", organizations=[complete_draft.organization]
    )
    services.answer_clarification(application=complete_draft, actor=colleague, response="Done.")
    response = client.post(url, {**form, "title": "A sharper title", "save": "1"})
    assert response.status_code == 409
    body = response.content.decode()
    assert CLOSED in body and 'value="A sharper title"' in body


def test_section_of_another_organisation_is_still_not_found(
    client, complete_draft, other_applicant
):
    login(client, other_applicant)
    response = client.post(section_url(complete_draft, "project"), {"title": "Mine"})
    assert response.status_code == 404


# --- A clarification answer after the round was answered -------------------------------------


def test_clarification_answer_after_a_colleague_answered_keeps_the_answer(
    client, complete_draft, kind_staff, role_groups
):
    user = complete_draft.created_by
    services.submit_application(application=complete_draft, actor=user)
    services.request_clarification(
        application=complete_draft, actor=kind_staff, message="A title?", sections=["project"]
    )
    colleague = UserFactory(
        email="colleague@klang.gov.my", organizations=[complete_draft.organization]
    )
    services.answer_clarification(application=complete_draft, actor=colleague, response="Done.")
    login(client, user)
    answer = "We renamed the project after the council vote."
    response = client.post(
        reverse("applications:answer_clarification", kwargs={"pk": complete_draft.pk}),
        {"response": answer},
    )
    assert response.status_code == 409
    body = response.content.decode()
    assert answer in body
    assert "There is no open clarification request." in body
    assert 'class="error-summary"' in body
    # Nothing to send it to: the page does not offer to send it again.
    assert "Send the answer and resubmit" not in body
