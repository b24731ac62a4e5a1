"""The staff event page's forms in the reader's language: the funded projects to link, the
organisations and the countries of a participant by their Korean names on the Korean page."""

import datetime

import pytest
from django.urls import reverse

from projects.models import Event
from tests.factories import CityFactory, CountryFactory, OrganizationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def event(db):
    return Event.objects.create(
        kind=Event.Kind.WORKSHOP,
        name="Klang workshop",
        city=CityFactory(name="Klang"),
        starts_on=datetime.date(2022, 11, 15),
        ends_on=datetime.date(2022, 11, 15),
    )


def _korean_page(client, user, event) -> str:
    client.force_login(user)
    client.cookies["django_language"] = "ko"
    return client.get(reverse("staff_events:event", args=[event.pk])).content.decode()


def test_event_forms_list_projects_organisations_and_countries_in_korean(
    client, event, kind_staff, contracted_project
):
    contracted_project.name_ko = "클랑 스마트시티 계획"
    contracted_project.save(update_fields=["name_ko"])
    country = CountryFactory(name="Malaysia", name_ko="말레이시아")
    organisation = OrganizationFactory(name="Hanul Planning", name_ko="한울도시계획")
    body = _korean_page(client, kind_staff, event)
    assert f"{contracted_project.code} 클랑 스마트시티 계획" in body
    assert contracted_project.name not in body
    assert f'<option value="{country.pk}">말레이시아</option>' in body
    assert f'<option value="{organisation.pk}">한울도시계획</option>' in body


def test_event_forms_keep_the_english_name_without_a_korean_one(
    client, event, kind_staff, contracted_project
):
    country = CountryFactory(code="VN", iso3="VNM", name="Vietnam", name_ko="")
    body = _korean_page(client, kind_staff, event)
    assert f"{contracted_project.code} {contracted_project.name}" in body
    assert f'<option value="{country.pk}">Vietnam</option>' in body
