import pytest
from django.urls import reverse


@pytest.mark.django_db
def test_home_page_renders_for_anonymous_visitor(client):
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert "K-City Network" in response.content.decode()
    assert "script-src 'self'" in response["Content-Security-Policy"]


def test_favicon_ico_leads_to_the_portal_icon(client):
    """Browsers ask for /favicon.ico on pages that name no icon (the back office, the API's
    pages); it is the portal's icon, not a 404."""
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].endswith(".svg") and "favicon" in response["Location"]


@pytest.mark.django_db
def test_back_office_pages_name_the_portal_icon(client, programme_admin):
    client.force_login(programme_admin)
    response = client.get("/admin/")
    assert response.status_code == 200
    assert '<link rel="icon" href="/static/favicon' in response.content.decode()
