"""Staff screens of contractor selection: the project page with its open-selection form, the
combined result page and recording the winner. Permissions, bad input, query counts."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from accounts import roles
from accounts.audit import audit_events_for
from accounts.models import AuditEvent
from awards.contractor_selection import (
    contractor_selection_refusal,
    open_contractor_selection,
    record_contractor,
)
from awards.models import Award
from core.domain import DomainError
from notifications.models import Message
from projects.models import Call
from projects.services import transition_call
from results.aggregation import aggregate_track
from reviews.models import Criterion
from tests.factories import OrganizationFactory, ProjectFactory, UserFactory
from tests.factories.results import reviewed_application, submit_review

D = Decimal
SEOUL = datetime.timezone(datetime.timedelta(hours=9))


@pytest.fixture
def project(planning_track):
    app = reviewed_application(planning_track, status="awarded")
    project = ProjectFactory(
        code="2022-PL-KLANG",
        name="Klang smart city plan",
        budget_krw=400_000_000,
        track_kind="planning",
    )
    Award.objects.create(application=app, project=project, amount=400_000_000)
    return project


@pytest.fixture
def draft_selection(project, kind_staff):
    now = timezone.now()
    return open_contractor_selection(
        project=project,
        actor=kind_staff,
        opens_at=now - datetime.timedelta(days=30),
        closes_at=now - datetime.timedelta(days=1),
    )


@pytest.fixture
def selection(draft_selection, kind_staff):
    """The selection after its dates: published, opened (its closing time still ahead: a call
    past it does not open) and closed once it passed, through the lifecycle."""
    closes_at = draft_selection.closes_at
    Call.objects.filter(pk=draft_selection.pk).update(
        closes_at=timezone.now() + datetime.timedelta(hours=1)
    )
    for status in (Call.Status.PUBLISHED, Call.Status.OPEN):
        transition_call(call=draft_selection, to=status, actor=kind_staff)
    Call.objects.filter(pk=draft_selection.pk).update(closes_at=closes_at)
    transition_call(call=draft_selection, to=Call.Status.CLOSED, actor=kind_staff)
    draft_selection.refresh_from_db()
    return draft_selection


def company(name):
    org = OrganizationFactory(name=name, kind="korean_company", country_code="KR")
    UserFactory(roles=[roles.CONTRACTOR], organizations=[org], email=f"pm@{name[:5].lower()}.kr")
    return org


def score_companies(track, actor, specs):
    """specs: (company name, price, (tech, local, network)) per company; 3 reviewers each."""
    tech, local, network = Criterion.objects.filter(track=track).order_by("order")
    reviewers = [UserFactory() for _ in range(3)]
    apps = []
    for name, price, (t, lo, ne) in specs:
        app = reviewed_application(track, organization=company(name), budget_requested=price)
        for r in reviewers:
            submit_review(app, r, {tech: t, local: lo, network: ne})
        apps.append(app)
    aggregate_track(track=track, actor=actor)
    return apps


def project_url(project):
    return reverse("staff_awards:project", args=[project.code])


def result_url(call):
    return reverse("staff_awards:result", args=[call.project.code, call.pk])


def winner_url(call):
    return reverse("staff_awards:winner", args=[call.project.code, call.pk])


# --- Permissions -------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["programme_admin", "kind_staff"])
def test_project_page_allowed_for_admin_and_track_secretariat(client, request, project, who):
    client.force_login(request.getfixturevalue(who))
    response = client.get(project_url(project))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Klang smart city plan" in body
    assert "Open a contractor selection" in body
    assert reverse("awards:deliverables") in body


@pytest.mark.django_db
def test_project_page_other_secretariat_gets_404_without_leak(client, project, kaia_staff):
    client.force_login(kaia_staff)
    response = client.get(project_url(project))
    assert response.status_code == 404
    assert b"Klang smart city plan" not in response.content


@pytest.mark.django_db
def test_project_page_applicant_and_reviewer_get_403_without_leak(
    client, project, applicant, reviewer
):
    for user in (applicant, reviewer):
        client.force_login(user)
        response = client.get(project_url(project))
        assert response.status_code == 403
        assert b"Klang smart city plan" not in response.content


@pytest.mark.django_db
def test_project_page_anonymous_is_sent_to_login(client, project):
    response = client.get(project_url(project))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


@pytest.mark.django_db
def test_project_list_scoped_to_the_users_tracks(client, project, kind_staff, kaia_staff):
    client.force_login(kind_staff)
    assert "Klang smart city plan" in client.get(reverse("staff_awards:projects")).content.decode()
    client.force_login(kaia_staff)
    response = client.get(reverse("staff_awards:projects"))
    assert response.status_code == 200
    assert "Klang smart city plan" not in response.content.decode()


@pytest.mark.django_db
def test_result_page_other_secretariat_gets_404_without_leak(
    client, selection, kind_staff, kaia_staff
):
    score_companies(
        selection.tracks.get(), kind_staff, [("Hanul Urban", 400_000_000, (45, 27, 18))]
    )
    client.force_login(kaia_staff)
    response = client.get(result_url(selection))
    assert response.status_code == 404
    assert b"Hanul Urban" not in response.content


@pytest.mark.django_db
def test_result_page_applicant_gets_403_without_leak(client, selection, kind_staff, applicant):
    score_companies(
        selection.tracks.get(), kind_staff, [("Hanul Urban", 400_000_000, (45, 27, 18))]
    )
    client.force_login(applicant)
    response = client.get(result_url(selection))
    assert response.status_code == 403
    assert b"Hanul Urban" not in response.content


@pytest.mark.django_db
def test_result_page_call_of_another_project_is_404(client, selection, programme_admin):
    other = ProjectFactory(code="2022-PL-OTHER", track_kind="planning")
    client.force_login(programme_admin)
    url = reverse("staff_awards:result", args=[other.code, selection.pk])
    assert client.get(url).status_code == 404


@pytest.mark.django_db
def test_record_winner_other_secretariat_refused(client, selection, kind_staff, kaia_staff):
    score_companies(
        selection.tracks.get(), kind_staff, [("Hanul Urban", 400_000_000, (45, 27, 18))]
    )
    client.force_login(kaia_staff)
    assert client.post(winner_url(selection)).status_code == 404
    selection.project.refresh_from_db()
    assert selection.project.contractor_id is None


@pytest.mark.django_db
def test_record_winner_applicant_refused(client, selection, kind_staff, applicant):
    score_companies(
        selection.tracks.get(), kind_staff, [("Hanul Urban", 400_000_000, (45, 27, 18))]
    )
    client.force_login(applicant)
    assert client.post(winner_url(selection)).status_code == 403
    selection.project.refresh_from_db()
    assert selection.project.contractor_id is None


# --- Opening a selection -----------------------------------------------------------------------


@pytest.mark.django_db
def test_open_selection_creates_call_with_seoul_times(client, project, kind_staff):
    client.force_login(kind_staff)
    response = client.post(
        project_url(project),
        {"opens_at": "2026-07-01T09:00", "closes_at": "2026-07-21T18:00", "price_weight": "0.30"},
    )
    assert response.status_code == 302
    call = Call.objects.get(project=project, kind="contractor_selection")
    assert call.opens_at == datetime.datetime(2026, 7, 1, 9, 0, tzinfo=SEOUL)
    assert call.closes_at == datetime.datetime(2026, 7, 21, 18, 0, tzinfo=SEOUL)
    assert call.status == "draft"
    assert call.tracks.get().price_weight == D("0.30")
    assert audit_events_for(project).filter(action="contractor_selection_opened").count() == 1


@pytest.mark.django_db
def test_open_selection_ignores_the_staff_members_own_time_zone(client, project, kind_staff):
    kind_staff.time_zone = "Europe/Paris"
    kind_staff.save()
    client.force_login(kind_staff)
    client.post(
        project_url(project),
        {"opens_at": "2026-07-01T09:00", "closes_at": "2026-07-21T18:00", "price_weight": "0.2"},
    )
    call = Call.objects.get(project=project)
    assert call.opens_at == datetime.datetime(2026, 7, 1, 0, 0, tzinfo=datetime.UTC)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (
            {
                "opens_at": "2026-07-21T09:00",
                "closes_at": "2026-07-01T18:00",
                "price_weight": "0.2",
            },
            "closes_at",
            "The closing time must be after the opening time.",
        ),
        (
            {
                "opens_at": "2026-07-01T09:00",
                "closes_at": "2026-07-21T18:00",
                "price_weight": "1.5",
            },
            "price_weight",
            "Ensure this value is less than or equal to 1.",
        ),
        (
            {"opens_at": "next week", "closes_at": "2026-07-21T18:00", "price_weight": "0.2"},
            "opens_at",
            "Enter a valid date/time.",
        ),
        (
            {"opens_at": "2026-07-01T09:00", "closes_at": "", "price_weight": "0.2"},
            "closes_at",
            "This field is required.",
        ),
    ],
)
def test_open_selection_bad_input_shows_error_and_keeps_values(
    client, project, kind_staff, data, field, message
):
    client.force_login(kind_staff)
    response = client.post(project_url(project), data)
    assert response.status_code == 400
    assert response.context["form"].errors[field] == [message]
    body = response.content.decode()
    assert f'id="id_{field}-error"' in body
    for value in data.values():
        if value:
            assert f'value="{value}"' in body
    assert not Call.objects.filter(project=project).exists()


@pytest.mark.django_db
def test_open_selection_refused_once_a_selection_exists(client, selection, kind_staff):
    client.force_login(kind_staff)
    body = client.get(project_url(selection.project)).content.decode()
    assert "Open a contractor selection" not in body
    assert selection.display_name in body
    response = client.post(
        project_url(selection.project),
        {"opens_at": "2026-07-01T09:00", "closes_at": "2026-07-21T18:00", "price_weight": "0.2"},
    )
    assert response.status_code == 403
    assert Call.objects.filter(project=selection.project).count() == 1


@pytest.mark.django_db
def test_open_selection_not_offered_for_demonstration_project(
    client, demonstration_track, kaia_staff
):
    app = reviewed_application(demonstration_track, status="awarded")
    project = ProjectFactory(code="2022-DM-MADIUN", track_kind="demonstration", budget_krw=1)
    Award.objects.create(application=app, project=project, amount=400_000_000)
    client.force_login(kaia_staff)
    response = client.get(project_url(project))
    assert response.status_code == 200
    assert "Open a contractor selection" not in response.content.decode()


@pytest.mark.django_db
def test_publish_selection_publishes_the_draft_call(client, draft_selection, kind_staff):
    client.force_login(kind_staff)
    url = reverse("staff_awards:publish", args=[draft_selection.project.code, draft_selection.pk])
    assert client.post(url).status_code == 302
    draft_selection.refresh_from_db()
    assert draft_selection.status == "published"


# --- Result page and winner -------------------------------------------------------------------


@pytest.mark.django_db
def test_result_page_ranks_on_combined_score(client, selection, kind_staff):
    track = selection.tracks.get()
    score_companies(
        track,
        kind_staff,
        [
            ("Hanul Urban", 400_000_000, (45, 27, 18)),  # technical 90
            ("Budget Planners", 300_000_000, (35, 22, 13)),  # technical 70
        ],
    )
    client.force_login(kind_staff)
    response = client.get(result_url(selection))
    assert response.status_code == 200
    rows = [
        (r["application"].organization.name, r["score"].price_score, r["score"].combined)
        for r in response.context["rows"]
    ]
    # 0.8·90 + 0.2·75 = 87; 0.8·70 + 0.2·100 = 76.
    assert rows == [
        ("Hanul Urban", D("75.00"), D("87.00")),
        ("Budget Planners", D("100.00"), D("76.00")),
    ]
    body = response.content.decode()
    assert "87.00" in body and "Record the winner" in body


@pytest.mark.django_db
def test_result_page_lists_unscored_proposals(client, selection, kind_staff):
    reviewed_application(selection.tracks.get(), organization=company("Late Planners"))
    client.force_login(kind_staff)
    response = client.get(result_url(selection))
    assert [a.organization.name for a in response.context["unscored"]] == ["Late Planners"]
    assert "Record the winner" not in response.content.decode()


@pytest.mark.django_db
def test_result_page_query_count_does_not_grow_with_companies(
    client, project, kind_staff, django_assert_max_num_queries
):
    now = timezone.now()
    one = open_contractor_selection(
        project=project, actor=kind_staff, opens_at=now, closes_at=now + datetime.timedelta(days=9)
    )
    score_companies(one.tracks.get(), kind_staff, [("Solo Planners", 400_000_000, (40, 20, 10))])
    app = reviewed_application(project.award.application.track, status="awarded")
    many_project = ProjectFactory(
        code="2022-PL-MANY", budget_krw=500_000_000, track_kind="planning"
    )
    Award.objects.create(application=app, project=many_project, amount=500_000_000)
    many = open_contractor_selection(
        project=many_project,
        actor=kind_staff,
        opens_at=now,
        closes_at=now + datetime.timedelta(days=9),
    )
    score_companies(
        many.tracks.get(),
        kind_staff,
        [(f"Planner {i}", 300_000_000 + i * 10_000_000, (30 + i, 20, 10)) for i in range(8)],
    )
    reviewed_application(many.tracks.get(), organization=company("Unscored Co"))
    client.force_login(kind_staff)
    counts = []
    for call in (one, many):
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(result_url(call))
        assert response.status_code == 200
        counts.append(len(ctx.captured_queries))
    assert len(response.context["rows"]) == 8
    assert counts[0] == counts[1]
    with django_assert_max_num_queries(counts[0]):
        client.get(result_url(many))


@pytest.mark.django_db
def test_project_page_query_count_does_not_grow_with_deliverables(client, selection, kind_staff):
    client.force_login(kind_staff)
    with CaptureQueriesContext(connection) as before:
        client.get(project_url(selection.project))
    score_companies(
        selection.tracks.get(), kind_staff, [("Hanul Urban", 400_000_000, (45, 27, 18))]
    )
    client.post(winner_url(selection))
    with CaptureQueriesContext(connection) as after:
        response = client.get(project_url(selection.project))
    assert len(response.context["deliverables"]) == 4
    assert len(after.captured_queries) <= len(before.captured_queries)


@pytest.mark.django_db
def test_record_winner_sets_contractor_audits_and_notifies(client, selection, kind_staff):
    track = selection.tracks.get()
    score_companies(
        track,
        kind_staff,
        [
            ("Hanul Urban", 400_000_000, (45, 27, 18)),
            ("Budget Planners", 300_000_000, (35, 22, 13)),
        ],
    )
    client.force_login(kind_staff)
    response = client.post(winner_url(selection))
    assert response.status_code == 302
    project = selection.project
    project.refresh_from_db()
    assert project.contractor.name == "Hanul Urban"
    event = AuditEvent.objects.get(action="contractor_selected")
    assert event.actor == kind_staff and event.new_value == str(project.contractor_id)
    messages = Message.objects.filter(template="results/contractor_selected")
    assert {m.recipient.organizations.first().name for m in messages} == {"Hanul Urban"}
    assert messages.count() >= 1
    # A second click changes nothing.
    client.post(winner_url(selection))
    assert AuditEvent.objects.filter(action="contractor_selected").count() == 1
    assert client.get(result_url(selection)).context["can_record"] is False


@pytest.mark.django_db
def test_record_winner_moves_the_closed_call_to_decided_through_its_lifecycle(
    client, selection, kind_staff
):
    score_companies(
        selection.tracks.get(), kind_staff, [("Hanul Urban", 400_000_000, (45, 27, 18))]
    )
    client.force_login(kind_staff)
    response = client.post(winner_url(selection), follow=True)
    selection.refresh_from_db()
    assert selection.status == Call.Status.DECIDED
    moves = [
        (e.old_value, e.new_value, e.actor, e.detail)
        for e in audit_events_for(selection).filter(action="status")
    ][-2:]
    assert moves == [
        ("closed", "in_review", kind_staff, {"reason": "contractor recorded"}),
        ("in_review", "decided", kind_staff, {"reason": "contractor recorded"}),
    ]
    body = response.content.decode()
    assert '<span class="badge badge-decided">Decided</span>' in body
    project_page = client.get(project_url(selection.project)).content.decode()
    assert '<span class="badge badge-decided">Decided</span>' in project_page


@pytest.mark.django_db
def test_record_winner_of_a_call_in_review_moves_it_to_decided(client, selection, kind_staff):
    transition_call(call=selection, to=Call.Status.IN_REVIEW, actor=kind_staff)
    score_companies(
        selection.tracks.get(), kind_staff, [("Hanul Urban", 400_000_000, (45, 27, 18))]
    )
    client.force_login(kind_staff)
    client.post(winner_url(selection))
    selection.refresh_from_db()
    assert selection.status == Call.Status.DECIDED
    assert audit_events_for(selection).filter(new_value="decided").count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("status", ["draft", "published", "open"])
def test_record_winner_refused_while_proposals_may_still_come_in(
    client, draft_selection, kind_staff, status
):
    path = {"draft": [], "published": ["published"], "open": ["published", "open"]}[status]
    # Proposals may still come in: the closing time is ahead (a call past it does not open).
    Call.objects.filter(pk=draft_selection.pk).update(
        closes_at=timezone.now() + datetime.timedelta(days=1)
    )
    for to in path:
        transition_call(call=draft_selection, to=to, actor=kind_staff)
    score_companies(
        draft_selection.tracks.get(), kind_staff, [("Hanul Urban", 400_000_000, (45, 27, 18))]
    )
    client.force_login(kind_staff)
    page = client.get(result_url(draft_selection))
    assert page.context["can_record"] is False
    assert "record the winner once the call has closed" in page.content.decode()
    assert "Record the winner" not in page.content.decode()
    response = client.post(winner_url(draft_selection), follow=True)
    assert "record the winner once the call has closed" in response.content.decode()
    draft_selection.refresh_from_db()
    assert draft_selection.status == status
    assert draft_selection.project.contractor_id is None
    assert not AuditEvent.objects.filter(action="contractor_selected").exists()
    assert not draft_selection.project.deliverables.exists()


@pytest.mark.django_db
def test_record_winner_without_scores_explains(client, selection, kind_staff):
    client.force_login(kind_staff)
    response = client.post(winner_url(selection), follow=True)
    assert "run the aggregation first" in response.content.decode()
    selection.project.refresh_from_db()
    assert selection.project.contractor_id is None


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "ko"])
def test_contractor_selected_email_renders(language):
    context = {"project": "Klang plan", "code": "2022-PL-KLANG", "company": "Hanul Urban"}
    with translation.override(language):
        subject = render_to_string("emails/results/contractor_selected.subject.txt", context)
        body = render_to_string("emails/results/contractor_selected.txt", context)
    assert "2022-PL-KLANG" in subject and "Hanul Urban" in body and "Klang plan" in body


@pytest.mark.django_db
def test_staff_index_links_to_results_dashboards_projects_and_deliverables(client, kind_staff):
    client.force_login(kind_staff)
    body = client.get(reverse("staff_reporting:index")).content.decode()
    for name in (
        "staff_results:index",
        "staff_reporting:dashboards",
        "staff_awards:projects",
        "awards:deliverables",
    ):
        assert f'href="{reverse(name)}"' in body


@pytest.mark.django_db
def test_project_page_in_korean_names_the_criteria_in_korean(client, project, kind_staff):
    kind_staff.language = "ko"
    kind_staff.save()
    client.force_login(kind_staff)
    body = client.get(project_url(project), HTTP_ACCEPT_LANGUAGE="ko").content.decode()
    assert "기술 역량" in body and "Technical quality" not in body


@pytest.mark.django_db
def test_project_pages_in_korean_name_the_site_in_korean(client, project, kind_staff):
    project.city.name_ko = "클랑"
    project.city.save()
    kind_staff.language = "ko"
    kind_staff.save()
    client.force_login(kind_staff)
    for url in (project_url(project), reverse("staff_awards:projects")):
        body = client.get(url, HTTP_ACCEPT_LANGUAGE="ko").content.decode()
        assert "클랑, 말레이시아" in body
        assert "Malaysia" not in body


@pytest.mark.django_db
def test_publish_selection_refused_to_staff_who_do_not_run_the_call(
    client, draft_selection, kind_staff, kaia
):
    # The project is KIND's, but this selection is run by another secretariat: following the
    # project is not enough to publish the call (projects.manage_call).
    track = draft_selection.tracks.get()
    track.secretariat = kaia
    track.save()
    client.force_login(kind_staff)
    url = reverse("staff_awards:publish", args=[draft_selection.project.code, draft_selection.pk])
    assert client.post(url).status_code == 403
    draft_selection.refresh_from_db()
    assert draft_selection.status == "draft"


@pytest.mark.django_db
def test_project_funded_before_the_portal_is_not_offered_a_selection_it_cannot_open(
    client, programme_admin, project
):
    # No award, so no secretariat track to run it: the form would only ever fail.
    historical = ProjectFactory(code="2020-PL-OLD", track_kind="planning", budget_krw=300_000_000)
    assert contractor_selection_refusal(historical) is not None
    client.force_login(programme_admin)
    body = client.get(project_url(historical)).content.decode()
    assert 'name="opens_at"' not in body
    # The marker is the form's: a funded project with an award is offered it.
    assert 'name="opens_at"' in client.get(project_url(project)).content.decode()


@pytest.mark.django_db
def test_second_record_of_the_winner_is_refused(selection, kind_staff):
    track = selection.tracks.get()
    score_companies(track, kind_staff, [("Hanul Urban", 400_000_000, (45, 27, 18))])
    record_contractor(track=track, actor=kind_staff)
    with pytest.raises(DomainError, match="already has its contractor"):
        record_contractor(track=track, actor=kind_staff)
    assert AuditEvent.objects.filter(action="contractor_selected").count() == 1
