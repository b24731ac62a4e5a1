"""Addresses that the re-layering moved still lead to the same page."""

import pytest


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("/admin/reviews/decision/", "/admin/results/decision/"),
        (
            "/admin/reviews/applicationresult/7/change/",
            "/admin/results/applicationresult/7/change/",
        ),
        ("/admin/reviews/reviewertrackstat/", "/admin/results/reviewertrackstat/"),
        (
            "/admin/reviews/award/?status__exact=approved",
            "/admin/awards/award/?status__exact=approved",
        ),
        ("/admin/projects/deliverable/3/change/", "/admin/awards/deliverable/3/change/"),
    ],
)
def test_old_back_office_address_of_a_moved_model_redirects_permanently(client, old, new):
    response = client.get(old)
    assert response.status_code == 301
    assert response["Location"] == new


def test_back_office_address_of_a_model_that_stayed_is_not_redirected(client):
    response = client.get("/admin/reviews/assignment/")
    assert response.status_code == 302  # to the log-in page, as any admin page
    assert response["Location"].startswith("/admin/login/")
