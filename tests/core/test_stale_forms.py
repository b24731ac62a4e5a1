"""A form posted from a page opened before someone else saved (``core.concurrency``): the
second save must not silently put back what the first changed (a lost update)."""

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from accounts import roles
from core.concurrency import (
    StaleEdit,
    fingerprint,
    refuse_if_changed,
    refuse_if_row_changed,
    row_fingerprint,
)
from projects.models import Call
from tests.factories import CallFactory, UserFactory
from tests.page_forms import form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def second_admin(role_groups):
    return UserFactory(email="admin2@molit.go.kr", roles=[roles.PROGRAMME_ADMIN], is_staff=True)


def _opened(user, url, having):
    browser = Client()
    browser.force_login(user)
    page = browser.get(url)
    assert page.status_code == 200
    return browser, form_data(page.content.decode(), having=having)


def test_fingerprint_checks_only_the_values_it_names():
    seen = fingerprint({"name": "A", "points": Decimal("30.00")})
    # The same values (30 and 30.00 are one), and a value the page did not show: no refusal.
    refuse_if_changed({"name": "A", "points": Decimal(30), "status": "x"}, seen, what="thing")
    with pytest.raises(StaleEdit) as refused:
        refuse_if_changed({"name": "B", "points": Decimal(30)}, seen, what="thing")
    assert refused.value.changed == ["name"]
    assert refused.value.code == "changed_meanwhile"
    assert "“B”" in str(refused.value.message)
    # The refusal carries the fingerprint of the values stored now: sent again, it passes.
    refuse_if_changed({"name": "B", "points": Decimal(30)}, refused.value.current, what="thing")


def test_no_fingerprint_is_no_check():
    refuse_if_changed({"name": "B"}, None, what="thing")
    refuse_if_changed({"name": "B"}, "", what="thing")


def test_row_fingerprint_refusal_names_the_changed_field_and_its_value():
    call = CallFactory(name="K-City 2027", description="Old description.")
    seen = row_fingerprint(call, ["name", "description", "not_a_field"])
    Call.objects.filter(pk=call.pk).update(description="Corrected description.")
    stored = Call.objects.get(pk=call.pk)
    with pytest.raises(StaleEdit) as refused:
        refuse_if_row_changed(stored, seen)
    assert refused.value.changed == ["description"]
    assert "Description: “Corrected description.”" in str(refused.value.message)
    assert "Someone else changed this call since you opened it" in str(refused.value.message)


def test_stale_admin_call_form_does_not_revert_a_colleagues_change(
    client, programme_admin, second_admin
):
    call = CallFactory(status="draft", name="K-City 2027", description="Old description.")
    url = reverse("admin:projects_call_change", args=[call.pk])
    # Admin A opens the call's page …
    client.force_login(programme_admin)
    stale = form_data(client.get(url).content.decode(), having="description")
    # … admin B opens it too, corrects the description and saves.
    other, fresh = _opened(second_admin, url, "description")
    fresh.update(description="Corrected description.", _save="Save")
    assert other.post(url, fresh).status_code == 302
    call.refresh_from_db()
    assert call.description == "Corrected description."
    # A, who never saw B's correction, changes only the name and saves.
    stale.update(name="K-City Network 2027", _save="Save")
    response = client.post(url, stale)
    call.refresh_from_db()
    # B's description survives; A is told, with B's value, and keeps the typed name.
    assert call.description == "Corrected description."
    assert call.name == "K-City 2027"
    assert response.status_code == 409
    page = response.content.decode()
    assert "Someone else changed this call since you opened it" in page
    assert "Corrected description." in page
    again = form_data(page, having="description")
    assert again["name"] == "K-City Network 2027"
    # Sent again after reading it (A keeps B's description), the save goes through.
    again.update(description="Corrected description.", _save="Save")
    assert client.post(url, again).status_code == 302
    call.refresh_from_db()
    assert (call.name, call.description) == ("K-City Network 2027", "Corrected description.")


def test_admin_change_form_unchanged_since_opened_saves(client, programme_admin):
    call = CallFactory(status="draft", name="K-City 2027", description="Old description.")
    url = reverse("admin:projects_call_change", args=[call.pk])
    browser, sent = _opened(programme_admin, url, "description")
    assert "seen_version" in sent
    sent.update(name="K-City Network 2027", _save="Save")
    assert browser.post(url, sent).status_code == 302
    call.refresh_from_db()
    assert call.name == "K-City Network 2027"
