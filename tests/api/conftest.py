"""Fixtures for the API tests: a DRF client logged in by token, and the helpers to use it."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import ApiToken
from accounts.token_services import create_api_token
from tests.second_factor import authenticator_app, needs_second_factor


@pytest.fixture
def api_client():
    return APIClient()


def client_for(user) -> APIClient:
    """An API client that authenticates with a fresh personal token of ``user``, allowed to read
    and write (the tests ask what the user may do; tests/api/test_api_tokens.py asks the scope)."""
    client = APIClient()
    if user is not None:
        # Staff and reviewers make tokens with their second factor set up; without one their
        # tokens are refused (accounts.api_auth), as their pages are.
        if needs_second_factor(user):
            authenticator_app(user)
        _token, key = create_api_token(user=user, name="tests", scope=ApiToken.Scope.READ_WRITE)
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def session_client_for(user) -> APIClient:
    """An API client signed in by a browser session: API tokens are created this way only (a
    request authenticated by a token may not mint another)."""
    client = APIClient()
    client.force_login(user)
    return client


def results(response) -> list:
    assert response.status_code == 200, response.content
    return response.json()["results"]


def ids(response) -> set:
    return {row["id"] for row in results(response)}


def url(basename, obj=None, action=None) -> str:
    """``api:<basename>-list``, or the object's ``-detail`` (or ``-<action>``) URL."""
    if obj is None:
        return reverse(f"api:{basename}-list")
    return reverse(f"api:{basename}-{action or 'detail'}", kwargs={"pk": obj.pk})
