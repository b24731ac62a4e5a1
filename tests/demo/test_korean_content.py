"""The demo programme reads in Korean: every call, track, criterion and funded project that
seed_demo loads has its Korean text, and the Korean pages show it."""

import re

from django.urls import reverse

from accounts import roles
from accounts.models import Organization, User
from projects.models import Call, Event, Project, Track
from reviews.models import Criterion

HANGUL = re.compile(r"[\uac00-\ud7a3]")


def _korean(text: str) -> bool:
    return bool(HANGUL.search(text or ""))


def test_every_call_has_korean_name_and_description():
    calls = list(Call.objects.all())
    assert {c.year for c in calls} >= {2020, 2021, 2022, 2026}
    for call in calls:
        assert _korean(call.name_ko), call.slug
        assert _korean(call.description_ko), call.slug
        if call.eligibility:
            assert _korean(call.eligibility_ko), call.slug


def test_the_open_call_has_korean_description_and_eligibility():
    call = Call.objects.get(status=Call.Status.OPEN)
    assert _korean(call.description_ko) and _korean(call.eligibility_ko)
    assert "스마트 솔루션 해외 실증" in call.eligibility_ko


def test_every_track_and_criterion_has_korean_name_and_guidance():
    assert Track.objects.exists() and Criterion.objects.exists()
    for track in Track.objects.all():
        assert _korean(track.name_ko) and _korean(track.description_ko), track
    for criterion in Criterion.objects.all():
        assert _korean(criterion.name_ko), criterion.code
        assert criterion.description and _korean(criterion.description_ko), criterion.code


def test_all_33_portfolio_projects_have_korean_titles():
    projects = list(Project.objects.all())
    assert len(projects) == 33
    assert [p.code for p in projects if not _korean(p.name_ko)] == []
    assert "울란바토르 스마트 모빌리티 계획" in {p.name_ko for p in projects}
    assert Project.objects.get(year=2022, city__name="Jakarta").name_ko == (
        "자카르타 스마트시티 마스터플랜"
    )


def test_events_have_korean_titles():
    assert [e.name for e in Event.objects.all() if not _korean(e.name_ko)] == []


def test_korean_organisations_have_korean_names():
    korean = Organization.objects.filter(
        kind__in=[Organization.Kind.KOREAN_COMPANY, Organization.Kind.KOREAN_AGENCY]
    )
    assert korean.count() >= 10
    assert [o.name for o in korean if not _korean(o.name_ko)] == []


def test_reviewers_have_hangul_names_where_they_gave_one():
    reviewers = User.objects.filter(groups__name=roles.REVIEWER)
    hangul = {u.email: u.name_ko for u in reviewers if u.name_ko}
    assert hangul["kim.jiwon@review.kcity.example"] == "김지원"
    # One reviewer gave none: Korean pages show the name as written.
    assert reviewers.get(email="choi.daniel@review.kcity.example").name_ko == ""


def test_korean_pages_show_the_demo_in_korean(client):
    call = Call.objects.get(status=Call.Status.OPEN)
    detail = client.get(call.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="ko").content.decode()
    assert call.name_ko in detail and call.description_ko.split()[0] in detail
    assert "foreign national, regional or city governments" not in detail
    portfolio = client.get(reverse("projects:portfolio"), HTTP_ACCEPT_LANGUAGE="ko")
    body = portfolio.content.decode()
    assert "쿠스코 스마트 관광·문화유산 도시 계획" in body
    assert "Cusco smart tourism" not in body
