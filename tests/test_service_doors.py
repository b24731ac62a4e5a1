"""Services ask the rule themselves, whichever door calls them (a page, the API, the back
office, a script): the committee's invitations and members are the track's staff's, an old
project's status the programme admin's. Before, these four services asked nothing and trusted
their callers."""

import pytest

from core.domain import DomainError
from projects import services as project_services
from projects.models import Project
from reviews import services
from reviews.models import CommitteeMember
from tests.factories import ProjectFactory
from tests.reviews.review_fixtures import committee_reviewer

pytestmark = pytest.mark.django_db


def _forbidden(call) -> None:
    with pytest.raises(DomainError) as refused:
        call()
    assert refused.value.code == "forbidden"


def test_only_the_tracks_staff_invite_revoke_and_remove_committee_members(
    planning_track, kind_staff, kaia_staff, applicant
):
    for outsider in (kaia_staff, applicant):
        _forbidden(
            lambda outsider=outsider: services.invite_reviewer(
                track=planning_track, email="expert@university.ac.kr", actor=outsider
            )
        )
    invitation = services.invite_reviewer(
        track=planning_track, email="expert@university.ac.kr", actor=kind_staff
    )
    _forbidden(lambda: services.revoke_invitation(invitation=invitation, actor=kaia_staff))
    invitation.refresh_from_db()
    assert invitation.status == "pending"

    committee_reviewer(planning_track, "member@university.ac.kr")
    member = CommitteeMember.objects.get(track=planning_track)
    _forbidden(lambda: services.remove_committee_member(member=member, actor=kaia_staff))
    assert CommitteeMember.objects.filter(pk=member.pk).exists()
    services.remove_committee_member(member=member, actor=kind_staff)
    assert not CommitteeMember.objects.filter(pk=member.pk).exists()


def test_only_a_programme_admin_sets_an_old_projects_status(kind_staff, programme_admin):
    project = ProjectFactory(source=Project.Source.HISTORICAL)
    _forbidden(
        lambda: project_services.set_historical_project_status(
            project=project, to=Project.Status.COMPLETED, actor=kind_staff
        )
    )
    project.refresh_from_db()
    assert project.status == Project.Status.ACTIVE
    project_services.set_historical_project_status(
        project=project, to=Project.Status.COMPLETED, actor=programme_admin
    )
    project.refresh_from_db()
    assert project.status == Project.Status.COMPLETED
