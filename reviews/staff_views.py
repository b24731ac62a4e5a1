"""Staff screens of the review work under /staff/reviews/: criteria, committee, assignment,
the automatic-assignment job, the review board, reminders and reopening. Every view asks the
one permission ``projects.manage_track`` on the track (403 for another track's staff)."""

from zoneinfo import ZoneInfo

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from accounts.rules import VIEW_STAFF_AREA
from applications.models import Application
from core.concurrency import row_fingerprint
from core.domain import DomainError
from core.forms import (
    SEEN_VERSION,
    guard_against_stale,
    id_from,
    ids_from,
    refusal_status,
    run_service_on_form,
    seen_version,
)
from core.views import local_next, require_perm
from projects.models import Track
from projects.rules import MANAGE_TRACK
from reviews import committee_import as import_rows
from reviews import selectors, services
from reviews.forms import (
    CriterionForm,
    InvitationFileForm,
    InviteReviewerForm,
    ManualAssignForm,
    ReopenForm,
    ReviewSettingsForm,
)
from reviews.models import (
    Assignment,
    CommitteeMember,
    Criterion,
    Job,
    ReviewerInvitation,
    ReviewSettings,
)


def _track(request, track_id: int) -> Track:
    track = get_object_or_404(Track.objects.select_related("call", "secretariat"), pk=track_id)
    require_perm(request, MANAGE_TRACK, track)
    return track


def _staff_only(request):
    require_perm(request, VIEW_STAFF_AREA)


@login_required
def index(request):
    _staff_only(request)
    return render(
        request, "reviews/staff/index.html", {"tracks": selectors.tracks_for_staff(request.user)}
    )


@login_required
def track_overview(request, track_id: int):
    """The track's review settings (editable) and the button that starts the review.

    The deadline is typed and shown in Korea Standard Time, whatever the staff member's zone.
    """
    track = _track(request, track_id)
    with timezone.override(ZoneInfo(settings.PROGRAMME_TIME_ZONE)):
        return _track_overview(request, track)


def _track_overview(request, track):
    form = ReviewSettingsForm(
        request.POST if request.method == "POST" else None,
        instance=Track.objects.get(pk=track.pk),
    )
    guard_against_stale(form, row_fingerprint(form.instance, ReviewSettingsForm._meta.fields))
    status = 200
    if request.method == "POST":
        if run_service_on_form(
            form,
            lambda data: services.update_review_settings(
                track=track,
                actor=request.user,
                seen_version=seen_version(form),
                **{name: data[name] for name in form.changed_data if name != SEEN_VERSION},
            ),
        ):
            messages.success(request, _("Review settings saved."))
            return redirect("staff_reviews:track", track_id=track.pk)
        status = refusal_status(form)
    criteria = list(selectors.criteria_for_track(track))
    return render(
        request,
        "reviews/staff/track.html",
        {
            "track": track,
            "form": form,
            "criteria": criteria,
            "criteria_total": sum((c.max_points for c in criteria), 0),
            "locked": services.criteria_are_locked(track),
            "eligible_count": track.applications.filter(status=Application.Status.ELIGIBLE).count(),
            "committee_count": track.committee.count(),
        },
        status=status,
    )


@login_required
@require_POST
def start_review(request, track_id: int):
    track = _track(request, track_id)
    try:
        moved = services.start_review(track=track, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("Review started: criteria locked, %(count)s application(s) now under review.")
            % {"count": moved},
        )
    return redirect("staff_reviews:track", track_id=track.pk)


# Criteria ----------------------------------------------------------------------------------


def _save_criterion(request, form: CriterionForm, success: str) -> bool:
    """Add or change the form's criterion through the service; say ``success`` if it is saved."""
    saved = run_service_on_form(
        form,
        lambda _data: services.save_criterion(
            criterion=form.save(commit=False), actor=request.user, seen_version=seen_version(form)
        ),
    )
    if saved:
        messages.success(request, success)
    return saved


@login_required
def criteria(request, track_id: int):
    track = _track(request, track_id)
    locked = services.criteria_are_locked(track)
    form = CriterionForm(
        request.POST if request.method == "POST" else None, instance=Criterion(track=track)
    )
    status = 200
    if request.method == "POST":
        if _save_criterion(request, form, _("Criterion added.")):
            return redirect("staff_reviews:criteria", track_id=track.pk)
        status = 400
    items = list(selectors.criteria_for_track(track))
    return render(
        request,
        "reviews/staff/criteria.html",
        {
            "track": track,
            "criteria": items,
            "total": sum((c.max_points for c in items), 0),
            "locked": locked,
            "form": form,
        },
        status=status,
    )


def _criterion(request, pk: int) -> Criterion:
    criterion = get_object_or_404(Criterion.objects.select_related("track__call"), pk=pk)
    require_perm(request, MANAGE_TRACK, criterion.track)
    return criterion


@login_required
def criterion_edit(request, pk: int):
    criterion = _criterion(request, pk)
    form = CriterionForm(request.POST if request.method == "POST" else None, instance=criterion)
    guard_against_stale(form, row_fingerprint(criterion, CriterionForm._meta.fields))
    status = 200
    if request.method == "POST":
        if _save_criterion(request, form, _("Criterion saved.")):
            return redirect("staff_reviews:criteria", track_id=criterion.track_id)
        status = refusal_status(form)
    return render(
        request,
        "reviews/staff/criterion_form.html",
        {
            "track": criterion.track,
            "criterion": criterion,
            "form": form,
            "locked": services.criteria_are_locked(criterion.track),
        },
        status=status,
    )


@login_required
@require_POST
def criterion_delete(request, pk: int):
    criterion = _criterion(request, pk)
    try:
        services.delete_criterion(criterion=criterion, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Criterion deleted."))
    return redirect("staff_reviews:criteria", track_id=criterion.track_id)


@login_required
@require_POST
def criterion_move(request, pk: int):
    criterion = _criterion(request, pk)
    try:
        services.move_criterion(
            criterion=criterion, up=request.POST.get("direction") == "up", actor=request.user
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("staff_reviews:criteria", track_id=criterion.track_id)


# Committee ---------------------------------------------------------------------------------


@login_required
def committee(request, track_id: int):
    track = _track(request, track_id)
    form = InviteReviewerForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if run_service_on_form(
            form,
            lambda data: services.invite_reviewer(
                track=track, email=data["email"], name=data["name"], actor=request.user
            ),
        ):
            messages.success(
                request,
                _("Invitation sent to %(email)s.") % {"email": form.cleaned_data["email"]},
            )
            return redirect("staff_reviews:committee", track_id=track.pk)
        status = 400
    members = list(selectors.committee_for_track(track))
    for member in members:
        member.expertise_labels = selectors.expertise_labels(
            getattr(member.reviewer, "reviewer_profile", None)
        )
    return render(
        request,
        "reviews/staff/committee.html",
        {
            "track": track,
            "members": members,
            "invitations": track.reviewer_invitations.filter(
                status=ReviewerInvitation.Status.PENDING
            ),
            "form": form,
            "import_form": InvitationFileForm(),
        },
        status=status,
    )


@login_required
def committee_import(request, track_id: int):
    """Invite a list of experts from a CSV or XLSX file, in two steps as the import of the
    back office does: the upload shows every row and what will happen to it, writing nothing,
    with the rows signed in the page; "confirm" invites them all (``invite_reviewers``) or,
    when one is refused meanwhile, none, and shows the list again with the reason."""
    track = _track(request, track_id)
    form = InvitationFileForm()
    preview, error, status = None, "", 200
    if request.method == "POST" and request.POST.get("action") == "confirm":
        try:
            rows, to_invite = import_rows.unsign_preview(
                request.POST.get("payload", ""), track=track, actor=request.user
            )
        except DomainError as exc:
            error, status = exc.message, 400
        else:
            try:
                invitations = services.invite_reviewers(
                    track=track,
                    invitees=[(r.email, r.name) for r in rows if r.line in to_invite],
                    actor=request.user,
                )
            except DomainError as exc:
                # Nothing was invited; the list is judged again as it stands now.
                error, status = exc.message, 409
                preview = import_rows.preview_rows(track, rows)
            else:
                messages.success(
                    request,
                    ngettext(
                        "%(count)s invitation sent.",
                        "%(count)s invitations sent.",
                        len(invitations),
                    )
                    % {"count": len(invitations)},
                )
                return redirect("staff_reviews:committee", track_id=track.pk)
    elif request.method == "POST":
        form = InvitationFileForm(request.POST, request.FILES)
        if form.is_valid():
            preview = import_rows.preview_rows(track, form.rows)
            form = InvitationFileForm()
        else:
            status = 400
    to_invite_count = sum(1 for row in preview or [] if row.will_invite)
    return render(
        request,
        "reviews/staff/committee_import.html",
        {
            "track": track,
            "form": form,
            "preview": preview,
            "to_invite_count": to_invite_count,
            "payload": (
                import_rows.sign_preview(track=track, actor=request.user, preview=preview)
                if preview
                else ""
            ),
            "error": error,
        },
        status=status,
    )


@login_required
@require_POST
def invitation_revoke(request, pk: int):
    invitation = get_object_or_404(ReviewerInvitation.objects.select_related("track"), pk=pk)
    require_perm(request, MANAGE_TRACK, invitation.track)
    try:
        services.revoke_invitation(invitation=invitation, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("staff_reviews:committee", track_id=invitation.track_id)


@login_required
@require_POST
def member_remove(request, pk: int):
    member = get_object_or_404(CommitteeMember.objects.select_related("track"), pk=pk)
    require_perm(request, MANAGE_TRACK, member.track)
    try:
        services.remove_committee_member(member=member, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Reviewer removed from the committee."))
    return redirect("staff_reviews:committee", track_id=member.track_id)


# Assignment --------------------------------------------------------------------------------


def _assign_form(track, data=None):
    """The manual assignment form. It validates against every assignable application and
    committee member of the track, but the page offers only its current page of applications
    (as checkboxes in the table) and lists the reviewers once, in a multiple select."""
    form = ManualAssignForm(
        data,
        applications=selectors.assignable_applications(track),
        reviewers=selectors.committee_reviewers(track),
    )
    reviewers = form.fields["reviewers"]
    reviewers.widget = forms.SelectMultiple(attrs={"size": 10})
    reviewers.widget.choices = reviewers.choices  # a new widget learns the choices here
    reviewers.help_text = _("Hold Ctrl (⌘ on a Mac) to choose several.")
    return form


@login_required
def assignments(request, track_id: int):
    track = _track(request, track_id)
    with timezone.override(ZoneInfo(settings.PROGRAMME_TIME_ZONE)):
        return _assignments(request, track)


def _assignments(request, track):
    form = _assign_form(track, request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            created, refused = services.assign_reviewers_bulk(
                applications=form.cleaned_data["applications"],
                reviewers=form.cleaned_data["reviewers"],
                actor=request.user,
                due_at=form.cleaned_data["due_at"],
            )
            if created:
                messages.success(
                    request, _("%(count)s assignment(s) made.") % {"count": len(created)}
                )
            for line in refused:
                messages.warning(request, line)
            return redirect(request.get_full_path())
        status = 400
    application_status = request.GET.get("status", "")
    if application_status not in selectors.ASSIGNMENT_PAGE_STATUSES:
        application_status = ""
    reviewer_id = _chosen_reviewer(request)
    short = request.GET.get("short") == "1"
    page = selectors.assignment_page(
        track,
        reviewer_id=reviewer_id,
        status=application_status,
        short=short,
        page=request.GET.get("page"),
    )
    chosen = {str(v) for v in (form["applications"].value() or [])} if form.is_bound else set()
    return render(
        request,
        "reviews/staff/assignments.html",
        {
            "track": track,
            "form": form,
            "page": page,
            "applications": page.object_list,
            "chosen_applications": chosen,
            "job": selectors.latest_assignment_job(track),
            "reviewer_id": reviewer_id,
            "application_status": application_status,
            "status_choices": [(s.value, s.label) for s in selectors.ASSIGNMENT_PAGE_STATUSES],
            "short": short,
            "query": _page_query(request),
            "all_reviewers": selectors.committee_reviewers(track),
        },
        status=status,
    )


@login_required
@require_POST
def detect_conflicts(request, track_id: int):
    """Record the likely conflicts the portal detects between the committee and the track."""
    track = _track(request, track_id)
    created = services.record_detected_conflicts(track=track, actor=request.user)
    messages.info(
        request,
        _("%(count)s new likely conflict(s) recorded; they will never be assigned.")
        % {"count": created},
    )
    return redirect("staff_reviews:assignments", track_id=track.pk)


@login_required
@require_POST
def assign_automatically(request, track_id: int):
    track = _track(request, track_id)
    job = services.create_assignment_job(track=track, actor=request.user)
    # The task is queued after commit: a broker that refused it has already failed the job,
    # whose page then says so (with the button to start it again).
    return redirect("staff_reviews:job", pk=job.pk)


@login_required
def job_status(request, pk: int):
    """The job's progress; htmx polls the partial every second until it finishes."""
    job = get_object_or_404(Job.objects.select_related("track__call"), pk=pk)
    require_perm(request, MANAGE_TRACK, job.track)
    template = "reviews/staff/partials/_job.html" if request.htmx else "reviews/staff/job.html"
    return render(request, template, {"job": job, "track": job.track})


def _staff_assignment(request, pk: int) -> Assignment:
    assignment = get_object_or_404(
        Assignment.objects.select_related("application__track", "reviewer"), pk=pk
    )
    require_perm(request, MANAGE_TRACK, assignment.application.track)
    return assignment


@login_required
@require_POST
def assignment_remove(request, pk: int):
    assignment = _staff_assignment(request, pk)
    track_id = assignment.application.track_id
    try:
        services.remove_assignment(
            assignment=assignment, actor=request.user, reason=request.POST.get("reason", "")
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Assignment removed."))
    return redirect("staff_reviews:board", track_id=track_id)


@login_required
def assignment_reopen(request, pk: int):
    assignment = _staff_assignment(request, pk)
    if not request.user.has_perm("reviews.reopen_assignment", assignment):
        raise PermissionDenied
    form = ReopenForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if run_service_on_form(
            form,
            lambda data: services.reopen_review(
                assignment=assignment, reason=data["reason"], actor=request.user
            ),
        ):
            messages.success(request, _("The review is reopened; the reviewer is told."))
            return redirect("staff_reviews:board", track_id=assignment.application.track_id)
        status = 400
    return render(
        request,
        "reviews/staff/reopen.html",
        {"assignment": assignment, "track": assignment.application.track, "form": form},
        status=status,
    )


# Board and reminders -----------------------------------------------------------------------


def _chosen_reviewer(request) -> int | None:
    """The ``reviewer`` filter of the query string as an id (None when absent or no id)."""
    return id_from(request.GET.get("reviewer"))


def _page_query(request) -> str:
    """The query string without ``page``, for the pagination links to keep the filters."""
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


@login_required
def board(request, track_id: int):
    """One page of the review board: each application with its reviewers and their states,
    filtered in SQL (review state, reviewer, fewer reviewers than the minimum)."""
    track = _track(request, track_id)
    state = request.GET.get("state", "")
    if state not in selectors.BOARD_STATES:
        state = ""
    reviewer_id = _chosen_reviewer(request)
    missing = request.GET.get("missing") == "1"
    data = selectors.review_board(
        track,
        state=state,
        reviewer_id=reviewer_id,
        missing=missing,
        page=request.GET.get("page"),
    )
    # The reminder button reminds the whole track, so it needs to know whether anything in the
    # track is overdue (the totals above are one reviewer's when the board is filtered on one).
    overdue = (
        selectors.overdue_assignments_for_track(track).exists()
        if reviewer_id
        else data.totals["overdue"]
    )
    return render(
        request,
        "reviews/staff/board.html",
        {
            "track": track,
            "board": data,
            "page": data.page,
            "overdue": overdue,
            "state": state,
            "reviewer_id": reviewer_id,
            "missing": missing,
            "query": _page_query(request),
            "state_choices": list(selectors.BOARD_STATE_LABELS.items()),
            "all_reviewers": selectors.committee_reviewers(track),
        },
    )


@login_required
@require_POST
def remind(request, track_id: int):
    """Remind one reviewer of one review, or every reviewer with an overdue review."""
    track = _track(request, track_id)
    sent = 0
    if request.POST.get("assignment"):
        chosen = id_from(request.POST["assignment"])
        if chosen is None:
            raise Http404
        assignment = _staff_assignment(request, chosen)
        if assignment.application.track_id != track.pk:
            raise PermissionDenied
        try:
            sent += services.send_review_reminder(assignment=assignment, actor=request.user)
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("staff_reviews:board", track_id=track.pk)
    else:
        # Every overdue review of the track, not just the board's current page.
        with transaction.atomic():
            for overdue in selectors.overdue_assignments_for_track(track):
                sent += services.send_review_reminder(assignment=overdue, actor=request.user)
    if sent:
        messages.success(request, _("%(count)s reminder(s) sent.") % {"count": sent})
    else:
        messages.info(request, _("No reminder sent: each reviewer was already reminded today."))
    return redirect("staff_reviews:board", track_id=track.pk)


# What the track's reviewers see (reviews.ReviewSettings) ------------------------------------


class ReviewerVisibilityForm(forms.ModelForm):
    class Meta:
        model = ReviewSettings
        fields = list(ReviewSettings.EDITABLE_FIELDS)
        widgets = {"other_scores": forms.RadioSelect, "scope": forms.RadioSelect}


@login_required
def visibility(request, track_id: int):
    """What the track's reviewers may see: other reviewers' scores, the applicant's identity,
    and every eligible application or only their own. Staff of the track only (403); each
    change is one audited service call, allowed during the review too (the page says what a
    change mid-review means)."""
    track = _track(request, track_id)
    current = selectors.review_settings_for(track)
    form = ReviewerVisibilityForm(
        request.POST if request.method == "POST" else None,
        # The form only reads the instance for its initial values; the service re-reads the
        # row under a lock and writes it.
        instance=current,
    )
    guard_against_stale(form, row_fingerprint(current, ReviewSettings.EDITABLE_FIELDS))
    status = 200
    if request.method == "POST":
        if run_service_on_form(
            form,
            lambda data: services.update_reviewer_visibility(
                track=track,
                actor=request.user,
                seen_version=seen_version(form),
                **{name: data[name] for name in ReviewSettings.EDITABLE_FIELDS},
            ),
        ):
            messages.success(request, _("What reviewers see is saved."))
            return redirect("staff_reviews:visibility", track_id=track.pk)
        status = refusal_status(form)
    return render(
        request,
        "reviews/staff/visibility.html",
        {
            "track": track,
            "form": form,
            "settings": current,
            "review_started": services.criteria_are_locked(track),
        },
        status=status,
    )


# Bulk assignment from the track's application list ------------------------------------------


@login_required
@require_POST
def bulk_assign(request, track_id: int):
    """Assign the chosen committee members to the applications ticked on the track's
    application list (``staff_applications:track_applications`` posts here). Each pair goes
    through ``assign_reviewer`` on its own (checks, audit row); what was refused is reported
    pair by pair with its reason, and nothing else is undone. An application of another track
    or one the user may not manage is refused by name, never assigned."""
    track = _track(request, track_id)
    back = local_next(request.POST.get("next")) or reverse(
        "staff_applications:track_applications", args=[track.pk]
    )
    wanted = ids_from(request.POST.getlist("applications"))
    reviewers = list(
        selectors.committee_reviewers(track).filter(
            pk__in=ids_from(request.POST.getlist("reviewers"))
        )
    )
    if not wanted or not reviewers:
        messages.error(
            request, _("Tick at least one application and choose at least one reviewer.")
        )
        return redirect(back)
    found = {a.pk: a for a in track.applications.select_related("track").filter(pk__in=wanted)}
    allowed, refused = [], []
    for pk in wanted:
        application = found.get(pk)
        if application is None:
            refused.append(_("Application %(id)s: not an application of this track.") % {"id": pk})
        elif not request.user.has_perm(MANAGE_TRACK, application.track):
            refused.append(
                _("%(ref)s: you do not run this application's track.")
                % {"ref": application.reference or application.pk}
            )
        else:
            allowed.append(application)
    created, refusals = services.assign_reviewers_bulk(
        applications=allowed, reviewers=reviewers, actor=request.user
    )
    if created:
        messages.success(request, _("%(count)s assignment(s) made.") % {"count": len(created)})
    for line in [*refused, *refusals]:
        messages.error(request, _("Not assigned — %(reason)s") % {"reason": line})
    return redirect(back)
