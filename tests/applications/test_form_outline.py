"""The public outline of a track's application form: what each section asks, built from the
applicant's own forms and marked needed by the submission's own rules, for anyone who may see
the call (no log-in for a published call; 404 for a draft one)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from applications import selectors
from applications.models import Application, Question
from tests.factories import ApplicationFactory, CallFactory, TrackFactory
from tests.factories.applications import QuestionFactory

pytestmark = pytest.mark.django_db


def outline_url(track):
    return reverse("applications:form_outline", args=[track.pk])


def needed_labels(page: str) -> set[str]:
    """The labels marked as needed to submit on the outline page."""
    return set(re.findall(r"<strong>([^<]+)</strong> <span class=\"required\"", page))


def test_anyone_reads_the_form_of_an_open_track_without_logging_in(client, planning_track):
    QuestionFactory(
        track=planning_track,
        code="population",
        label="Population of the site",
        label_ko="대상지 인구",
        required=True,
        help_text="Residents in the latest census.",
    )
    QuestionFactory(
        track=planning_track,
        code="hazard",
        type=Question.Type.SINGLE_CHOICE,
        label="Main hazard",
        options=[{"value": "flood", "label": "Flood"}, {"value": "heat", "label": "Heat"}],
    )
    QuestionFactory(
        track=planning_track,
        code="sectors",
        type=Question.Type.MULTIPLE_CHOICE,
        label="Sectors",
        options=[{"value": "water", "label": "Water"}, {"value": "mobility", "label": "Mobility"}],
    )
    response = client.get(outline_url(planning_track))
    assert response.status_code == 200
    page = response.content.decode()
    for section in ("Applicant", "Site", "Project", "Budget", "Questions", "Documents"):
        assert section in page
    assert "Population of the site" in page and "Residents in the latest census." in page
    assert "One of: Flood · Heat" in page
    assert "One or more of: Water · Mobility" in page
    assert "Population of the site" in needed_labels(page)
    assert "Main hazard" not in needed_labels(page)
    assert "Letter of intent" in page  # the track's required documents
    assert "KRW 300,000,000" in page or "300,000,000" in page  # the budget range, as the form says


def test_the_needed_fields_are_those_the_submission_asks_for(client, planning_track, applicant):
    """An empty draft's submission problems name the same fixed fields as the outline marks."""
    draft = ApplicationFactory(
        track=planning_track,
        organization=applicant.organizations.first(),
        contact_name="",
        contact_email="",
        title="",
        summary="",
        objectives="",
        requested_deliverable="",
        budget_requested=None,
        country=None,
        city=None,
    )
    missing = {
        p.anchor.removeprefix("id_") for p in selectors.submission_problems(draft) if p.anchor
    }
    labels = {
        str(Application._meta.get_field(name).verbose_name).lower()
        for name in missing
        if not name.startswith("q_")
    }
    page = client.get(outline_url(planning_track)).content.decode()
    assert {label.lower() for label in needed_labels(page)} >= labels
    assert len(labels) == len(selectors.REQUIRED_FIELDS)


def test_the_demonstration_track_names_the_consortium_it_needs(client, demonstration_track):
    page = client.get(outline_url(demonstration_track)).content.decode()
    assert "Consortium" in page
    assert "Needed: Korean lead company." in page
    assert "Needed: Overseas public partner." in page
    assert "Priority" not in page  # a planning track's section


def test_a_draft_call_is_hidden_from_the_public_but_not_from_its_staff(client, kind, kind_staff):
    track = TrackFactory(call=CallFactory(status="draft"), secretariat=kind, code="PL")
    assert client.get(outline_url(track)).status_code == 404
    client.force_login(kind_staff)
    assert client.get(outline_url(track)).status_code == 200


def test_the_call_page_links_each_track_to_its_form(client, planning_track, demonstration_track):
    page = client.get(reverse("projects:call_detail", args=[planning_track.call.slug]))
    for track in (planning_track, demonstration_track):
        assert f'href="{outline_url(track)}"' in page.content.decode()


def test_the_form_in_korean(client, planning_track):
    QuestionFactory(track=planning_track, label="Population", label_ko="대상지 인구")
    page = client.get(outline_url(planning_track), HTTP_ACCEPT_LANGUAGE="ko").content.decode()
    assert "대상지 인구" in page and "신청서 양식" in page


def test_a_two_stage_call_says_which_stage_asks_what(client, kind):
    track = TrackFactory(call=CallFactory(status="open", two_stage=True), secretariat=kind)
    QuestionFactory(track=track, label="Idea in brief", stage="concept")
    page = client.get(outline_url(track)).content.decode()
    assert "This call has two stages." in page
    assert "Concept note" in page


def test_the_outline_of_an_open_track_offers_to_apply_and_a_closed_one_does_not(
    client, planning_track, applicant
):
    page = client.get(outline_url(planning_track)).content.decode()
    assert "Register to apply" in page
    client.force_login(applicant)
    page = client.get(outline_url(planning_track)).content.decode()
    assert reverse("applications:start", args=[planning_track.pk]) in page
    planning_track.call.status = "closed"
    planning_track.call.save()
    page = client.get(outline_url(planning_track)).content.decode()
    assert reverse("applications:start", args=[planning_track.pk]) not in page
