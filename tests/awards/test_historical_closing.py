"""A project from before the portal completes only with nothing left waiting on it, as a portal
project's award does (``awards.lifecycle.waiting_on_the_project``, registered with
``projects.services.register_closing_check``): before, the back office's "complete" left a
deliverable unreviewed (or a payment open) for ever."""

import pytest

from awards.models import Deliverable
from core.domain import DomainError
from projects import services
from projects.models import Project
from tests.factories import DeliverableFactory, ProjectFactory

pytestmark = pytest.mark.django_db


def test_an_old_project_completes_only_with_nothing_waiting(programme_admin):
    project = ProjectFactory(source=Project.Source.HISTORICAL)
    report = DeliverableFactory(
        project=project, kind=Deliverable.Kind.FINAL, status=Deliverable.Status.SUBMITTED
    )
    with pytest.raises(DomainError) as refused:
        services.set_historical_project_status(
            project=project, to=Project.Status.COMPLETED, actor=programme_admin
        )
    assert refused.value.code == "not_ready"
    assert "waits for its review" in str(refused.value.message)
    project.refresh_from_db()
    assert project.status == Project.Status.ACTIVE

    Deliverable.objects.filter(pk=report.pk).update(status=Deliverable.Status.ACCEPTED)
    services.set_historical_project_status(
        project=project, to=Project.Status.COMPLETED, actor=programme_admin
    )
    project.refresh_from_db()
    assert project.status == Project.Status.COMPLETED


def test_cancelling_an_old_project_is_not_held_up_by_what_waits(programme_admin):
    project = ProjectFactory(source=Project.Source.HISTORICAL)
    DeliverableFactory(project=project, status=Deliverable.Status.SUBMITTED)
    services.set_historical_project_status(
        project=project, to=Project.Status.CANCELLED, actor=programme_admin, reason="Stopped."
    )
    project.refresh_from_db()
    assert project.status == Project.Status.CANCELLED
