"""Results pages and exports: permissions (allowed and denied with data that could leak),
query counts over 1 and many rows, forms with bad input, the aggregation job view."""

import csv
import datetime
import io
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from awards.models import Award
from results.aggregation import aggregate_track
from results.exports import EXPORTERS
from results.models import ApplicationResult, Decision
from results.services import confirm_decisions, propose_funding_line, release_decisions
from results.views import flag_label, tiebreak_label
from reviews.models import Criterion, Job
from tests.factories import UserFactory
from tests.factories.results import (
    ensure_email_templates,
    make_criteria,
    reviewed_application,
)

M = 1_000_000
SEOUL = ZoneInfo("Asia/Seoul")


@pytest.fixture(autouse=True)
def _email_templates(settings, tmp_path):
    ensure_email_templates(
        settings, tmp_path, ["applications/decision", "applications/status_changed"]
    )


def build_track(track, n, *, reviewers=3, title="Leaky secret plan"):
    track.min_reviewers = 3
    track.save()
    criteria = make_criteria(track, ("feasibility", 60, None, 1), ("site", 40, None, None))
    panel = [UserFactory(name=f"Expert {i}") for i in range(reviewers)]
    apps = []
    for i in range(n):
        app = reviewed_application(track, title=f"{title} {i}", budget_requested=400 * M)
        from tests.factories.results import submit_review

        for j, reviewer in enumerate(panel):
            submit_review(app, reviewer, {criteria[0]: 40 + (i + j) % 20, criteria[1]: 30 + j})
        apps.append(app)
    aggregate_track(track=track, actor=None)
    return apps


def board_url(track):
    return reverse("staff_results:board", args=[track.pk])


PAGES = [
    ("board", lambda t: reverse("staff_results:board", args=[t.pk])),
    ("selection", lambda t: reverse("staff_results:selection", args=[t.pk])),
    ("awards", lambda t: reverse("staff_awards:awards", args=[t.pk])),
    (
        "rankings.csv",
        lambda t: reverse("staff_results:export", args=[t.pk, "rankings", "csv"]),
    ),
    (
        "rankings.xlsx",
        lambda t: reverse("staff_results:export", args=[t.pk, "rankings", "xlsx"]),
    ),
    (
        "applications.csv",
        lambda t: reverse("staff_results:export", args=[t.pk, "applications", "csv"]),
    ),
    (
        "applications.xlsx",
        lambda t: reverse("staff_results:export", args=[t.pk, "applications", "xlsx"]),
    ),
    ("awards.csv", lambda t: reverse("staff_results:export", args=[t.pk, "awards", "csv"])),
    (
        "awards.xlsx",
        lambda t: reverse("staff_results:export", args=[t.pk, "awards", "xlsx"]),
    ),
]


@pytest.mark.parametrize("name,url", PAGES, ids=[p[0] for p in PAGES])
def test_results_pages_allowed_for_track_staff_and_admin(
    client, planning_track, kind_staff, programme_admin, name, url
):
    build_track(planning_track, 2)
    for user in (kind_staff, programme_admin):
        client.force_login(user)
        response = client.get(url(planning_track))
        assert response.status_code == 200, (name, user)


@pytest.mark.parametrize("name,url", PAGES, ids=[p[0] for p in PAGES])
def test_results_pages_denied_to_other_track_applicant_reviewer(
    client, planning_track, kaia_staff, applicant, reviewer, name, url
):
    build_track(planning_track, 2)
    for user in (kaia_staff, applicant, reviewer):
        client.force_login(user)
        response = client.get(url(planning_track))
        assert response.status_code == 404, (name, user)
        assert b"Leaky secret plan" not in response.content


def test_results_pages_anonymous_redirected_to_login(client, planning_track):
    response = client.get(board_url(planning_track))
    assert response.status_code == 302 and "login" in response["Location"]


def test_results_index_lists_only_own_tracks(
    client, planning_track, demonstration_track, kaia_staff
):
    client.force_login(kaia_staff)
    page = client.get(reverse("staff_results:index")).content.decode()
    assert reverse("staff_results:board", args=[demonstration_track.pk]) in page
    assert reverse("staff_results:board", args=[planning_track.pk]) not in page


def test_results_index_forbidden_for_applicant(client, applicant):
    client.force_login(applicant)
    assert client.get(reverse("staff_results:index")).status_code == 403


def test_board_shows_aggregates_and_links_justifications(client, planning_track, kind_staff):
    apps = build_track(planning_track, 3)
    client.force_login(kind_staff)
    page = client.get(board_url(planning_track)).content.decode()
    assert apps[0].title in page
    assert str(apps[0].result.official_score) in page
    assert "Expert 0" not in page
    assert reverse("staff_results:justifications", args=[planning_track.pk, apps[0].pk]) in page


def test_justifications_hide_names_unless_revealed(client, planning_track, kind_staff):
    apps = build_track(planning_track, 1)
    client.force_login(kind_staff)
    url = reverse("staff_results:justifications", args=[planning_track.pk, apps[0].pk])
    page = client.get(url).content.decode()
    assert "Reviewer A" in page and "Reviewer C" in page
    assert "The site is ready" in page
    assert "Expert" not in page
    assert "Expert 0" in client.get(url + "?reveal=1").content.decode()


def test_justifications_denied_to_other_track_and_reviewer(
    client, planning_track, kaia_staff, reviewer, applicant
):
    apps = build_track(planning_track, 1)
    url = reverse("staff_results:justifications", args=[planning_track.pk, apps[0].pk])
    for user in (kaia_staff, reviewer, applicant):
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 404
        assert b"The site is ready" not in response.content


def test_justifications_query_count_independent_of_reviews(
    client, planning_track, demonstration_track, kind_staff, kaia_staff
):
    one = build_track(planning_track, 1, reviewers=3)
    many = build_track(demonstration_track, 1, reviewers=7)
    counts = []
    for user, track, app in (
        (kind_staff, planning_track, one[0]),
        (kaia_staff, demonstration_track, many[0]),
    ):
        client.force_login(user)
        url = reverse("staff_results:justifications", args=[track.pk, app.pk])
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]


def test_board_filter_by_flag(client, planning_track, kind_staff):
    apps = build_track(planning_track, 2)
    client.force_login(kind_staff)
    page = client.get(board_url(planning_track) + "?flag=below_overall_threshold").content.decode()
    # Totals are 70–109 capped… every application here is above 70 except none: check both ways.
    results = {a.pk: a.result for a in apps}
    for app in apps:
        below = "below_overall_threshold" in results[app.pk].flags
        assert (app.title in page) == below


def test_board_bad_filter_input_ignored(client, planning_track, kind_staff):
    build_track(planning_track, 1)
    client.force_login(kind_staff)
    response = client.get(board_url(planning_track) + "?sort=drop_table&flag=nope")
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()


def _board_queries(client, track):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(board_url(track))
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_board_query_count_independent_of_rows(
    client, planning_track, demonstration_track, kind_staff, kaia_staff
):
    build_track(planning_track, 1)
    build_track(demonstration_track, 12, reviewers=5)
    client.force_login(kind_staff)
    one = _board_queries(client, planning_track)
    client.force_login(kaia_staff)
    many = _board_queries(client, demonstration_track)
    assert one == many
    assert many <= 20


def test_selection_query_count_independent_of_rows(
    client, planning_track, demonstration_track, kind_staff, kaia_staff
):
    build_track(planning_track, 1)
    build_track(demonstration_track, 8)
    propose_funding_line(track=planning_track, actor=kind_staff)
    propose_funding_line(track=demonstration_track, actor=kaia_staff)
    url = lambda t: reverse("staff_results:selection", args=[t.pk])  # noqa: E731
    client.force_login(kind_staff)
    with CaptureQueriesContext(connection) as one:
        client.get(url(planning_track))
    client.force_login(kaia_staff)
    with CaptureQueriesContext(connection) as many:
        client.get(url(demonstration_track))
    assert len(one.captured_queries) == len(many.captured_queries)


def test_run_aggregation_creates_job_and_runs(
    client, planning_track, kind_staff, django_capture_on_commit_callbacks
):
    build_track(planning_track, 2)
    client.force_login(kind_staff)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("staff_results:aggregate", args=[planning_track.pk]))
    assert response.status_code == 302
    job = Job.objects.get(track=planning_track, kind="aggregate")
    assert job.status == "succeeded" and (job.done, job.total) == (2, 2)
    status = client.get(reverse("staff_results:job", args=[planning_track.pk, job.pk]))
    assert "2 applications, 2 ranked" in status.content.decode()
    assert "hx-trigger" not in status.content.decode()


def test_run_aggregation_htmx_returns_polling_partial(
    client, planning_track, kind_staff, django_capture_on_commit_callbacks
):
    build_track(planning_track, 1)
    client.force_login(kind_staff)
    with (
        mock.patch("results.tasks.task_aggregate_scores.delay") as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = client.post(
            reverse("staff_results:aggregate", args=[planning_track.pk]),
            HTTP_HX_REQUEST="true",
        )
    job = Job.objects.get(track=planning_track)
    assert job.status == "pending"
    assert 'hx-trigger="every 1s"' in response.content.decode()
    delay.assert_called_once_with(track_id=planning_track.pk, job_id=job.pk)


def test_aggregation_job_failure_shows_message(
    client, planning_track, kind_staff, monkeypatch, django_capture_on_commit_callbacks
):
    build_track(planning_track, 1)

    def boom(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr("results.aggregation.aggregate_track", boom)
    client.force_login(kind_staff)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("staff_results:aggregate", args=[planning_track.pk]))
    job = Job.objects.get(track=planning_track)
    assert job.status == "failed" and "database went away" in job.message
    page = client.get(board_url(planning_track)).content.decode()
    assert "database went away" in page


def test_run_aggregation_denied_to_other_track(client, planning_track, kaia_staff):
    client.force_login(kaia_staff)
    response = client.post(reverse("staff_results:aggregate", args=[planning_track.pk]))
    assert response.status_code == 404
    assert not Job.objects.exists()


def test_decision_form_bad_input_keeps_values(client, planning_track, kind_staff):
    build_track(planning_track, 2)
    propose_funding_line(track=planning_track, actor=kind_staff)
    decision = Decision.objects.filter(track=planning_track).first()
    client.force_login(kind_staff)
    url = reverse("staff_results:decision", args=[planning_track.pk, decision.pk])
    response = client.post(url, {"outcome": "selected", "amount": "900000000", "reason": "Bigger"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "must be between" in page and "Bigger" in page
    response = client.post(url, {"outcome": "rejected", "amount": "", "reason": ""})
    assert response.status_code == 400 and "This field is required" in response.content.decode()
    decision.refresh_from_db()
    assert decision.reason == ""


@pytest.mark.parametrize("outcome", ["selected", "reserve"])
def test_decision_form_huge_amount_refused_next_to_the_field(
    client, planning_track, kind_staff, outcome
):
    build_track(planning_track, 2)
    propose_funding_line(track=planning_track, actor=kind_staff)
    decision = Decision.objects.filter(track=planning_track).first()
    client.force_login(kind_staff)
    url = reverse("staff_results:decision", args=[planning_track.pk, decision.pk])
    response = client.post(
        url, {"outcome": outcome, "amount": "99999999999999999999", "reason": "Typo"}
    )
    assert response.status_code == 400
    assert response.context["form"].errors["amount"]
    assert not response.context["form"].non_field_errors()
    decision.refresh_from_db()
    assert decision.reason == ""


def test_decision_form_saves_change(client, planning_track, kind_staff):
    build_track(planning_track, 2)
    propose_funding_line(track=planning_track, actor=kind_staff)
    decision = Decision.objects.filter(track=planning_track, outcome="selected").first()
    client.force_login(kind_staff)
    url = reverse("staff_results:decision", args=[planning_track.pk, decision.pk])
    response = client.post(url, {"outcome": "reserve", "reason": "Land not secured"})
    assert response.status_code == 302
    decision.refresh_from_db()
    assert decision.outcome == "reserve" and decision.reason == "Land not secured"
    # A reserve keeps the amount it would be funded with, and the page says so.
    page = client.get(reverse("staff_results:selection", args=[planning_track.pk]))
    row = page.content.decode().split(f'id="decision-{decision.pk}"')[1].split("</tr>")[0]
    assert "if promoted" in row


def test_selection_confirm_by_staff_refused_admin_allowed(
    client, planning_track, kind_staff, programme_admin
):
    build_track(planning_track, 2)
    propose_funding_line(track=planning_track, actor=kind_staff)
    url = reverse("staff_results:selection", args=[planning_track.pk])
    client.force_login(kind_staff)
    client.post(url, {"action": "confirm"})
    assert not Decision.objects.filter(confirmed_at__isnull=False).exists()
    client.force_login(programme_admin)
    client.post(url, {"action": "confirm"})
    assert not Decision.objects.filter(confirmed_at__isnull=True).exists()


@pytest.mark.pdf
def test_award_form_out_of_range_refused(client, planning_track, kind_staff, programme_admin):
    build_track(planning_track, 2)
    propose_funding_line(track=planning_track, actor=kind_staff)
    confirm_decisions(track=planning_track, actor=programme_admin)
    release_decisions(track=planning_track, actor=programme_admin)
    decision = Decision.objects.filter(track=planning_track, outcome="selected").first()
    client.force_login(kind_staff)
    url = reverse("staff_awards:awards", args=[planning_track.pk])
    response = client.post(url, {"decision": decision.pk, "amount": "600000000"})
    assert response.status_code == 400
    assert "must be between" in response.content.decode()
    response = client.post(url, {"decision": decision.pk, "amount": str(decision.amount)})
    assert response.status_code == 302
    letter = reverse(
        "staff_awards:award_letter",
        args=[planning_track.pk, decision.application.award.pk],
    )
    pdf = client.get(letter + "?lang=ko")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    client.force_login(programme_admin)
    assert client.get(letter).status_code == 200


def test_award_letter_denied_to_other_track(
    client, planning_track, kind_staff, programme_admin, kaia_staff, applicant
):
    build_track(planning_track, 1)
    propose_funding_line(track=planning_track, actor=kind_staff)
    confirm_decisions(track=planning_track, actor=programme_admin)
    release_decisions(track=planning_track, actor=programme_admin)
    from awards.services import award_funding

    app = Decision.objects.get(track=planning_track).application
    award = award_funding(application=app, amount=400 * M, actor=kind_staff)
    url = reverse("staff_awards:award_letter", args=[planning_track.pk, award.pk])
    for user in (kaia_staff, applicant):
        client.force_login(user)
        assert client.get(url).status_code == 404


def test_export_csv_rankings_content(client, planning_track, kind_staff):
    apps = build_track(planning_track, 2)
    client.force_login(kind_staff)
    response = client.get(
        reverse("staff_results:export", args=[planning_track.pk, "rankings", "csv"])
    )
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    # A title row, the headers (criteria by name), their keys (criteria by code), the data.
    assert rows[1][:3] == ["Rank", "Reference", "Title"]
    assert {r[1] for r in rows[3:]} == {a.reference for a in apps}
    assert "Feasibility" in rows[1] and "criterion.feasibility" in rows[2]


def test_export_xlsx_is_a_workbook(client, planning_track, kind_staff):
    apps = build_track(planning_track, 2)
    client.force_login(kind_staff)
    response = client.get(
        reverse("staff_results:export", args=[planning_track.pk, "applications", "xlsx"])
    )
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert apps[0].reference in [row[0] for row in sheet.iter_rows(min_row=4, values_only=True)]


def test_export_unknown_kind_404(client, planning_track, kind_staff):
    client.force_login(kind_staff)
    url = reverse("staff_results:export", args=[planning_track.pk, "reviewers", "csv"])
    assert client.get(url).status_code == 404


def test_export_csv_neutralises_formulas(planning_track):
    from core.exports import Column, Table, to_csv

    table = Table(title="", sheet="", columns=[Column("a", "a")], rows=[["=HYPERLINK(1)"]])
    content = to_csv(table).decode("utf-8-sig")
    assert "'=HYPERLINK" in content


def test_award_form_bad_decision_id_is_400(client, planning_track, kind_staff):
    client.force_login(kind_staff)
    url = reverse("staff_awards:awards", args=[planning_track.pk])
    assert client.post(url, {"decision": "x; drop", "amount": "1"}).status_code == 400
    assert client.post(url, {"decision": "999999", "amount": "1"}).status_code == 404


# The results pages say what the board's figures are and when they were computed, with no raw codes.


def _aggregation_panel(page: str) -> str:
    start = page.index('<div id="aggregation-job"')
    return page[start : page.index("</div>", start)]


def test_board_without_job_says_when_results_were_computed(client, planning_track, kind_staff):
    build_track(planning_track, 2)  # aggregated through the service, as the demo seed does
    computed_at = datetime.datetime(2022, 6, 20, 5, 30, tzinfo=datetime.UTC)
    ApplicationResult.objects.filter(track=planning_track).update(computed_at=computed_at)
    client.force_login(kind_staff)
    panel = _aggregation_panel(client.get(board_url(planning_track)).content.decode())
    assert "not been aggregated yet" not in panel
    assert "Results last computed:" in panel
    assert f'datetime="{computed_at.astimezone(SEOUL).isoformat()}"' in panel
    assert "KST</time>" in panel
    assert "Aggregation" not in panel  # no job: no job status


def test_board_of_track_never_aggregated_says_so(client, planning_track, kind_staff):
    client.force_login(kind_staff)
    panel = _aggregation_panel(client.get(board_url(planning_track)).content.decode())
    assert "The scores of this track have not been aggregated yet." in panel
    assert "Results last computed" not in panel


def test_finished_job_time_has_zone_label(client, planning_track, kind_staff):
    build_track(planning_track, 1)
    finished = datetime.datetime(2022, 6, 20, 6, 0, tzinfo=datetime.UTC)
    job = Job.objects.create(
        track=planning_track,
        kind=Job.Kind.AGGREGATE,
        status=Job.Status.SUCCEEDED,
        total=1,
        done=1,
        finished_at=finished,
        result={"applications": 1, "ranked": 1, "reviews": 3},
    )
    client.force_login(kind_staff)
    partial = client.get(
        reverse("staff_results:job", args=[planning_track.pk, job.pk])
    ).content.decode()
    assert f'datetime="{finished.astimezone(SEOUL).isoformat()}"' in partial
    assert partial.count("KST</time>") == 2  # the job's finish and the results' computation
    assert "Results last computed:" in partial


def test_board_names_criteria_and_exports_in_reader_language(client, planning_track, kind_staff):
    build_track(planning_track, 2)
    Criterion.objects.filter(track=planning_track, code="feasibility").update(name_ko="실현 가능성")
    client.force_login(kind_staff)
    client.cookies["django_language"] = "ko"
    page = client.get(board_url(planning_track)).content.decode()
    # By default a row's details name the criterion; with every column, its heading does.
    assert "<dt>실현 가능성</dt>" in page
    wide = client.get(board_url(planning_track) + "?columns=all").content.decode()
    assert '<th scope="col">실현 가능성</th>' in wide
    assert "feasibility" not in page and "feasibility" not in wide  # codes show nowhere
    with translation.override("ko"):
        applications = str(EXPORTERS["applications"][0])
    assert f">{applications} (CSV)</a>" in page and f">{applications} (Excel)</a>" in page
    for kind in EXPORTERS:
        assert f"{kind} CSV" not in page and f"{kind} XLSX" not in page


def test_board_flags_and_tiebreak_name_the_criterion():
    names = {"feasibility": "Feasibility"}
    with translation.override("en"):  # a page rendered earlier in the thread may leave Korean
        flag = flag_label("below_criterion_threshold:feasibility", names)
        tiebreak = tiebreak_label({"rule": "criterion:feasibility"}, names)
        gone = flag_label("below_criterion_threshold:gone", names)
    assert flag == "A criterion below its threshold: Feasibility"
    assert tiebreak == "Tie broken on the criterion “Feasibility”"
    # A criterion deleted since the aggregation keeps its code rather than vanishing.
    assert gone.endswith(": gone")


def test_award_next_step_button_shows_status_label(
    client, planning_track, kind_staff, programme_admin
):
    from awards.services import advance_award, award_funding

    build_track(planning_track, 1)
    propose_funding_line(track=planning_track, actor=kind_staff)
    confirm_decisions(track=planning_track, actor=programme_admin)
    release_decisions(track=planning_track, actor=programme_admin)
    app = Decision.objects.get(track=planning_track).application
    award = award_funding(application=app, amount=400 * M, actor=kind_staff)
    from awards.models import Agreement
    from tests.factories.funding import signed_agreement

    signed_agreement(award.project, kind=Agreement.Kind.GRANT)  # what "contracted" needs
    for status in (Award.Status.APPROVED, Award.Status.CONTRACTED):
        advance_award(award=award, to=status, reason="", actor=programme_admin)
    client.force_login(kind_staff)
    client.cookies["django_language"] = "ko"
    page = client.get(reverse("staff_awards:awards", args=[planning_track.pk]))
    body = page.content.decode()
    with translation.override("ko"):
        label = str(Award.Status.IN_PROGRESS.label)
        text = translation.gettext("Move to “%(status)s”") % {"status": label}
    assert label != "in_progress"
    assert f"{text}</button>" in body
    assert 'name="to" value="in_progress"' in body  # the posted value is unchanged
    assert "in_progress</button>" not in body


def test_propose_offered_only_while_no_decision_is_confirmed(
    client, planning_track, kind_staff, programme_admin
):
    from results.services import change_decision

    build_track(planning_track, 2)
    propose_funding_line(track=planning_track, actor=kind_staff)
    client.force_login(kind_staff)
    url = reverse("staff_results:selection", args=[planning_track.pk])
    assert 'value="propose"' in client.get(url).content.decode()
    confirm_decisions(track=planning_track, actor=programme_admin)
    # One change withdraws that decision's confirmation; the others stay confirmed, and the
    # service refuses a new proposal, so the page must not offer one.
    decision = Decision.objects.filter(track=planning_track).first()
    change_decision(decision=decision, outcome="rejected", reason="Site lost", actor=kind_staff)
    assert 'value="propose"' not in client.get(url).content.decode()
