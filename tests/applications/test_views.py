import pytest
from django.urls import reverse
from django.utils import timezone, translation

from applications.models import Application, Document
from tests.conftest import login
from tests.factories import (
    ApplicationFactory,
    ConsortiumMemberFactory,
    CountryFactory,
    DocumentFactory,
    OrganizationFactory,
    SubmittedApplicationFactory,
    UserFactory,
)

from .conftest import PDF, PNG, docx_bytes, upload

pytestmark = pytest.mark.django_db


def section_url(application, section):
    return reverse("applications:section", kwargs={"pk": application.pk, "section": section})


def test_dashboard_query_count_does_not_grow_with_rows(
    client, verified_applicant, planning_track, django_assert_max_num_queries
):
    login(client, verified_applicant)
    org = verified_applicant.organizations.first()
    ApplicationFactory(track=planning_track, organization=org, created_by=verified_applicant)
    with django_assert_max_num_queries(20) as one:
        assert client.get(reverse("applications:dashboard")).status_code == 200
    for _ in range(6):
        ApplicationFactory(track=planning_track, organization=org, created_by=verified_applicant)
    with django_assert_max_num_queries(len(one.captured_queries)):
        response = client.get(reverse("applications:dashboard"))
    assert response.content.decode().count("Smart city master plan") == 7


def test_dashboard_shows_under_review_for_unreleased_decision(
    client, verified_applicant, planning_track
):
    SubmittedApplicationFactory(
        track=planning_track,
        organization=verified_applicant.organizations.first(),
        status=Application.Status.SELECTED,
        title="Klang smart plan",
    )
    login(client, verified_applicant)
    body = client.get(reverse("applications:dashboard")).content.decode()
    assert "Under review" in body
    assert "Selected" not in body


def test_start_view_creates_draft_and_opens_first_section(
    client, verified_applicant, planning_track
):
    login(client, verified_applicant)
    response = client.post(reverse("applications:start", kwargs={"track_pk": planning_track.pk}))
    application = Application.objects.get()
    assert response.url == section_url(application, "applicant")


def test_start_view_unverified_user_sent_to_profile(client, applicant, planning_track):
    login(client, applicant)
    response = client.post(
        reverse("applications:start", kwargs={"track_pk": planning_track.pk}), follow=True
    )
    assert "verify your e-mail address" in response.content.decode()
    assert Application.objects.count() == 0


def test_section_budget_out_of_range_error_next_to_field_values_kept(client, complete_draft):
    login(client, complete_draft.created_by)
    response = client.post(
        section_url(complete_draft, "budget"),
        {
            "budget_requested": "900000000",
            "co_financing": "5000",
            "co_financing_description": "City funds",
        },
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_budget_requested-error"' in body
    assert "The amount must be between KRW 300,000,000 and KRW 500,000,000." in body
    assert 'value="900000000"' in body and "City funds" in body
    assert 'aria-invalid="true"' in body and 'href="#id_budget_requested"' in body
    complete_draft.refresh_from_db()
    assert complete_draft.budget_requested == 400_000_000


def test_section_bad_input_error_in_korean(client, complete_draft):
    user = complete_draft.created_by
    user.language = "ko"
    user.save()
    login(client, user)
    response = client.post(
        section_url(complete_draft, "applicant"),
        {"contact_name": "Aminah", "contact_email": "not-an-address"},
    )
    body = response.content.decode()
    with translation.override("ko"):
        expected = str(translation.gettext("Enter a valid email address."))
    assert expected in body and expected != "Enter a valid email address."
    assert 'value="not-an-address"' in body


def test_section_save_persists_and_continues(client, complete_draft):
    login(client, complete_draft.created_by)
    response = client.post(
        section_url(complete_draft, "project"),
        {
            "title": "Klang Smart Port City",
            "summary": "S",
            "objectives": "O",
            "outputs": "",
            "requested_deliverable": "feasibility_study",
            "continue": "1",
        },
    )
    assert response.url == section_url(complete_draft, "readiness")
    complete_draft.refresh_from_db()
    assert complete_draft.title == "Klang Smart Port City"


def test_section_priority_not_shown_for_demonstration(client, role_groups, demonstration_track):
    company = OrganizationFactory(name="Seoul Smart Co", kind="korean_company", country_code="KR")
    user = UserFactory(organizations=[company], email_verified_at=timezone.now())
    application = ApplicationFactory(
        track=demonstration_track, organization=company, created_by=user
    )
    login(client, user)
    assert client.get(section_url(application, "priority")).status_code == 404
    assert client.get(section_url(application, "consortium")).status_code == 200


def test_upload_valid_pdf_stored_under_generated_name(client, complete_draft):
    login(client, complete_draft.created_by)
    complete_draft.documents.all().delete()
    response = client.post(
        section_url(complete_draft, "documents"),
        {"kind": "letter_of_intent", "file": upload("Letter of intent.pdf", PDF)},
    )
    assert response.status_code == 302
    document = Document.objects.get(application=complete_draft)
    assert document.original_name == "Letter of intent.pdf"
    assert "Letter" not in document.file.name and document.file.name.startswith("applications/")
    assert document.content_type == "application/pdf"


def test_upload_docx_by_content_accepted(client, complete_draft):
    login(client, complete_draft.created_by)
    response = client.post(
        section_url(complete_draft, "documents"),
        {"kind": "other", "file": upload("plan.docx", docx_bytes())},
    )
    assert response.status_code == 302
    assert (
        complete_draft.documents.filter(kind="other")
        .get()
        .content_type.endswith("wordprocessingml.document")
    )


def test_upload_png_named_pdf_refused_kind_kept(client, complete_draft):
    login(client, complete_draft.created_by)
    response = client.post(
        section_url(complete_draft, "documents"),
        {"kind": "site_map", "file": upload("map.pdf", PNG, "application/pdf")},
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert "is really a PNG file, but its name ends in “.pdf”" in body
    assert '<option value="site_map" selected>' in body
    assert not complete_draft.documents.filter(kind="site_map").exists()


def test_upload_renamed_executable_refused(client, complete_draft):
    login(client, complete_draft.created_by)
    response = client.post(
        section_url(complete_draft, "documents"),
        {"kind": "other", "file": upload("report.pdf", b"MZ\x90\x00" + b"\x00" * 100)},
    )
    assert response.status_code == 400
    assert "a Windows program" in response.content.decode()
    assert not complete_draft.documents.filter(kind="other").exists()


def test_upload_oversized_refused_with_limit(client, complete_draft, settings):
    settings.MAX_UPLOAD_SIZE = 1024
    login(client, complete_draft.created_by)
    response = client.post(
        section_url(complete_draft, "documents"),
        {"kind": "other", "file": upload("big.pdf", PDF + b"0" * 2048)},
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert "the limit is 1.0\xa0KB" in body
    assert "at most 1.0\xa0KB" in body  # the limit is stated on the page


def test_upload_replaces_same_kind(client, complete_draft):
    login(client, complete_draft.created_by)
    client.post(
        section_url(complete_draft, "documents"),
        {"kind": "letter_of_intent", "file": upload("new-letter.pdf", PDF)},
    )
    names = list(
        complete_draft.documents.filter(kind="letter_of_intent").values_list(
            "original_name", flat=True
        )
    )
    assert names == ["new-letter.pdf"]


def test_document_download_owner_gets_attachment(client, complete_draft):
    document = complete_draft.documents.first()
    login(client, complete_draft.created_by)
    response = client.get(
        reverse("applications:document_download", kwargs={"public_id": document.public_id})
    )
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert b"".join(response.streaming_content) == PDF


def test_document_download_other_organisation_denied_without_leak(
    client, complete_draft, other_applicant
):
    document = complete_draft.documents.first()
    login(client, other_applicant)
    response = client.get(
        reverse("applications:document_download", kwargs={"public_id": document.public_id})
    )
    assert response.status_code == 404
    assert (
        b"PDF" not in response.content and document.original_name.encode() not in response.content
    )


@pytest.mark.parametrize(
    "name",
    [
        "applications:detail",
        "applications:review",
        "applications:withdraw",
        "applications:summary_pdf",
    ],
)
def test_other_organisation_application_pages_denied_without_leak(
    client, complete_draft, other_applicant, name
):
    login(client, other_applicant)
    response = client.get(reverse(name, kwargs={"pk": complete_draft.pk}))
    assert response.status_code == 404
    assert complete_draft.title.encode() not in response.content


def test_other_organisation_cannot_edit_section(client, complete_draft, other_applicant):
    login(client, other_applicant)
    response = client.post(section_url(complete_draft, "project"), {"title": "Hijacked"})
    assert response.status_code == 404
    complete_draft.refresh_from_db()
    assert complete_draft.title != "Hijacked"


def test_review_page_lists_each_problem_with_link(client, verified_applicant, planning_track):
    application = ApplicationFactory(
        track=planning_track,
        organization=verified_applicant.organizations.first(),
        created_by=verified_applicant,
        budget_requested=None,
    )
    login(client, verified_applicant)
    body = client.get(
        reverse("applications:review", kwargs={"pk": application.pk})
    ).content.decode()
    assert "Give the requested amount in KRW." in body
    assert section_url(application, "budget") + "#id_budget_requested" in body
    assert "Upload the required document: Letter of intent." in body
    assert "Submit the application" not in body


def test_section_navigation_marks_the_page_it_is_on(client, verified_applicant, planning_track):
    """The section list shows where the applicant is: the section being edited, or the review
    step on the review page (before, the review step was never marked as current)."""
    application = ApplicationFactory(
        track=planning_track,
        organization=verified_applicant.organizations.first(),
        created_by=verified_applicant,
    )
    login(client, verified_applicant)
    review_url = reverse("applications:review", kwargs={"pk": application.pk})
    review = client.get(review_url).content.decode()
    assert f'href="{review_url}" aria-current="step"' in review
    assert review.count('aria-current="step"') == 1
    section = client.get(section_url(application, "budget")).content.decode()
    assert f'href="{section_url(application, "budget")}" aria-current="step"' in section
    assert f'href="{review_url}" aria-current' not in section


def test_submit_view_double_submit_friendly_message(client, complete_draft):
    login(client, complete_draft.created_by)
    url = reverse("applications:submit", kwargs={"pk": complete_draft.pk})
    first = client.post(url, follow=True)
    assert "Your application has been submitted" in first.content.decode()
    second = client.post(url, follow=True)
    assert "already submitted" in second.content.decode()
    assert Application.objects.filter(status="submitted").count() == 1


def test_submitted_application_read_only(client, complete_draft):
    login(client, complete_draft.created_by)
    client.post(reverse("applications:submit", kwargs={"pk": complete_draft.pk}))
    page = client.get(section_url(complete_draft, "project")).content.decode()
    assert "This section cannot be changed now." in page and "disabled" in page
    response = client.post(section_url(complete_draft, "project"), {"title": "Late change"})
    # Not a bare 403: the form again, with what was typed and why it cannot be saved.
    assert response.status_code == 409
    body = response.content.decode()
    assert "This application has been submitted and can no longer be changed." in body
    assert 'value="Late change"' in body
    complete_draft.refresh_from_db()
    assert complete_draft.title != "Late change"


def test_withdraw_view_without_reason_shows_error(client, complete_draft):
    login(client, complete_draft.created_by)
    response = client.post(
        reverse("applications:withdraw", kwargs={"pk": complete_draft.pk}), {"reason": ""}
    )
    assert response.status_code == 200
    assert 'id="id_reason-error"' in response.content.decode()
    complete_draft.refresh_from_db()
    assert complete_draft.status == "draft"


def test_detail_shows_timeline_without_staff_names(client, complete_draft, programme_admin):
    from applications import services

    services.submit_application(application=complete_draft, actor=complete_draft.created_by)
    services.transition_application(
        application=complete_draft,
        to="ineligible",
        actor=programme_admin,
        reason="Not a public body",
    )
    login(client, complete_draft.created_by)
    body = client.get(
        reverse("applications:detail", kwargs={"pk": complete_draft.pk})
    ).content.decode()
    assert "Ineligible" in body and "Not a public body" in body
    assert programme_admin.email not in body and programme_admin.name not in body


@pytest.mark.pdf
def test_summary_pdf_download_owner_gets_pdf(client, complete_draft):
    login(client, complete_draft.created_by)
    response = client.get(reverse("applications:summary_pdf", kwargs={"pk": complete_draft.pk}))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response.content.startswith(b"%PDF")


def test_section_autosave_with_htmx_saves_and_answers_fragment(client, complete_draft):
    login(client, complete_draft.created_by)
    response = client.post(
        section_url(complete_draft, "readiness"),
        {"existing_plans": "Klang 2030 structure plan"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert "Saved automatically at" in response.content.decode()
    assert "<html" not in response.content.decode()
    complete_draft.refresh_from_db()
    assert complete_draft.existing_plans == "Klang 2030 structure plan"


def test_section_autosave_invalid_input_not_saved(client, complete_draft):
    login(client, complete_draft.created_by)
    response = client.post(
        section_url(complete_draft, "budget"), {"budget_requested": "12"}, HTTP_HX_REQUEST="true"
    )
    assert "Not saved yet" in response.content.decode()
    complete_draft.refresh_from_db()
    assert complete_draft.budget_requested == 400_000_000


def test_request_clarification_page_by_track_staff(client, complete_draft, kind_staff):
    from applications import services

    services.submit_application(application=complete_draft, actor=complete_draft.created_by)
    login(client, kind_staff)
    url = reverse("applications:request_clarification", kwargs={"pk": complete_draft.pk})
    response = client.post(url, {"message": "Give the site area.", "sections": ["site"]})
    assert response.status_code == 302
    complete_draft.refresh_from_db()
    assert complete_draft.status == "clarification"
    assert complete_draft.clarification_requests.get().sections == ["site"]


def test_request_clarification_page_without_sections_error(client, complete_draft, kind_staff):
    from applications import services

    services.submit_application(application=complete_draft, actor=complete_draft.created_by)
    login(client, kind_staff)
    url = reverse("applications:request_clarification", kwargs={"pk": complete_draft.pk})
    response = client.post(url, {"message": "Give the site area."})
    body = response.content.decode()
    assert 'id="sections-error"' in body and "Give the site area." in body
    complete_draft.refresh_from_db()
    assert complete_draft.status == "submitted"


def test_request_clarification_page_denied_to_other_track_staff_and_applicant(
    client, complete_draft, kaia_staff
):
    from applications import services

    services.submit_application(application=complete_draft, actor=complete_draft.created_by)
    url = reverse("applications:request_clarification", kwargs={"pk": complete_draft.pk})
    for user in (kaia_staff, complete_draft.created_by):
        login(client, user)
        response = client.post(url, {"message": "x", "sections": ["site"]})
        assert response.status_code == 404
        assert complete_draft.title not in response.content.decode()
    complete_draft.refresh_from_db()
    assert complete_draft.status == "submitted"


@pytest.mark.parametrize("name", ["applications:detail", "applications:review"])
def test_application_page_query_count_does_not_grow_with_documents(
    client, complete_draft, django_assert_max_num_queries, name
):
    login(client, complete_draft.created_by)
    url = reverse(name, kwargs={"pk": complete_draft.pk})
    with django_assert_max_num_queries(40) as one:
        assert client.get(url).status_code == 200
    for _ in range(5):
        DocumentFactory(application=complete_draft, kind="other")
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert client.get(url).status_code == 200


def test_documents_section_query_count_does_not_grow(
    client, complete_draft, django_assert_max_num_queries
):
    login(client, complete_draft.created_by)
    url = section_url(complete_draft, "documents")
    with django_assert_max_num_queries(40) as one:
        client.get(url)
    for _ in range(5):
        DocumentFactory(application=complete_draft, kind="other")
    with django_assert_max_num_queries(len(one.captured_queries)):
        body = client.get(url).content.decode()
    assert body.count("letter.pdf") >= 6


def test_detail_shows_answered_clarification_without_staff_name(client, complete_draft, kind_staff):
    from applications import services

    services.submit_application(application=complete_draft, actor=complete_draft.created_by)
    services.request_clarification(
        application=complete_draft, actor=kind_staff, message="Give the area.", sections=["site"]
    )
    services.answer_clarification(
        application=complete_draft, actor=complete_draft.created_by, response="Area is 12 km²."
    )
    login(client, complete_draft.created_by)
    body = client.get(
        reverse("applications:detail", kwargs={"pk": complete_draft.pk})
    ).content.decode()
    assert "Give the area." in body and "Area is 12 km²." in body
    assert kind_staff.email not in body and kind_staff.name not in body


def _demonstration_draft(demonstration_track):
    company = OrganizationFactory(name="Seoul Smart Co", kind="korean_company", country_code="KR")
    user = UserFactory(organizations=[company], email_verified_at=timezone.now())
    return ApplicationFactory(track=demonstration_track, organization=company, created_by=user)


def test_consortium_remove_owner_removes_member_and_is_told(
    client, role_groups, demonstration_track
):
    application = _demonstration_draft(demonstration_track)
    member = ConsortiumMemberFactory(application=application, name="Busan Port Authority")
    login(client, application.created_by)
    url = reverse(
        "applications:consortium_remove", kwargs={"pk": application.pk, "member_pk": member.pk}
    )
    response = client.post(url, follow=True)
    assert response.redirect_chain == [(section_url(application, "consortium"), 302)]
    assert "The member has been removed." in response.content.decode()
    assert not application.consortium_members.filter(pk=member.pk).exists()


def test_consortium_remove_other_organisation_denied_member_kept(
    client, role_groups, demonstration_track, other_applicant
):
    application = _demonstration_draft(demonstration_track)
    member = ConsortiumMemberFactory(application=application, name="Busan Port Authority")
    login(client, other_applicant)
    url = reverse(
        "applications:consortium_remove", kwargs={"pk": application.pk, "member_pk": member.pk}
    )
    response = client.post(url)
    assert response.status_code == 404
    assert "Busan Port Authority" not in response.content.decode()
    assert application.consortium_members.filter(pk=member.pk).exists()


def test_document_remove_owner_removes_document_and_is_told(client, complete_draft):
    document = complete_draft.documents.first()
    login(client, complete_draft.created_by)
    url = reverse(
        "applications:document_remove",
        kwargs={"pk": complete_draft.pk, "document_pk": document.pk},
    )
    response = client.post(url, follow=True)
    assert response.redirect_chain == [(section_url(complete_draft, "documents"), 302)]
    assert "The document has been removed." in response.content.decode()
    assert not Document.objects.filter(pk=document.pk).exists()


def test_document_remove_of_submitted_application_refused_with_message(client, complete_draft):
    from applications import services

    services.submit_application(application=complete_draft, actor=complete_draft.created_by)
    document = complete_draft.documents.first()
    login(client, complete_draft.created_by)
    url = reverse(
        "applications:document_remove",
        kwargs={"pk": complete_draft.pk, "document_pk": document.pk},
    )
    response = client.post(url, follow=True)
    assert response.redirect_chain == [(section_url(complete_draft, "documents"), 302)]
    assert "The document has been removed." not in response.content.decode()
    assert 'class="message message-error"' in response.content.decode()
    assert Document.objects.filter(pk=document.pk).exists()


def test_document_remove_other_organisation_denied_document_kept(
    client, complete_draft, other_applicant
):
    document = complete_draft.documents.first()
    login(client, other_applicant)
    url = reverse(
        "applications:document_remove",
        kwargs={"pk": complete_draft.pk, "document_pk": document.pk},
    )
    assert client.post(url).status_code == 404
    assert Document.objects.filter(pk=document.pk).exists()


def test_answer_clarification_refused_keeps_answer_next_to_field(
    client, complete_draft, kind_staff
):
    from applications import services

    services.submit_application(application=complete_draft, actor=complete_draft.created_by)
    services.request_clarification(
        application=complete_draft,
        actor=kind_staff,
        message="Name the contact person.",
        sections=["applicant"],
    )
    # The applicant emptied a required field while answering: the service refuses.
    Application.objects.filter(pk=complete_draft.pk).update(contact_name="")
    login(client, complete_draft.created_by)
    url = reverse("applications:answer_clarification", kwargs={"pk": complete_draft.pk})
    answer = "We appointed a new project director; details follow in the applicant section."
    response = client.post(url, {"response": answer})
    body = response.content.decode()
    assert response.status_code == 400
    assert answer in body
    assert 'id="id_response-error"' in body and "Give a contact person." in body
    assert 'class="error-summary"' in body
    complete_draft.refresh_from_db()
    assert complete_draft.status == "clarification"


def test_answer_clarification_empty_answer_error_next_to_field(client, complete_draft, kind_staff):
    from applications import services

    services.submit_application(application=complete_draft, actor=complete_draft.created_by)
    services.request_clarification(
        application=complete_draft, actor=kind_staff, message="Give the area.", sections=["site"]
    )
    login(client, complete_draft.created_by)
    url = reverse("applications:answer_clarification", kwargs={"pk": complete_draft.pk})
    response = client.post(url, {"response": "   "})
    assert response.status_code == 400
    assert 'id="id_response-error"' in response.content.decode()
    complete_draft.refresh_from_db()
    assert complete_draft.status == "clarification"


def test_screening_page_names_track_country_and_checkbox_titles_in_korean(
    client, kind_staff, planning_track
):
    country = CountryFactory(code="PH", iso3="PHL", name="Philippines", name_ko="필리핀")
    planning_track.name_ko = "스마트시티 계획 수립"
    planning_track.save(update_fields=["name_ko"])
    SubmittedApplicationFactory(
        track=planning_track,
        country=country,
        title="Davao smart city plan",
        reference="2026-PL-001",
    )
    kind_staff.language = "ko"
    kind_staff.save(update_fields=["language"])
    login(client, kind_staff)
    url = reverse("staff_applications:screening", kwargs={"track_id": planning_track.pk})
    with translation.override("ko"):
        body = client.get(url, HTTP_ACCEPT_LANGUAGE="ko").content.decode()
    assert "스마트시티 계획 수립</h1>" in body
    assert "<td>필리핀</td>" in body and "<td>Philippines</td>" not in body
    assert "2026-PL-001 — Davao smart city plan</label>" in body


def test_section_page_htmx_indicator_styles_come_from_the_stylesheet(client, complete_draft):
    """htmx's own inline indicator styles are off (the CSP forbids inline styles), so the
    stylesheet must carry them or loading indicators never show or never hide."""
    from django.contrib.staticfiles import finders

    login(client, complete_draft.created_by)
    body = client.get(section_url(complete_draft, "applicant")).content.decode()
    assert body.count('name="htmx-config"') == 1
    assert '"includeIndicatorStyles": false' in body
    with open(finders.find("css/portal.css"), encoding="utf-8") as stylesheet:
        css = stylesheet.read()
    assert ".htmx-indicator { opacity: 0; }" in css
    assert ".htmx-request .htmx-indicator" in css
