"""Calls, tracks, criteria and projects in English and Korean: the reader's language, English
where the Korean is blank, and staff writing both through the services (audited)."""

import re

import pytest
from django.urls import reverse
from django.utils import translation

from accounts.audit import audit_events_for
from core.bilingual import localized
from projects.models import Call
from tests.factories import CallFactory, CriterionFactory, ProjectFactory, TrackFactory
from tests.test_admin_doors import _post_data

pytestmark = pytest.mark.django_db

KO = {"HTTP_ACCEPT_LANGUAGE": "ko"}
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def test_localized_picks_korean_for_a_korean_reader():
    call = Call(description="Smart-city planning.", description_ko="스마트시티 계획 수립.")
    with translation.override("ko"):
        assert localized(call, "description") == "스마트시티 계획 수립."
    with translation.override("en"):
        assert localized(call, "description") == "Smart-city planning."
    assert localized(call, "description", "ko-kr") == "스마트시티 계획 수립."


@pytest.mark.parametrize("blank", ["", "   "])
def test_localized_falls_back_to_english_when_korean_is_blank(blank):
    call = Call(name="K-City Network 2026", name_ko=blank)
    with translation.override("ko"):
        assert localized(call, "name") == "K-City Network 2026"
        assert call.display_name == "K-City Network 2026"


def test_localized_of_a_field_without_korean_twin_is_the_english_text():
    track = TrackFactory.build(code="PL")
    with translation.override("ko"):
        assert localized(track, "code") == "PL"


def _bilingual_call():
    call = CallFactory(
        name="K-City Network 2026",
        name_ko="2026 K-City 네트워크 글로벌 협력 프로그램",
        description="The yearly international call.",
        description_ko="K-City 네트워크의 연례 국제 공모입니다.",
        eligibility="Foreign national, regional or city governments.",
        eligibility_ko="해외 국가·지방·도시 정부.",
    )
    track = TrackFactory(
        call=call,
        code="PL",
        name="Smart City Planning",
        name_ko="스마트시티 계획 수립",
        description="A basic plan or feasibility study.",
        description_ko="스마트시티 기본계획 또는 타당성 조사.",
    )
    CriterionFactory(
        track=track,
        code="feasibility",
        name="Feasibility",
        name_ko="사업 실현 가능성",
        description="Can the plan be carried out?",
        description_ko="계획을 실행할 수 있는가?",
        max_points=100,
    )
    return call


def test_call_detail_in_korean_shows_korean_call_track_and_criteria(client):
    call = _bilingual_call()
    body = client.get(call.get_absolute_url(), **KO).content.decode()
    for korean in (
        "2026 K-City 네트워크 글로벌 협력 프로그램",
        "K-City 네트워크의 연례 국제 공모입니다.",
        "해외 국가·지방·도시 정부.",
        "스마트시티 계획 수립",
        "스마트시티 기본계획 또는 타당성 조사.",
        "사업 실현 가능성",
        "계획을 실행할 수 있는가?",
    ):
        assert korean in body
    for english in (
        "The yearly international call.",
        "Foreign national, regional or city governments.",
        "A basic plan or feasibility study.",
        "Can the plan be carried out?",
    ):
        assert english not in body
    assert ">접수 중</span>" in body
    # The documents a track requires are the portal's own vocabulary (projects.DocumentKind),
    # translated by gettext.
    assert "참여의향서" in body and "사업 개념서" in body


def test_call_detail_in_english_shows_no_korean_content(client):
    call = _bilingual_call()
    body = client.get(call.get_absolute_url(), **EN).content.decode()
    assert "The yearly international call." in body
    assert "Can the plan be carried out?" in body
    assert "K-City 네트워크의 연례 국제 공모입니다." not in body
    assert "계획을 실행할 수 있는가?" not in body


def test_call_detail_in_korean_falls_back_to_english_where_korean_is_blank(client):
    call = CallFactory(description="Only in English.", description_ko="", eligibility_ko="")
    TrackFactory(call=call, description="Track text in English.", description_ko="")
    body = client.get(call.get_absolute_url(), **KO).content.decode()
    assert "Only in English." in body
    assert "Track text in English." in body


def test_call_detail_shows_korean_text_when_english_is_blank(client):
    call = CallFactory(description="", description_ko="한국어로만 쓴 설명.")
    body = client.get(call.get_absolute_url(), **KO).content.decode()
    assert "한국어로만 쓴 설명." in body


def test_portfolio_and_project_page_in_korean_show_korean_title_and_summary(client):
    project = ProjectFactory(
        name="Klang smart city master plan",
        name_ko="클랑 스마트시티 마스터플랜",
        summary="A smart-city plan for Klang.",
        summary_ko="클랑 스마트시티 계획입니다.",
        city__name="Klang",
        city__name_ko="클랑",
    )
    portfolio = client.get(reverse("projects:portfolio"), **KO).content.decode()
    assert "클랑 스마트시티 마스터플랜" in portfolio
    assert "Klang smart city master plan" not in portfolio
    detail = client.get(project.get_absolute_url(), **KO).content.decode()
    assert "클랑 스마트시티 계획입니다." in detail
    assert "A smart-city plan for Klang." not in detail
    english = client.get(project.get_absolute_url(), **EN).content.decode()
    assert "A smart-city plan for Klang." in english


def test_admin_edits_call_in_both_languages_side_by_side_through_service(client, programme_admin):
    call = CallFactory(name="K-City Network 2027", status="draft")
    client.force_login(programme_admin)
    url = reverse("admin:projects_call_change", args=[call.pk])
    page = client.get(url)
    body = page.content.decode()
    # One line of the form holds a field and its Korean twin.
    assert re.search(r'class="[^"]*field-description[^"]*field-description_ko', body)
    data = _post_data(page)
    data.update(
        name_ko="2027 K-City 네트워크 글로벌 협력 프로그램",
        description="The 2027 call.",
        description_ko="2027년 공모입니다.",
    )
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    call.refresh_from_db()
    assert (call.name_ko, call.description, call.description_ko) == (
        "2027 K-City 네트워크 글로벌 협력 프로그램",
        "The 2027 call.",
        "2027년 공모입니다.",
    )
    event = audit_events_for(call).get(action="updated")
    assert event.actor == programme_admin
    assert event.detail["new"]["description_ko"] == "2027년 공모입니다."
    assert event.detail["old"]["description_ko"] == ""


def test_admin_edits_project_summary_in_korean_through_service(client, programme_admin):
    project = ProjectFactory(source="historical", summary="English summary.")
    client.force_login(programme_admin)
    url = reverse("admin:projects_project_change", args=[project.pk])
    data = _post_data(client.get(url))
    data["summary_ko"] = "한국어 요약."
    assert client.post(url, data).status_code == 302
    project.refresh_from_db()
    assert project.summary_ko == "한국어 요약."
    event = audit_events_for(project).get(action="updated")
    assert event.detail["new"] == {"summary_ko": "한국어 요약."}


def test_staff_criterion_form_saves_korean_name_and_guidance_with_audit(
    client, kind_staff, planning_track
):
    criterion = CriterionFactory(track=planning_track, name="Feasibility", max_points=30)
    client.force_login(kind_staff)
    url = reverse("staff_reviews:criterion_edit", kwargs={"pk": criterion.pk})
    response = client.post(
        url,
        {
            "code": criterion.code,
            "name": "Feasibility",
            "name_ko": "사업 실현 가능성",
            "description": "Can the plan be carried out?",
            "description_ko": "계획을 실행할 수 있는가?",
            "max_points": "30",
            "weight": "1",
        },
    )
    assert response.status_code == 302
    criterion.refresh_from_db()
    assert (criterion.name_ko, criterion.description_ko) == (
        "사업 실현 가능성",
        "계획을 실행할 수 있는가?",
    )
    assert audit_events_for(criterion).filter(action="changed", actor=kind_staff).exists()


def test_staff_criterion_form_bad_points_keeps_both_languages(client, kind_staff, planning_track):
    criterion = CriterionFactory(track=planning_track, max_points=30)
    client.force_login(kind_staff)
    response = client.post(
        reverse("staff_reviews:criterion_edit", kwargs={"pk": criterion.pk}),
        {
            "code": criterion.code,
            "name": "Feasibility",
            "name_ko": "사업 실현 가능성",
            "description_ko": "계획을 실행할 수 있는가?",
            "max_points": "300",
            "weight": "1",
        },
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "계획을 실행할 수 있는가?" in body and 'value="사업 실현 가능성"' in body
    criterion.refresh_from_db()
    assert criterion.name_ko == ""
