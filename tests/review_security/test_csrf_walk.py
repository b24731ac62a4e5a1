"""No write without the CSRF token: a signed-in session's POST to any address of the portal
(pages, files, staff screens, the API's session door) from another site's form is refused
and changes nothing, whoever is signed in."""

import pytest
from django.test import Client
from django.urls import NoReverseMatch, reverse

from tests.review_security.test_safe_gets import _counts
from tests.test_role_by_url import API_LISTS, NO_OBJECT, OBJECT_URLS, party_a  # noqa: F401

pytestmark = pytest.mark.django_db

FORM = {"reason": "x", "eligible": "true", "to": "approved", "name": "Evil", "confirm": "on"}


@pytest.mark.parametrize("who", ["applicant", "contractor", "kind_staff", "programme_admin"])
def test_no_post_without_the_csrf_token_changes_anything(party_a, request, who):  # noqa: F811
    client = Client(enforce_csrf_checks=True)
    client.force_login(request.getfixturevalue(who))
    urls = [reverse(name, kwargs=kwargs(party_a)) for name, kwargs in OBJECT_URLS.items()]
    for name in sorted(NO_OBJECT) + sorted(API_LISTS):
        try:
            urls.append(reverse(name))
        except NoReverseMatch:
            continue
    let_through = []
    for url in urls:
        before = _counts()
        response = client.post(url, FORM)
        after = _counts()
        diff = {k: after[k] - before[k] for k in after if after[k] != before[k]}
        if diff or response.status_code not in (403, 405):
            let_through.append((url, response.status_code, diff))
    assert let_through == []
