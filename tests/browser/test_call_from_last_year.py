"""Issue 14 end to end, in Chromium: a programme admin makes the 2027 call from the 2026 one,
adds a conditional question with Korean wording, a required document and a bilingual
"application submitted" e-mail, and opens the call in the back office; a Korean applicant
answers, is stopped by the missing document, uploads it and submits, and gets the edited
e-mail; the assigned reviewer reads the answer."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from accounts import roles
from applications.models import Answer, Application
from projects.models import Call, DocumentRequirement
from projects.services import save_document_requirement
from reviews.models import Assignment, CommitteeMember
from tests.browser.conftest import accept_confirmations, assert_accessible, log_in
from tests.factories import (
    CallFactory,
    CityFactory,
    CountryFactory,
    CriterionFactory,
    OrganizationFactory,
    TrackFactory,
    UserFactory,
)
from tests.reviews.review_fixtures import sign_declaration

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
SEOUL = ZoneInfo("Asia/Seoul")
EDITED_EN = "Thank you: the 2027 secretariat will write within ten days."
EDITED_KO = "2027년 사무국이 열흘 안에 연락드립니다."
ANSWER_KO = "2030 스마트도시 전략을 2025년에 채택했습니다."


@pytest.fixture
def last_year(programme_admin, kind):
    """The 2026 call, closed: a planning track whose criteria add up to 100 and which asks for
    two documents (configured, as staff leave them)."""
    call = CallFactory(
        year=2026,
        slug="k-city-2026",
        name="K-City Network 2026",
        name_ko="K-City 네트워크 2026",
        status=Call.Status.CLOSED,
        opens_at=datetime.datetime(2026, 3, 2, 10, tzinfo=SEOUL),
        closes_at=datetime.datetime(2026, 5, 29, 18, tzinfo=SEOUL),
    )
    track = TrackFactory(
        call=call,
        secretariat=kind,
        code="PL",
        name="Smart City Planning",
        name_ko="스마트시티 계획",
        required_documents=[],
    )
    CriterionFactory(track=track, code="feasibility", name="Feasibility", max_points=60)
    CriterionFactory(track=track, code="site", name="Site", max_points=40)
    for kind_, name, name_ko in (
        ("letter_of_intent", "Letter of intent", "의향서"),
        ("concept_paper", "Concept paper", "사업 개요서"),
    ):
        save_document_requirement(
            requirement=DocumentRequirement(
                track=track, kind=kind_, name=name, name_ko=name_ko, formats=["pdf"]
            ),
            actor=programme_admin,
        )
    return call


def _fill_datetime(page, field: str, value: datetime.datetime) -> None:
    page.locator(f"#id_{field}").fill(value.astimezone(SEOUL).strftime("%Y-%m-%dT%H:%M"))


def test_new_call_from_last_year_to_a_korean_submission_and_a_review(
    page, live_server, last_year, programme_admin, role_groups
):
    accept_confirmations(page)
    log_in(page, live_server, programme_admin)

    # 1. "New call from this one", with the 2027 call's dates (open from this morning, Korea
    # time, so the call can take applications today; closing in 2027).
    page.goto("/staff/calls/")
    assert_accessible(page)
    page.get_by_role("link", name="K-City Network 2026").click()
    page.get_by_role("link", name="New call from this one").click()
    assert_accessible(page)
    opens = timezone.now().astimezone(SEOUL).replace(hour=0, minute=0, second=0, microsecond=0)
    closes = datetime.datetime(2027, 5, 28, 18, tzinfo=SEOUL)
    page.get_by_label("Slug").fill("k-city-2027")
    page.locator("#id_name").fill("K-City Network 2027")
    page.get_by_label("Title in Korean").fill("K-City 네트워크 2027")
    _fill_datetime(page, "opens_at", opens)
    _fill_datetime(page, "closes_at", closes)
    page.get_by_role("button", name="Create the new call").click()
    expect(page.get_by_text("The new call is a draft:")).to_be_visible()
    new_call = Call.objects.get(slug="k-city-2027")
    assert (new_call.year, new_call.status) == (2027, Call.Status.DRAFT)
    assert new_call.closes_at == closes
    track = new_call.tracks.get()
    assert sum(track.criteria.values_list("max_points", flat=True)) == 100
    assert_accessible(page)

    # 2. A yes/no question with Korean wording, and its follow-up shown only on "yes".
    page.goto(f"/staff/applications/tracks/{track.pk}/questions/")
    assert_accessible(page)
    form = page.locator("form[aria-labelledby=add-heading]")
    form.locator("#id_code").fill("strategy")
    form.locator("#id_type").select_option("yes_no")
    form.locator("#id_required").check()
    form.locator("#id_label").fill("Does the city have a smart-city strategy?")
    form.get_by_label("Question (Korean)").fill("도시에 스마트시티 전략이 있습니까?")
    page.get_by_role("button", name="Add the question").click()
    expect(page.get_by_text("The question has been added.")).to_be_visible()
    form = page.locator("form[aria-labelledby=add-heading]")
    form.locator("#id_code").fill("strategy_details")
    form.locator("#id_type").select_option("long_text")
    form.locator("#id_required").check()
    form.locator("#id_label").fill("Describe the strategy.")
    form.get_by_label("Question (Korean)").fill("전략을 설명해 주십시오.")
    form.get_by_text("When the question is shown").click()
    form.get_by_label("Show only when the answer to").select_option("strategy")
    form.get_by_label("equals").fill("yes")
    page.get_by_role("button", name="Add the question").click()
    expect(page.get_by_text("follows strategy")).to_be_visible()
    assert_accessible(page)

    # 3. One more required document.
    page.goto(f"/staff/calls/tracks/{track.pk}/documents/")
    page.locator("#id_kind").select_option("site_map")
    page.locator("#id_name").fill("Site map")
    page.get_by_label("Name in Korean").fill("대상지 지도")
    page.locator("input[name=formats][value=pdf]").check()
    page.locator("#id_is_required").check()
    page.get_by_role("button", name="Add the document").click()
    expect(page.get_by_text("Document added.")).to_be_visible()
    assert_accessible(page)
    track.refresh_from_db()
    assert track.required_documents == ["letter_of_intent", "concept_paper", "site_map"]

    # 4. The "application submitted" e-mail, rewritten in English and Korean.
    page.goto("/staff/messages/templates/")
    assert_accessible(page)
    page.goto("/staff/messages/templates/applications/submitted/")
    page.locator("#id_subject_en").fill("Received: {{ reference }}")
    page.locator("#id_body_en").fill(f"Hello,\n\n{EDITED_EN}\n\n{{{{ reference }}}}\n")
    page.locator("#id_subject_ko").fill("접수 완료: {{ reference }}")
    page.locator("#id_body_ko").fill(f"안녕하세요.\n\n{EDITED_KO}\n\n{{{{ reference }}}}\n")
    page.get_by_role("button", name="Save as a new version").click()
    expect(page.get_by_text("The template is saved and in use from now on.")).to_be_visible()
    assert_accessible(page)

    # 5. Open the call. The call's page has no button for it: the back office's actions do it
    # (publish, then open), through projects.services.transition_call.
    page.goto(f"/staff/calls/{new_call.pk}/")
    expect(page.locator("ul.problems")).to_have_count(0)
    row = page.get_by_role("row", name="Smart City Planning (PL)")
    expect(row).to_contain_text("Letter of intent, Concept paper, Site map")
    expect(row.get_by_role("cell").nth(4)).to_have_text("100.0")
    for action in ("publish_calls", "open_calls"):
        page.goto("/admin/projects/call/")
        page.locator(f"input[name=_selected_action][value='{new_call.pk}']").check()
        page.locator("select[name=action]").select_option(action)
        page.locator("button[name=index]").click()
        page.wait_for_load_state("load")
    new_call.refresh_from_db()
    assert new_call.status == Call.Status.OPEN, page.content()[:3000]

    # The applicant: Korean, verified, of a city government; reference data for the site.
    org = OrganizationFactory(name="Klang Municipal Council", kind="city_government")
    org.country_code = "MY"
    org.save()
    applicant = UserFactory(
        email="officer@klang.gov.my",
        name="아미나",
        language="ko",
        email_verified_at=timezone.now(),
        roles=[roles.APPLICANT],
        organizations=[org],
    )
    malaysia = CountryFactory(code="MY", iso3="MYS", name="Malaysia", name_ko="말레이시아")
    klang = CityFactory(country=malaysia, name="Klang", name_ko="클랑")

    log_in(page, live_server, applicant)
    page.goto("/applications/")
    expect(page.locator("html")).to_have_attribute("lang", "ko")
    page.locator(f"form[action$='/applications/start/{track.pk}/'] button").click()
    page.wait_for_url("**/edit/**")
    application = Application.objects.get(track=track)
    # The fixed sections have their own journey (test_applicant_journey): filled here directly.
    Application.objects.filter(pk=application.pk).update(
        title="클랑 스마트 항만도시 마스터플랜",
        summary="항만 지역의 스마트도시 마스터플랜.",
        objectives="교통 혼잡 완화, 디지털 서비스.",
        country=malaysia,
        city=klang,
        budget_requested=400_000_000,
        contact_phone="+60 3 1234 5678",
        requested_deliverable=Application.Deliverable.MASTER_PLAN,
    )

    # The questions in Korean; the follow-up only once "yes" is chosen.
    page.goto(f"/applications/{application.pk}/edit/questions/")
    expect(page.get_by_text("도시에 스마트시티 전략이 있습니까?")).to_be_visible()
    follow_up = page.locator("[name=q_strategy_details]")
    expect(follow_up).to_be_hidden()
    # "No", saved: the server keeps no follow-up and does not ask for it before submission.
    page.locator("input[name=q_strategy][value=no]").check()
    page.locator("button[name=save]").click()
    page.wait_for_load_state("load")
    page.goto(f"/applications/{application.pk}/review/")
    expect(page.locator("ul.problems")).to_contain_text("대상지 지도")
    expect(page.locator("ul.problems")).not_to_contain_text("전략을 설명해 주십시오")
    assert list(
        Answer.objects.filter(application=application).values_list("question__code", "value")
    ) == [("strategy", False)]
    page.goto(f"/applications/{application.pk}/edit/questions/")
    expect(follow_up).to_be_hidden()
    page.locator("input[name=q_strategy][value=yes]").check()
    expect(follow_up).to_be_visible()
    expect(page.get_by_text("전략을 설명해 주십시오.")).to_be_visible()
    follow_up.fill(ANSWER_KO)
    page.locator("button[name=save]").click()
    page.wait_for_load_state("load")
    assert_accessible(page)
    answers = dict(
        Answer.objects.filter(application=application).values_list("question__code", "value")
    )
    assert answers == {"strategy": True, "strategy_details": ANSWER_KO}

    # Two documents, not the site map: the review page names it and offers no submit.
    page.goto(f"/applications/{application.pk}/edit/documents/")
    for kind_ in ("letter_of_intent", "concept_paper"):
        page.locator("select[name=kind]").select_option(kind_)
        page.locator("input[type=file]").set_input_files(
            {"name": f"{kind_}.pdf", "mimeType": "application/pdf", "buffer": PDF}
        )
        page.locator("form[enctype='multipart/form-data'] button[type=submit]").click()
        expect(page.get_by_role("link", name=f"{kind_}.pdf")).to_be_visible()
    page.goto(f"/applications/{application.pk}/review/")
    problems = page.locator("ul.problems")
    expect(problems).to_contain_text("대상지 지도")
    expect(page.locator(f"form[action$='/applications/{application.pk}/submit/']")).to_have_count(0)
    assert_accessible(page)

    page.goto(f"/applications/{application.pk}/edit/documents/")
    page.locator("select[name=kind]").select_option("site_map")
    page.locator("input[type=file]").set_input_files(
        {"name": "site_map.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    page.locator("form[enctype='multipart/form-data'] button[type=submit]").click()
    expect(page.get_by_role("link", name="site_map.pdf")).to_be_visible()
    page.goto(f"/applications/{application.pk}/review/")
    assert page.locator("ul.problems").count() == 0, page.locator("ul.problems").inner_text()
    mail.outbox.clear()
    page.locator(f"form[action$='/applications/{application.pk}/submit/'] button").click()
    expect(page.locator("#application-status")).to_have_text("제출됨")
    application.refresh_from_db()
    assert application.status == Application.Status.SUBMITTED
    assert application.reference.startswith("2027-PL-")

    # The edited e-mail, in the applicant's language.
    (received,) = [m for m in mail.outbox if applicant.email in m.to]
    assert EDITED_KO in received.body and application.reference in received.body
    assert received.subject == f"접수 완료: {application.reference}"

    # 6. A reviewer assigned to it reads the Korean answer on their application page.
    reviewer = UserFactory(email="expert@university.ac.kr", name="Dr Kim", roles=[roles.REVIEWER])
    CommitteeMember.objects.create(track=track, reviewer=reviewer)
    sign_declaration(reviewer)
    Application.objects.filter(pk=application.pk).update(status="under_review")
    assignment = Assignment.objects.create(application=application, reviewer=reviewer)
    log_in(page, live_server, reviewer)
    page.goto("/reviews/")
    page.get_by_role("link", name="Declare conflicts").click()
    page.get_by_label("No, I have no conflict of interest").check()
    page.get_by_role("button", name="Record my declaration").click()
    page.wait_for_url(f"**/reviews/assignments/{assignment.pk}/application/")
    expect(page.get_by_text("Does the city have a smart-city strategy?")).to_be_visible()
    expect(page.get_by_text(ANSWER_KO)).to_be_visible()
    assert_accessible(page)
