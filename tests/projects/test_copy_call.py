"""“New call from this one” (issue 14): next year's call is a draft copy of last year's
tracks, criteria and documents, with new dates, independent of the original, and one audit row
naming its source. Programme admins only."""

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.audit import audit_events_for
from core.domain import DomainError
from projects import services
from projects.models import Call, DocumentRequirement
from reviews.models import Criterion
from tests.factories import CriterionFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
NEW_OPENS = datetime.datetime(2027, 3, 2, 1, 0, tzinfo=datetime.UTC)
NEW_CLOSES = datetime.datetime(2027, 5, 2, 9, 0, tzinfo=datetime.UTC)


@pytest.fixture
def last_year(planning_track, demonstration_track, kind_staff):
    """The open call with two tracks, each with criteria (with Korean guidance), documents
    and a review deadline; the planning track's budget sheet has a template."""
    call = planning_track.call
    call.description, call.description_ko = "The yearly call.", "연례 공모입니다."
    call.save()
    for track in (planning_track, demonstration_track):
        track.review_deadline = call.closes_at + datetime.timedelta(days=20)
        track.save()
        for code, points in (("feasibility", 60), ("site", 40)):
            CriterionFactory(
                track=track,
                code=code,
                name=code.title(),
                name_ko=f"{code} 기준",
                description=f"What earns {code} points.",
                description_ko=f"{code} 평가 착안 사항",
                max_points=points,
                tiebreak_priority=1 if code == "feasibility" else None,
            )
    services.save_document_requirement(
        requirement=DocumentRequirement(
            track=planning_track,
            kind="budget_sheet",
            name="Budget sheet",
            name_ko="예산표",
            formats=["xlsx"],
            max_size_mb=2,
            is_required=False,
        ),
        actor=kind_staff,
        template=SimpleUploadedFile("budget.pdf", PDF),
    )
    return call


def _copy(call, actor, **overrides):
    values = {
        "year": 2027,
        "slug": "k-city-2027",
        "name": "K-City Network 2027",
        "name_ko": "K-City 네트워크 2027",
        "opens_at": NEW_OPENS,
        "closes_at": NEW_CLOSES,
    }
    return services.copy_call(call=call, actor=actor, **{**values, **overrides})


def _track_terms(track):
    return (
        track.code,
        track.kind,
        track.name,
        track.name_ko,
        track.secretariat_id,
        track.applicant_kind,
        track.budget_floor,
        track.budget_ceiling,
        track.total_budget,
        track.target_awards,
        track.min_reviewers,
        track.official_aggregate,
        track.required_documents,
    )


def _criteria(track):
    return [
        (
            c.code,
            c.name,
            c.name_ko,
            c.description,
            c.description_ko,
            c.max_points,
            c.tiebreak_priority,
        )
        for c in track.criteria.order_by("order", "id")
    ]


def _documents(track):
    return [
        (
            r.kind,
            r.name,
            r.name_ko,
            r.formats,
            r.max_size_mb,
            r.is_required,
            r.order,
            r.template_name,
        )
        for r in track.document_requirements.order_by("order", "id")
    ]


def test_copy_has_the_same_tracks_criteria_and_documents_with_new_dates_as_a_draft(
    last_year, programme_admin
):
    copy = _copy(last_year, programme_admin)
    assert (copy.status, copy.year, copy.slug, copy.opens_at, copy.closes_at) == (
        Call.Status.DRAFT,
        2027,
        "k-city-2027",
        NEW_OPENS,
        NEW_CLOSES,
    )
    assert (copy.description, copy.description_ko) == ("The yearly call.", "연례 공모입니다.")
    old_tracks = list(last_year.tracks.order_by("code"))
    new_tracks = list(copy.tracks.order_by("code"))
    assert [_track_terms(t) for t in new_tracks] == [_track_terms(t) for t in old_tracks]
    for old, new in zip(old_tracks, new_tracks, strict=True):
        assert new.pk != old.pk
        assert _criteria(new) == _criteria(old)
        assert len(_criteria(new)) == 2
        # The documents: the planning track's configured ones, the demonstration track's list.
        expected = _documents(old) or [
            (k, *rest)
            for k, *rest in [
                ("letter_of_intent", "Letter of intent", "참여의향서"),
                ("concept_paper", "Project concept paper", "사업 개념서"),
            ]
        ]
        assert [d[:3] for d in _documents(new)] == [d[:3] for d in expected]
        # The review deadline moves with the closing date.
        assert new.review_deadline - new.call.closes_at == old.review_deadline - last_year.closes_at
        assert new.criteria_locked_at is None


def test_copy_writes_one_audit_row_on_the_new_call_naming_its_source(last_year, programme_admin):
    copy = _copy(last_year, programme_admin)
    (event,) = audit_events_for(copy)
    assert (event.action, event.actor) == ("copied", programme_admin)
    assert event.detail["source"] == last_year.pk
    assert event.detail["source_slug"] == last_year.slug
    assert (event.detail["tracks"], event.detail["criteria"]) == (2, 4)


def test_copied_criteria_and_documents_are_independent_of_the_originals(last_year, programme_admin):
    copy = _copy(last_year, programme_admin)
    new_planning = copy.tracks.get(code="PL")
    old_planning = last_year.tracks.get(code="PL")
    copied = new_planning.criteria.get(code="feasibility")
    copied.max_points = Decimal(50)
    copied.description_ko = "바뀐 착안 사항"
    copied.save()
    original = old_planning.criteria.get(code="feasibility")
    assert (original.max_points, original.description_ko) == (60, "feasibility 평가 착안 사항")
    old_planning.criteria.all().delete()
    assert new_planning.criteria.count() == 2
    # The template is a file of its own: removing the original keeps the copy's.
    old_sheet = old_planning.document_requirements.get(kind="budget_sheet")
    new_sheet = new_planning.document_requirements.get(kind="budget_sheet")
    assert new_sheet.template.name != old_sheet.template.name
    services.remove_document_requirement(requirement=old_sheet, actor=programme_admin)
    with new_sheet.template.open("rb") as handle:
        assert handle.read() == PDF


def test_copy_is_refused_to_secretariat_staff(last_year, kind_staff):
    with pytest.raises(DomainError) as refused:
        _copy(last_year, kind_staff)
    assert refused.value.code == "forbidden"
    assert not Call.objects.filter(slug="k-city-2027").exists()


def test_copy_with_a_taken_slug_is_refused_and_leaves_nothing(last_year, programme_admin):
    before = Criterion.objects.count()
    with pytest.raises(DomainError) as refused:
        _copy(last_year, programme_admin, slug=last_year.slug)
    assert refused.value.field == "slug"
    assert Criterion.objects.count() == before


# --- The page ---------------------------------------------------------------------------------------


def test_copy_page_creates_the_draft_and_shows_what_it_still_needs(
    client, last_year, programme_admin
):
    client.force_login(programme_admin)
    url = reverse("staff_projects:call_copy", kwargs={"call_id": last_year.pk})
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "year": "2027",
            "slug": "k-city-2027",
            "name": "K-City Network 2027",
            "name_ko": "",
            "opens_at": "2027-03-02T10:00",
            "closes_at": "2027-05-02T18:00",
        },
        follow=True,
    )
    copy = Call.objects.get(slug="k-city-2027")
    assert response.redirect_chain[-1][0] == reverse(
        "staff_projects:call", kwargs={"call_id": copy.pk}
    )
    # Dates typed in Korea time: 10:00 KST is 01:00 UTC.
    assert copy.opens_at == NEW_OPENS
    assert copy.status == Call.Status.DRAFT
    # The demonstration track's criteria add up to 100, so the readiness says only what is true.
    assert "Nothing stops the call from opening." in response.content.decode()


def test_copy_page_bad_dates_are_refused_next_to_the_field(client, last_year, programme_admin):
    client.force_login(programme_admin)
    url = reverse("staff_projects:call_copy", kwargs={"call_id": last_year.pk})
    response = client.post(
        url,
        {
            "year": "2027",
            "slug": "k-city-2027",
            "name": "K-City Network 2027",
            "opens_at": "2027-05-02T10:00",
            "closes_at": "2027-03-02T18:00",
        },
    )
    assert response.status_code == 400
    error = response.content.decode().split('id="id_closes_at-error"', 1)[1].split("</p>", 1)[0]
    assert "The call must close after it opens." in error
    assert 'value="K-City Network 2027"' in response.content.decode()
    assert not Call.objects.filter(slug="k-city-2027").exists()


def test_call_pages_are_refused_to_secretariat_staff(client, last_year, kind_staff):
    client.force_login(kind_staff)
    for name in ("call", "call_copy"):
        url = reverse(f"staff_projects:{name}", kwargs={"call_id": last_year.pk})
        assert client.get(url).status_code == 403
    response = client.post(
        reverse("staff_projects:call_copy", kwargs={"call_id": last_year.pk}),
        {
            "year": "2027",
            "slug": "k-city-2027",
            "name": "x",
            "opens_at": "2027-03-02T10:00",
            "closes_at": "2027-05-02T18:00",
        },
    )
    assert response.status_code == 403
    assert not Call.objects.filter(slug="k-city-2027").exists()


def test_copy_takes_the_live_questions_of_the_call_and_its_tracks(last_year, programme_admin):
    from django.utils import timezone

    from applications.models import Question
    from tests.factories import QuestionFactory

    track = last_year.tracks.get(code="PL")
    asked = QuestionFactory(
        track=track,
        code="population",
        type=Question.Type.NUMBER,
        label="Population of the city",
        label_ko="도시 인구",
        constraints={"min": 0, "unit": "people"},
    )
    QuestionFactory(track=track, code="old_wording", retired_at=timezone.now())
    QuestionFactory(track=None, call=last_year, code="strategy", type=Question.Type.YES_NO)
    copy = _copy(last_year, programme_admin)
    copied = {(q.track.code if q.track else None, q.code): q for q in copy.questions.all()}
    assert set(copied) == {("PL", "population"), (None, "strategy")}
    population = copied[("PL", "population")]
    assert population.pk != asked.pk and population.track.call == copy
    assert (population.label_ko, population.constraints) == ("도시 인구", asked.constraints)
    assert Question.objects.filter(call=last_year).count() == 3
