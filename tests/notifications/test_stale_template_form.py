"""A message template edited from a page opened before a colleague saved a newer version, and
the same form sent twice (``save_message_template``)."""

import pytest
from django.test import Client
from django.urls import reverse

from accounts import roles
from core.domain import DomainError
from notifications import services
from notifications.models import MessageTemplate
from tests.factories import UserFactory
from tests.page_forms import form_data

pytestmark = pytest.mark.django_db
NAME = "applications/ineligible"
TEXTS = {
    "subject_en": "Application {{ reference }} is not eligible",
    "body_en": "Reason: {{ reason }}",
    "subject_ko": "신청서 {{ reference }} 부적격",
    "body_ko": "사유: {{ reason }}",
}


@pytest.fixture
def first_version(programme_admin):
    return services.save_message_template(name=NAME, actor=programme_admin, **TEXTS)


def _opened(user):
    browser = Client()
    browser.force_login(user)
    url = reverse("staff_notifications:template_edit", kwargs={"name": NAME})
    sent = form_data(browser.get(url).content.decode(), having="body_en")
    sent.pop("action", None)
    return browser, url, sent


def test_stale_message_template_form_does_not_replace_a_colleagues_newer_version(
    programme_admin, first_version
):
    colleague = UserFactory(
        email="admin2@molit.go.kr", roles=[roles.PROGRAMME_ADMIN], is_staff=True
    )
    browser, url, stale = _opened(programme_admin)
    services.save_message_template(
        name=NAME,
        actor=colleague,
        **{**TEXTS, "body_en": TEXTS["body_en"] + "\nCall the helpdesk on +82 44 201 3000."},
    )
    stale.update(subject_ko=TEXTS["subject_ko"] + " (안내)")
    response = browser.post(url, stale)
    active = MessageTemplate.objects.get(name=NAME, is_active=True)
    assert "+82 44 201 3000" in active.body_en
    assert active.version == 2
    assert response.status_code == 409
    assert "Someone else changed this message template" in response.content.decode()
    # The typed subject is kept; sent again, on purpose, it becomes version 3.
    again = form_data(response.content.decode(), having="body_en")
    assert again["subject_ko"] == TEXTS["subject_ko"] + " (안내)"
    again.pop("action", None)
    assert browser.post(url, again).status_code == 302
    assert MessageTemplate.objects.get(name=NAME, is_active=True).version == 3


def test_a_resent_template_form_makes_one_version(programme_admin, first_version):
    browser, url, sent = _opened(programme_admin)
    sent["body_en"] = "Reason: {{ reason }}\nAsk the secretariat."
    assert browser.post(url, sent).status_code == 302
    response = browser.post(url, sent)  # the browser sends the same form again
    assert MessageTemplate.objects.filter(name=NAME).count() == 2
    assert "Nothing changed" in response.content.decode()


def test_texts_identical_to_the_version_in_use_make_no_version(programme_admin, first_version):
    with pytest.raises(DomainError, match="Nothing changed") as refused:
        services.save_message_template(name=NAME, actor=programme_admin, **TEXTS)
    assert refused.value.code == "unchanged"
    assert MessageTemplate.objects.filter(name=NAME).count() == 1


def test_two_first_versions_saved_at_once_refuse_the_second_instead_of_a_500(
    programme_admin, monkeypatch
):
    # Two admins save a template's first version at the same moment: there is no row to lock
    # yet, so both number theirs 1. The colleague's commits first (here: written just before
    # ours is saved); ours meets the unique constraint and is refused as a stale edit.
    from core.concurrency import StaleEdit  # noqa: PLC0415

    colleague = UserFactory(email="colleague@molit.go.kr", roles=[roles.PROGRAMME_ADMIN])
    checked = services.clean_or_refuse

    def colleague_saves_first(row, **kwargs):
        checked(row, **kwargs)
        MessageTemplate.objects.create(
            name=NAME, version=1, is_active=True, created_by=colleague, **TEXTS
        )

    monkeypatch.setattr(services, "clean_or_refuse", colleague_saves_first)
    mine = {**TEXTS, "body_en": "Reason given by the committee: {{ reason }}"}
    with pytest.raises(StaleEdit) as refused:
        services.save_message_template(name=NAME, actor=programme_admin, **mine)
    assert (refused.value.code, refused.value.changed) == ("changed_meanwhile", ["version"])
    # Nothing of ours was saved (the colleague's row, written inside our transaction here,
    # went with it; in the real race it was committed by theirs).
    assert not MessageTemplate.objects.filter(body_en=mine["body_en"]).exists()
