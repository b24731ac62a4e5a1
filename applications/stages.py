"""Two-stage calls, in one place: what a concept note is and how an application moves from it
to the full proposal.

A call with ``Call.two_stage`` takes short concept notes from its opening until
``Call.concept_closes_at``; the track's staff shortlist them (``applications.shortlisting``),
and the invited applicants complete the full proposal from their concept note until the call
closes. Every application, question and document requirement has a ``stage`` (concept note or
full proposal, ``projects.models.Stage``); on a one-stage call all of them are the full
proposal, the one stage there is, and nothing here changes what that call asks.

The rules, each used by the services, selectors, pages and API alike:

- ``initial_stage``: a two-stage call's new application is a concept note;
- ``CONCEPT_FIELDS``: the fixed fields a concept note asks for (contact, site, title and
  summary, a budget estimate), section by section; with the concept-stage questions and
  documents, that is the concept note's form (``sections_of_stage``, ``stage_fields``);
- ``question_in_stage`` / ``requirement_in_stage``: which questions the applicant answers now
  (in the full proposal only the full-stage ones: the concept answers stay, read-only), and
  which documents the submission asks for;
- ``submission_status``: a concept note is submitted to ``concept_submitted`` before the
  concept notes' deadline (``Application.stage_deadline``); everything else to ``submitted``;
- ``concept_readiness``: a two-stage call does not open while a track asks no concept-note
  question (registered with ``projects.services.register_readiness_check``);
- ``stage_counts_by_track``: concept notes received, shortlisted, not shortlisted and full
  proposals submitted, for the statistics.

Review and scoring never see a concept note: its statuses (``Application.CONCEPT_STATUSES``)
are outside screening, assignment and the programme's figures.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from applications import questions as q
from applications.models import Answer, Application, Question
from core.domain import DomainError
from core.timezones import korea_time
from projects.models import Call, Stage
from projects.services import CallProblem

S = Application.Status

# The fixed fields of a concept note, by section of the form; the other sections (readiness,
# country priority, consortium) and fields belong to the full proposal.
CONCEPT_FIELDS: dict[str, tuple[str, ...]] = {
    "applicant": ("contact_name", "contact_position", "contact_email", "contact_phone"),
    "site": ("country", "city", "site_description"),
    "project": ("title", "summary"),
    "budget": ("budget_requested",),
}
# The sections of a concept note's form, with the concept-stage questions and documents.
CONCEPT_SECTIONS = (*CONCEPT_FIELDS, "questions", "documents")


def initial_stage(call: Call) -> str:
    """The stage a new application of ``call`` starts in: the concept note on a two-stage
    call, the full proposal otherwise."""
    return Stage.CONCEPT if call.two_stage else Stage.FULL


def is_concept_note(application: Application) -> bool:
    return application.stage == Stage.CONCEPT


def sections_of_stage(application: Application, sections: Iterable[tuple[str, str]]) -> list:
    """The ``(key, label)`` sections of the application's form for its stage: a concept note
    keeps only ``CONCEPT_SECTIONS``."""
    if not is_concept_note(application):
        return list(sections)
    return [(key, label) for key, label in sections if key in CONCEPT_SECTIONS]


def stage_fields(application: Application, section: str, fields: Iterable[str]) -> tuple:
    """The fields of ``section`` the application asks for in its stage: for a concept note,
    those of ``CONCEPT_FIELDS``; all of them otherwise. The section's form shows only these,
    the save writes only these and the submission asks only for these."""
    fields = tuple(fields)
    if not is_concept_note(application):
        return fields
    asked = CONCEPT_FIELDS.get(section, ())
    return tuple(field for field in fields if field in asked)


def limit_form_to_stage(form, application: Application, section: str):
    """``form`` (a section form of the applicant's) without the fields the application's stage
    does not ask (``stage_fields``): the applicant's page and the staff preview alike."""
    asked = stage_fields(application, section, form.Meta.fields)
    for name in form.Meta.fields:
        if name not in asked:
            form.fields.pop(name, None)
    return form


def asks_field(application: Application, section: str, field: str) -> bool:
    return field in stage_fields(application, section, (field,))


def question_in_stage(question: Question, application: Application) -> bool:
    """Whether the applicant answers ``question`` in the application's present stage: every
    question on a one-stage call; the concept-stage ones in a concept note; the full-stage
    ones in a full proposal of a two-stage call (its concept answers stay as they were sent)."""
    if not application.call.two_stage:
        return True
    return question.stage == application.stage


def requirement_in_stage(requirement, application: Application) -> bool:
    """Whether the submission of the application in its present stage asks for the document
    of ``requirement`` (a ``projects.DocumentRequirement``): a concept note only the
    concept-stage ones; a full proposal every one (those of the concept note were sent with
    it)."""
    if not application.call.two_stage or not is_concept_note(application):
        return True
    return requirement.stage == Stage.CONCEPT


def stale_answers(application: Application, questions: list[Question]) -> QuerySet[Answer]:
    """The answers a draft drops when its questions are saved: those to questions of its stage
    no longer on the form (``questions``, e.g. retired since). A full proposal keeps every
    answer of its concept note."""
    answers = application.answers.exclude(question__in=questions)
    if application.call.two_stage and not is_concept_note(application):
        answers = answers.exclude(question__stage=Stage.CONCEPT)
    return answers


def condition_problem(question: Question) -> str | None:
    """Why ``question``'s condition cannot work across the stages of a two-stage call, or
    None: a question shown only for an answer of another stage's question, or the other way
    round, would be shown or hidden by an answer the applicant cannot give in that stage. A
    one-stage call asks every question at once: nothing to refuse there."""
    if not question.call.two_stage:
        return None
    live = Question.objects.filter(call_id=question.call_id, retired_at__isnull=True).exclude(
        pk=question.pk
    )
    if question.track_id is not None:
        live = live.filter(Q(track_id=question.track_id) | Q(track__isnull=True))
    depends = (question.condition or {}).get("question")
    if depends and live.filter(code=depends).exclude(stage=question.stage).exists():
        return str(
            _("The condition names a question of the other stage; use one of the same stage.")
        )
    if live.filter(condition__question=question.code).exclude(stage=question.stage).exists():
        return str(
            _("A question of the other stage depends on this one: it must stay in its stage.")
        )
    return None


def submission_status(application: Application, *, now=None) -> str:
    """The status a submission of ``application`` moves to: ``concept_submitted`` for a concept
    note, refused once the concept notes closed (the server's clock, ``deadline_refusal``);
    ``submitted`` for a full proposal (its deadline, the call's closing time, is checked by the
    submission itself)."""
    if not is_concept_note(application):
        return S.SUBMITTED
    refusal = deadline_refusal(application, now=now)
    if refusal is not None:
        raise refusal
    return S.CONCEPT_SUBMITTED


def deadline_refusal(application: Application, *, now=None) -> DomainError | None:
    """Why the draft ``application`` can no longer be changed or submitted, by the server's
    clock, or None while its stage is open (``Application.stage_is_open``): the call closed (by
    its closing time or by its status), or, for a concept note, the concept notes' deadline
    passed. Code ``deadline``, the time in Korea time (``korea_time``).

    The one wording of this refusal: the submission (``services.submit_application``), the
    section saves (``services.require_section_editable``) and the section pages that say why
    the draft is read-only (``selectors.closed_notice``)."""
    now = now or timezone.now()
    call = application.call
    if not (call.status == Call.Status.OPEN and call.opens_at <= now < call.closes_at):
        return DomainError(
            _(
                "The call closed on %(date)s (Korea time); applications can no longer be changed "
                "or submitted."
            )
            % {"date": korea_time(call.closes_at)},
            code="deadline",
        )
    if now >= application.stage_deadline:  # a concept note: its own, earlier, deadline
        return DomainError(
            _(
                "Concept notes closed on %(date)s (Korea time); a concept note can no longer be "
                "changed or submitted."
            )
            % {"date": korea_time(application.stage_deadline)},
            code="deadline",
        )
    return None


# --- Readiness of a two-stage call --------------------------------------------------------------


def concept_readiness(call: Call) -> list:
    """A check for ``projects.services.call_problems``: a two-stage call opens only when every
    track asks at least one question in the concept note (a live concept-stage question of
    the track, or of the whole call, shown on that kind of track)."""
    if not call.two_stage:
        return []
    concept = list(Question.objects.filter(call=call, stage=Stage.CONCEPT, retired_at__isnull=True))
    problems = []
    for track in call.tracks.all():
        asked = [
            x for x in concept if x.track_id in (None, track.pk) and q.shown_on_track(x, track.kind)
        ]
        if not asked:
            problems.append(
                CallProblem(
                    _("%(track)s: a two-stage call asks at least one question in the concept note.")
                    % {"track": track.display_name},
                    track,
                    "concept_questions",
                )
            )
    return problems


# --- Figures --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StageCounts:
    """A two-stage call's figures: concept notes received (ever submitted), still waiting for
    the shortlist, shortlisted (invited to the full proposal), not shortlisted, and full
    proposals submitted (``Application.SUBMITTED_STATUSES``)."""

    concept_notes: int = 0
    awaiting_shortlist: int = 0
    shortlisted: int = 0
    not_shortlisted: int = 0
    full_proposals: int = 0

    def __add__(self, other: StageCounts) -> StageCounts:
        return StageCounts(
            *(getattr(self, f) + getattr(other, f) for f in self.__dataclass_fields__)
        )


def stage_counts_by_track(applications: QuerySet[Application]) -> dict[int, StageCounts]:
    """``StageCounts`` of ``applications`` per track id, in one grouped query."""
    rows = (
        applications.order_by()
        .values("track")
        .annotate(
            concept_notes=Count("pk", filter=Q(concept_submitted_at__isnull=False)),
            awaiting_shortlist=Count("pk", filter=Q(status=S.CONCEPT_SUBMITTED)),
            shortlisted=Count("pk", filter=Q(shortlisted_at__isnull=False)),
            not_shortlisted=Count("pk", filter=Q(status=S.NOT_SHORTLISTED)),
            full_proposals=Count("pk", filter=Q(status__in=Application.SUBMITTED_STATUSES)),
        )
    )
    return {
        row["track"]: StageCounts(**{f: row[f] for f in StageCounts.__dataclass_fields__})
        for row in rows
    }
