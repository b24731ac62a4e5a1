"""The OpenAPI description validates, is served, and matches the routes."""

import io

import pytest
import yaml
from django.core.management import call_command
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_schema_validates_without_warnings():
    out = io.StringIO()
    call_command("spectacular", "--validate", "--fail-on-warn", stdout=out)
    schema = yaml.safe_load(out.getvalue())
    assert schema["openapi"].startswith("3.")


def _schema(client):
    response = client.get(reverse("api-schema"), HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return response.json()


def test_schema_documents_every_route(client):
    from kcity.api.v1 import router

    paths = _schema(client)["paths"]
    for prefix, _viewset, _basename in router.registry:
        assert f"/api/v1/{prefix}/" in paths, prefix
    assert "/api/v1/me/" in paths


def test_schema_every_operation_documents_the_error_shape(client):
    schema = _schema(client)
    assert set(schema["components"]["schemas"]["Error"]["required"]) == {
        "detail",
        "code",
        "errors",
    }
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for code in ("400", "401", "403", "404", "429"):
                assert code in operation["responses"], (method, path, code)


def test_schema_every_write_documents_409(client):
    """A write may come too late (``deadline``: the call has closed) or after a change it did
    not see: the API answers 409 (core.api.exceptions.CONFLICT_CODES) from deep in any
    service, so every POST, PUT, PATCH and DELETE documents it; a read does not."""
    paths = _schema(client)["paths"]
    for path, operations in paths.items():
        for method, operation in operations.items():
            if method in ("post", "put", "patch", "delete"):
                assert "409" in operation["responses"], (method, path)
            elif method == "get":
                assert "409" not in operation["responses"], (method, path)
    shortlist = paths["/api/v1/applications/{id}/shortlist/"]["post"]["responses"]["409"]
    assert shortlist["content"]["application/json"]["schema"]["$ref"].endswith("/Error")
    # An operation with a 409 of its own keeps it.
    patch = paths["/api/v1/applications/{id}/"]["patch"]["responses"]["409"]
    assert not patch["content"]["application/json"]["schema"]["$ref"].endswith("/Error")


def test_schema_token_auth_is_described(client):
    schemes = _schema(client)["components"]["securitySchemes"]
    assert schemes["tokenAuth"] == {
        "type": "apiKey",
        "in": "header",
        "name": "Authorization",
        "description": 'Token-based authentication with required prefix "Token"',
    }


def test_docs_page_serves_assets_locally(client):
    response = client.get(reverse("api-docs"))
    assert response.status_code == 200
    content = response.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in content
    assert "cdn.jsdelivr" not in content
