"""Who may apply (``applications.selectors.applicant_refusal``) is now part of every draft's
completeness: the applicant's home and the review page still read a fixed number of rows,
and a draft whose organisation may no longer apply says so where the applicant looks."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import ApplicationFactory, CityFactory, CountryFactory, TrackFactory


def _drafts(applicant, track, count):
    organization = applicant.organizations.first()
    country = CountryFactory(code="MY", name="Malaysia")
    for i in range(count):
        ApplicationFactory(
            track=track,
            organization=organization,
            created_by=applicant,
            country=country,
            city=CityFactory(country=country, name=f"City {i}"),
        )


def _home_queries(client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("applications:dashboard"))
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_applicant_home_reads_the_same_rows_for_two_drafts_or_eight(
    client, applicant, planning_track
):
    other_track = TrackFactory(
        call=planning_track.call,
        secretariat=planning_track.secretariat,
        kind="solution_planning",
        code="SP",
        applicant_kind="korean_company",
    )
    _drafts(applicant, planning_track, 1)
    client.force_login(applicant)
    # A draft on a track the organisation may not apply to (a Korean-company track).
    ApplicationFactory(
        track=other_track,
        organization=applicant.organizations.first(),
        created_by=applicant,
    )
    few = _home_queries(client)
    _drafts(applicant, planning_track, 3)
    for _i in range(3):
        ApplicationFactory(
            track=other_track,
            organization=applicant.organizations.first(),
            created_by=applicant,
        )
    many = _home_queries(client)
    assert many == few


def test_draft_of_an_organisation_that_may_not_apply_shows_why_on_its_review_page(
    client, applicant, planning_track
):
    track = TrackFactory(
        call=planning_track.call,
        secretariat=planning_track.secretariat,
        kind="solution_planning",
        code="SP",
        applicant_kind="korean_company",
    )
    draft = ApplicationFactory(
        track=track, organization=applicant.organizations.first(), created_by=applicant
    )
    client.force_login(applicant)
    page = client.get(reverse("applications:review", kwargs={"pk": draft.pk}))
    assert page.status_code == 200
    assert "cannot apply to this track" in page.content.decode()
