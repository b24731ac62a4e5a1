"""Role and object rules: each permission allowed for the right person and denied for the
others, with rows present that would leak if the rule were wrong."""

import pytest
from django.contrib.auth.models import AnonymousUser

from accounts import roles
from accounts.models import Membership
from tests.factories import (
    AssignmentFactory,
    CallFactory,
    ConflictDeclarationFactory,
    InterestDeclarationFactory,
    SubmittedApplicationFactory,
    TrackFactory,
    UserFactory,
)


@pytest.fixture
def world(
    programme_admin,
    kind_staff,
    kaia_staff,
    reviewer,
    applicant,
    other_applicant,
    planning_track,
    demonstration_track,
):
    org = applicant.organizations.first()
    member = UserFactory(email="junior@klang.gov.my", roles=[roles.APPLICANT])
    Membership.objects.create(user=member, organization=org, role=Membership.Role.MEMBER)
    draft = SubmittedApplicationFactory(
        track=planning_track,
        organization=org,
        created_by=applicant,
        status="draft",
        submitted_at=None,
        reference=None,
    )
    submitted = SubmittedApplicationFactory(
        track=planning_track, organization=org, created_by=applicant
    )
    demonstration = SubmittedApplicationFactory(track=demonstration_track)
    assignment = AssignmentFactory(application=submitted, reviewer=reviewer, status="accepted")
    conflicted = UserFactory(email="conflicted@expert.org", roles=[roles.REVIEWER])
    AssignmentFactory(application=submitted, reviewer=conflicted, status="accepted")
    ConflictDeclarationFactory(
        reviewer=conflicted, application=submitted, has_conflict=True, kind="involved"
    )
    dm_only_call = CallFactory(slug="dm-only")
    TrackFactory(call=dm_only_call, secretariat=demonstration_track.secretariat, code="DM")
    return {
        "admin": programme_admin,
        "kind": kind_staff,
        "kaia": kaia_staff,
        "reviewer": reviewer,
        "conflicted": conflicted,
        "applicant": applicant,
        "member": member,
        "other": other_applicant,
        "anonymous": AnonymousUser(),
        "org": org,
        # KIND, whose membership kind_staff owns: a secretariat's members are a superuser's.
        "kind_org": kind_staff.organizations.get(),
        "draft": draft,
        "submitted": submitted,
        "demonstration": demonstration,
        "assignment": assignment,
        "pl": planning_track,
        "dm": demonstration_track,
        "call": planning_track.call,
        "dm_only_call": dm_only_call,
    }


# (permission, who, object key or None, expected)
CASES = [
    ("accounts.view_staff_area", "admin", None, True),
    ("accounts.view_staff_area", "kind", None, True),
    ("accounts.view_staff_area", "applicant", None, False),
    ("accounts.view_staff_area", "reviewer", None, False),
    ("accounts.view_staff_area", "anonymous", None, False),
    ("accounts.view_organization", "member", "org", True),
    ("accounts.view_organization", "kind", "org", True),
    ("accounts.view_organization", "other", "org", False),
    ("accounts.manage_organization", "applicant", "org", True),
    ("accounts.manage_organization", "admin", "org", True),
    ("accounts.manage_organization", "member", "org", False),
    ("accounts.manage_organization", "kind", "org", False),
    ("accounts.manage_organization", "kind", "kind_org", False),
    ("accounts.manage_organization", "admin", "kind_org", True),
    ("accounts.leave_organization", "member", "org", True),
    ("accounts.leave_organization", "other", "org", False),
    ("accounts.leave_organization", "kind", "kind_org", False),
    ("projects.manage_track", "kind", "pl", True),
    ("projects.manage_track", "kind", "dm", False),
    ("projects.manage_track", "kaia", "dm", True),
    ("projects.manage_track", "admin", "dm", True),
    ("projects.manage_track", "applicant", "pl", False),
    ("projects.manage_call", "admin", "call", True),
    ("projects.manage_call", "kind", "call", True),
    ("projects.manage_call", "kind", "dm_only_call", False),
    ("projects.manage_call", "applicant", "call", False),
    ("projects.configure_call", "admin", "call", True),
    ("projects.configure_call", "kind", "call", False),
    ("applications.view_application", "applicant", "submitted", True),
    ("applications.view_application", "member", "draft", True),
    ("applications.view_application", "other", "submitted", False),
    ("applications.view_application", "kind", "submitted", True),
    ("applications.view_application", "kind", "draft", False),
    ("applications.view_application", "kind", "demonstration", False),
    ("applications.view_application", "kaia", "demonstration", True),
    ("applications.view_application", "reviewer", "submitted", True),
    ("applications.view_application", "reviewer", "demonstration", False),
    ("applications.view_application", "conflicted", "submitted", False),
    ("applications.view_application", "admin", "demonstration", True),
    ("applications.view_application", "anonymous", "submitted", False),
    ("applications.change_application", "applicant", "draft", True),
    ("applications.change_application", "applicant", "submitted", False),
    ("applications.change_application", "other", "draft", False),
    ("applications.change_application", "kind", "draft", False),
    ("applications.withdraw_application", "applicant", "submitted", True),
    ("applications.withdraw_application", "other", "submitted", False),
    ("applications.screen_application", "kind", "submitted", True),
    ("applications.screen_application", "kind", "demonstration", False),
    ("applications.screen_application", "kind", "draft", False),
    ("applications.screen_application", "applicant", "submitted", False),
    # A two-stage call's shortlist (applications.shortlisting): the track's staff, like screening.
    ("applications.shortlist_application", "kind", "submitted", True),
    ("applications.shortlist_application", "admin", "demonstration", True),
    ("applications.shortlist_application", "kind", "demonstration", False),
    ("applications.shortlist_application", "kind", "draft", False),
    ("applications.shortlist_application", "applicant", "submitted", False),
    ("applications.view_audit", "kind", "submitted", True),
    ("applications.view_audit", "admin", "demonstration", True),
    ("applications.view_audit", "kaia", "submitted", False),
    ("applications.view_audit", "applicant", "submitted", False),
    ("reviews.view_assignment", "reviewer", "assignment", True),
    ("reviews.view_assignment", "kind", "assignment", True),
    ("reviews.view_assignment", "kaia", "assignment", False),
    ("reviews.view_assignment", "conflicted", "assignment", False),
    ("reviews.view_assignment", "applicant", "assignment", False),
    ("reviews.reopen_assignment", "kind", "assignment", True),
    ("reviews.reopen_assignment", "admin", "assignment", True),
    ("reviews.reopen_assignment", "reviewer", "assignment", False),
    ("reviews.reopen_assignment", "kaia", "assignment", False),
]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("perm", "who", "target", "expected"),
    CASES,
    ids=[
        f"{perm}-{who}-{target}-{'allowed' if ok else 'denied'}" for perm, who, target, ok in CASES
    ],
)
def test_rule(world, perm, who, target, expected):
    user = world[who]
    obj = world[target] if target else None
    assert user.has_perm(perm, obj) is expected


@pytest.mark.django_db
def test_every_rule_has_an_allowed_and_a_denied_case():
    outcomes = {}
    for perm, _who, _target, expected in CASES:
        outcomes.setdefault(perm, set()).add(expected)
    assert all(seen == {True, False} for seen in outcomes.values()), outcomes


@pytest.mark.django_db
def test_roles_superuser_counts_as_programme_admin():
    superuser = UserFactory(email="root@molit.go.kr", is_superuser=True)
    assert roles.has_role(superuser, roles.PROGRAMME_ADMIN)
    assert not roles.has_role(UserFactory(email="nobody@x.org"), roles.PROGRAMME_ADMIN)


@pytest.mark.django_db
def test_staff_tracks_scope_secretariat_to_their_organisation(world):
    from projects.selectors import staff_tracks

    assert set(staff_tracks(world["kind"])) == {world["pl"]}
    assert world["pl"] not in set(staff_tracks(world["kaia"]))
    assert set(staff_tracks(world["applicant"])) == set()


@pytest.mark.django_db
def test_a_person_in_every_role_sees_each_row_once_without_distinct(world, kind):
    """Membership is a semi-join (``accounts.selectors.is_member``), not a join through
    ``memberships``: a person who is at once a member of the applicant organisation, staff of
    the track's secretariat (two memberships) and the application's reviewer gets each row
    once from a statement without ``DISTINCT``, which on PostgreSQL cost 15-20 ms of planning
    per statement over the list's wide rows."""
    from django.contrib.auth.models import Group

    from applications.selectors import (
        applications_for_applicant,
        applications_for_user,
        readable_applications_for_user,
    )
    from projects.selectors import staff_tracks

    person = world["applicant"]
    Membership.objects.create(user=person, organization=kind, role=Membership.Role.MEMBER)
    person.groups.add(*Group.objects.filter(name__in=[roles.SECRETARIAT_STAFF, roles.REVIEWER]))
    AssignmentFactory(application=world["submitted"], reviewer=person, status="accepted")
    ConflictDeclarationFactory(reviewer=person, application=world["submitted"])
    InterestDeclarationFactory(reviewer=person)
    mine = {world["draft"].pk, world["submitted"].pk}

    for rows in (
        applications_for_user(person),
        readable_applications_for_user(person),
        applications_for_applicant(person),
    ):
        assert not rows.query.distinct
        assert sorted(rows.values_list("pk", flat=True)) == sorted(mine)
    tracks = staff_tracks(person)
    assert not tracks.query.distinct
    assert list(tracks) == [world["pl"]]
