"""Staff screens of calls and tracks under /staff/calls/: a call's page (its tracks, what stops
it from opening, publishing and opening it, "New call from this one"), each track's documents (add, edit, reorder,
remove) and the preview of each track's application form in English and Korean.

A call's pages ask ``projects.configure_call`` (programme admins configure calls); a track's
documents and preview ask ``projects.manage_track`` (the track's staff; 403 for another
secretariat's)."""

from zoneinfo import ZoneInfo

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core import uploads
from core.concurrency import row_fingerprint
from core.domain import DomainError
from core.forms import guard_against_stale, refusal_status, run_service_on_form, seen_version
from core.transitions import allowed_moves
from core.views import require_perm
from projects import selectors, services
from projects.forms import CopyCallForm, DocumentRequirementForm
from projects.models import Call, DocumentRequirement, Stage, Track
from projects.rules import CONFIGURE_CALL, MANAGE_TRACK

PREVIEW_LANGUAGES = (("en", "English"), ("ko", "한국어"))
# The moves of a call its page offers (the others stay admin actions and the beat job's).
PAGE_CALL_MOVES = (Call.Status.PUBLISHED, Call.Status.OPEN)


def _call(request, call_id: int) -> Call:
    call = get_object_or_404(Call, pk=call_id)
    require_perm(request, CONFIGURE_CALL, call)
    return call


def _track(request, track_id: int) -> Track:
    track = get_object_or_404(Track.objects.select_related("call", "secretariat"), pk=track_id)
    require_perm(request, MANAGE_TRACK, track)
    return track


def _requirement(request, pk: int) -> DocumentRequirement:
    requirement = get_object_or_404(
        DocumentRequirement.objects.select_related("track__call", "track__secretariat"), pk=pk
    )
    require_perm(request, MANAGE_TRACK, requirement.track)
    return requirement


@login_required
def calls(request):
    """Every call, newest first, with the way to each call's page."""
    require_perm(request, CONFIGURE_CALL)
    return render(
        request, "projects/staff/calls.html", {"calls": selectors.calls_for_staff(request.user)}
    )


@login_required
def call_detail(request, call_id: int):
    """A call's tracks, what stops it from opening (``services.call_problems``), and the ways
    to each track's documents and form preview and to next year's call."""
    call = _call(request, call_id)
    tracks = list(
        call.tracks.select_related("secretariat").prefetch_related(
            "document_requirements", "criteria"
        )
    )
    for track in tracks:
        track.documents = selectors.document_requirements(track)
        track.criteria_points = sum(c.max_points for c in track.criteria.all())
    moves = allowed_moves(services.CALL_TRANSITIONS, call.status)
    return render(
        request,
        "projects/staff/call.html",
        {
            "call": call,
            "tracks": tracks,
            "problems": services.call_problems(call),
            "can_copy": call.kind != Call.Kind.CONTRACTOR_SELECTION,
            "can_publish": Call.Status.PUBLISHED in moves and call.is_draft,
            "can_open": Call.Status.OPEN in moves,
        },
    )


@login_required
@require_POST
def call_status(request, call_id: int):
    """Publish the call or open it for applications (``to``), through
    ``services.transition_call``: its lifecycle table, its audit row and, for opening, its
    readiness checks, each problem shown as a message on the call's page."""
    call = _call(request, call_id)
    to = request.POST.get("to")
    if to not in PAGE_CALL_MOVES:
        messages.error(request, _("Choose to publish or to open the call."))
        return redirect("staff_projects:call", call_id=call.pk)
    try:
        services.transition_call(call=call, to=to, actor=request.user)
    except services.CallNotReady as refused:
        messages.error(request, _("The call cannot open yet. Fix these first:"))
        for problem in refused.problems:
            messages.error(request, problem.message)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        if to == Call.Status.OPEN:
            messages.success(request, _("The call is open for applications."))
        else:
            messages.success(request, _("The call is published; open it when it is ready."))
    return redirect("staff_projects:call", call_id=call.pk)


@login_required
def call_copy(request, call_id: int):
    """ "New call from this one": the new call's year, address, title and dates (Korea time);
    everything else is copied by ``services.copy_call``, as a draft."""
    call = _call(request, call_id)
    with timezone.override(ZoneInfo(settings.PROGRAMME_TIME_ZONE)):
        initial = {
            "year": call.year + 1,
            "slug": f"{call.slug}-{call.year + 1}"[:80],
            "name": call.name,
            "name_ko": call.name_ko,
        }
        form = CopyCallForm(
            request.POST if request.method == "POST" else None,
            initial=initial,
            two_stage=call.two_stage,
        )
        status = 200
        if request.method == "POST":
            created = {}
            if run_service_on_form(
                form,
                lambda data: created.setdefault(
                    "call", services.copy_call(call=call, actor=request.user, **data)
                ),
            ):
                messages.success(
                    request,
                    _("The new call is a draft: check what it still needs before it opens."),
                )
                return redirect("staff_projects:call", call_id=created["call"].pk)
            status = 400
        return render(
            request, "projects/staff/copy.html", {"call": call, "form": form}, status=status
        )


@login_required
def track_preview(request, track_id: int):
    """The track's application form as an applicant will see it, read-only, in the language
    chosen (``?lang=ko``), with the track's documents and what stops the call from opening."""
    track = _track(request, track_id)
    language = request.GET.get("lang", translation.get_language())
    if language not in dict(PREVIEW_LANGUAGES):
        language = "en"
    # A two-stage call's form is previewed a stage at a time, the concept note first (what an
    # applicant sees on opening); a one-stage call has the full proposal only.
    stage = request.GET.get("stage", Stage.CONCEPT if track.call.two_stage else Stage.FULL)
    if stage not in Stage.values or not track.call.two_stage:
        stage = Stage.CONCEPT if track.call.two_stage else Stage.FULL
    problems = [p for p in services.call_problems(track.call) if p.track in (None, track)]
    # The form in the language chosen; the page around it (menus, headings, problems) in the
    # reader's own, its <html lang> true to it.
    with translation.override(language):
        preview = render_to_string(
            "projects/staff/_preview_sections.html",
            {
                "call": track.call,
                "sections": selectors.form_preview(track, stage),
                "language": language,
            },
            request=request,
        )
    return render(
        request,
        "projects/staff/preview.html",
        {
            "track": track,
            "call": track.call,
            "stage": stage,
            "stages": Stage.choices if track.call.two_stage else [],
            "preview": mark_safe(preview),  # our own template, escaped as it rendered
            "problems": problems,
            "language": language,
            "preview_languages": PREVIEW_LANGUAGES,
        },
    )


class RequirementPageForm(DocumentRequirementForm):
    """The requirement form of the documents pages: the template is checked as any upload
    (``core.uploads.validate_upload``, as the service will) while the form is cleaned, so a file
    that would be refused is refused next to its field at once, and never kept for the next
    try while another field is wrong."""

    def clean_template_file(self):
        template = self.cleaned_data.get("template_file")
        if template:
            try:
                uploads.validate_upload(template)
            except DomainError as exc:
                raise forms.ValidationError(exc.message, code=exc.code) from exc
        return template


# What the edit page of a document requirement shows, and checks is unchanged when saved.
REQUIREMENT_SHOWN = (*DocumentRequirementForm._meta.fields, "template")


def _save_requirement(request, form: DocumentRequirementForm, success: str) -> bool:
    def save(data):
        try:
            return services.save_document_requirement(
                requirement=form.save(commit=False),
                actor=request.user,
                template=data.get("template_file"),
                clear_template=bool(data.get("remove_template")),
                seen_version=seen_version(form),
            )
        except DomainError as exc:
            # The service checks and stores the template as any upload, whose errors name
            # "file": on this form that is the template's field (where a refused file is not
            # kept either).
            if exc.field == "file":
                exc.field = "template_file"
            raise

    saved = run_service_on_form(form, save)
    if saved:
        messages.success(request, success)
    return saved


@login_required
def requirements(request, track_id: int):
    """The documents the track asks for, in order, and the form that adds one."""
    track = _track(request, track_id)
    form = RequirementPageForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        instance=DocumentRequirement(track=track),
        uploader=request.user,
    )
    status = 200
    if request.method == "POST":
        if _save_requirement(request, form, _("Document added.")):
            return redirect("staff_projects:requirements", track_id=track.pk)
        status = 400
    problems = [p for p in services.call_problems(track.call) if p.track in (None, track)]
    return render(
        request,
        "projects/staff/requirements.html",
        {
            "track": track,
            "requirements": selectors.document_requirements(track),
            "handed_in": selectors.submitted_document_kinds(track),
            "submitted": selectors.submitted_application_count(track),
            "problems": problems,
            "form": form,
        },
        status=status,
    )


@login_required
def requirement_edit(request, pk: int):
    requirement = _requirement(request, pk)
    form = RequirementPageForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        instance=requirement,
        uploader=request.user,
    )
    # The values the page shows (the template too): a colleague's change since is kept (409).
    guard_against_stale(form, row_fingerprint(requirement, REQUIREMENT_SHOWN))
    status = 200
    if request.method == "POST":
        if _save_requirement(request, form, _("Document saved.")):
            return redirect("staff_projects:requirements", track_id=requirement.track_id)
        status = refusal_status(form)
    return render(
        request,
        "projects/staff/requirement_form.html",
        {
            "track": requirement.track,
            "requirement": requirement,
            "form": form,
            "submitted": selectors.submitted_application_count(requirement.track),
        },
        status=status,
    )


@login_required
@require_POST
def requirement_move(request, pk: int):
    requirement = _requirement(request, pk)
    try:
        services.move_document_requirement(
            requirement=requirement, up=request.POST.get("direction") == "up", actor=request.user
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("staff_projects:requirements", track_id=requirement.track_id)


@login_required
@require_POST
def requirement_delete(request, pk: int):
    requirement = _requirement(request, pk)
    try:
        services.remove_document_requirement(requirement=requirement, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Document removed."))
    return redirect("staff_projects:requirements", track_id=requirement.track_id)
