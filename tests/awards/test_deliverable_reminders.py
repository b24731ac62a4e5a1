"""Reminders of the deliverables a contractor still owes (``remind_deliverables``, run daily by
the beat job): once per due date before it, once a week after it, never for a deliverable
accepted or waiting on staff, never for a closed project, never to the partner."""

import datetime

import pytest
from django.conf import settings
from django.urls import reverse

from awards.contractor_selection import REMIND_DAYS_BEFORE, remind_deliverables
from awards.models import Deliverable
from notifications.models import Message
from projects.models import Project
from tests.factories import DeliverableFactory, UserFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 4, 1)
DAY = datetime.timedelta(days=1)


def _reminders(**filters):
    return Message.objects.filter(
        template__in=("results/deliverable_due", "results/deliverable_overdue"),
        channel="email",
        **filters,
    )


def test_due_soon_is_reminded_once_per_due_date(contracted_project, contractor):
    deliverable = DeliverableFactory(project=contracted_project, due_on=TODAY + 10 * DAY)
    assert remind_deliverables(today=TODAY - 5 * DAY) == 0  # 15 days before: not yet
    assert remind_deliverables(today=TODAY) == 2  # e-mail and in-app
    assert remind_deliverables(today=TODAY) == 0
    assert remind_deliverables(today=TODAY + DAY) == 0  # the next days: nothing new
    assert remind_deliverables(today=TODAY + 9 * DAY) == 0
    message = _reminders().get()
    assert (message.recipient, message.template) == (contractor, "results/deliverable_due")
    assert message.link == reverse("awards:deliverable", args=[deliverable.pk])
    # Moved to a new date (its agreement signed later): announced again, for that date.
    Deliverable.objects.filter(pk=deliverable.pk).update(due_on=TODAY + 12 * DAY)
    assert remind_deliverables(today=TODAY + 2 * DAY) == 2
    assert _reminders(template="results/deliverable_due").count() == 2


def test_overdue_is_reminded_once_a_week(contracted_project, contractor):
    DeliverableFactory(project=contracted_project, due_on=TODAY)
    remind_deliverables(today=TODAY - DAY)  # the "due" reminder
    assert remind_deliverables(today=TODAY + DAY) == 2
    for days in range(2, 7):
        assert remind_deliverables(today=TODAY + days * DAY) == 0
    assert remind_deliverables(today=TODAY + 7 * DAY) == 2
    assert remind_deliverables(today=TODAY + 14 * DAY) == 2
    assert _reminders(template="results/deliverable_overdue").count() == 3


@pytest.mark.parametrize(
    ("status", "reminded"),
    [
        (Deliverable.Status.PENDING, True),
        (Deliverable.Status.RETURNED, True),  # returned for changes: owed again
        (Deliverable.Status.SUBMITTED, False),  # waits on staff
        (Deliverable.Status.ACCEPTED, False),
    ],
)
def test_only_deliverables_still_owed_are_reminded(
    contracted_project, contractor, status, reminded
):
    DeliverableFactory(project=contracted_project, due_on=TODAY - 3 * DAY, status=status)
    assert (remind_deliverables(today=TODAY) > 0) is reminded


@pytest.mark.parametrize("status", [Project.Status.CANCELLED, Project.Status.COMPLETED])
def test_closed_projects_are_not_reminded(contracted_project, contractor, status):
    DeliverableFactory(project=contracted_project, due_on=TODAY - 3 * DAY)
    DeliverableFactory(project=contracted_project, kind="interim_report", due_on=TODAY + DAY)
    Project.objects.filter(pk=contracted_project.pk).update(status=status)
    assert remind_deliverables(today=TODAY) == 0


def test_the_partner_is_not_reminded(contracted_project, contractor, applicant):
    Project.objects.filter(pk=contracted_project.pk).update(partner=applicant.organizations.first())
    DeliverableFactory(project=contracted_project, due_on=TODAY + DAY)
    assert remind_deliverables(today=TODAY) == 2
    assert not Message.objects.filter(recipient=applicant).exists()


def test_every_member_of_the_contractor_is_reminded(contracted_project, contractor):
    colleague = UserFactory(
        email="second@hanul.example", organizations=[contractor.organizations.first()]
    )
    DeliverableFactory(project=contracted_project, due_on=TODAY + REMIND_DAYS_BEFORE * DAY)
    assert remind_deliverables(today=TODAY) == 4
    assert set(_reminders().values_list("recipient", flat=True)) == {contractor.pk, colleague.pk}


def test_a_project_without_contractor_reminds_nobody(contracted_project):
    Project.objects.filter(pk=contracted_project.pk).update(contractor=None)
    DeliverableFactory(project=contracted_project, due_on=TODAY + DAY)
    assert remind_deliverables(today=TODAY) == 0


def test_the_beat_job_runs_the_reminders_daily():
    entry = next(
        e
        for e in settings.CELERY_BEAT_SCHEDULE.values()
        if e["task"] == "projects.remind_deliverables"
    )
    assert entry["schedule"].hour == {0}
