"""The reviewer's pages: workspace, conflict declaration, read-only application, scoring form,
documents, profile, declaration of interests and committee invitations. Thin: each view checks
one permission, calls one service, and turns a domain error into a form error."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import ReviewerProfile
from applications.models import Application, Document
from core.domain import DomainError
from core.forms import run_service_on_form
from core.storage import open_stored
from core.views import local_next, require_perm
from projects.models import Track
from reviews import selectors, services
from reviews.forms import (
    ConflictDeclarationForm,
    DeclineForm,
    InterestDeclarationForm,
    LateConflictForm,
    ReviewerProfileForm,
    ScoreForm,
)
from reviews.models import Assignment, ReviewerInvitation
from reviews.rules import (
    BROWSE_TRACK,
    READ_BROWSED_APPLICATION,
    SEE_OTHER_SCORES,
    SIGN_INTEREST_DECLARATION,
)


def _own_assignment(request, pk: int) -> Assignment:
    """The reviewer's own visible assignment, or 404: nobody learns that others exist."""
    assignment = (
        selectors.assignments_for_reviewer(request.user)
        .select_related("application__organization")
        .filter(pk=pk)
        .first()
    )
    if assignment is None or not request.user.has_perm("reviews.view_assignment", assignment):
        raise Http404
    return assignment


def _needs_declaration(request):
    """Send a reviewer without a current declaration of interests to renew it first."""
    if services.current_interest_declaration(request.user) is None:
        messages.warning(request, services.DECLARATION_NEEDED)
        return redirect(f"{reverse('reviews:declaration')}?next={request.get_full_path()}")
    return None


def _assignment_to_open(
    request, pk: int, *, to_read: bool = False
) -> tuple[Assignment, HttpResponse | None]:
    """The reviewer's own assignment and, when they may not open this page yet, where to send
    them instead: to renew the declaration of interests, and with ``to_read`` back to the
    conflict declaration until it clears them to read the application."""
    assignment = _own_assignment(request, pk)
    detour = _needs_declaration(request)
    if (
        detour is None
        and to_read
        and not request.user.has_perm("reviews.read_assigned_application", assignment)
    ):
        detour = redirect("reviews:assignment", pk=assignment.pk)
    return assignment, detour


def _assignment_page(
    request,
    assignment: Assignment,
    *,
    declared: bool | None = None,
    can_declare: bool | None = None,
    conflict_form: ConflictDeclarationForm | None = None,
    decline_form: DeclineForm | None = None,
    late_form: LateConflictForm | None = None,
    status: int = 200,
):
    """The conflict-declaration page, with the forms given (blank ones otherwise).

    ``declared`` and ``can_declare`` are asked of the rules unless the view already knows
    them. Without ``late_form`` the page offers no late conflict report.
    """
    if declared is None:
        declared = request.user.has_perm("reviews.read_assigned_application", assignment)
    if can_declare is None:
        can_declare = request.user.has_perm("reviews.declare_conflict", assignment)
    shown = selectors.reviewer_application_view(assignment.application, request.user)
    return render(
        request,
        "reviews/assignment_detail.html",
        {
            "assignment": assignment,
            "application": assignment.application,
            "identity_withheld": shown.withheld,
            "consortium": shown.consortium,
            "declared": declared,
            "can_declare": can_declare,
            "conflict_form": conflict_form or ConflictDeclarationForm(),
            "decline_form": decline_form or DeclineForm(),
            "late_form": late_form,
            "due": assignment.effective_due,
        },
        status=status,
    )


# Finished reviews per page on the reviewer's home: open work stays on top, however many
# reviews of past years the reviewer has written.
FINISHED_PER_PAGE = 10


@login_required
def workspace(request):
    """The reviewer's home: open assignments first, grouped by what they need next (declare a
    conflict of interest, score), with the count and due dates; finished reviews below, most
    recent first, a page at a time."""
    home = selectors.reviewer_home(request.user)
    finished = Paginator(home.finished, FINISHED_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "reviews/workspace.html",
        {
            "home": home,
            "assignments": [*home.to_declare, *home.to_score, *home.finished],
            "finished": finished,
            "declaration": services.current_interest_declaration(request.user),
            "profile": ReviewerProfile.objects.filter(user=request.user).first(),
            "browsable_tracks": selectors.browsable_tracks(request.user),
        },
    )


@login_required
def assignment_detail(request, pk: int):
    """Before the content: who applied (to judge a conflict), then declare or decline."""
    assignment, detour = _assignment_to_open(request, pk)
    if detour:
        return detour
    return _assignment_page(request, assignment, late_form=LateConflictForm())


@login_required
@require_POST
def report_conflict(request, pk: int):
    """A conflict discovered after declaring none: the application is hidden from then on."""
    assignment = _own_assignment(request, pk)
    if not request.user.has_perm("reviews.read_assigned_application", assignment) or (
        assignment.status == Assignment.Status.SUBMITTED
    ):
        raise PermissionDenied
    form = LateConflictForm(request.POST)
    if run_service_on_form(
        form,
        lambda data: services.report_conflict_later(
            assignment=assignment, kind=data["kind"], details=data["details"], actor=request.user
        ),
    ):
        messages.success(
            request,
            _("Your conflict is recorded. The application is no longer shown to you."),
        )
        return redirect("reviews:workspace")
    return _assignment_page(
        request, assignment, declared=True, can_declare=False, late_form=form, status=400
    )


@login_required
@require_POST
def declare(request, pk: int):
    assignment, detour = _assignment_to_open(request, pk)
    if detour:
        return detour
    if not request.user.has_perm("reviews.declare_conflict", assignment):
        raise PermissionDenied
    form = ConflictDeclarationForm(request.POST)
    if run_service_on_form(
        form,
        lambda data: services.declare_conflict(
            assignment=assignment,
            has_conflict=data["has_conflict"],
            kind=data.get("kind") or "",
            details=data.get("details") or "",
            actor=request.user,
        ),
    ):
        if form.cleaned_data["has_conflict"]:
            messages.success(
                request,
                _("Your conflict is recorded. The application is no longer shown to you."),
            )
            return redirect("reviews:workspace")
        messages.success(request, _("Thank you. You can now read and score the application."))
        return redirect("reviews:application", pk=assignment.pk)
    return _assignment_page(
        request, assignment, declared=False, can_declare=True, conflict_form=form, status=400
    )


@login_required
@require_POST
def decline(request, pk: int):
    """Decline the review. A refusal (the assignment moved on meanwhile, say) is shown on the
    form sent, with the note typed, next to the field it names."""
    assignment = _own_assignment(request, pk)
    form = DeclineForm(request.POST)
    if run_service_on_form(
        form,
        lambda data: services.decline_assignment(
            assignment=assignment, reason=data["reason"], note=data["note"], actor=request.user
        ),
    ):
        messages.success(
            request, _("You declined this review; the secretariat sees it on the review board.")
        )
        return redirect("reviews:workspace")
    assignment.refresh_from_db()  # the page shows the status that refused the decline
    return _assignment_page(request, assignment, decline_form=form, status=400)


@login_required
def application_view(request, pk: int):
    """The application, read-only, with its documents; only after the conflict declaration."""
    assignment, detour = _assignment_to_open(request, pk, to_read=True)
    if detour:
        return detour
    shown = selectors.reviewer_application_view(assignment.application, request.user)
    sees_others = request.user.has_perm(SEE_OTHER_SCORES, assignment)
    return render(
        request,
        "reviews/application_view.html",
        {
            "assignment": assignment,
            "application": shown.application,
            "identity_withheld": shown.withheld,
            "documents": shown.documents,
            "consortium": shown.consortium,
            "due": assignment.effective_due,
            "other_scores_mode": selectors.review_settings_for(
                assignment.application.track
            ).get_other_scores_display(),
            "other_reviews": selectors.other_reviews_for(assignment) if sees_others else None,
        },
    )


# Browsing a track's applications beyond one's assignments (when the track allows it) --------

BROWSE_PER_PAGE = 50


@login_required
def browse(request, track_id: int):
    """Every eligible application of a track the committee member may read without being
    assigned (the track's reviewer-visibility settings allow it), titles and sites only;
    403 otherwise. Scoring still needs an assignment."""
    track = get_object_or_404(Track.objects.select_related("call"), pk=track_id)
    require_perm(request, BROWSE_TRACK, track)
    detour = _needs_declaration(request)
    if detour:
        return detour
    page = Paginator(selectors.browse_applications(track, request.user), BROWSE_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "reviews/browse.html",
        {"track": track, "page": page, "applications": page.object_list},
    )


@login_required
def browse_application(request, pk: int):
    """One application of a browsable track, read-only, as the reviewer may see it (anonymised
    when the track says so); 404 for an application the member may not read (another track,
    a conflict, browsing not allowed). Documents are listed but open only from an assignment."""
    application = get_object_or_404(
        Application.objects.select_related("track__call", "organization", "country", "city"),
        pk=pk,
    )
    if not request.user.has_perm(READ_BROWSED_APPLICATION, application):
        raise Http404
    detour = _needs_declaration(request)
    if detour:
        return detour
    shown = selectors.reviewer_application_view(application, request.user)
    return render(
        request,
        "reviews/browse_application.html",
        {
            "track": application.track,
            "application": application,
            "identity_withheld": shown.withheld,
            "documents": shown.documents,
            "consortium": shown.consortium,
        },
    )


@login_required
def document_download(request, pk: int, document: str):
    """One document of an assigned application, after the declaration; 404 for anyone else."""
    assignment = _own_assignment(request, pk)
    if not request.user.has_perm("reviews.read_assigned_application", assignment):
        raise Http404
    doc = get_object_or_404(Document, public_id=document, application=assignment.application)
    if not request.user.has_perm("applications.view_application", assignment.application):
        raise Http404
    shown = selectors.reviewer_application_view(assignment.application, request.user)
    name = next((d.name for d in shown.documents if d.document.pk == doc.pk), doc.original_name)
    return FileResponse(
        open_stored(doc.file),
        as_attachment=True,
        filename=name,
        content_type=doc.content_type or "application/octet-stream",
    )


@login_required
def score(request, pk: int):
    """The scoring form: save a draft or submit; a submitted review is shown read-only."""
    assignment, detour = _assignment_to_open(request, pk, to_read=True)
    # A declaration of interests that expired while the reviewer typed: the form comes back
    # with what they typed and a link to renew it (in a new tab), instead of a detour that
    # would lose it. Nothing is saved until it is renewed (the service asks again).
    expired_while_typing = (
        detour is not None
        and request.method == "POST"
        and assignment.status in (Assignment.Status.ACCEPTED, Assignment.Status.IN_PROGRESS)
        and services.current_interest_declaration(request.user) is None
    )
    if detour and not expired_while_typing:
        return detour
    track = assignment.application.track
    criteria = list(selectors.criteria_for_track(track))
    locked = assignment.is_locked
    status = 200
    conflict = None
    if expired_while_typing:
        form = ScoreForm(request.POST, criteria=criteria, min_length=track.min_justification_length)
        form.is_valid()
        form.add_error(
            None,
            _(
                "Your yearly declaration of interests has expired, so nothing was saved. "
                "Renew it (the link opens a new tab), then save again: what you typed is kept "
                "below."
            ),
        )
        status = 409
    elif request.method == "POST":
        submitting = "submit" in request.POST
        form = ScoreForm(
            request.POST,
            criteria=criteria,
            min_length=track.min_justification_length,
        )
        if locked:
            form.is_valid()
            form.add_error(
                None,
                _("This review was submitted and is locked. Ask the secretariat to reopen it."),
            )
            status = 409
        elif form.is_valid():
            service = services.submit_review if submitting else services.save_review_draft
            try:
                service(
                    assignment=assignment,
                    scores=form.scores(),
                    recommendation=form.cleaned_data.get("recommendation") or "",
                    confidence=form.cleaned_data.get("confidence"),
                    overall_comment=form.cleaned_data.get("overall_comment") or "",
                    actor=request.user,
                    base_version=form.cleaned_data.get("draft_version"),
                )
            except services.DraftConflict as exc:
                form, conflict = _draft_conflict_form(request, assignment, criteria, exc)
                status = 409
            except services.ReviewInvalid as exc:
                for field, message in exc.errors.items():
                    form.add_error(field if field in form.fields else None, message)
                status = 400
            except DomainError as exc:
                form.add_error(None, exc.message)
                status = 400
            else:
                if submitting:
                    messages.success(request, _("Your review is submitted. Thank you."))
                    return redirect("reviews:workspace")
                messages.success(request, _("Draft saved."))
                return redirect("reviews:score", pk=assignment.pk)
        else:
            status = 400
    else:
        form = ScoreForm(
            initial=ScoreForm.initial_for(assignment),
            criteria=criteria,
            min_length=track.min_justification_length,
        )
    return render(
        request,
        "reviews/score.html",
        {
            "assignment": assignment,
            "application": assignment.application,
            "form": form,
            "locked": locked,
            "renew_declaration": expired_while_typing,
            # Why nothing can be saved any more (a confirmed decision), said before typing.
            "closed": None if locked else services.review_closed_reason(assignment.application),
            "due": assignment.effective_due,
            "conflict": conflict,
        },
        status=status,
    )


def _draft_conflict_form(request, assignment, criteria, exc):
    """The score form again after a draft conflict, and the stored draft to show above it.

    The form keeps what the reviewer typed, says at the top what happened, and now carries the
    current draft version: saving again replaces the other draft on purpose."""
    current = Assignment.objects.get(pk=assignment.pk)
    data = request.POST.copy()
    data["draft_version"] = str(current.draft_version)
    form = ScoreForm(
        data, criteria=criteria, min_length=assignment.application.track.min_justification_length
    )
    form.is_valid()
    time = timezone.localtime(exc.changed_at).strftime("%H:%M") if exc.changed_at else "—"
    form.add_error(
        None,
        _(
            "This review draft was saved from another tab or window at %(time)s. That version "
            "is shown below; your text is kept in the form."
        )
        % {"time": time},
    )
    scores = {score.criterion_id: score for score in current.scores.all()}
    rows = [
        {
            "criterion": criterion.display_name,
            "points": (
                services.format_points(scores[criterion.pk].points)
                if criterion.pk in scores and scores[criterion.pk].points is not None
                else "—"
            ),
            "justification": scores[criterion.pk].justification if criterion.pk in scores else "",
        }
        for criterion in criteria
    ]
    return form, {
        "time": time,
        "rows": rows,
        "recommendation": current.get_recommendation_display() or "—",
        "confidence": current.get_confidence_display() or "—",
        "overall_comment": current.overall_comment,
    }


@login_required
def profile(request):
    """The reviewer's own profile: expertise, affiliation, companies of the last 3 years."""
    instance = ReviewerProfile.objects.filter(user=request.user).first() or ReviewerProfile(
        user=request.user
    )
    form = ReviewerProfileForm(
        request.POST if request.method == "POST" else None, instance=instance
    )
    if request.method == "POST" and run_service_on_form(
        form,
        lambda _data: services.save_reviewer_profile(
            profile=form.save(commit=False), actor=request.user
        ),
    ):
        messages.success(request, _("Your reviewer profile is saved."))
        return redirect("reviews:workspace")
    return render(
        request,
        "reviews/profile.html",
        {"form": form},
        status=400 if request.method == "POST" else 200,
    )


@login_required
def declaration(request):
    """Sign the annual declaration of interests (valid one year); reviewers only (403)."""
    require_perm(request, SIGN_INTEREST_DECLARATION)
    form = InterestDeclarationForm(request.POST if request.method == "POST" else None)
    current = services.current_interest_declaration(request.user)
    if request.method == "POST" and form.is_valid():
        services.sign_interest_declaration(
            reviewer=request.user, interests=form.cleaned_data["interests"], actor=request.user
        )
        messages.success(request, _("Your declaration of interests is signed for one year."))
        return redirect(local_next(request.GET.get("next")) or "reviews:workspace")
    return render(
        request,
        "reviews/declaration.html",
        {"form": form, "current": current},
        status=400 if request.method == "POST" else 200,
    )


def invitation(request, token: str):
    """A committee invitation: shown to anyone with the link, answered only by its addressee."""
    invitation = get_object_or_404(
        ReviewerInvitation.objects.select_related("track__call"), token=token
    )
    if not request.user.is_authenticated:
        messages.info(
            request,
            _(
                "Log in with %(email)s to answer this invitation. If you have no account yet, "
                "register with that address first."
            )
            % {"email": invitation.email},
        )
        return redirect_to_login(request.get_full_path())
    error = None
    if request.method == "POST":
        try:
            services.respond_to_invitation(
                invitation=invitation, accept="accept" in request.POST, actor=request.user
            )
        except DomainError as exc:
            error = exc.message
        else:
            if "accept" in request.POST:
                messages.success(
                    request,
                    _("Welcome to the committee. Please complete your reviewer profile."),
                )
                return redirect("reviews:profile")
            messages.info(request, _("You declined the invitation."))
            return redirect("home")
    return render(
        request,
        "reviews/invitation.html",
        {
            "invitation": invitation,
            "error": error,
            "wrong_account": request.user.email.lower() != invitation.email.lower(),
        },
        status=400 if error else 200,
    )
