"""A document requirement edited from a page opened before a colleague's save: the second save
must not silently put back what the first changed (``core.concurrency``)."""

import pytest
from django.test import Client
from django.urls import reverse

from accounts import roles
from projects import services
from projects.models import DocumentRequirement
from tests.factories import UserFactory
from tests.page_forms import form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def site_map(planning_track, kind_staff):
    return services.save_document_requirement(
        requirement=DocumentRequirement(
            track=planning_track,
            kind="site_map",
            name="Site map",
            formats=["png", "jpeg"],
            max_size_mb=1,
        ),
        actor=kind_staff,
    )


def test_stale_requirement_form_does_not_overwrite_a_colleagues_change(kind_staff, kind, site_map):
    colleague = UserFactory(
        email="staff2@kind.or.kr",
        roles=[roles.SECRETARIAT_STAFF],
        is_staff=True,
        organizations=[kind],
    )
    url = reverse("staff_projects:requirement_edit", kwargs={"pk": site_map.pk})
    browser = Client()
    browser.force_login(kind_staff)
    stale = form_data(browser.get(url).content.decode(), having="name_ko")
    changed = DocumentRequirement.objects.get(pk=site_map.pk)
    changed.max_size_mb = 5
    services.save_document_requirement(requirement=changed, actor=colleague)
    stale.update(name_ko="대상지 지도")
    response = browser.post(url, stale)
    site_map.refresh_from_db()
    assert (site_map.max_size_mb, site_map.name_ko) == (5, "")
    assert response.status_code == 409
    # Unchanged since opened: saved.
    fresh = form_data(browser.get(url).content.decode(), having="name_ko")
    fresh.update(name_ko="대상지 지도")
    assert browser.post(url, fresh).status_code == 302
    site_map.refresh_from_db()
    assert (site_map.max_size_mb, site_map.name_ko) == (5, "대상지 지도")
