"""The lifecycle of a funded project after its award: one service moves the award and its project
together, and one function says what still stops each move.

    proposed → approved → contracted → in_progress → completed, or cancelled from any of them

- proposed → approved: the project enters the public portfolio (``Project.is_public``); while
  proposed it may still change and is shown only to staff.
- approved → contracted: the agreement with the programme is signed. For a planning project
  that is the grant agreement with the partner; a demonstration project's consortium signs its
  agreement itself (whatever its kind).
- contracted → in progress: a planning project has its Korean contractor and the service
  contract with that company is signed. A demonstration project starts on its signed agreement.
- in progress → completed: the project has its contractor, its final report is accepted (and a
  demonstration project's demonstration results), and its final payment is decided (paid or
  withheld: ``awards.funding.final_payment_decided``); no deliverable waits for its review,
  no amendment for its decision, no payment request is still open (``awards.funding.requests_under_way``) and every other
  tranche of its signed agreements is paid or withheld (``awards.funding.undecided_tranches``),
  since nothing is reviewed or paid once the project is closed. The project completes with
  the award.
- cancelled (a reason required): the project is cancelled with it and leaves the public
  portfolio, every payment not yet made is stopped and its agreements end, each then planning
  only what it paid (``awards.funding.stop_future_payments``), the partner's and the
  contractor's members are told (``awards/award_cancelled``) and the next application on the track's
  reserve list is offered the funding (``awards.services.promote_reserve``).

``next_step_problems`` is the one list of these conditions: ``move_award`` refuses a move while
it is not empty, and the staff project page shows it beside the next step. Projects from
before the portal have no award and never pass here. See docs/architecture.md, "Lifecycle
after the award".
"""

from __future__ import annotations

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.audit import record_audit_event
from accounts.selectors import members_to_tell
from awards.contractor_selection import (
    PLANNING_KINDS,
    schedule_deliverables,
    work_agreement,
)
from awards.funding import (
    final_payment_decided,
    requests_under_way,
    stop_future_payments,
    undecided_tranches,
)
from awards.models import Agreement, Amendment, Award, Deliverable
from awards.services import (
    AWARD_MOVE_REFUSAL,
    AWARD_TRANSITIONS,
    NOT_YOUR_TRACK,
    promote_reserve,
    transition_award,
)
from core.domain import DomainError, IllegalTransition, require_permission
from core.transitions import allowed_moves
from notifications.services import in_each_language, queue_message
from projects.models import Project
from projects.rules import MANAGE_TRACK
from projects.services import set_project_public, set_project_status
from results.models import Decision

W = Award.Status


class AwardNotReady(DomainError):
    """The move is allowed by the lifecycle but something it needs is missing; ``problems``
    lists what (the messages of ``next_step_problems``)."""

    code = "not_ready"

    def __init__(self, problems: list[str]):
        super().__init__(" ".join(problems))
        self.problems = problems


def next_award_status(award: Award) -> str | None:
    """The award's next step forward (cancelling aside), or None once it is closed."""
    forward = allowed_moves(AWARD_TRANSITIONS, award.status) - {W.CANCELLED}
    return next(iter(forward), None)


def _signed(project: Project, kind: str | None = None, party_id: int | None = None) -> bool:
    agreements = Agreement.objects.filter(project=project, status=Agreement.Status.SIGNED)
    if kind:
        agreements = agreements.filter(kind=kind)
    if party_id:
        agreements = agreements.filter(party_id=party_id)
    return agreements.exists()


def _accepted(project: Project, kind: str) -> bool:
    return Deliverable.objects.filter(
        project=project, kind=kind, status=Deliverable.Status.ACCEPTED
    ).exists()


def next_step_problems(award: Award, to: str) -> list[str]:
    """What stops ``award`` from moving to ``to`` now, in words for staff; empty when nothing
    does. A move the lifecycle table does not allow is one problem; cancelling needs only a
    reason (asked by the move). Reads only: ``move_award`` and the project page share it."""
    if to not in allowed_moves(AWARD_TRANSITIONS, award.status):
        labels = dict(W.choices)
        return [
            str(AWARD_MOVE_REFUSAL)
            % {"old": labels.get(award.status, award.status), "new": labels.get(to, to)}
        ]
    project = award.project
    if to == W.CANCELLED or project is None:
        return []
    planning = project.track_kind in PLANNING_KINDS
    problems = []
    if to == W.CONTRACTED:
        if planning and not _signed(project, Agreement.Kind.GRANT):
            problems.append(_("The grant agreement with the partner is not signed yet."))
        elif not planning and not _signed(project):
            problems.append(_("The project's agreement is not signed yet."))
    if to in (W.IN_PROGRESS, W.COMPLETED) and planning and not project.contractor_id:
        problems.append(_("The project has no Korean contractor yet: select one first."))
    if (
        to == W.IN_PROGRESS
        and planning
        and project.contractor_id
        and not _signed(project, Agreement.Kind.SERVICE, project.contractor_id)
    ):
        problems.append(_("The service contract with the contractor is not signed yet."))
    if to == W.COMPLETED:
        if not _accepted(project, Deliverable.Kind.FINAL):
            problems.append(_("The final report has not been accepted yet."))
        if not planning and not _accepted(project, Deliverable.Kind.DEMONSTRATION):
            problems.append(_("The demonstration results have not been accepted yet."))
        if not final_payment_decided(project):
            problems.append(
                _("The final payment has not been decided yet: pay it or withhold it first.")
            )
        problems.extend(waiting_on_the_project(project))
    return problems


def waiting_on_the_project(project) -> list[str]:
    """What still waits for a step on ``project``: a deliverable for its review, a payment
    request still open, an amendment for its decision, a tranche neither paid nor withheld.
    Nothing is reviewed, checked or paid once a project is closed, so none of these may be left
    when it completes: a portal project's award (``next_step_problems``) and a project from
    before the portal (``projects.services.set_historical_project_status``, through
    ``register_closing_check``) ask the same list."""
    waiting: list[str] = []
    for deliverable in Deliverable.objects.filter(
        project=project, status=Deliverable.Status.SUBMITTED
    ).order_by("due_on", "pk"):
        waiting.append(
            _("The %(deliverable)s waits for its review: accept it or return it first.")
            % {"deliverable": deliverable.get_kind_display().lower()}
        )
    for request in requests_under_way(project):
        waiting.append(
            _(
                "Tranche %(number)s of %(reference)s has a payment request still open "
                "(%(status)s): pay, reject or withhold it first."
            )
            % {
                "number": request.tranche.number,
                "reference": request.tranche.agreement.reference,
                "status": request.get_status_display().lower(),
            }
        )
    for amendment in (
        Amendment.objects.filter(
            agreement__project=project,
            agreement__status=Agreement.Status.SIGNED,
            status=Amendment.Status.REQUESTED,
        )
        .select_related("agreement")
        .order_by("pk")
    ):
        waiting.append(
            _("An amendment of %(reference)s waits for a decision: decide it first.")
            % {"reference": amendment.agreement.reference}
        )
    for tranche in undecided_tranches(project):
        waiting.append(
            _(
                "Tranche %(number)s of %(reference)s is neither paid nor withheld: pay it "
                "or withhold it first."
            )
            % {"number": tranche.number, "reference": tranche.agreement.reference}
        )
    return waiting


@transaction.atomic
def move_award(*, award: Award, to: str, actor, reason: str = "") -> Award:
    """Move ``award`` to ``to`` and its project with it (staff of the award's track).

    Refused with ``IllegalTransition`` when the lifecycle table does not allow the move, and
    with ``AwardNotReady`` (its ``problems``) while ``next_step_problems`` finds something
    missing. On contracted and in progress, a demonstration project without a contractor gets
    its agreement's party as the company that carries out the work, and a project with a
    contractor gets its deliverables, dated from the signed agreement that carries the work
    (``schedule_deliverables``). Completing completes the project. Cancelling (a reason required)
    cancels the project, stops every future payment and offers the reserve list; the award
    returned then carries ``promoted_reserve`` (the decision offered, or None) and
    ``stopped_tranches`` (how many). Every change is audited; the applicant hears of the
    reserve offer through ``promote_reserve``."""
    award = (
        Award.objects.select_for_update(of=("self",))
        .select_related("application__track", "project")
        .get(pk=award.pk)
    )
    track = award.application.track
    require_permission(actor, MANAGE_TRACK, track, message=NOT_YOUR_TRACK)
    if to == W.CANCELLED:
        return _cancel(award, actor=actor, reason=reason)
    problems = next_step_problems(award, to)
    if to not in allowed_moves(AWARD_TRANSITIONS, award.status):
        raise IllegalTransition(problems[0])
    if problems:
        raise AwardNotReady(problems)
    award = transition_award(award=award, to=to, actor=actor, reason=reason)
    project = award.project
    if project is None:
        return award
    if to == W.APPROVED:  # no longer "may still change": the public portfolio shows it
        set_project_public(project=project, public=True, actor=actor)
    if to in (W.CONTRACTED, W.IN_PROGRESS):
        _name_demonstration_contractor(project, actor=actor)
        if project.contractor_id:  # deliverables are owed once someone carries out the work
            schedule_deliverables(project=project, actor=actor)
    if to == W.COMPLETED:
        set_project_status(project=project, to=Project.Status.COMPLETED, actor=actor)
    return award


def _name_demonstration_contractor(project: Project, *, actor) -> None:
    """A demonstration's consortium carries out its work itself: once its agreement is signed,
    the agreement's party becomes the project's contractor (who hands in the deliverables),
    unless the project names one already. Planning projects choose theirs by selection."""
    if project.track_kind in PLANNING_KINDS or project.contractor_id:
        return
    agreement = work_agreement(project)
    if agreement is None:
        return
    Project.objects.filter(pk=project.pk).update(contractor=agreement.party_id)
    project.contractor_id = agreement.party_id
    record_audit_event(
        subject=project,
        action="contractor_selected",
        actor=actor,
        new_value=agreement.party_id,
        detail={"agreement": agreement.pk},
    )


def _tell_cancelled(award: Award, project: Project, *, actor, reason: str) -> None:
    """Tell the members of the project's partner, of its contractor and of every party to
    its agreements (``members_to_tell``), once each and not the person who cancelled, that
    the award and the project are cancelled and nothing more is paid: their payment requests
    not yet paid have just been cancelled with it (``awards/award_cancelled``)."""
    organizations = [project.partner_id, project.contractor_id]
    organizations += list(
        Agreement.objects.filter(project=project).values_list("party_id", flat=True)
    )
    context = {
        **in_each_language("project", lambda: project.display_name),
        "code": project.code,
        "reason": reason,
    }
    partner_link = award.application.get_absolute_url()
    seen = {getattr(actor, "pk", None)}
    for organization_id in dict.fromkeys(o for o in organizations if o):
        for member in members_to_tell(organization_id):
            if member.pk in seen:
                continue
            seen.add(member.pk)
            queue_message(
                recipient=member,
                template="awards/award_cancelled",
                context=context,
                link=partner_link
                if organization_id == project.partner_id
                else reverse("awards:agreements"),
            )


def _cancel(award: Award, *, actor, reason: str) -> Award:
    reason = (reason or "").strip()
    award = transition_award(award=award, to=W.CANCELLED, actor=actor, reason=reason)
    stopped = 0
    project = award.project
    if project is not None:
        if project.status == Project.Status.ACTIVE:
            set_project_status(
                project=project, to=Project.Status.CANCELLED, actor=actor, reason=reason
            )
        set_project_public(project=project, public=False, actor=actor)
        stopped = stop_future_payments(project=project, actor=actor, reason=reason)
        _tell_cancelled(award, project, actor=actor, reason=reason)
    Decision.objects.filter(application=award.application).update(reserve_rank=None)
    award.promoted_reserve = promote_reserve(
        track=award.application.track, actor=actor, amount=award.amount
    )
    award.stopped_tranches = stopped
    return award
