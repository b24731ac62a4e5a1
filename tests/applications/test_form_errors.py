"""Bad input on every applicant form: a clear error next to the field, nothing typed lost."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from applications import services
from tests.conftest import login
from tests.factories import (
    ApplicationFactory,
    CityFactory,
    CountryFactory,
    OrganizationFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def section_url(application, section):
    return reverse("applications:section", kwargs={"pk": application.pk, "section": section})


def test_site_city_of_other_country_error_values_kept(client, complete_draft):
    other = CountryFactory(code="BD", iso3="BGD", name="Bangladesh")
    khulna = CityFactory(country=other, name="Khulna")
    login(client, complete_draft.created_by)
    response = client.post(
        section_url(complete_draft, "site"),
        {
            "country": complete_draft.country.pk,
            "city": khulna.pk,
            "site_population": "123456",
            "site_description": "Port district",
        },
    )
    body = response.content.decode()
    assert 'id="id_city-error"' in body
    assert 'value="123456"' in body and "Port district" in body
    complete_draft.refresh_from_db()
    assert complete_draft.city.name == "Klang"


def test_site_city_choices_limited_to_saved_country(client, complete_draft):
    other = CountryFactory(code="BD", iso3="BGD", name="Bangladesh")
    CityFactory(country=other, name="Khulna")
    login(client, complete_draft.created_by)
    body = client.get(section_url(complete_draft, "site")).content.decode()
    assert "Klang (Malaysia)" in body and "Khulna" not in body


def test_site_negative_area_error(client, complete_draft):
    login(client, complete_draft.created_by)
    response = client.post(
        section_url(complete_draft, "site"),
        {
            "country": complete_draft.country.pk,
            "city": complete_draft.city.pk,
            "site_area_km2": "-5",
        },
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_site_area_km2-error"' in body and 'value="-5"' in body


def test_project_deliverable_not_offered_for_track_refused(client, complete_draft):
    login(client, complete_draft.created_by)
    response = client.post(
        section_url(complete_draft, "project"),
        {"title": "Kept title", "requested_deliverable": "demonstration"},
    )
    body = response.content.decode()
    assert 'id="id_requested_deliverable-error"' in body
    assert 'value="Kept title"' in body


def test_priority_rank_zero_refused(client, complete_draft):
    login(client, complete_draft.created_by)
    response = client.post(section_url(complete_draft, "priority"), {"country_priority_rank": "0"})
    body = response.content.decode()
    assert 'id="id_country_priority_rank-error"' in body and 'value="0"' in body


def test_consortium_member_bad_input_errors_values_kept(client, role_groups, demonstration_track):
    company = OrganizationFactory(name="Seoul Smart Co", kind="korean_company", country_code="KR")
    user = UserFactory(organizations=[company], email_verified_at=timezone.now())
    application = services.start_application(
        track=demonstration_track, organization=company, actor=user
    )
    login(client, user)
    response = client.post(
        section_url(application, "consortium"),
        {
            "name": "Mukdahan Province",
            "kind": "korean_company",
            "role": "overseas_public_partner",
            "country_code": "TH",
        },
    )
    body = response.content.decode()
    assert 'id="id_kind-error"' in body
    assert "The overseas public partner must be a government" in body
    assert 'value="Mukdahan Province"' in body
    assert application.consortium_members.count() == 1


def test_upload_without_file_error_kind_kept(client, complete_draft):
    login(client, complete_draft.created_by)
    response = client.post(section_url(complete_draft, "documents"), {"kind": "site_map"})
    body = response.content.decode()
    assert response.status_code == 400
    assert 'id="id_file-error"' in body
    assert '<option value="site_map" selected>' in body


def test_clarification_answer_empty_refused(client, complete_draft, kind_staff):
    services.submit_application(application=complete_draft, actor=complete_draft.created_by)
    services.request_clarification(
        application=complete_draft, actor=kind_staff, message="Area?", sections=["site"]
    )
    login(client, complete_draft.created_by)
    response = client.post(
        reverse("applications:answer_clarification", kwargs={"pk": complete_draft.pk}),
        {"response": ""},
        follow=True,
    )
    assert "This field is required." in response.content.decode()
    complete_draft.refresh_from_db()
    assert complete_draft.status == "clarification"


def test_other_application_factory_does_not_leak_into_dashboard(
    client, complete_draft, other_applicant
):
    ApplicationFactory(
        organization=other_applicant.organizations.first(),
        track=complete_draft.track,
        title="Khulna secret plan",
    )
    login(client, complete_draft.created_by)
    body = client.get(reverse("applications:dashboard")).content.decode()
    assert "Khulna secret plan" not in body and complete_draft.title in body


def test_consortium_page_query_count_does_not_grow_with_members(
    client, role_groups, demonstration_track, django_assert_max_num_queries
):
    from tests.factories import ConsortiumMemberFactory

    company = OrganizationFactory(name="Seoul Smart Co", kind="korean_company", country_code="KR")
    user = UserFactory(organizations=[company], email_verified_at=timezone.now())
    application = services.start_application(
        track=demonstration_track, organization=company, actor=user
    )
    login(client, user)
    url = section_url(application, "consortium")
    with django_assert_max_num_queries(30) as one:
        client.get(url)
    for _ in range(5):
        ConsortiumMemberFactory(application=application)
    with django_assert_max_num_queries(len(one.captured_queries)):
        body = client.get(url).content.decode()
    assert body.count("Remove Member") == 5


def _options(body: str, select_id: str) -> list[str]:
    select = body.split(f'id="{select_id}"', 1)[1].split("</select>", 1)[0]
    return [label.strip() for label in re.findall(r"<option[^>]*>([^<]*)</option>", select)][1:]


def test_site_country_choices_in_the_readers_language_and_order(client, complete_draft):
    CountryFactory(code="BD", iso3="BGD", name="Bangladesh", name_ko="방글라데시")
    CountryFactory(code="PH", iso3="PHL", name="Philippines", name_ko="필리핀")
    CountryFactory(code="XX", iso3="XXX", name="Atlantis", name_ko="")
    login(client, complete_draft.created_by)
    url = section_url(complete_draft, "site")
    client.cookies["django_language"] = "en"
    english = client.get(url).content.decode()
    assert _options(english, "id_country") == ["Atlantis", "Bangladesh", "Malaysia", "Philippines"]
    client.cookies["django_language"] = "ko"
    korean = client.get(url).content.decode()
    # Korean names in 가나다 order; a country without one keeps its English name.
    assert _options(korean, "id_country") == ["Atlantis", "말레이시아", "방글라데시", "필리핀"]
    assert "Klang (말레이시아)" in _options(korean, "id_city")


def test_budget_outside_the_range_error_names_floor_and_ceiling(client, complete_draft):
    login(client, complete_draft.created_by)
    response = client.post(section_url(complete_draft, "budget"), {"budget_requested": "900000000"})
    body = response.content.decode()
    assert 'id="id_budget_requested-error"' in body and 'value="900000000"' in body
    assert "The amount must be between KRW 300,000,000 and KRW 500,000,000." in body
    assert "In Korean won, between KRW 300,000,000 and KRW 500,000,000 for this track." in body


def test_budget_of_a_fixed_amount_track_error_names_the_amount(
    client, role_groups, demonstration_track
):
    company = OrganizationFactory(name="Seoul Smart Co", kind="korean_company", country_code="KR")
    user = UserFactory(organizations=[company], email_verified_at=timezone.now())
    application = services.start_application(
        track=demonstration_track, organization=company, actor=user
    )
    login(client, user)
    response = client.post(section_url(application, "budget"), {"budget_requested": "300000000"})
    body = response.content.decode()
    assert 'id="id_budget_requested-error"' in body and 'value="300000000"' in body
    assert "The amount for this track is KRW 400,000,000." in body
    assert "In Korean won: KRW 400,000,000 for this track." in body
    assert "between" not in body
    application.refresh_from_db()
    assert application.budget_requested is None
