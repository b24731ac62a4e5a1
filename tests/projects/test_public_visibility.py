"""What the public sees of the catalogue, the same on the pages, the open-data API and the
statistics (projects.selectors.public_portfolio, public_cities; projects.api.StaffFieldsMixin):

* the portfolio shows a project awarded through the portal once its award is approved, never
  while it is only proposed nor after it is cancelled; projects from before the portal always;
* the city list never shows a city an applicant typed into an application (and an applicant's
  drop-downs never show another organisation's);
* the tracks and criteria show what the call page shows; staff also read the review settings.
"""

import pytest
from django.urls import reverse

from accounts.audit import audit_events_for
from applications.forms import QuestionsForm, SiteSectionForm
from applications.models import Question
from applications.services import save_application_section
from awards.models import Award
from awards.services import advance_award, award_funding, cancel_award
from projects.models import City, Project
from projects.selectors import public_cities, public_portfolio
from reporting.statistics import programme_stats
from results.models import ApplicationResult
from results.services import confirm_decisions, propose_funding_line, release_decisions
from tests.factories import (
    ApplicationFactory,
    CriterionFactory,
    EventFactory,
    ProjectFactory,
    QuestionFactory,
)
from tests.factories.results import ensure_email_templates, reviewed_application

pytestmark = pytest.mark.django_db
M = 1_000_000
TITLE = "Proposed-only riverside plan"


@pytest.fixture(autouse=True)
def _email_templates(settings, tmp_path):
    ensure_email_templates(
        settings, tmp_path, ["applications/decision", "applications/status_changed"]
    )


@pytest.fixture
def proposed_award(planning_track, applicant, kind_staff, programme_admin):
    planning_track.total_budget = 800 * M
    planning_track.save()
    app = reviewed_application(
        planning_track,
        title=TITLE,
        budget_requested=400 * M,
        organization=applicant.organizations.first(),
    )
    ApplicationResult.objects.create(
        application=app, track=planning_track, official_score="90.00", rank=1
    )
    propose_funding_line(track=planning_track, actor=kind_staff)
    confirm_decisions(track=planning_track, actor=programme_admin)
    release_decisions(track=planning_track, actor=programme_admin)
    award = award_funding(application=app, amount=400 * M, actor=kind_staff)
    assert award.status == Award.Status.PROPOSED
    return award


def _shown(client, project: Project) -> dict[str, bool]:
    """Where the public sees ``project``: the portfolio page, its page, the API list and detail,
    and the year's statistics."""
    client.logout()
    page = client.get(reverse("projects:portfolio")).content.decode()
    detail = client.get(reverse("projects:project_detail", args=[project.code]))
    api = client.get("/api/v1/projects/").json()["results"]
    api_detail = client.get(f"/api/v1/projects/{project.code}/")
    return {
        "page": project.name in page,
        "detail": detail.status_code == 200,
        "api": project.code in {row["code"] for row in api},
        "api_detail": api_detail.status_code == 200,
        "statistics": programme_stats(project.year)["selected"] == 1,
    }


# --- The public portfolio -----------------------------------------------------------------------


def test_public_portfolio_hides_an_award_still_proposed(client, proposed_award):
    project = proposed_award.project
    assert not project.is_public
    assert not any(_shown(client, project).values())


def test_an_approved_award_enters_the_public_portfolio(client, proposed_award, kind_staff):
    advance_award(award=proposed_award, to=Award.Status.APPROVED, actor=kind_staff)
    project = Project.objects.get(pk=proposed_award.project_id)
    assert project.is_public
    assert all(_shown(client, project).values())
    assert [e.action for e in audit_events_for(project)][-1] == "published"


def test_a_cancelled_award_leaves_the_public_portfolio(client, proposed_award, kind_staff):
    award = advance_award(award=proposed_award, to=Award.Status.APPROVED, actor=kind_staff)
    cancel_award(award=award, reason="The partner withdrew.", actor=kind_staff)
    project = Project.objects.get(pk=proposed_award.project_id)
    assert (project.status, project.is_public) == (Project.Status.CANCELLED, False)
    assert not any(_shown(client, project).values())


def test_projects_from_before_the_portal_are_always_public():
    historical = ProjectFactory(source=Project.Source.HISTORICAL, status=Project.Status.CANCELLED)
    hidden = ProjectFactory(is_public=False)
    assert set(public_portfolio()) == {historical}
    assert hidden not in public_portfolio()


def test_staff_still_follow_a_proposed_project(client, proposed_award, kind_staff):
    client.force_login(kind_staff)
    response = client.get(reverse("staff_awards:project", args=[proposed_award.project.code]))
    assert response.status_code == 200


# --- Cities ---------------------------------------------------------------------------------------


def _type_a_city(application, applicant, name: str) -> City:
    save_application_section(
        application=application,
        section="site",
        data={"country": application.country, "city": None},
        actor=applicant,
        new_city_name=name,
    )
    application.refresh_from_db()
    return application.city


def test_public_city_api_does_not_list_a_city_typed_into_a_draft(
    client, applicant, application, other_applicant, kind_staff
):
    typed = _type_a_city(application, applicant, "Secret Harbour Draftville")
    assert typed.latitude is None
    names = {}
    for who in (None, other_applicant, applicant, kind_staff):
        client.logout()
        if who is not None:
            client.force_login(who)
        rows = client.get("/api/v1/cities/?page_size=200").json()["results"]
        names[who] = {row["name"] for row in rows}
    assert "Secret Harbour Draftville" not in names[None]
    assert "Secret Harbour Draftville" not in names[other_applicant]
    assert "Secret Harbour Draftville" not in names[applicant]
    assert "Secret Harbour Draftville" in names[kind_staff]  # staff check new cities
    assert client.get(f"/api/v1/cities/{typed.pk}/").status_code == 200
    client.logout()
    assert client.get(f"/api/v1/cities/{typed.pk}/").status_code == 404


def test_public_cities_are_those_checked_funded_or_of_an_event(application):
    checked = City.objects.create(country=application.country, name="Checked", latitude=1)
    checked.longitude = 2
    checked.save()
    typed = City.objects.create(country=application.country, name="Typed only")
    funded = City.objects.create(country=application.country, name="Funded")
    ProjectFactory(city=funded, country=funded.country)
    met = City.objects.create(country=application.country, name="Met")
    EventFactory(city=met)
    proposed = City.objects.create(country=application.country, name="Proposed")
    ProjectFactory(city=proposed, country=proposed.country, is_public=False)
    listed = set(public_cities().filter(country=application.country))
    assert {checked, funded, met} <= listed
    assert typed not in listed and proposed not in listed
    assert typed in public_cities(including=[typed.pk])


def test_site_form_offers_the_applicants_own_typed_city_but_not_anothers(
    applicant, application, other_applicant, planning_track
):
    theirs = _type_a_city(application, applicant, "Secret Harbour Draftville")
    other = ApplicationFactory(
        track=planning_track,
        created_by=other_applicant,
        organization=other_applicant.organizations.first(),
        country=application.country,
    )
    mine = _type_a_city(other, other_applicant, "My Own Village")
    offered = set(SiteSectionForm(instance=other, track=planning_track).fields["city"].queryset)
    assert mine in offered and theirs not in offered
    bound = SiteSectionForm(
        {"country": other.country.pk, "city": theirs.pk, "version": other.version},
        instance=other,
        track=planning_track,
    )
    assert not bound.is_valid() and "city" in bound.errors


def test_city_question_offers_no_city_another_organisation_typed(
    applicant, application, planning_track
):
    theirs = _type_a_city(application, applicant, "Secret Harbour Draftville")
    question = QuestionFactory(track=planning_track, type=Question.Type.CITY)
    name = f"q_{question.code}"
    offered = {
        value
        for value, _label in QuestionsForm(questions=[question], track_kind=planning_track.kind)
        .fields[name]
        .choices
    }
    assert str(theirs.pk) not in offered
    own = (
        QuestionsForm(questions=[question], track_kind=planning_track.kind, own_cities=[theirs.pk])
        .fields[name]
        .choices
    )
    assert str(theirs.pk) in {value for value, _label in own}


# --- Tracks and criteria --------------------------------------------------------------------------


REVIEW_FIELDS = {"overall_threshold", "review_deadline"}


def test_public_track_api_shows_no_more_than_the_call_page(
    client, planning_track, applicant, kind_staff
):
    criterion = CriterionFactory(track=planning_track)
    url = f"/api/v1/tracks/{planning_track.pk}/"
    call_url = f"/api/v1/calls/{planning_track.call.slug}/"
    for who in (None, applicant):
        client.logout()
        if who is not None:
            client.force_login(who)
        track = client.get(url).json()
        assert not REVIEW_FIELDS & set(track)
        assert {"budget_floor", "budget_ceiling", "target_awards", "applicant_kind"} <= set(track)
        assert not REVIEW_FIELDS & set(client.get(call_url).json()["tracks"][0])
        row = client.get(f"/api/v1/criteria/{criterion.pk}/").json()
        assert "max_points" in row and not {"weight", "threshold"} & set(row)
    client.force_login(kind_staff)
    assert set(client.get(url).json()) >= REVIEW_FIELDS
    assert set(client.get(call_url).json()["tracks"][0]) >= REVIEW_FIELDS
    assert {"weight", "threshold"} <= set(client.get(f"/api/v1/criteria/{criterion.pk}/").json())
