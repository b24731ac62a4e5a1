"""A reviewer sees an application's files only after declaring no conflict with it."""

import pytest
from django.urls import reverse

from reviews.models import ConflictDeclaration
from tests.factories import (
    AssignmentFactory,
    DocumentFactory,
    InterestDeclarationFactory,
    SubmittedApplicationFactory,
)


@pytest.fixture
def assigned_document(reviewer, planning_track):
    application = SubmittedApplicationFactory(track=planning_track, title="Secret harbour plan")
    AssignmentFactory(application=application, reviewer=reviewer)
    return DocumentFactory(application=application, original_name="secret-letter.pdf")


def test_document_download_reviewer_before_declaration_denied(client, reviewer, assigned_document):
    client.force_login(reviewer)
    url = reverse("applications:document_download", args=[assigned_document.public_id])
    response = client.get(url)
    assert response.status_code == 404
    assert b"secret-letter" not in response.content


def test_document_download_reviewer_after_no_conflict_allowed(client, reviewer, assigned_document):
    ConflictDeclaration.objects.create(
        reviewer=reviewer,
        application=assigned_document.application,
        has_conflict=False,
        kind=ConflictDeclaration.Kind.NONE,
    )
    client.force_login(reviewer)
    url = reverse("applications:document_download", args=[assigned_document.public_id])
    # Not while the yearly declaration of interests is missing (or expired).
    assert client.get(url).status_code == 404
    InterestDeclarationFactory(reviewer=reviewer)
    response = client.get(url)
    assert response.status_code == 200
    assert "secret-letter.pdf" in response["Content-Disposition"]


def test_document_download_reviewer_with_conflict_denied(client, reviewer, assigned_document):
    ConflictDeclaration.objects.create(
        reviewer=reviewer,
        application=assigned_document.application,
        has_conflict=True,
        kind=ConflictDeclaration.Kind.PERSONAL,
    )
    client.force_login(reviewer)
    url = reverse("applications:document_download", args=[assigned_document.public_id])
    assert client.get(url).status_code == 404


def test_document_of_a_draft_is_not_downloaded_by_staff_or_programme_admins(
    client, applicant, kind_staff, programme_admin, planning_track
):
    """Like the lists (``applications_for_user``), the rules leave drafts to their applicant:
    a concept note sent back as a draft of the full proposal keeps its documents, which
    nobody outside the organisation reads until it is sent again."""
    from tests.factories import ApplicationFactory

    draft = ApplicationFactory(
        track=planning_track, organization=applicant.organizations.get(), created_by=applicant
    )
    document = DocumentFactory(application=draft, original_name="draft-letter.pdf")
    url = reverse("applications:document_download", args=[document.public_id])
    for user in (programme_admin, kind_staff):
        client.force_login(user)
        assert client.get(url).status_code == 404
        assert not user.has_perm("applications.view_application", draft)
    client.force_login(applicant)
    assert client.get(url).status_code == 200
