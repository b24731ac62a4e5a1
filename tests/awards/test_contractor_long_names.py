"""A contractor selection for a project with a long title: the call's name is the project's
title cut to fit (with an ellipsis), and a value the call refuses is a domain error."""

import datetime

import pytest
from django.utils import timezone

from awards.contractor_selection import open_contractor_selection
from awards.models import Award
from core.domain import DomainError
from projects.models import Call
from tests.factories import ProjectFactory
from tests.factories.results import reviewed_application

pytestmark = pytest.mark.django_db


@pytest.fixture
def long_project(planning_track):
    app = reviewed_application(planning_track, status="awarded")
    project = ProjectFactory(
        name="Smart mobility " + "x" * 240,
        name_ko="스마트 " + "가" * 251,
        budget_krw=400_000_000,
        track_kind="planning",
    )
    Award.objects.create(application=app, project=project, amount=400_000_000)
    return project


def test_long_project_title_is_cut_to_the_call_name_with_an_ellipsis(long_project, kind_staff):
    now = timezone.now()
    call = open_contractor_selection(
        project=long_project,
        actor=kind_staff,
        opens_at=now,
        closes_at=now + datetime.timedelta(days=20),
    )
    call.refresh_from_db()
    for field in ("name", "name_ko"):
        max_length = Call._meta.get_field(field).max_length
        value = getattr(call, field)
        assert len(value) == max_length and value.endswith("…"), field
    assert call.name.startswith("Contractor selection: Smart mobility xxx")


def test_a_value_the_call_refuses_is_a_domain_error(long_project, kind_staff):
    now = timezone.now()
    with pytest.raises(DomainError) as exc:
        open_contractor_selection(
            project=long_project, actor=kind_staff, opens_at=now, closes_at=now
        )
    assert exc.value.code == "invalid"
    assert not Call.objects.filter(project=long_project).exists()
