"""docs/architecture.md, "Role homes": each role lands on a page that says what to do next.

A log-in without a page to return to used to end on the public front page for everyone, whose
one button, "My applications", offered the programme admin, secretariat staff and reviewers
to create an organisation and apply.
"""

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"  # tests/factories/accounts.py


def _log_in(client, user):
    return client.post(reverse("accounts:login"), {"username": user.email, "password": PASSWORD})


@pytest.mark.parametrize(
    ("who", "home"),
    [
        ("programme_admin", "/staff/"),
        ("kind_staff", "/staff/"),
        ("reviewer", "/reviews/"),
        ("applicant", "/applications/"),
        ("contractor", "/applications/"),
    ],
)
def test_log_in_without_next_lands_on_the_role_home(client, request, who, home):
    response = _log_in(client, request.getfixturevalue(who))
    assert response.status_code == 302
    assert response["Location"] == home


def test_log_in_with_next_still_returns_there(client, reviewer):
    response = client.post(
        reverse("accounts:login"),
        {"username": reviewer.email, "password": PASSWORD, "next": "/calls/"},
    )
    assert response["Location"] == "/calls/"


def test_log_in_with_an_unknown_role_lands_on_the_front_page(client, role_groups):
    from tests.factories import UserFactory

    user = UserFactory(email="nobody@example.org")
    assert _log_in(client, user)["Location"] == "/"


def _front_page_buttons(client) -> list[str]:
    html = client.get("/").content.decode()
    hero = html.split('class="hero"', 1)[1].split("</section>", 1)[0]
    return re.findall(r'href="([^"]+)"', hero)


@pytest.mark.parametrize(
    ("who", "home"),
    [
        ("kind_staff", "/staff/"),
        ("reviewer", "/reviews/"),
        ("applicant", "/applications/"),
    ],
)
def test_front_page_leads_each_role_to_its_home(client, request, who, home):
    client.force_login(request.getfixturevalue(who))
    buttons = _front_page_buttons(client)
    assert home in buttons
    if home != "/applications/":
        assert "/applications/" not in buttons


def test_front_page_invites_the_anonymous_to_register(client):
    assert reverse("accounts:signup") in _front_page_buttons(client)
