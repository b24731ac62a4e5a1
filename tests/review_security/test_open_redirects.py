"""Every ``next`` the portal follows stays on the site: a link that carries ``next`` to another
host (``//evil``, ``/\\evil``, ``https://evil``, ``javascript:``) lands on the portal's own page.
Browsers read ``/\\evil.example`` as ``//evil.example`` (another host)."""

from html import escape

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

HOSTILE = [
    "//evil.example/",
    "/\\evil.example/",
    "/\\/evil.example/",
    "https://evil.example/",
    "javascript:alert(1)",
    "/\t/evil.example/",
]
SIGNED = {"interests": "None", "confirm": "on"}


def _stays_on_site(response, default: str | None = None) -> None:
    """The redirect is a path of this site, as a browser reads it; with ``default``, the hostile
    ``next`` was dropped for the view's own page (not turned into a 404 path)."""
    assert response.status_code == 302
    location = response["Location"]
    assert location.startswith("/"), location
    assert location[1:2] not in ("/", "\\"), location
    if default is not None:
        assert location == default, location


@pytest.mark.parametrize("target", HOSTILE)
def test_declaration_next_never_leaves_the_site(client, reviewer, target):
    client.force_login(reviewer)
    response = client.post(reverse("reviews:declaration") + "?next=" + _q(target), SIGNED)
    _stays_on_site(response, default=reverse("reviews:workspace"))


def test_declaration_next_to_a_page_of_the_site_is_followed(client, reviewer):
    client.force_login(reviewer)
    response = client.post(reverse("reviews:declaration") + "?next=/reviews/", SIGNED)
    assert response["Location"] == "/reviews/"


@pytest.mark.parametrize("target", HOSTILE)
def test_bulk_assign_next_never_leaves_the_site(client, kind_staff, planning_track, target):
    client.force_login(kind_staff)
    url = reverse("staff_reviews:bulk_assign", args=[planning_track.pk])
    default = reverse("staff_applications:track_applications", args=[planning_track.pk])
    _stays_on_site(client.post(url, {"next": target}), default=default)


@pytest.mark.parametrize("target", HOSTILE)
@pytest.mark.parametrize(
    "name", ["accounts:signup", "accounts:login", "accounts:privacy_accept", "admin:login"]
)
def test_other_next_doors_never_leave_the_site(client, applicant, name, target):
    if name == "accounts:privacy_accept":
        client.force_login(applicant)
    response = client.get(reverse(name) + "?next=" + _q(target))
    # A page showing a form: the next its hidden field carries must not be the hostile one.
    if response.status_code == 200:
        page = response.content.decode()
        assert 'name="next"' in page or name == "accounts:signup"
        assert f'name="next" value="{escape(target)}"' not in page
    else:
        _stays_on_site(response)


def _q(value: str) -> str:
    from urllib.parse import quote

    return quote(value, safe="")


@pytest.mark.parametrize("target", HOSTILE)
@pytest.mark.parametrize("name", ["accounts:set_language", "set_language"])
def test_language_switch_never_leaves_the_site(client, applicant, name, target):
    client.force_login(applicant)
    response = client.post(reverse(name), {"language": "ko", "next": target})
    _stays_on_site(response)


@pytest.mark.parametrize("target", HOSTILE)
def test_admin_login_never_leaves_the_site(client, target):
    response = client.get("/admin/login/?next=" + _q(target))
    assert response.status_code == 302
    # To the portal's log-in, whose next is the back office's own front page.
    assert response["Location"] == reverse("accounts:login") + "?next=%2Fadmin%2F"
