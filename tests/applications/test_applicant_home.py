"""The applicant's home (/applications/): each application's progress (sections complete or
not, the documents missing by name), the deadline with its countdown on the applicant's clock,
and what happens next; the form's navigation and the status page say the same, from the one
completeness rule (``applications.selectors.section_progress``)."""

import datetime
import zoneinfo

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, override

from applications import selectors
from applications.models import Application, Document
from tests.conftest import login
from tests.factories import (
    ApplicationFactory,
    DeliverableFactory,
    DocumentFactory,
    ProjectFactory,
    SubmittedApplicationFactory,
)

pytestmark = pytest.mark.django_db

URL = reverse("applications:dashboard")
PLANNING_KEYS = ["applicant", "site", "project", "readiness", "budget", "priority", "documents"]


@pytest.fixture
def half_draft(verified_applicant, planning_track):
    """A planning draft with no summary and only the letter of intent (the concept paper is
    missing); every other section is complete."""
    application = ApplicationFactory(
        track=planning_track,
        organization=verified_applicant.organizations.first(),
        created_by=verified_applicant,
        title="Klang river park",
        summary="",
    )
    DocumentFactory(application=application, kind=Document.Kind.LETTER_OF_INTENT)
    return application


def _marks(body: str, application, keys) -> dict[str, str]:
    """{section: "Complete"/"Incomplete"} as a page shows them next to each section link."""
    marks = {}
    for key in keys:
        link = reverse("applications:section", args=[application.pk, key])
        after = body[body.index(f'href="{link}"') :]
        complete, incomplete = after.find(">Complete<"), after.find(">Incomplete<")
        candidates = [i for i in (complete, incomplete) if i >= 0]
        marks[key] = "Complete" if min(candidates) == complete else "Incomplete"
    return marks


def test_section_progress_marks_each_section_from_the_submission_problems(half_draft):
    progress = {s.key: s.complete for s in selectors.section_progress(half_draft)}
    assert progress == {
        "applicant": True,
        "site": True,
        "project": False,
        "readiness": True,
        "budget": True,
        "priority": True,
        "documents": False,
    }
    problem_sections = {p.section for p in selectors.submission_problems(half_draft)}
    assert {k for k, done in progress.items() if not done} == problem_sections
    assert selectors.missing_documents(half_draft) == ["Project concept paper"]


def test_home_shows_sections_missing_documents_and_deadline(client, verified_applicant, half_draft):
    seoul = zoneinfo.ZoneInfo("Asia/Seoul")
    noon = timezone.localtime(timezone.now(), seoul).replace(hour=12, minute=0, second=0)
    half_draft.call.closes_at = noon + datetime.timedelta(days=3)
    half_draft.call.save()
    login(client, verified_applicant)
    body = client.get(URL).content.decode()
    assert "5 of 7 sections complete" in body
    assert _marks(body, half_draft, PLANNING_KEYS) == {
        key: "Incomplete" if key in ("project", "documents") else "Complete"
        for key in PLANNING_KEYS
    }
    assert "Required documents still missing" in body
    assert "Project concept paper</a>" in body
    assert "Letter of intent</a>" not in body
    assert "3 days left" in body
    assert "Complete the sections marked incomplete" in body


def test_home_says_what_happens_next_by_status(client, verified_applicant, planning_track):
    org = verified_applicant.organizations.first()
    SubmittedApplicationFactory(track=planning_track, organization=org, title="Klang bus lanes")
    SubmittedApplicationFactory(
        track=planning_track,
        organization=org,
        status=Application.Status.INELIGIBLE,
        title="Klang harbour",
    )
    login(client, verified_applicant)
    response = client.get(URL)
    by_title = {a.title: a for a in response.context["applications"]}
    assert by_title["Klang bus lanes"].next_step.startswith(
        "The secretariat checks that the application is eligible"
    )
    assert by_title["Klang harbour"].next_step.startswith("The application is not eligible")
    # Submitted applications are past completing: no section marks, no countdown.
    assert by_title["Klang bus lanes"].progress == []
    assert by_title["Klang bus lanes"].deadline is None


def test_complete_draft_is_ready_to_submit(client, verified_applicant, complete_draft):
    login(client, verified_applicant)
    response = client.get(URL)
    (application,) = response.context["applications"]
    assert all(section.complete for section in application.progress)
    assert application.missing_documents == []
    assert "Everything required is there" in response.content.decode()


def test_section_navigation_marks_sections_with_text(client, verified_applicant, half_draft):
    login(client, verified_applicant)
    page = client.get(reverse("applications:section", args=[half_draft.pk, "site"]))
    review = client.get(reverse("applications:review", args=[half_draft.pk]))
    expected = {
        key: "Incomplete" if key in ("project", "documents") else "Complete"
        for key in PLANNING_KEYS
    }
    assert _marks(page.content.decode(), half_draft, PLANNING_KEYS) == expected
    assert _marks(review.content.decode(), half_draft, PLANNING_KEYS) == expected
    assert {p.section for p in review.context["problems"]} == {"project", "documents"}


def test_detail_page_names_the_missing_items_with_links(client, verified_applicant, half_draft):
    login(client, verified_applicant)
    body = client.get(reverse("applications:detail", args=[half_draft.pk])).content.decode()
    project = reverse("applications:section", args=[half_draft.pk, "project"])
    documents = reverse("applications:section", args=[half_draft.pk, "documents"])
    assert "2 items to complete before you can submit" in body
    assert f'<a href="{project}#id_summary">Project: Write a summary of the project.</a>' in body
    assert (
        f'<a href="{documents}">Documents: Upload the required document: Project concept paper.</a>'
    ) in body
    assert "items are still missing" not in body


def test_new_applicant_gets_a_start_button_and_the_open_calls(
    client, verified_applicant, planning_track
):
    login(client, verified_applicant)
    response = client.get(URL)
    body = response.content.decode()
    assert response.context["applications"] == []
    assert "Your organisation has no application yet" in body
    assert f'action="{reverse("applications:start", args=[planning_track.pk])}"' in body
    assert planning_track.call.display_name in body


def test_contractor_sees_their_projects_and_deliverables_due(
    client, contractor, contracted_project
):
    today_in_seoul = timezone.localtime(timezone.now(), zoneinfo.ZoneInfo("Asia/Seoul")).date()
    due = DeliverableFactory(
        project=contracted_project,
        title="Inception workshop report",
        due_on=today_in_seoul + datetime.timedelta(days=12),
    )
    DeliverableFactory(project=contracted_project, status="accepted", title="Accepted long ago")
    DeliverableFactory(project=ProjectFactory(), title="Somebody else's report")
    login(client, contractor)
    response = client.get(URL)
    body = response.content.decode()
    assert [p.pk for p in response.context["contractor_projects"]] == [contracted_project.pk]
    assert "My projects" in body
    assert "Leaky Klang plan" in body
    assert f'href="{reverse("awards:deliverable", args=[due.pk])}"' in body
    assert "Inception workshop report" in body
    assert "Accepted long ago" not in body and "Somebody else" not in body
    assert "12 days left" in body  # on the contractor's clock (Asia/Seoul)


def test_home_query_count_does_not_grow_with_documents_and_drafts(
    client, verified_applicant, planning_track, django_assert_max_num_queries
):
    org = verified_applicant.organizations.first()

    def add(n):
        for _ in range(n):
            draft = ApplicationFactory(
                track=planning_track, organization=org, created_by=verified_applicant
            )
            DocumentFactory(application=draft)
            SubmittedApplicationFactory(track=planning_track, organization=org)

    add(1)
    login(client, verified_applicant)
    with django_assert_max_num_queries(40) as one:
        client.get(URL)
    add(9)
    with django_assert_max_num_queries(len(one.captured_queries)):
        response = client.get(URL)
    assert len(response.context["applications"]) == 20


def test_applicant_home_in_korean_uses_the_catalogues_labels(
    client, verified_applicant, half_draft
):
    client.cookies["django_language"] = "ko"
    login(client, verified_applicant)
    body = client.get(URL).content.decode()
    with override("ko"):
        labels = [
            gettext("My applications"),
            gettext("What happens next"),
            gettext("Required documents still missing"),
            gettext("Incomplete"),
            str(dict(Document.Kind.choices)[Document.Kind.CONCEPT_PAPER]),
        ]
    assert labels[0] != "My applications"  # the page really is rendered in Korean
    assert labels[-1] != "Project concept paper"  # the document's name in Korean
    for label in labels:
        assert label in body
