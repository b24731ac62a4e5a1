"""An address that names one's own object and, inside it, another party's (a document, a
consortium member, a membership, a tag, an award, a decision, a question of party A): the page
answers 404 and party A's row is untouched. The role-by-URL walk opens party A's addresses
whole; these open them half one's own."""

import pytest
from django.urls import reverse

from accounts import roles
from accounts.models import Membership
from applications.models import ConsortiumMember, Document
from tests.factories import ApplicationFactory, OrganizationFactory, UserFactory
from tests.test_role_by_url import party_a  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture
def intruder(role_groups):
    org = OrganizationFactory(name="Other City", kind="city_government", country_code="TH")
    user = UserFactory(email="owner@other.go.th", roles=[roles.APPLICANT], organizations=[org])
    Membership.objects.filter(user=user, organization=org).update(role=Membership.Role.OWNER)
    return user


def test_own_application_with_party_as_document_or_member(client, party_a, intruder):  # noqa: F811
    org = intruder.organizations.first()
    own = ApplicationFactory(track=party_a["planning"], organization=org, created_by=intruder)
    own_dm = ApplicationFactory(
        track=party_a["demonstration"], organization=org, created_by=intruder
    )
    document = party_a["document"]
    member = ConsortiumMember.objects.create(
        application=party_a["consortium_draft"], name="Partner", kind="university", role="partner"
    )
    client.force_login(intruder)
    url = reverse("applications:document_remove", args=[own.pk, document.pk])
    assert client.post(url).status_code == 404
    url = reverse("applications:consortium_remove", args=[own_dm.pk, member.pk])
    assert client.post(url).status_code == 404
    assert Document.objects.filter(pk=document.pk).exists()
    assert ConsortiumMember.objects.filter(pk=member.pk).exists()


def test_own_organisation_with_party_as_membership(client, party_a, intruder):  # noqa: F811
    theirs = party_a["org"].memberships.order_by("pk").first()
    client.force_login(intruder)
    url = reverse(
        "accounts:membership_remove",
        kwargs={"pk": intruder.organizations.first().pk, "membership_pk": theirs.pk},
    )
    assert client.post(url).status_code == 404
    assert Membership.objects.filter(pk=theirs.pk).exists()


def test_own_assignment_with_another_applications_document(client, party_a, reviewer):  # noqa: F811
    """The reviewer's accepted demonstration assignment, asked for a planning document."""
    client.force_login(reviewer)
    url = reverse(
        "reviews:document_download",
        kwargs={"pk": party_a["accepted"].pk, "document": party_a["document"].public_id},
    )
    assert client.get(url).status_code == 404


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [
        ("staff_applications:tag_edit", lambda d: {"pk": d["tag"].pk}),
        ("staff_applications:tag_delete", lambda d: {"pk": d["tag"].pk}),
        ("staff_applications:question_edit", lambda d: {"pk": d["question"].pk}),
        ("staff_applications:question_retire", lambda d: {"pk": d["question"].pk}),
        ("staff_awards:award_advance", lambda d: {"pk": d["award"].pk}),
        ("staff_awards:award_cancel", lambda d: {"pk": d["award"].pk}),
        ("staff_awards:award_letter", lambda d: {"pk": d["award"].pk}),
        ("staff_results:decision", lambda d: {"pk": d["decision"].pk}),
        ("staff_results:job", lambda d: {"job_id": d["job"].pk}),
        ("staff_results:justifications", lambda d: {"application_id": d["awarded"].pk}),
    ],
)
def test_own_track_with_the_other_tracks_row(client, party_a, kaia_staff, name, kwargs):  # noqa: F811
    """KAIA's staff, on their own demonstration track, naming a row of KIND's planning track."""
    from accounts.models import AuditEvent

    client.force_login(kaia_staff)
    url = reverse(name, kwargs={"track_id": party_a["demonstration"].pk, **kwargs(party_a)})
    audit = AuditEvent.objects.count()
    # 405 where the address takes only the other method: the row is not reached either way.
    assert client.get(url).status_code in (404, 405)
    response = client.post(url, {"to": "contracted", "reason": "x", "name": "Evil"})
    assert response.status_code in (404, 405)
    assert AuditEvent.objects.count() == audit
