"""The token page and the API's description say every reason a token stops working: a staff
or reviewer role given revokes the tokens made before it (``privileged_role_given``), as a
new password does. A token holder who reads only "when your password changes" is surprised."""

from django.urls import reverse

from accounts.models import ApiToken


def test_tokens_page_says_a_new_role_revokes_tokens(client, applicant):
    client.force_login(applicant)
    page = client.get(reverse("accounts:tokens"))
    assert page.status_code == 200
    assert "staff or reviewer role" in page.content.decode()


def test_api_description_of_tokens_says_a_new_role_revokes_them(client):
    schema = client.get(
        reverse("api-schema"), HTTP_ACCEPT="application/vnd.oai.openapi+json"
    ).json()
    creating = [
        operation["description"]
        for path, item in schema["paths"].items()
        if path.endswith("/tokens/")
        for method, operation in item.items()
        if method == "post"
    ]
    assert creating and "staff or reviewer role" in creating[0]


def test_reviewer_accepting_a_second_committee_keeps_tokens(
    client, planning_track, assigned_reviewer, kind_staff
):
    """A reviewer's role is not new on a second committee: its tokens stay."""
    from projects.models import Track
    from reviews.services import committee as committee_services
    from tests.factories import TrackFactory

    from .conftest import verified

    verified(kind_staff)
    reviewer = verified(assigned_reviewer)
    second = TrackFactory(call=planning_track.call, kind=Track.Kind.PLANNING, name="Second")
    token = ApiToken.objects.create(user=reviewer, name="dashboard", key_hash="x" * 64)
    invitation = committee_services.invite_reviewer(
        track=second, email=reviewer.email, actor=kind_staff
    )
    committee_services.respond_to_invitation(invitation=invitation, accept=True, actor=reviewer)
    token.refresh_from_db()
    assert token.revoked_at is None
