"""WeasyPrint failing (a font or system library missing: OSError, or anything else the renderer
raises) is a logged 503 page in the reader's language, not a bare server error: core.pdf raises
PdfRenderingError and core.views.renders_pdf answers it, for every PDF download."""

import logging

import pytest
import weasyprint
from django.urls import reverse
from django.utils import translation

from awards.models import Award
from awards.services import advance_award, award_funding
from core.pdf import PdfRenderingError, render_pdf
from results.models import ApplicationResult
from results.services import confirm_decisions, propose_funding_line, release_decisions
from tests.factories.results import ensure_email_templates, reviewed_application

pytestmark = pytest.mark.django_db
M = 1_000_000


@pytest.fixture(autouse=True)
def _email_templates(settings, tmp_path):
    ensure_email_templates(
        settings, tmp_path, ["applications/decision", "applications/status_changed"]
    )


@pytest.fixture
def broken_renderer(monkeypatch):
    def broken(self, *args, **kwargs):
        raise OSError("cannot load font")

    monkeypatch.setattr(weasyprint.HTML, "write_pdf", broken)


@pytest.fixture
def approved_award(planning_track, applicant, kind_staff, programme_admin):
    planning_track.total_budget = 800 * M
    planning_track.save()
    app = reviewed_application(
        planning_track, budget_requested=400 * M, organization=applicant.organizations.first()
    )
    ApplicationResult.objects.create(
        application=app, track=planning_track, official_score="90.00", rank=1
    )
    propose_funding_line(track=planning_track, actor=kind_staff)
    confirm_decisions(track=planning_track, actor=programme_admin)
    release_decisions(track=planning_track, actor=programme_admin)
    award = award_funding(application=app, amount=400 * M, actor=kind_staff)
    return advance_award(award=award, to=Award.Status.APPROVED, actor=kind_staff)


def test_render_pdf_raises_its_own_error_with_the_cause(broken_renderer):
    with pytest.raises(PdfRenderingError) as caught:
        render_pdf("pdf/base.html", {}, language="en")
    assert isinstance(caught.value.__cause__, OSError)


def test_award_letter_when_rendering_fails_is_a_logged_503(
    client, approved_award, applicant, broken_renderer, caplog
):
    client.raise_request_exception = False
    client.force_login(applicant)
    with caplog.at_level(logging.ERROR, logger="core.views"):
        response = client.get(reverse("awards:letter", args=[approved_award.pk]))
    assert response.status_code == 503
    assert "The PDF cannot be made just now" in response.content.decode()
    assert "Content-Disposition" not in response
    assert any("PDF rendering failed" in record.getMessage() for record in caplog.records)


def test_staff_award_letter_when_rendering_fails_is_a_503(
    client, approved_award, kind_staff, planning_track, broken_renderer
):
    client.raise_request_exception = False
    client.force_login(kind_staff)
    response = client.get(
        reverse("staff_awards:award_letter", args=[planning_track.pk, approved_award.pk])
    )
    assert response.status_code == 503


def test_summary_pdf_when_rendering_fails_says_so_in_the_readers_language(
    client, applicant, application, broken_renderer
):
    applicant.language = "ko"
    applicant.save()
    client.raise_request_exception = False
    client.force_login(applicant)
    response = client.get(reverse("applications:summary_pdf", args=[application.pk]))
    assert response.status_code == 503
    assert '<html lang="ko"' in response.content.decode()
    with translation.override("ko"):
        assert translation.gettext("The PDF cannot be made just now") in response.content.decode()
