"""An agreement's budget saved from a page opened before a colleague's budget: the second save
must not silently drop the colleague's lines (``set_budget_lines``, ``core.concurrency``)."""

import pytest
from django.test import Client
from django.urls import reverse

from awards import funding
from tests.awards.test_funding import company, make_contract, partner, project  # noqa: F401
from tests.page_forms import form_data

pytestmark = pytest.mark.django_db
M = 1_000_000


def _opened(user, agreement):
    page_url = reverse("staff_awards:agreement", args=[agreement.project.code, agreement.pk])
    post_url = reverse("staff_awards:agreement_budget", args=[agreement.project.code, agreement.pk])
    browser = Client()
    browser.force_login(user)
    page = browser.get(page_url).content.decode()
    return browser, post_url, form_data(page, having="line_personnel", action=post_url)


def _lines(agreement):
    return dict(agreement.budget_lines.values_list("category", "planned_krw"))


def test_stale_budget_form_does_not_overwrite_a_colleagues_budget(
    project,  # noqa: F811
    kind_staff,
    second_staff,
):
    agreement = make_contract(project, kind_staff, lines={"personnel": 100 * M})
    browser, post_url, stale = _opened(kind_staff, agreement)
    funding.set_budget_lines(
        agreement=agreement,
        lines={"personnel": 100 * M, "equipment": 150 * M},
        actor=second_staff,
    )
    stale.update(line_travel=str(20 * M))
    response = browser.post(post_url, stale)
    assert _lines(agreement) == {"personnel": 100 * M, "equipment": 150 * M}
    assert response.status_code == 409
    page = response.content.decode()
    assert "KRW 150,000,000" in page
    # The typed travel line is kept; sent again with the colleague's equipment: saved.
    again = form_data(page, having="line_personnel", action=post_url)
    assert again["line_travel"] == str(20 * M)
    again["line_equipment"] = str(150 * M)
    assert browser.post(post_url, again).status_code == 302
    assert _lines(agreement) == {"personnel": 100 * M, "equipment": 150 * M, "travel": 20 * M}


def test_budget_form_unchanged_since_opened_saves(project, kind_staff):  # noqa: F811
    agreement = make_contract(project, kind_staff, lines={"personnel": 100 * M})
    browser, post_url, sent = _opened(kind_staff, agreement)
    sent.update(line_travel=str(20 * M))
    assert browser.post(post_url, sent).status_code == 302
    assert _lines(agreement) == {"personnel": 100 * M, "travel": 20 * M}
