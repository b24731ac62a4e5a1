"""seed_demo loads the real programme, idempotently, with exactly the ten real sites funded."""

import datetime
import io
import shutil
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from accounts import roles
from accounts.audit import audit_events_for
from accounts.models import AuditEvent, User
from applications.models import Application
from applications.selectors import submission_problems
from applications.services import screen_application
from awards.models import Award
from awards.services import award_letter_date
from notifications.models import Message
from notifications.services import resend_pending_messages
from projects.models import Call, Project
from results.aggregation import trimmed_mean
from results.models import ApplicationResult, Decision
from reviews.models import (
    Assignment,
    CommitteeMember,
    ConflictDeclaration,
    InterestDeclaration,
    Job,
)
from reviews.services import (
    create_assignment_job,
    criteria_total,
    current_interest_declaration,
    run_assignment_job,
    start_review,
)
from tests.demo.conftest import REAL_2022_SITES


def _row_counts() -> dict[str, int]:
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


def _outbox() -> list[tuple]:
    return list(Message.objects.order_by("pk").values_list("pk", "to_email", "template", "status"))


def _stored_files() -> set[str]:
    root = Path(settings.MEDIA_ROOT)
    return {str(p) for p in root.rglob("*") if p.is_file()} if root.exists() else set()


def test_seed_demo_second_run_changes_no_row_count(demo, tmp_path):
    """Run again on the seeded demo (with its documents and its passwords file), it changes
    nothing: no row, no message, no stored file, no declaration, no password."""
    credentials = tmp_path / "demo-credentials.txt"
    shutil.copy(demo.credentials, credentials)
    first = _row_counts()
    outbox = _outbox()
    files = _stored_files()
    declarations = list(InterestDeclaration.objects.values_list("pk", "signed_at"))
    passwords = credentials.read_text()
    call_command("seed_demo", credentials_file=credentials, stdout=io.StringIO())
    assert _row_counts() == first
    assert _outbox() == outbox
    assert _stored_files() == files
    assert list(InterestDeclaration.objects.values_list("pk", "signed_at")) == declarations
    assert credentials.read_text() == passwords


def test_seed_demo_prints_no_password(demo):
    passwords = [line.split()[1] for line in demo.credentials.read_text().splitlines()]
    assert len(passwords) >= 8
    assert not any(password in demo.output for password in passwords)


def test_seed_demo_logins_work_and_cover_every_role(demo):
    lines = [line.split(maxsplit=2) for line in demo.credentials.read_text().splitlines()]
    held = set()
    for email, password, _label in lines:
        user = User.objects.get(email=email)
        assert user.check_password(password)
        held |= roles.user_roles(user)
    assert held == set(roles.ROLES)


def test_seed_demo_2022_call_has_33_applications_from_17_countries():
    call = Call.objects.get(slug="k-city-network-2022")
    applications = Application.objects.filter(call=call)
    assert call.status == Call.Status.DECIDED
    assert applications.count() == 33
    assert applications.values("country").distinct().count() == 17
    assert (
        applications.filter(assignments__status=Assignment.Status.SUBMITTED).distinct().count()
        == 33
    )
    assert {a.assignments.count() for a in applications} == {5}


def test_seed_demo_awards_exactly_the_ten_real_sites():
    awarded = Application.objects.filter(call__year=2022, status=Application.Status.AWARDED)
    by_track = {code: set() for code in REAL_2022_SITES}
    for application in awarded.select_related("track", "city"):
        by_track[application.track.code].add(application.city.name)
    assert by_track == REAL_2022_SITES
    awards = Award.objects.filter(application__in=awarded).select_related("project", "application")
    assert awards.count() == 10
    for award in awards:
        track = award.application.track
        assert track.budget_floor <= award.amount <= track.budget_ceiling
        # Under way or completed (tests/demo/test_seed_funding.py says which).
        assert award.status in (Award.Status.IN_PROGRESS, Award.Status.COMPLETED)
        assert award.project.source == Project.Source.PORTAL
        assert award.project.city == award.application.city
    assert Project.objects.filter(year=2022, source=Project.Source.PORTAL).count() == 10
    pl_total = sum(a.amount for a in awards if a.application.track.code == "PL")
    assert pl_total <= awards.first().application.call.tracks.get(code="PL").total_budget


def test_seed_demo_official_rule_ranks_the_real_sites_first():
    """Recompute the official aggregate from the scores: the ten real sites are on top of their
    track with at least 70 points, the reserve list is above 70 too, everyone else below."""
    for code, sites in REAL_2022_SITES.items():
        ranking = []
        for application in Application.objects.filter(call__year=2022, track__code=code):
            totals = [
                sum((s.points for s in a.scores.all()), Decimal(0))
                for a in application.assignments.prefetch_related("scores")
            ]
            assert len(totals) == 5
            ranking.append((trimmed_mean(totals), application))
        ranking.sort(key=lambda pair: pair[0], reverse=True)
        top = ranking[: len(sites)]
        assert {a.city.name for _, a in top} == sites
        assert min(score for score, _ in top) >= 70
        rest = ranking[len(sites) :]
        above = [a for score, a in rest if score >= 70]
        assert all(a.status == Application.Status.RESERVE for a in above)
        assert len(above) == (2 if code == "PL" else 0)
        assert all(a.status == Application.Status.REJECTED for score, a in rest if score < 70)


def test_seed_demo_results_match_the_decisions():
    results = ApplicationResult.objects.filter(track__call__year=2022).select_related(
        "application__decision"
    )
    assert results.count() == 33
    for result in results:
        decision = result.application.decision
        if result.rank is not None and decision.outcome == Decision.Outcome.SELECTED:
            assert result.official_score >= 70


def test_seed_demo_scores_stay_within_criterion_maximum():
    from django.db.models import F

    from reviews.models import Score

    assert (
        Score.objects.filter(assignment__application__call__year=2022).count()
        == 25 * 5 * 5 + 8 * 5 * 3
    )
    assert not Score.objects.filter(points__gt=F("max_points")).exists()
    for assignment in Assignment.objects.filter(status=Assignment.Status.SUBMITTED)[:40]:
        assert sum(s.points for s in assignment.scores.all()) == assignment.total
        assert all(len(s.justification) >= 30 for s in assignment.scores.all())


def test_seed_demo_portfolio_and_demo_journeys():
    assert Project.objects.filter(source=Project.Source.HISTORICAL, year=2020).count() == 12
    assert Project.objects.filter(source=Project.Source.HISTORICAL, year=2021).count() == 11
    open_call = Call.objects.get(slug="k-city-network-2026")
    assert open_call.is_accepting_applications
    officer = User.objects.get(email="officer@iloilo.kcity.example")
    draft = Application.objects.get(call=open_call, created_by=officer)
    assert draft.status == Application.Status.DRAFT
    contractor = User.objects.get(email="pm@hanul-planning.kcity.example")
    klang = Project.objects.get(year=2022, city__name="Klang")
    assert klang.contractor.memberships.filter(user=contractor).exists()
    assert klang.deliverables.filter(status="pending").exists()


def _demo_logins(credentials: Path) -> list[tuple[str, str]]:
    return [tuple(line.split(maxsplit=2)[:2]) for line in credentials.read_text().splitlines()]


def test_seed_demo_every_login_has_a_verified_email(demo):
    emails = [email for email, _password in _demo_logins(demo.credentials)]
    unverified = User.objects.filter(email__in=emails, email_verified_at__isnull=True)
    assert list(unverified.values_list("email", flat=True)) == []
    for user in User.objects.filter(email__in=emails):
        assert audit_events_for(user).filter(action="email_verified", actor=user).count() == 1


def test_seed_demo_applicants_log_in_and_start_an_application(demo, client):
    """README step 1 through the pages: each demo applicant logs in with the seeded password
    and presses "Apply" on the open 2026 track their organisation may apply to."""
    call = Call.objects.get(slug="k-city-network-2026")
    applicants = [
        (email, password)
        for email, password in _demo_logins(demo.credentials)
        if roles.APPLICANT in roles.user_roles(User.objects.get(email=email))
    ]
    assert {email for email, _ in applicants} == {
        "officer@iloilo.kcity.example",
        "manager@mirae-smartcity.kcity.example",
    }
    for email, password in applicants:
        client.logout()
        login = client.post(reverse("accounts:login"), {"username": email, "password": password})
        assert login.status_code == 302, email
        dashboard = client.get(reverse("applications:dashboard"))
        assert "Verify your e-mail address" not in dashboard.content.decode()
        eligible = [t for t in dashboard.context["open_tracks"] if t.eligible]
        assert [t.call for t in eligible] == [call], email
        track = eligible[0]
        start = reverse("applications:start", args=[track.pk])
        assert f'action="{start}"' in dashboard.content.decode()
        before = set(
            Application.objects.filter(created_by__email=email).values_list("pk", flat=True)
        )
        response = client.post(start)
        started = Application.objects.filter(created_by__email=email).exclude(pk__in=before)
        application = started.get()
        assert (application.track, application.status) == (track, Application.Status.DRAFT)
        assert response.status_code == 302
        assert response["Location"] == reverse(
            "applications:section", kwargs={"pk": application.pk, "section": "applicant"}
        )


DEMO_REVIEWER = "kim.jiwon@review.kcity.example"
DEMO_ORGANISATIONS = ("Iloilo City Government", "Mirae Smart City Co., Ltd.")


def test_seed_demo_reviewers_have_current_interest_declarations():
    reviewers = User.objects.filter(groups__name=roles.REVIEWER)
    assert reviewers.count() == 7
    for reviewer in reviewers:
        declaration = current_interest_declaration(reviewer)
        assert declaration is not None, reviewer.email
        assert declaration.expires_at - declaration.signed_at == datetime.timedelta(days=365)
        assert audit_events_for(declaration).filter(action="signed", actor=reviewer).exists()


def test_seed_demo_every_2022_assignment_has_a_no_conflict_declaration_before_review():
    assignments = Assignment.objects.filter(application__call__year=2022)
    assert assignments.count() == 33 * 5
    declarations = {
        (d.reviewer_id, d.application_id): d
        for d in ConflictDeclaration.objects.filter(application__call__year=2022)
    }
    assert len(declarations) == 33 * 5
    for assignment in assignments:
        declaration = declarations[(assignment.reviewer_id, assignment.application_id)]
        assert declaration.has_conflict is False
        assert declaration.kind == ConflictDeclaration.Kind.NONE
        assert declaration.source == ConflictDeclaration.Source.DECLARED
        assert declaration.declared_at < assignment.submitted_at


def test_seed_demo_reviewer_opens_workspace_and_submitted_2022_review(client):
    reviewer = User.objects.get(email=DEMO_REVIEWER)
    assignment = Assignment.objects.filter(
        reviewer=reviewer,
        application__call__year=2022,
        status=Assignment.Status.SUBMITTED,
    ).first()
    client.force_login(reviewer)
    workspace = client.get(reverse("reviews:workspace"))
    assert workspace.status_code == 200
    detail = client.get(reverse("reviews:assignment", args=[assignment.pk]))
    assert detail.status_code == 200
    assert detail.context["declared"] is True
    assert "You declared no conflict of interest" in detail.content.decode()
    assert assignment.application.reference in detail.content.decode()
    application = client.get(reverse("reviews:application", args=[assignment.pk]))
    assert application.status_code == 200
    assert assignment.application.title in application.content.decode()


def test_seed_demo_reviewer_without_declaration_is_sent_to_sign_it(client):
    """The contrast case: without the seeded declaration the same page redirects."""
    reviewer = User.objects.get(email=DEMO_REVIEWER)
    assignment = Assignment.objects.filter(reviewer=reviewer, application__call__year=2022).first()
    InterestDeclaration.objects.filter(reviewer=reviewer).delete()
    client.force_login(reviewer)
    response = client.get(reverse("reviews:assignment", args=[assignment.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("reviews:declaration"))


def test_seed_demo_2026_walkthrough_tracks_are_ready_for_review():
    call = Call.objects.get(slug="k-city-network-2026")
    expected = {"PL": 5, "DM": 2}
    for track in call.tracks.all():
        submitted = track.applications.filter(status=Application.Status.SUBMITTED)
        assert submitted.count() == expected[track.code]
        assert criteria_total(track) == 100
        assert track.criteria_locked_at is None
        assert track.review_deadline is not None and track.review_deadline > call.closes_at
        assert track.min_reviewers == 3
        members = CommitteeMember.objects.filter(track=track)
        assert members.count() == 5
        assert all(current_interest_declaration(m.reviewer) for m in members)
        for application in submitted:
            assert application.organization.name not in DEMO_ORGANISATIONS
            assert submission_problems(application) == []
            kinds = {d.kind for d in application.documents.all()}
            assert kinds == set(track.required_documents)
            for document in application.documents.all():
                with document.file.open("rb") as handle:
                    assert handle.read(5) == b"%PDF-"
    draft = Application.objects.get(call=call, organization__name="Iloilo City Government")
    assert draft.status == Application.Status.DRAFT


def test_seed_demo_2026_walkthrough_screen_start_and_assign():
    """What staff do in the browser, through the same services: every submitted planning
    application ends with the track's minimum of three reviewers."""
    call = Call.objects.get(slug="k-city-network-2026")
    track = call.tracks.get(code="PL")
    staff = User.objects.get(email="staff@kind.kcity.example")
    for application in track.applications.filter(status=Application.Status.SUBMITTED):
        screen_application(application=application, eligible=True, actor=staff)
    assert start_review(track=track, actor=staff) == 5
    job = run_assignment_job(job_id=create_assignment_job(track=track, actor=staff).pk)
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED, job.message
    under_review = track.applications.filter(status=Application.Status.UNDER_REVIEW)
    assert under_review.count() == 5
    for application in under_review:
        assert application.assignments.count() == 3


def test_seed_demo_sends_no_mail_and_writes_only_demo_addresses(demo):
    assert demo.mail == ()
    addresses = set(Message.objects.values_list("to_email", flat=True)) | set(
        Message.objects.values_list("recipient__email", flat=True)
    )
    addresses.discard("")  # in-app rows carry no address of their own
    assert Message.objects.filter(template="applications/decision").count() > 0
    assert all(address.endswith(".kcity.example") for address in addresses)


def test_seed_demo_2022_messages_are_recorded_as_sent_in_2022():
    """The 2022 decision and award notices went out on the release day: recorded as sent then
    (e-mails with the subject and body they were sent with), so the worker sends none again."""
    released = _seoul(2022, 6, 30, 10)
    messages = Message.objects.filter(context__call=Call.objects.get(year=2022).name)
    assert set(messages.values_list("template", "channel")) == {
        ("applications/decision", "email"),
        ("applications/decision", "in_app"),
        ("applications/status_changed", "email"),
        ("applications/status_changed", "in_app"),
    }
    assert messages.count() == 2 * (33 + 10)
    assert set(messages.values_list("status", "created_at", "sent_at")) == {
        (Message.Status.SENT, released, released)
    }
    klang = Application.objects.get(call__year=2022, city__name="Klang")
    decision = messages.get(
        template="applications/decision", channel="email", context__reference=klang.reference
    )
    assert decision.subject == f"Decision on your application {klang.reference}"
    assert klang.title in decision.body
    # Only the open 2026 call's messages (none are seeded today) may wait for the worker.
    waiting = Message.objects.filter(status__in=[Message.Status.PENDING, Message.Status.FAILED])
    assert not waiting.exclude(context__call=Call.objects.get(year=2026).name).exists()
    assert resend_pending_messages(older_than_seconds=0) == waiting.filter(channel="email").count()


def _walkthrough_urls() -> list[tuple[str | None, str]]:
    """(login, URL) for every step of the README's demo walkthrough."""
    call_2022 = Call.objects.get(slug="k-city-network-2022")
    call_2026 = Call.objects.get(slug="k-city-network-2026")
    pl_2022, pl_2026 = call_2022.tracks.get(code="PL"), call_2026.tracks.get(code="PL")
    officer = "officer@iloilo.kcity.example"
    draft = Application.objects.get(call=call_2026, created_by__email=officer)
    kind = "staff@kind.kcity.example"
    klang = Project.objects.get(year=2022, city__name="Klang")
    return [
        (None, "/accounts/login/"),
        (officer, "/calls/"),
        (officer, f"/calls/{call_2026.slug}/"),
        (officer, "/applications/"),
        (officer, f"/applications/{draft.pk}/"),
        ("manager@mirae-smartcity.kcity.example", f"/calls/{call_2026.slug}/"),
        (kind, "/staff/"),
        (kind, f"/staff/applications/tracks/{pl_2026.pk}/screening/"),
        (kind, "/staff/reviews/"),
        (kind, f"/staff/reviews/tracks/{pl_2026.pk}/"),
        (kind, f"/staff/reviews/tracks/{pl_2026.pk}/criteria/"),
        (kind, f"/staff/reviews/tracks/{pl_2026.pk}/committee/"),
        (kind, f"/staff/reviews/tracks/{pl_2026.pk}/assignments/"),
        (kind, f"/staff/reviews/tracks/{pl_2026.pk}/board/"),
        (DEMO_REVIEWER, "/reviews/"),
        (DEMO_REVIEWER, "/reviews/declaration/"),
        (kind, "/staff/reviews/results/"),
        (kind, f"/staff/reviews/results/{pl_2022.pk}/"),
        (kind, f"/staff/reviews/results/{pl_2022.pk}/selection/"),
        (kind, f"/staff/reviews/results/{pl_2022.pk}/awards/"),
        (kind, f"/staff/projects/{klang.code}/"),
        ("admin@molit.kcity.example", "/staff/dashboards/"),
        ("admin@molit.kcity.example", "/staff/statistics/"),
        ("admin@molit.kcity.example", "/admin/"),
        ("staff@kaia.kcity.example", "/staff/reviews/"),
        ("pm@hanul-planning.kcity.example", "/calls/deliverables/"),
        (officer, "/api/docs/"),
        (None, "/calls/portfolio/"),
        (None, "/calls/programme/"),
        (None, "/calls/events/"),
    ]


def test_seed_demo_readme_walkthrough_pages_open_for_their_login(client):
    failures = []
    for email, url in _walkthrough_urls():
        client.logout()
        if email:
            client.force_login(User.objects.get(email=email))
        response = client.get(url)
        if response.status_code != 200:
            failures.append((email, url, response.status_code))
    assert failures == []


def test_seed_demo_walkthrough_staff_page_denied_to_other_secretariat(client):
    track = Call.objects.get(slug="k-city-network-2026").tracks.get(code="PL")
    client.force_login(User.objects.get(email="staff@kaia.kcity.example"))
    response = client.get(f"/staff/applications/tracks/{track.pk}/screening/")
    assert response.status_code in (403, 404)


def test_seed_demo_2022_results_went_through_the_results_services():
    call = Call.objects.get(slug="k-city-network-2022")
    for track in call.tracks.all():
        actions = set(audit_events_for(track).values_list("action", flat=True))
        assert {"propose_funding_line", "confirm_decisions"} <= actions
    assert audit_events_for(call).filter(action="release_decisions").count() == 1
    decisions = Decision.objects.filter(track__call=call)
    assert decisions.count() == 33
    released = datetime.datetime(2022, 6, 30, 1, 0, tzinfo=datetime.UTC)  # 10:00 in Seoul
    assert set(decisions.values_list("released_at", flat=True)) == {released}
    assert call.decisions_released_at == released
    reserve = decisions.filter(outcome=Decision.Outcome.RESERVE).order_by("reserve_rank")
    assert [(d.application.city.name, d.reserve_rank) for d in reserve] == [
        ("Davao", 1),
        ("Samarkand", 2),
    ]
    for award in Award.objects.filter(application__call=call).select_related(
        "project__partner", "project__contractor", "application__organization"
    ):
        assert audit_events_for(award).filter(action="created").exists()
        assert award.project.contractor.kind == "korean_company"
        assert award.project.partner.kind != "korean_company"
        assert award.project.starts_on == datetime.date(2022, 8, 1)


def _seoul(*parts) -> datetime.datetime:
    return datetime.datetime(*parts, tzinfo=ZoneInfo("Asia/Seoul"))


def _audit_rows_of(subjects) -> list[AuditEvent]:
    rows = []
    for subject in subjects:
        rows += list(audit_events_for(subject))
    return rows


def test_seed_demo_2022_call_audit_trail_carries_the_2022_dates():
    call = Call.objects.get(slug="k-city-network-2022")
    trail = [(e.old_value, e.new_value, e.created_at) for e in audit_events_for(call)]
    assert trail == [
        ("draft", "published", _seoul(2022, 2, 23, 10)),
        ("published", "open", _seoul(2022, 3, 2, 10)),
        ("open", "closed", _seoul(2022, 5, 2, 18)),
        ("closed", "in_review", _seoul(2022, 5, 16, 10)),
        ("in_review", "decided", _seoul(2022, 6, 24, 15)),
        ("", "", _seoul(2022, 6, 30, 10)),  # release_decisions
    ]


def test_seed_demo_every_2022_audit_row_is_dated_when_it_happened():
    applications = list(Application.objects.filter(call__year=2022))
    subjects = [
        *Call.objects.filter(year=2022),
        *Call.objects.get(slug="k-city-network-2022").tracks.all(),
        *applications,
        *Assignment.objects.filter(application__call__year=2022),
        *Award.objects.filter(application__call__year=2022),
        *Project.objects.filter(award__application__call__year=2022),
    ]
    rows = _audit_rows_of(subjects)
    # The projects paid in full completed (award and project) on 30 June 2023.
    completed = [row for row in rows if row.new_value == "completed"]
    assert {row.created_at for row in completed} == {_seoul(2023, 6, 30, 17)}
    assert len(completed) == 2 * 7
    rest = [row for row in rows if row.new_value != "completed"]
    assert {row.created_at.astimezone(ZoneInfo("Asia/Seoul")).year for row in rest} == {2022}


def test_seed_demo_2022_application_audit_rows_follow_its_lifecycle_in_time():
    klang = Application.objects.get(call__year=2022, city__name="Klang")
    trail = [(e.new_value, e.created_at) for e in audit_events_for(klang)]
    assert [status for status, _at in trail] == [
        "submitted",
        "eligible",
        "under_review",
        "reviewed",
        "selected",
        "awarded",
    ]
    assert trail[0][1] == klang.submitted_at
    assert [at for _status, at in trail[1:]] == [
        _seoul(2022, 5, 9, 14),
        _seoul(2022, 5, 16, 10),
        _seoul(2022, 6, 10, 17),
        _seoul(2022, 6, 30, 10),
        _seoul(2022, 6, 30, 10),
    ]


def test_seed_demo_2022_review_audit_row_is_dated_when_the_review_was_submitted():
    for assignment in Assignment.objects.filter(application__call__year=2022)[:10]:
        submitted = audit_events_for(assignment).get(new_value=Assignment.Status.SUBMITTED)
        assert submitted.created_at == assignment.submitted_at


def test_seed_demo_2026_call_audit_rows_are_dated_when_loaded():
    call = Call.objects.get(slug="k-city-network-2026")
    subjects = [call, *Application.objects.filter(call=call)]
    rows = _audit_rows_of(subjects)
    day_ago = timezone.now() - datetime.timedelta(days=1)
    # The call opened (2 rows), each proposal submitted, and the Kisumu proposal's clarification
    # round: returned, its section edited, submitted again (3 rows).
    assert len(rows) == 2 + Application.objects.filter(call=call, status="submitted").count() + 3
    kisumu = Application.objects.get(call=call, city__name="Kisumu")
    assert [row.action for row in _audit_rows_of([kisumu])].count("clarification_edit") == 1
    assert all(row.created_at > day_ago for row in rows)


def test_seed_demo_2022_award_letters_are_dated_when_the_awards_were_approved():
    awards = Award.objects.filter(application__call__year=2022)
    assert awards.count() == 10
    assert {award_letter_date(award) for award in awards} == {datetime.date(2022, 7, 8)}


def test_seed_demo_2022_applications_decided_on_the_release_day():
    decided = Application.objects.filter(call__year=2022).values_list("decided_at", flat=True)
    assert set(decided) == {_seoul(2022, 6, 30, 10)}


def test_seed_demo_2026_planning_applicants_got_the_secretariats_notice():
    """The KIND secretariat's notice reached every member of the track's applicant
    organisations (the Iloilo draft and the submitted walkthrough proposals), recorded as
    delivered when seeded, in each reader's language."""
    from applications.models import ApplicantNotice

    notice = ApplicantNotice.objects.get(track__call__year=2026, track__code="PL")
    assert notice.sent_by.email == "staff@kind.kcity.example"
    mails = Message.objects.filter(template="applications/applicant_notice", channel="email")
    assert mails.count() == notice.recipients > 1
    assert set(mails.values_list("status", flat=True)) == {Message.Status.SENT}
    assert mails.filter(to_email="officer@iloilo.kcity.example").exists()


def test_seed_demo_2026_call_page_shows_the_published_notice(client):
    page = client.get("/calls/k-city-network-2026/").content.decode()
    assert "Call updates" in page and "Online information session on the 2026 call" in page


def test_seed_demo_2026_clarification_answered_waits_for_screening_with_its_changes(client):
    """KIND staff returned the Kisumu proposal for clarification and the county answered:
    it waits in the staff home's queue, its screening page shows what the answer changed, and
    the messages of the round are recorded as delivered."""
    from applications import clarifications
    from applications.selectors import clarifications_to_rescreen

    staff = User.objects.get(email="staff@kind.kcity.example")
    application = Application.objects.get(call__year=2026, city__name="Kisumu")
    (request,) = application.clarification_requests.all()
    assert request.status == "answered" and request.requested_by == staff
    labels = [c.label for c in clarifications.changes(request)]
    assert labels == ["Objectives", "Expected outputs"]
    assert list(clarifications_to_rescreen(staff)) == [application]
    client.force_login(staff)
    page = client.get(reverse("staff_applications:screen", kwargs={"pk": application.pk}))
    assert "What the answer changed" in page.content.decode()
    told = Message.objects.filter(template="applications/clarification_answered")
    assert told.filter(recipient=staff, channel="email").exists()
    assert set(told.values_list("status", flat=True)) == {Message.Status.SENT}
