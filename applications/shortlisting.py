"""The shortlist of a two-stage call: the track's staff invite concept notes to the full
proposal or decline them (``applications.stages`` has the rules of the stages themselves).

Each decision is one service call that asks the rule ``applications.shortlist_application``
(the staff of the application's track, and programme admins), moves the application through
``transition_application`` (its lock, lifecycle table and audit row) and writes the
applicant's message in the same transaction: "invited to the full proposal"
(``applications/invited_to_full_proposal``) or "not shortlisted"
(``applications/not_shortlisted``), both message templates staff may rewrite. The pages (and
any other door) call these; a decision on several concept notes is the same call per note.
"""

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from applications import stages
from applications.models import Application
from applications.services import for_each_application, notify_applicants, transition_application
from core.domain import DomainError, refuse_too_long, require_permission
from projects.models import Stage

S = Application.Status
#: Who decides on a concept note: the staff of its track (``applications.rules``).
SHORTLIST_APPLICATION = "applications.shortlist_application"
INVITED_TEMPLATE = "applications/invited_to_full_proposal"


def _locked_concept_note(application: Application, actor) -> Application:
    require_permission(
        actor,
        SHORTLIST_APPLICATION,
        application,
        message=_("Only staff of this track can shortlist its concept notes."),
    )
    locked = (
        Application.objects.select_for_update(of=("self",))
        .select_related("call", "track", "organization")
        .get(pk=application.pk)
    )
    if locked.status != S.CONCEPT_SUBMITTED or not stages.is_concept_note(locked):
        raise DomainError(
            _("Only a submitted concept note waiting for the shortlist can be decided."),
            code="not_concept_note",
        )
    return locked


@transaction.atomic
def invite_to_full_proposal(*, application: Application, actor, now=None) -> Application:
    """Shortlist a submitted concept note: the application becomes a draft of the full
    proposal (``stage`` full, ``shortlisted_at`` now), keeping everything the applicant wrote
    (fields, answers, documents, reference); the applicant completes it and submits it before
    the call closes. Refused once the call has closed (the invitation could not be answered).

    Audited as the status change concept_submitted → draft (detail ``shortlist: invited``);
    queues ``applications/invited_to_full_proposal`` to the applicant organisation with the
    deadline."""
    now = now or timezone.now()
    locked = _locked_concept_note(application, actor)
    call = locked.call
    if now >= call.closes_at or call.status != call.Status.OPEN:  # closed early by staff too
        raise DomainError(
            _(
                "The call closed on %(date)s (Korea time): an invitation to a full proposal "
                "could no longer be answered."
            )
            % {"date": stages.korea_time(locked.call.closes_at)},
            code="deadline",
        )
    transition_application(
        application=locked,
        to=S.DRAFT,
        actor=actor,
        detail={"shortlist": "invited", "stage": Stage.FULL},
        notify=False,
        now=now,
    )
    # The full proposal's own submission time is set when it is submitted; the concept
    # note's stays in ``concept_submitted_at``.
    Application.objects.filter(pk=locked.pk).update(
        stage=Stage.FULL, shortlisted_at=now, submitted_at=None
    )
    locked.refresh_from_db()
    notify_applicants(
        application=locked,
        template=INVITED_TEMPLATE,
        extra={"closes_at": stages.korea_time(locked.call.closes_at)},
    )
    return locked


@transaction.atomic
def decline_concept_note(*, application: Application, actor, reason: str = "") -> Application:
    """Do not shortlist a submitted concept note: its final status is ``not_shortlisted``, with
    the reason (optional) shown to the applicant. Audited as the status change (detail
    ``shortlist: declined``); ``transition_application`` queues ``applications/not_shortlisted``
    to the applicant organisation."""
    locked = _locked_concept_note(application, actor)
    return transition_application(
        application=locked,
        to=S.NOT_SHORTLISTED,
        actor=actor,
        reason=refuse_too_long(reason),
        detail={"shortlist": "declined"},
    )


def shortlist_concept_notes(
    *, applications: Iterable[Application], invite: bool, actor, reason: str = ""
) -> tuple[list[Application], list[tuple[Application, str]]]:
    """Invite (``invite``) or decline every concept note of a selection, each in its own
    transaction with its own rule, audit row and message. Returns (done, refused with the
    reason): one refusal does not undo the others."""

    def decide(application):
        if invite:
            return invite_to_full_proposal(application=application, actor=actor)
        return decline_concept_note(application=application, actor=actor, reason=reason)

    return for_each_application(applications, decide)
