"""What one submission costs the database (issue 16): the deadline rush is bound by the work
of each submission, so its statements are counted here, and a change that adds one shows."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from applications import services
from applications.models import Application
from tests.conftest import login
from tests.factories import ApplicationFactory, CityFactory, DocumentFactory

# The session, the user, the user's roles and second factor (what any page in a session
# reads); the view's ownership check; the transaction (a savepoint inside a test's own
# transaction); on PostgreSQL the call's share lock; the application's row locked with its
# call and track; membership; completeness (questions, documents, the track's required
# documents, one proposal per city); the savepoint the city constraint is caught in; the
# status change and its audit row; the reference, taken and stored; the members; the
# confirmation (the e-mail, its template, the in-app copy); the two savepoints' ends.
SUBMISSION_STATEMENTS = 23
CALL_SHARE_LOCK = 1  # PostgreSQL only: SQLite lets one transaction write at a time


def test_a_submission_makes_a_fixed_number_of_statements(client, complete_draft):
    # The first submission of a track starts its reference numbering, once; the next ones
    # are what a deadline rush is made of.
    services.submit_application(application=complete_draft, actor=complete_draft.created_by)
    draft = ApplicationFactory(
        track=complete_draft.track,
        organization=complete_draft.organization,
        created_by=complete_draft.created_by,
        country=complete_draft.country,
        city=CityFactory(country=complete_draft.country, name="Shah Alam"),
        budget_requested=complete_draft.budget_requested,
    )
    for kind in complete_draft.track.required_documents:
        DocumentFactory(application=draft, kind=kind)
    login(client, draft.created_by)

    with CaptureQueriesContext(connection) as ctx:
        response = client.post(reverse("applications:submit", kwargs={"pk": draft.pk}))

    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == Application.Status.SUBMITTED and draft.reference
    statements = [q["sql"] for q in ctx.captured_queries]
    expected = SUBMISSION_STATEMENTS + (CALL_SHARE_LOCK if connection.vendor == "postgresql" else 0)
    assert len(statements) == expected, "\n".join(s[:120] for s in statements)
