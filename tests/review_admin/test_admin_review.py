"""The back office as an outside examiner walks it: each staff kind at each admin door.

Findings of the review of the admin (its history pages, its Korean screens, its actions),
each proved here and fixed where the rule lives.
"""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from accounts import roles
from accounts.models import AuditEvent, Organization
from accounts.services import create_organization, invite_member
from applications.models import Application
from projects.models import DocumentKind, DocumentRequirement, Project
from tests.factories import (
    DocumentFactory,
    ProjectFactory,
    SubmittedApplicationFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def _history(model, pk) -> str:
    opts = model._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_history", args=[pk])


# --- An organisation's "History" names its people only to those who may see them ---------------


@pytest.fixture
def zuunmod(role_groups):
    """An applicant organisation made and run through the services: its owner created it and
    invited a colleague, so its audit trail is its people's doing."""
    owner = UserFactory(
        email="owner@zuunmod.gov.mn",
        name="Bat-Erdene Dorj",
        roles=[roles.APPLICANT],
        email_verified_at=timezone.now(),
    )
    organization = create_organization(
        actor=owner, name="Zuunmod City", kind="city_government", country_code="MN"
    )
    invite_member(organization=organization, email="deputy@zuunmod.gov.mn", actor=owner)
    return organization, owner


@pytest.mark.parametrize("staff", ["kind_staff", "kaia_staff"])
def test_organisation_history_does_not_name_its_people_to_secretariat_staff(
    client, zuunmod, staff, request
):
    # Secretariat staff read organisations but not their people (the members are hidden from
    # them on the change page): the History page named the owner, by e-mail and name, as the
    # actor of every row, for any organisation, of either secretariat's applicants or none.
    organization, owner = zuunmod
    client.force_login(request.getfixturevalue(staff))
    page = client.get(_history(Organization, organization.pk))
    assert page.status_code == 200
    body = page.content.decode()
    assert "Created" in body  # the trail is still shown …
    assert owner.email not in body  # … without naming who made it
    assert owner.name not in body
    assert "deputy@zuunmod.gov.mn" not in body  # … nor whom it invited


def test_organisation_history_names_the_actors_to_a_programme_admin(
    client, zuunmod, programme_admin
):
    organization, owner = zuunmod
    client.force_login(programme_admin)
    body = client.get(_history(Organization, organization.pk)).content.decode()
    assert owner.email in body


# --- Document kinds are named, not shown as codes -----------------------------------------------


def test_document_kinds_show_their_label_in_korean(client, programme_admin, planning_track):
    application = SubmittedApplicationFactory(track=planning_track, title="Issyk-Kul plan")
    DocumentFactory(application=application, kind=DocumentKind.LETTER_OF_INTENT)
    DocumentRequirement.objects.create(
        track=planning_track, kind=DocumentKind.SITE_MAP, name="Site map", name_ko="대상지 지도"
    )
    client.force_login(programme_admin)
    client.cookies["django_language"] = "ko"
    with translation.override("ko"):
        letter = str(DocumentKind.LETTER_OF_INTENT.label)
        site_map = str(DocumentKind.SITE_MAP.label)
    pages = {
        "documents": (reverse("admin:applications_document_changelist"), letter),
        "application": (
            reverse("admin:applications_application_change", args=[application.pk]),
            letter,
        ),
        "requirements": (reverse("admin:projects_documentrequirement_changelist"), site_map),
    }
    for name, (url, label) in pages.items():
        body = client.get(url).content.decode()
        assert label in body, name
        # The code itself (``letter_of_intent``) was the column's and the inline's text.
        assert f">{DocumentKind.LETTER_OF_INTENT.value}<" not in body, name
        assert f">{DocumentKind.SITE_MAP.value}<" not in body, name


# --- A historical project is cancelled with the reason the user gives ---------------------------


def test_cancelling_a_historical_project_asks_for_the_reason(client, programme_admin):
    project = ProjectFactory(code="H-2020-07", source=Project.Source.HISTORICAL, year=2020)
    client.force_login(programme_admin)
    url = reverse("admin:projects_project_changelist")
    chosen = {"action": "cancel_projects", "_selected_action": [project.pk]}
    # The action wrote a canned English sentence as the reason; it asks first now.
    page = client.post(url, chosen)
    project.refresh_from_db()
    assert project.status == Project.Status.ACTIVE
    assert page.templates[0].name == "admin/action_with_text.html"
    reason = "The city withdrew its counterpart funding in 2021."
    client.post(url, {**chosen, "apply": "1", "text": reason})
    project.refresh_from_db()
    assert project.status == Project.Status.CANCELLED
    event = AuditEvent.objects.filter(object_id=str(project.pk), actor=programme_admin).latest("pk")
    assert event.new_value == Project.Status.CANCELLED
    assert reason in str(event.detail)


def test_a_submitted_application_of_the_other_secretariat_is_not_found_by_autocomplete(
    client, kaia_staff, planning_track
):
    # The lookup behind every autocomplete box answers from the target model's own admin,
    # narrowed to the user's tracks: KAIA staff find no KIND application by any source field.
    SubmittedApplicationFactory(
        track=planning_track,
        title="Khulna flood plan",
        reference="2026-PL-009",
        submitted_at=timezone.now() - datetime.timedelta(days=1),
        status=Application.Status.SUBMITTED,
    )
    client.force_login(kaia_staff)
    for source in ("reviews.assignment", "awards.award", "applications.document"):
        app_label, model_name = source.split(".")
        response = client.get(
            reverse("admin:autocomplete"),
            {
                "app_label": app_label,
                "model_name": model_name,
                "field_name": "application",
                "term": "Khulna",
            },
        )
        assert response.status_code == 200, source
        assert response.json()["results"] == [], source


# --- Roles are named in the reader's language in the account list's filter ------------------------


def test_user_list_filters_by_role_named_in_korean(client, programme_admin, kind_staff, reviewer):
    client.force_login(programme_admin)
    client.cookies["django_language"] = "ko"
    url = reverse("admin:accounts_user_changelist")
    body = client.get(url).content.decode()
    with translation.override("ko"):
        labels = [str(label) for label in roles.ROLES.values()]
    # The filter listed the groups by their code names (``secretariat_staff``).
    for label in labels:
        assert label in body
    for code in roles.ROLES:
        assert f">{code}<" not in body
    page = client.get(url, {"role": roles.SECRETARIAT_STAFF})
    assert [user.email for user in page.context["cl"].result_list] == [kind_staff.email]


# --- The lock-out pages are in Korean too ---------------------------------------------------------


def test_lockout_pages_are_in_korean(client, programme_admin):
    # django-axes ships no Korean: its section ("Axes"), its models ("Access attempts") and its
    # columns ("Username", "IP Address") were English on every Korean back-office page.
    # (Korean from /tmp/ko_admin.json once merged into the catalogue.)
    from axes.models import AccessAttempt

    AccessAttempt.objects.create(
        username="officer@klang.gov.my",
        ip_address="203.0.113.7",
        user_agent="Firefox",
        http_accept="*/*",
        path_info="/accounts/login/",
        failures_since_start=3,
    )
    client.force_login(programme_admin)
    client.cookies["django_language"] = "ko"
    index = client.get(reverse("admin:index")).content.decode()
    page = client.get(reverse("admin:axes_accessattempt_changelist")).content.decode()
    for english in ("Axes", "Access attempts", "access attempt"):
        assert english not in index, english
    for english in ("Access attempts", "access attempt", "Username", "IP Address", "Attempt Time"):
        assert english not in page, english


# --- Nobody outside the back office reaches its lookups ---------------------------------------


@pytest.mark.parametrize("who", ["applicant", "reviewer", "contractor"])
def test_people_outside_the_back_office_reach_none_of_its_doors(
    client, who, request, planning_track
):
    application = SubmittedApplicationFactory(track=planning_track, title="Madiun sensors")
    client.force_login(request.getfixturevalue(who))
    doors = [
        reverse("admin:autocomplete")
        + "?app_label=reviews&model_name=assignment&field_name=application&term=Madiun",
        reverse("admin:applications_application_changelist") + "?q=Madiun",
        _history(Application, application.pk),
        reverse("admin:applications_application_change", args=[application.pk]),
    ]
    for url in doors:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("admin:login")), url
        assert "Madiun" not in response.content.decode(), url


# --- What was anonymised is said in words, not codes --------------------------------------------


def test_anonymised_records_are_named_in_korean(client, programme_admin):
    from accounts import privacy
    from accounts.models import AnonymisedRecord

    kind = privacy.registered_kinds()[0]
    record = AnonymisedRecord.objects.create(kind=kind.name, object_id=7, reason="retention")
    client.force_login(programme_admin)
    client.cookies["django_language"] = "ko"
    with translation.override("ko"):
        label = str(kind.label)
    for url in (
        reverse("admin:accounts_anonymisedrecord_changelist"),
        reverse("admin:accounts_anonymisedrecord_change", args=[record.pk]),
    ):
        body = client.get(url).content.decode()
        assert label in body, url
        # The list showed the registry's code and the reason's (``retention``) as they are.
        assert ">retention<" not in body, url
