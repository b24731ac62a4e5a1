"""The track's application list keeps every valid filter when another one is garbage: the
bad value is said next to its field and left out, never the whole filter set (a list that
says "Status: Eligible" above every status would mislead the screener)."""

import pytest
from django.urls import reverse

from tests.factories import SubmittedApplicationFactory

pytestmark = pytest.mark.django_db


def _url(track):
    return reverse("staff_applications:track_applications", kwargs={"track_id": track.pk})


@pytest.mark.parametrize(
    "garbage",
    [{"sort": "evil"}, {"page": "abc", "per_page": "7"}, {"tag": "abc"}, {"reviewer": "x"}],
)
@pytest.mark.parametrize("language", ["en", "ko"])
def test_a_bad_filter_leaves_the_valid_ones_applied(
    client, planning_track, kind_staff, garbage, language
):
    SubmittedApplicationFactory(track=planning_track, status="eligible", title="Kept harbour")
    SubmittedApplicationFactory(track=planning_track, status="submitted", title="Other plaza")
    client.force_login(kind_staff)
    response = client.get(
        _url(planning_track), {"status": "eligible", **garbage}, HTTP_ACCEPT_LANGUAGE=language
    )
    assert response.status_code == 200
    assert [a.title for a in response.context["page"].object_list] == ["Kept harbour"]
    assert response.context["current_status"] == "eligible"
    assert response.context["form"].errors or "page" in garbage


def test_a_bad_sort_keeps_the_search(client, planning_track, kind_staff):
    SubmittedApplicationFactory(track=planning_track, title="Kept harbour")
    SubmittedApplicationFactory(track=planning_track, title="Other plaza")
    client.force_login(kind_staff)
    response = client.get(_url(planning_track), {"q": "harbour", "sort": "evil"})
    assert response.status_code == 200
    assert [a.title for a in response.context["page"].object_list] == ["Kept harbour"]
    assert "sort" in response.context["form"].errors
