"""The contractor's mails: the company's members who receive its mail
(``accounts.selectors.members_to_tell``), the company named in each reader's language."""

import datetime

import pytest
from django.utils import timezone

from accounts import roles
from accounts.services import set_user_active
from awards.contractor_selection import record_contractor, remind_deliverables
from notifications.models import Message
from notifications.services import render_message
from tests.awards import test_contractor_views as shared
from tests.factories import DeliverableFactory, UserFactory

# The planning project and its contractor selection, closed (tests/awards/test_contractor_views.py).
project, draft_selection, selection = shared.project, shared.draft_selection, shared.selection
score_companies = shared.score_companies

pytestmark = pytest.mark.django_db


def test_contractor_selected_names_the_company_in_the_readers_language(selection, kind_staff):
    """The company's name is in the context in each language, like every other name: a
    Korean company's member reading Korean gets its Hangul name, not the romanised one."""
    (app,) = score_companies(
        selection.tracks.get(), kind_staff, [("Hanul Urban", 400_000_000, (45, 27, 18))]
    )
    company = app.organization
    company.name_ko = "하늘도시계획"
    company.save(update_fields=["name_ko"])
    record_contractor(track=selection.tracks.get(), actor=kind_staff)
    email = Message.objects.filter(template="results/contractor_selected", channel="email").first()
    email.language = "ko"
    render_message(email)
    assert "하늘도시계획" in email.body
    email.language = "en"
    render_message(email)
    assert "Hanul Urban" in email.body and "하늘도시계획" not in email.body


def test_contractor_selected_is_not_sent_to_a_deactivated_member(
    selection, kind_staff, programme_admin
):
    (app,) = score_companies(
        selection.tracks.get(), kind_staff, [("Hanul Urban", 400_000_000, (45, 27, 18))]
    )
    company = app.organization
    former = UserFactory(
        email="former@hanul.example", roles=[roles.CONTRACTOR], organizations=[company]
    )
    set_user_active(user=former, active=False, actor=programme_admin)
    record_contractor(track=selection.tracks.get(), actor=kind_staff)
    told = Message.objects.filter(template="results/contractor_selected")
    assert told.exists()
    assert not told.filter(recipient=former).exists()


def test_deliverable_reminder_is_not_sent_to_a_deactivated_member(
    contracted_project, contractor, programme_admin
):
    former = UserFactory(
        email="former@hanul.example",
        roles=[roles.CONTRACTOR],
        organizations=[contractor.organizations.first()],
    )
    set_user_active(user=former, active=False, actor=programme_admin)
    DeliverableFactory(
        project=contracted_project, due_on=timezone.localdate() + datetime.timedelta(days=5)
    )
    assert remind_deliverables(today=timezone.localdate()) == 2  # e-mail and in-app
    told = Message.objects.filter(template="results/deliverable_due")
    assert set(told.values_list("recipient", flat=True)) == {contractor.pk}
