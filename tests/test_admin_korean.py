"""The back office in Korean: field labels, column headers and KRW amounts.

A field without a translated ``verbose_name`` shows Django's English default ("Confirmed at",
"Track") in the Korean admin; these tests read the pages a ministry user sees.
"""

import html
import re

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import translation
from django.utils.functional import Promise

from applications.models import Application
from projects.admin import krw_column
from projects.models import Project
from results.models import ApplicationResult, Decision
from tests.test_admin import PORTAL_APPS, build_rows

# English labels that Django's defaults would show in the Korean admin, as it capitalises them.
ENGLISH_LABELS = {
    "Country",
    "City",
    "Call",
    "Track",
    "Application",
    "Reviewer",
    "Project",
    "Assignment",
    "Criterion",
    "Confirmed at",
    "Released at",
    "Created at",
    "Updated at",
    "Submitted at",
    "Reviewed at",
    "Last reminded at",
    "Uploaded by",
    "Assigned by",
    "Decided by",
    "Confirmed by",
    "Created by",
    "Public id",
    "Public ID",
    "Original name",
    "Content type",
    "Size",
    "Reviewer count",
    "Mean",
    "Trimmed mean",
    "Median",
    "Normalised",
    "Spread",
    "Std dev",
    "Criterion means",
    "Review count",
    "Mean total",
    "Std total",
    "Mean offset",
    "Flagged",
    "Max points",
    "Rank",
    "Official score",
    "Flags",
}


def _column_headers(body: str) -> list[str]:
    """The changelist's column titles, without the selection checkbox column."""
    table = re.search(r'<table id="result_list">(.*?)</thead>', body, re.S).group(1)
    headers = re.findall(r'<div class="text">(.*?)</div>', table, re.S)
    texts = [html.unescape(re.sub(r"<[^>]+>", "", header)).strip() for header in headers]
    return [text for text in texts if text]


def _form_labels(body: str) -> list[str]:
    """The change form's field labels, editable and read-only, without the trailing colon."""
    labels = re.findall(r"<label[^>]*>(.*?)</label>", body, re.S)
    texts = [html.unescape(re.sub(r"<[^>]+>", "", label)).strip() for label in labels]
    return [text.rstrip(":").strip() for text in texts if text]


@pytest.fixture
def korean_admin(client, programme_admin, kind):
    rows = build_rows(0, secretariat=kind, actor=programme_admin)
    client.force_login(programme_admin)
    client.cookies["django_language"] = "ko"
    return client, rows


def _get(client, model, view: str, *args) -> str:
    info = (model._meta.app_label, model._meta.model_name)
    response = client.get(reverse(f"admin:{info[0]}_{info[1]}_{view}", args=args))
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.django_db
def test_model_fields_have_translated_verbose_names():
    untranslated = [
        f"{model._meta.label}.{field.name}"
        for app_label in sorted(PORTAL_APPS)
        for model in apps.get_app_config(app_label).get_models()
        for field in model._meta.local_fields + model._meta.local_many_to_many
        if not field.auto_created and not isinstance(field.verbose_name, Promise)
    ]
    assert untranslated == []


@pytest.mark.django_db
def test_admin_decision_changelist_in_korean_has_korean_columns_and_formatted_amount(
    korean_admin,
):
    client, _rows = korean_admin
    body = _get(client, Decision, "changelist")
    headers = _column_headers(body)
    assert headers == [
        "신청서",
        "트랙",
        "결과",
        "포털이 제안한 결과",
        "금액(원)",
        "예비 순위",
        "확정일",
        "공개일",
    ]
    assert not ENGLISH_LABELS & set(headers)
    assert '<td class="field-amount_krw">4억 원</td>' in body
    assert "400000000" not in body


@pytest.mark.django_db
def test_admin_application_result_changelist_in_korean_has_korean_columns(korean_admin):
    client, _rows = korean_admin
    headers = _column_headers(_get(client, ApplicationResult, "changelist"))
    assert headers == [
        "신청서",
        "트랙",
        "순위",
        "공식 점수",
        "절사 평균",
        "평균",
        "중앙값",
        "표준화 점수",
        "편차",
        "평가위원 수",
        "경고",
    ]


@pytest.mark.django_db
def test_admin_application_result_change_form_in_korean_has_no_english_label(korean_admin):
    client, rows = korean_admin
    result = ApplicationResult.objects.get(application=rows["application"])
    labels = _form_labels(_get(client, ApplicationResult, "change", result.pk))
    assert "표준편차" in labels
    assert "평가 기준별 평균" in labels
    assert not ENGLISH_LABELS & set(labels)


@pytest.mark.django_db
def test_admin_decision_change_form_in_korean_has_no_english_label(korean_admin):
    client, rows = korean_admin
    decision = Decision.objects.get(application=rows["application"])
    labels = _form_labels(_get(client, Decision, "change", decision.pk))
    assert {"결정자", "확정자", "확정일", "공개일", "생성일"} <= set(labels)
    assert not ENGLISH_LABELS & set(labels)


@pytest.mark.django_db
def test_admin_application_in_korean_has_korean_labels_and_formatted_budget(korean_admin):
    client, rows = korean_admin
    application = rows["application"]
    changelist = _get(client, Application, "changelist")
    headers = _column_headers(changelist)
    assert {"트랙", "국가", "도시", "제출일"} <= set(headers)
    assert not ENGLISH_LABELS & set(headers)
    assert application.budget_requested == 400_000_000
    assert '<td class="field-budget_requested_krw">4억 원</td>' in changelist
    labels = _form_labels(_get(client, Application, "change", application.pk))
    assert {"공모", "트랙", "작성자", "공개 ID"} <= set(labels)
    assert not ENGLISH_LABELS & set(labels)


@pytest.mark.django_db
def test_admin_project_in_korean_has_korean_labels_and_formatted_budget(korean_admin):
    client, rows = korean_admin
    project = rows["award"].project
    changelist = _get(client, Project, "changelist")
    headers = _column_headers(changelist)
    assert {"국가", "도시"} <= set(headers)
    assert not ENGLISH_LABELS & set(headers)
    assert project.budget_krw == 400_000_000
    assert '<td class="field-budget_krw_krw">4억 원</td>' in changelist
    labels = _form_labels(_get(client, Project, "change", project.pk))
    assert not ENGLISH_LABELS & set(labels)


def test_krw_column_in_english_reads_with_thousands_separators():
    column = krw_column(Project, "budget_krw")
    with translation.override("en"):
        assert column(Project(budget_krw=500_000_000)) == "KRW 500,000,000"
        assert str(column.short_description) == "budget (KRW)"
    assert column(Project(budget_krw=None)) is None
