"""Registering from a committee invitation keeps the way back to it."""

from urllib.parse import quote

import pytest
from django.urls import reverse

from accounts.models import User
from notifications.models import Message
from reviews import services as review_services
from reviews.models import CommitteeMember, ReviewerInvitation

pytestmark = pytest.mark.django_db

EMAIL = "new.expert@expert.example.net"
PASSWORD = "smart-city-2026!"


def signup_data(next_value: str) -> dict:
    return {
        "name": "Park Ji-won",
        "email": EMAIL,
        "password1": PASSWORD,
        "password2": PASSWORD,
        "language": "en",
        "time_zone": "Asia/Seoul",
        "privacy_consent": "on",
        "next": next_value,
    }


def verification_path() -> str:
    message = Message.objects.get(template="accounts/verify_email", channel="email")
    return message.context["verify_path"]


@pytest.fixture
def invitation(role_groups, planning_track, kind_staff) -> ReviewerInvitation:
    return review_services.invite_reviewer(track=planning_track, email=EMAIL, actor=kind_staff)


def test_unregistered_invitee_registers_verifies_logs_in_and_lands_on_invitation(
    client, invitation, planning_track
):
    url = reverse("reviews:invitation", kwargs={"token": invitation.token})
    login_url = client.get(url)["Location"]
    assert login_url == reverse("accounts:login") + "?next=" + quote(url)

    signup_link = reverse("accounts:signup") + "?next=" + quote(url)
    assert f'href="{signup_link}"' in client.get(login_url).content.decode()

    page = client.get(signup_link).content.decode()
    assert f'<input type="hidden" name="next" value="{url}">' in page

    response = client.post(reverse("accounts:signup"), signup_data(url))
    assert response.status_code == 302 and response["Location"] == url
    user = User.objects.get(email=EMAIL)
    assert user.email_verified_at is None
    verify = verification_path()
    assert verify.endswith("?next=" + quote(url, safe=""))

    # The link is followed later, from the e-mail, logged out: verify, log in, back again.
    client.logout()
    response = client.get(verify)
    assert response["Location"] == reverse("accounts:login") + "?next=" + quote(url)
    user.refresh_from_db()
    assert user.email_verified_at is not None
    response = client.post(
        response["Location"], {"username": EMAIL, "password": PASSWORD, "next": url}
    )
    assert response.status_code == 302 and response["Location"] == url

    assert client.get(url).status_code == 200
    client.post(url, {"accept": "1"})
    assert CommitteeMember.objects.filter(track=planning_track, reviewer=user).exists()


def test_verification_link_when_still_logged_in_goes_back_to_next(client, invitation):
    url = reverse("reviews:invitation", kwargs={"token": invitation.token})
    client.post(reverse("accounts:signup"), signup_data(url))
    response = client.get(verification_path())
    assert response.status_code == 302 and response["Location"] == url


@pytest.mark.parametrize(
    "evil",
    [
        "https://evil.example.com/reviews/invitations/x/",
        "//evil.example.com/",
        "/\\evil.example.com/",
        "javascript:alert(1)",
    ],
)
def test_off_site_next_is_refused_everywhere(client, role_groups, evil):
    page = client.get(reverse("accounts:signup"), {"next": evil}).content.decode()
    assert '<input type="hidden" name="next"' not in page

    response = client.post(reverse("accounts:signup"), signup_data(evil))
    assert response["Location"] == reverse("accounts:profile")
    verify = verification_path()
    assert "next=" not in verify

    client.logout()
    response = client.get(verify + "?" + "next=" + quote(evil, safe=""))
    assert response["Location"] == reverse("accounts:login")

    login_page = client.get(reverse("accounts:login"), {"next": evil}).content.decode()
    assert f'href="{reverse("accounts:signup")}"' in login_page


def test_signup_without_next_still_goes_to_profile(client, role_groups):
    response = client.post(reverse("accounts:signup"), signup_data(""))
    assert response["Location"] == reverse("accounts:profile")
    assert "next=" not in verification_path()
