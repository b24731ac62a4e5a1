"""A GET changes nothing: no page, file or API detail of the portal writes an audit row, a
message or any other row when merely opened, whoever opens it (a link in an e-mail, an
``<img src>`` on another site, a prefetching browser all send GETs without the user's
intent, and a GET carries no CSRF check)."""

import pytest
from django.apps import apps
from django.urls import NoReverseMatch, reverse

from tests.test_role_by_url import NO_OBJECT, OBJECT_URLS, party_a  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db

# GETs that are reads with a side effect the design names: none so far.
WRITES_ON_GET: set[str] = set()


def _counts() -> dict[str, int]:
    skip = {"sessions.session", "axes.accesslog", "axes.accessattempt"}
    return {
        m._meta.label_lower: m.objects.count()
        for m in apps.get_models()
        if m._meta.label_lower not in skip and not m._meta.proxy
    }


@pytest.mark.parametrize(
    "who", ["applicant", "reviewer", "contractor", "kind_staff", "programme_admin"]
)
def test_no_get_changes_the_record(client, party_a, request, who):  # noqa: F811
    client.force_login(request.getfixturevalue(who))
    urls = []
    for name, kwargs in OBJECT_URLS.items():
        urls.append((name, reverse(name, kwargs=kwargs(party_a))))
    for name in sorted(NO_OBJECT):
        try:
            urls.append((name, reverse(name)))
        except NoReverseMatch:
            continue
    changed = []
    for name, url in urls:
        if name in WRITES_ON_GET or name == "accounts:logout":
            continue
        before = _counts()
        response = client.get(url)
        if response.streaming:
            b"".join(response)
        after = _counts()
        diff = {k: after[k] - before[k] for k in after if after[k] != before[k]}
        if diff:
            changed.append((name, response.status_code, diff))
    assert changed == []
