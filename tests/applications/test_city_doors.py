"""A city another organisation only typed into its draft stays private at every door, not
only in the page's drop-down (projects.selectors.public_cities): the site section's service
(applications.services.save_application_section, applications.selectors.site_cities), a
city question's check (applications.questions.normalize, choosable_cities) and the API."""

import pytest
from django.forms import ModelChoiceField
from django.urls import reverse

from applications import services
from applications.models import Question
from core.domain import DomainError
from tests.api.conftest import client_for
from tests.factories import ApplicationFactory, CityFactory, QuestionFactory

pytestmark = pytest.mark.django_db

SECRET = "Secret Harbour Draftville"
NOT_OFFERED = str(ModelChoiceField.default_error_messages["invalid_choice"])


def _typed_city(application, applicant):
    services.save_application_section(
        application=application,
        section="site",
        data={"country": application.country, "city": None},
        actor=applicant,
        new_city_name=SECRET,
    )
    application.refresh_from_db()
    return application.city


@pytest.fixture
def theirs(application, applicant):
    return _typed_city(application, applicant)


@pytest.fixture
def mine(application, other_applicant, planning_track):
    return ApplicationFactory(
        track=planning_track,
        created_by=other_applicant,
        organization=other_applicant.organizations.first(),
        country=application.country,
    )


def test_api_refuses_a_city_another_organisation_typed_into_its_draft(
    theirs, mine, other_applicant, application
):
    response = client_for(other_applicant).patch(
        reverse("api:application-detail", kwargs={"pk": mine.pk}),
        {"country": application.country.code, "city": theirs.pk, "version": mine.version},
        format="json",
    )
    # The site form refuses this city; the API took it and showed its name back.
    assert SECRET not in response.content.decode()
    assert response.status_code == 400
    mine.refresh_from_db()
    assert mine.city_id != theirs.pk


def test_site_service_refuses_another_organisations_typed_city_as_the_form_does(
    theirs, mine, other_applicant, application, applicant
):
    with pytest.raises(DomainError) as refused:
        services.save_application_section(
            application=mine,
            section="site",
            data={"country": application.country, "city": theirs},
            actor=other_applicant,
        )
    assert refused.value.field == "city"
    assert str(refused.value.message) == NOT_OFFERED
    # Its own typed city stays the owner's to keep, and a listed city anyone's to choose.
    services.save_application_section(
        application=application,
        section="site",
        data={"country": application.country, "city": theirs, "site_population": 5},
        actor=applicant,
    )
    listed = CityFactory(country=application.country, name="Listed Town")
    saved = services.save_application_section(
        application=mine,
        section="site",
        data={"country": application.country, "city": listed},
        actor=other_applicant,
    )
    assert saved.city == listed


def test_city_question_refuses_another_organisations_typed_city(
    theirs, mine, other_applicant, application, applicant, planning_track
):
    QuestionFactory(track=planning_track, code="partner_city", type=Question.Type.CITY)
    with pytest.raises(services.AnswersInvalid) as refused:
        services.save_answers(
            application=mine, answers={"partner_city": theirs.pk}, actor=other_applicant
        )
    assert str(refused.value.errors["partner_city"]) == "Choose a city from the list."
    response = client_for(other_applicant).patch(
        reverse("api:application-detail", kwargs={"pk": mine.pk}),
        {"answers": {"partner_city": theirs.pk}},
        format="json",
    )
    assert response.status_code == 400
    assert SECRET not in response.content.decode()
    # The application's own site city is offered to its questions, and a saved answer stays
    # acceptable after the site moves elsewhere.
    services.save_answers(
        application=application, answers={"partner_city": theirs.pk}, actor=applicant
    )
    listed = CityFactory(country=application.country, name="Listed Town")
    services.save_application_section(
        application=application,
        section="site",
        data={"country": application.country, "city": listed},
        actor=applicant,
    )
    application.refresh_from_db()
    services.save_answers(
        application=application, answers={"partner_city": str(theirs.pk)}, actor=applicant
    )
    assert application.answers.get().value == theirs.pk
