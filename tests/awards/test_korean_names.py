"""The award and agreement pages in the reader's language: the party of an agreement by its
Korean name on Korean pages, and the project's timeline said in words, never an audit code."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils import translation

from awards.models import Agreement
from awards.selectors import _timeline_change
from projects.models import Project
from tests.awards import test_funding as shared

company, partner, project, contract = (
    shared.company,
    shared.partner,
    shared.project,
    shared.contract,
)
pytestmark = pytest.mark.django_db

KOREAN_NAME = "한울도시계획"


def _korean(client, user):
    client.force_login(user)
    client.cookies["django_language"] = "ko"
    return client


def test_agreement_party_reads_in_korean_on_every_korean_page(
    client, contract, company, contractor, kind_staff
):
    company.name_ko = KOREAN_NAME
    company.save(update_fields=["name_ko"])
    request = shared.ask(contract, 1, contractor)
    code = contract.project.code
    staff_pages = [
        reverse("staff_awards:project", kwargs={"code": code}),
        reverse("staff_awards:agreements", kwargs={"code": code}),
        reverse("staff_awards:agreement", kwargs={"code": code, "pk": contract.pk}),
        reverse("staff_awards:payment_request", kwargs={"pk": request.pk}),
        reverse("staff_awards:payment_requests"),
    ]
    contractor_pages = [
        reverse("awards:agreements"),
        reverse("awards:agreement", kwargs={"pk": contract.pk}),
    ]
    shown = {}
    for user, pages in ((kind_staff, staff_pages), (contractor, contractor_pages)):
        _korean(client, user)
        for url in pages:
            body = client.get(url).content.decode()
            shown[url] = (KOREAN_NAME in body, company.name in body)
    assert shown == dict.fromkeys(staff_pages + contractor_pages, (True, False))


def test_agreement_form_offers_the_parties_by_their_korean_names(
    client, project, company, kind_staff
):
    company.name_ko = KOREAN_NAME
    company.save(update_fields=["name_ko"])
    url = reverse("staff_awards:agreements", kwargs={"code": project.code})
    body = _korean(client, kind_staff).get(url).content.decode()
    assert f'<option value="{company.pk}">{KOREAN_NAME}</option>' in body


def test_project_timeline_says_the_budget_in_words(client, contract, kind_staff):
    client.force_login(kind_staff)
    url = reverse("staff_awards:project", kwargs={"code": contract.project.code})
    body = client.get(url).content.decode()
    assert "</strong>: Budget lines set" in body
    assert "</strong>: budget" not in body


@pytest.mark.parametrize(
    ("model", "action", "old", "new", "said"),
    [
        (Agreement, "budget", "", "200000000", "Budget lines set"),
        (Agreement, "schedule", "", "", "Payment schedule set"),
        (Agreement, "amended", "1", "2", "Amendment applied: version 1 → 2"),
        (Project, "contractor_released", "7", "", "Contractor released"),
        (Project, "published", "False", "True", "Shown on the public pages"),
        (Project, "unpublished", "True", "False", "Taken off the public pages"),
        (Agreement, "created", "", "", "Created"),
        (Agreement, "something_new", "", "", "Changed"),
    ],
)
def test_timeline_labels_every_action_and_never_shows_a_code(model, action, old, new, said):
    row = SimpleNamespace(action=action, old_value=old, new_value=new)
    with translation.override("en"):
        assert _timeline_change(model, row) == said
