"""The applicant's pages: dashboard, the sectioned form, documents, review and submission,
status and timeline, withdrawal, clarification answers, file downloads and the PDF summary.

Views are interfaces only: they find the application through the visibility selectors (so
another organisation's application is a 404 with nothing in the body), validate a form, call
one service and render or redirect.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import roles
from accounts.selectors import applicant_organization_for_user, applicant_organizations_for_user
from applications import clarifications, selectors, services, stages
from applications.forms import (
    SECTION_FORMS,
    ClarificationAnswerForm,
    ClarificationRequestForm,
    ConsortiumMemberForm,
    DocumentUploadForm,
    QuestionsForm,
    WithdrawForm,
)
from applications.models import Application, ClarificationRequest, ConsortiumMember, Document
from applications.pdf import render_application_summary
from core import uploads as document_rules
from core.domain import DomainError
from core.forms import apply_domain_error
from core.storage import open_stored
from core.views import renders_pdf
from projects.models import Track
from projects.rules import VIEW_CALL
from projects.selectors import document_requirements, public_call_status, public_calls


def _own_application(request, pk) -> Application:
    """The application if the user's organisation owns it; 404 otherwise (nothing leaks)."""
    return get_object_or_404(
        selectors.applications_for_applicant(request.user).prefetch_related(
            "documents", "consortium_members"
        ),
        pk=pk,
    )


@login_required
def dashboard(request):
    """The organisation's applications and the tracks open for a new one."""
    organizations = list(applicant_organizations_for_user(request.user))
    organization = organizations[0] if organizations else None
    applications = selectors.applicant_home(request.user)
    open_tracks = []
    for call in public_calls():
        if call.is_accepting_new_applications:
            for track in call.tracks.all():
                # A member of several organisations applies for the one they choose, among
                # those the track is open to (the first they joined when only one is).
                track.applying_as = [
                    org for org in organizations if selectors.organization_may_apply(org, track)
                ]
                track.eligible = bool(track.applying_as)
                open_tracks.append(track)
    context = {
        "organization": organization,
        "organizations": organizations,
        "applications": applications,
        "open_tracks": open_tracks,
        "status_labels": dict(Application.Status.choices),
        # The contractor's part of the home: their projects and the deliverables still due.
        "contractor_projects": selectors.contractor_projects_for_user(request.user),
        "is_contractor": roles.has_role(request.user, roles.CONTRACTOR),
    }
    return render(request, "applications/dashboard.html", context)


@login_required
@require_POST
def start(request, track_pk):
    track = get_object_or_404(Track.objects.select_related("call"), pk=track_pk)
    chosen = request.POST.get("organization", "")
    if chosen:
        # One of the user's own organisations (the choice on the dashboard); any other is 404.
        if not chosen.isdigit():
            raise Http404
        organization = get_object_or_404(
            applicant_organizations_for_user(request.user), pk=int(chosen)
        )
    else:
        organization = applicant_organization_for_user(request.user)
    if organization is None:
        messages.warning(request, _("Create your organisation first; it is the applicant."))
        return redirect("accounts:organization_create")
    try:
        application = services.start_application(
            track=track, organization=organization, actor=request.user
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        if exc.code == "unverified":
            return redirect("accounts:profile")
        return redirect("applications:dashboard")
    messages.success(
        request, _("Your draft is saved. Fill in the sections in any order; each saves on its own.")
    )
    return redirect("applications:section", pk=application.pk, section="applicant")


def _steps(application: Application, current: str, problems=None):
    """The form's section navigation: each section with whether it is complete, asked of
    ``selectors.section_progress`` (the same rule as the review page and the submission).
    Sections are marked only while the applicant is completing the form (``shows_progress``)."""
    editable = selectors.editable_sections(application)
    marked = selectors.shows_progress(application)
    return [
        {
            "key": section.key,
            "label": section.label,
            "current": section.key == current,
            "marked": marked,
            "complete": marked and section.complete,
            "problem": marked and not section.complete,
            "editable": section.key in editable,
        }
        for section in selectors.section_progress(application, problems=problems)
    ]


def _next_section(application: Application, section: str) -> str | None:
    keys = [key for key, _label in selectors.sections_for_application(application)]
    index = keys.index(section)
    return keys[index + 1] if index + 1 < len(keys) else None


@login_required
def detail(request, pk):
    """Status, timeline, what was submitted, documents, clarification and actions."""
    return _render_detail(request, _own_application(request, pk))


def _render_detail(request, application: Application, *, answer_form=None, status=200):
    """The status page; ``answer_form`` is a bound clarification answer that was refused."""
    rounds = clarifications.history(application)
    open_round = next(
        (r for r in rounds if r.request.status == ClarificationRequest.Status.OPEN), None
    )
    clarification = open_round.request if open_round else None
    if clarification and answer_form is None:
        answer_form = ClarificationAnswerForm()
    decision = selectors.released_decision(application)
    problems = selectors.submission_problems(application) if application.is_draft else []
    context = {
        "application": application,
        "visible_status": selectors.applicant_visible_status(application),
        "visible_status_label": selectors.applicant_visible_status_label(application),
        "timeline": selectors.applicant_timeline(application),
        "decision": decision,
        "award_letter": _award_with_letter(request, application) if decision else None,
        "steps": _steps(application, "", problems if application.is_draft else None),
        "clarification": clarification,
        "changes_so_far": open_round.changes if open_round else [],
        "past_clarifications": [r for r in rounds if r is not open_round],
        # A refused answer is shown even when the round is no longer open (a colleague answered
        # it, or the secretariat closed it): the page keeps what was typed, with the reason.
        "answer_form": answer_form,
        "can_edit": bool(selectors.editable_sections(application)),
        "can_withdraw": request.user.has_perm("applications.withdraw_application", application),
        "problems": problems,
        "missing_documents": selectors.missing_documents(application)
        if selectors.shows_progress(application)
        else [],
        "next_step": selectors.next_step(
            application,
            visible_status=selectors.applicant_visible_status(application),
            complete=not problems,
        ),
    }
    return render(request, "applications/detail.html", context, status=status)


def _award_with_letter(request, application: Application):
    """The application's award when the reader may download its letter, else None.

    Reached through the reverse relation and asked of the rule by its name, so applications
    still does not import reviews."""
    award = getattr(application, "award", None)
    if award is None or not request.user.has_perm("awards.download_award_letter", award):
        return None
    return award


@login_required
def section(request, pk, section):
    """One section of the form: shows it, saves it (a draft saves from the first field).

    A save based on a version of the section that someone else has changed since is refused
    (``services.EditConflict``): the page shows their version read-only above the form, which
    keeps what the user typed and now carries the current version, so saving again is a
    deliberate choice. The autosave says so instead of overwriting."""
    application = _own_application(request, pk)
    keys = dict(selectors.sections_for_application(application))
    if section not in keys:
        raise Http404
    if section == "documents":
        return documents_section(request, application)
    if section == "consortium":
        return consortium_section(request, application)
    if section == "questions":
        return questions_section(request, application)
    editable = section in selectors.editable_sections(application)
    # A change to a closed section is shown refused (``_refuse_closed``); it is validated on a
    # copy, so that the page's header and steps show the application as stored, not as typed.
    refused_copy = request.method == "POST" and not editable
    form = _section_form(
        application,
        section,
        request.POST or None,
        instance=Application.objects.get(pk=application.pk) if refused_copy else None,
    )
    conflict = None
    closed = None
    if request.method == "POST":
        closed = None if editable else _refuse_closed(form, application, section, request.user)
        if closed and request.htmx:
            return _autosave_closed(request, closed)
        if not closed and form.is_valid():
            data = {
                name: form.cleaned_data.get(name)
                for name in form.Meta.fields
                if name in form.fields
            }
            try:
                saved = services.save_application_section(
                    application=application,
                    section=section,
                    data=data,
                    actor=request.user,
                    new_city_name=form.cleaned_data.get("new_city_name", ""),
                    base_version=form.cleaned_data.get("version"),
                    edit_token=form.cleaned_data.get("edit_token") or "",
                )
            except services.EditConflict as exc:
                if request.htmx:
                    return render(
                        request,
                        "applications/partials/_autosave.html",
                        {"conflict": _conflict_time(exc)},
                    )
                form, conflict = _conflict_form(request, application.pk, section, exc)
            except DomainError as exc:
                closed = _closed_refusal(form, exc)
                if closed and request.htmx:
                    return _autosave_closed(request, closed)
            else:
                if request.htmx:
                    return render(
                        request,
                        "applications/partials/_autosave.html",
                        {"saved": True, "version": saved.version},
                    )
                messages.success(request, _("Saved."))
                following = _next_section(application, section)
                if "continue" in request.POST and following:
                    return redirect("applications:section", pk=application.pk, section=following)
                return redirect("applications:section", pk=application.pk, section=section)
    if request.htmx and form.is_bound:
        # Autosave of a half-typed form: say it was not saved; the full submit shows the errors.
        return render(request, "applications/partials/_autosave.html", {"saved": False})
    if not editable and not form.is_bound:
        # Read-only. Not a refused form: a disabled field would show the stored value instead
        # of what the user typed.
        for field in form.fields.values():
            field.disabled = True
    return render(
        request,
        "applications/section.html",
        {
            "application": application,
            "section": section,
            "section_label": keys[section],
            "form": form,
            "editable": editable,
            "closed_notice": selectors.closed_notice(application),
            "conflict": conflict,
            "steps": _steps(application, section),
        },
        status=409 if conflict or closed else 200,
    )


def _section_form(application: Application, section: str, data=None, *, instance=None):
    """The section's form for the application's stage: a concept note's shows only the fields
    a concept note asks (``stages.stage_fields``)."""
    form = SECTION_FORMS[section](data, instance=instance or application, track=application.track)
    return stages.limit_form_to_stage(form, application, section)


def _refuse_closed(form, application: Application, section: str, actor) -> DomainError | None:
    """Refuse a change sent to a section that cannot be changed now, typically because a
    colleague submitted the application (or answered the clarification) after the page was
    opened: the form is shown again with what the user typed or chose (a file is kept by
    ``KeepsUploads``) and, at the top, the service's own reason, which is returned; None when
    the section turns out to be open after all (the change then goes through as usual).

    The reason is asked of the rule the services apply (``services.require_section_editable``), so it
    reads as the service's refusal would. Someone who is not a member of the organisation is
    refused as before (403; another organisation's application is already a 404)."""
    try:
        services.require_section_editable(application, section, actor)
    except DomainError as exc:
        if exc.code == "forbidden":
            raise PermissionDenied from exc
        form.is_valid()  # the typed values are shown as typed, each with its own error
        apply_domain_error(form, exc)
        return exc
    return None


def _closed_refusal(form, exc: DomainError) -> DomainError | None:
    """A service's refusal shown on the form; returned when it says the section is closed
    (``not_editable``: the application was submitted under the user's feet; ``deadline``: the
    call closed meanwhile)."""
    apply_domain_error(form, exc)
    return exc if exc.code in ("not_editable", "deadline") else None


def _autosave_closed(request, exc: DomainError):
    """The autosave's answer when the section cannot be changed now: not saved, and why.
    200, so that htmx shows it (it does not swap an error status in)."""
    return render(request, "applications/partials/_autosave.html", {"closed": exc.message})


def _conflict_time(exc) -> str:
    """When the other change was made, as the reader's clock shows it (HH:MM)."""
    return timezone.localtime(exc.changed_at).strftime("%H:%M") if exc.changed_at else "—"


def _conflict_form(request, pk: int, section: str, exc):
    """The form again after an edit conflict, and the other version to show beside it.

    The form keeps everything the user typed, with the error at the top, and now carries the
    current version: the user has seen the other change, so "Save" again overwrites it on
    purpose. The other version is the stored one, shown read-only."""
    current = Application.objects.select_related("country", "city", "track", "call").get(pk=pk)
    data = request.POST.copy()
    data["version"] = str(current.version)
    # The form's own instance is a copy: validating the typed data must not alter "theirs".
    form = _section_form(current, section, data, instance=Application.objects.get(pk=current.pk))
    form.is_valid()
    form.add_error(
        None,
        _(
            "Someone else changed this section at %(time)s. Their version is shown below; "
            "your text is kept in the form."
        )
        % {"time": _conflict_time(exc)},
    )
    theirs = _section_form(current, section)
    rows = [
        {"label": theirs.fields[name].label, "value": _display_value(current, name)}
        for name in services.SECTION_FIELDS[section]
        if name in theirs.fields
    ]
    return form, {"time": _conflict_time(exc), "rows": rows}


def _display_value(application: Application, name: str) -> str:
    """A stored value as a reader sees it: a choice's label, a name, yes or no, "—" if empty."""
    value = getattr(application, name)
    if value in (None, ""):
        return "—"
    field = Application._meta.get_field(name)
    if field.choices:
        return str(getattr(application, f"get_{name}_display")())
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    return str(getattr(value, "display_name", value))


def _questions_form(application: Application, data=None) -> QuestionsForm:
    return QuestionsForm(
        data,
        questions=selectors.stage_questions(application),
        track_kind=application.track.kind,
        stored=selectors.answer_values(application),
        version=application.version,
        own_cities=[application.city_id] if application.city_id else [],
    )


def questions_section(request, application):
    """The track's own questions (designed by its staff), in the reader's language.

    Saved like every other section: the autosave and "Save" post here, the same optimistic
    lock refuses a save over someone else's newer answers (their answers are shown above the
    form, which keeps what was typed), and the service drops the answers of questions that
    the other answers hide."""
    editable = "questions" in selectors.editable_sections(application)
    form = _questions_form(application, request.POST or None)
    conflict = None
    closed = None
    if request.method == "POST":
        closed = None if editable else _refuse_closed(form, application, "questions", request.user)
        if closed and request.htmx:
            return _autosave_closed(request, closed)
        if not closed and form.is_valid():
            try:
                saved = services.save_answers(
                    application=application,
                    answers=form.answers,
                    actor=request.user,
                    base_version=form.cleaned_data.get("version"),
                    edit_token=form.cleaned_data.get("edit_token") or "",
                )
            except services.EditConflict as exc:
                if request.htmx:
                    return render(
                        request,
                        "applications/partials/_autosave.html",
                        {"conflict": _conflict_time(exc)},
                    )
                current = Application.objects.select_related("track").get(pk=application.pk)
                data = request.POST.copy()
                data["version"] = str(current.version)
                form = _questions_form(current, data)
                form.is_valid()
                form.add_error(
                    None,
                    _(
                        "Someone else changed this section at %(time)s. Their version is shown "
                        "below; your text is kept in the form."
                    )
                    % {"time": _conflict_time(exc)},
                )
                conflict = {
                    "time": _conflict_time(exc),
                    "rows": [
                        {
                            "label": shown.label,
                            "value": shown.text or " | ".join("; ".join(row) for row in shown.rows),
                        }
                        for group in selectors.shown_answers(current)
                        for shown in group.answers
                    ],
                }
            except services.AnswersInvalid as exc:
                for code, message in exc.errors.items():
                    form.add_error(f"q_{code}" if f"q_{code}" in form.fields else None, message)
            except DomainError as exc:
                closed = _closed_refusal(form, exc)
                if closed and request.htmx:
                    return _autosave_closed(request, closed)
            else:
                if request.htmx:
                    return render(
                        request,
                        "applications/partials/_autosave.html",
                        {"saved": True, "version": saved.version},
                    )
                messages.success(request, _("Saved."))
                following = _next_section(application, "questions")
                if "continue" in request.POST and following:
                    return redirect("applications:section", pk=application.pk, section=following)
                return redirect("applications:section", pk=application.pk, section="questions")
    if request.htmx and form.is_bound:
        return render(request, "applications/partials/_autosave.html", {"saved": False})
    if not editable and not form.is_bound:
        for field in form.fields.values():
            field.disabled = True
    return render(
        request,
        "applications/questions.html",
        {
            "application": application,
            "section": "questions",
            "section_label": selectors.SECTION_LABELS["questions"],
            "form": form,
            "groups": form.groups(),
            # A full proposal of a two-stage call: its concept note's answers, read-only.
            "concept_groups": selectors.shown_answers(application, stage=Application.Stage.CONCEPT)
            if application.call.two_stage and not application.is_concept_note
            else [],
            "editable": editable,
            "closed_notice": selectors.closed_notice(application),
            "conflict": conflict,
            "steps": _steps(application, "questions"),
        },
        status=409 if conflict or closed else (400 if form.is_bound and form.errors else 200),
    )


def consortium_section(request, application):
    editable = "consortium" in selectors.editable_sections(application)
    form = ConsortiumMemberForm(request.POST or None)
    closed = None
    if request.method == "POST":
        closed = None if editable else _refuse_closed(form, application, "consortium", request.user)
        if not closed and form.is_valid():
            try:
                services.add_consortium_member(
                    application=application, actor=request.user, **form.cleaned_data
                )
            except DomainError as exc:
                closed = _closed_refusal(form, exc)
            else:
                messages.success(request, _("The member has been added."))
                return redirect("applications:section", pk=application.pk, section="consortium")
    return render(
        request,
        "applications/consortium.html",
        {
            "application": application,
            "section": "consortium",
            "section_label": selectors.SECTION_LABELS["consortium"],
            "members": application.consortium_members.all(),
            "form": form,
            "editable": editable,
            "closed_notice": selectors.closed_notice(application),
            "steps": _steps(application, "consortium"),
        },
        status=409 if closed else 200,
    )


def _remove_part(request, pk, *, model, part_pk, remove, done: str, section: str):
    """Remove a consortium member or a document of the user's own application (404 for
    another's), say what happened, and go back to the section."""
    application = _own_application(request, pk)
    part = get_object_or_404(model, pk=part_pk, application=application)
    try:
        remove(part, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done)
    return redirect("applications:section", pk=application.pk, section=section)


@login_required
@require_POST
def consortium_remove(request, pk, member_pk):
    return _remove_part(
        request,
        pk,
        model=ConsortiumMember,
        part_pk=member_pk,
        remove=lambda member, actor: services.remove_consortium_member(member=member, actor=actor),
        done=_("The member has been removed."),
        section="consortium",
    )


def documents_section(request, application):
    editable = "documents" in selectors.editable_sections(application)
    form = DocumentUploadForm(
        request.POST or None,
        request.FILES or None,
        track=application.track,
        present=application.documents.all(),
        uploader=request.user,
    )
    closed = None
    conflict = False
    if request.method == "POST":
        closed = None if editable else _refuse_closed(form, application, "documents", request.user)
        if not closed and form.is_valid():
            try:
                document = services.upload_document(
                    application=application,
                    kind=form.cleaned_data["kind"],
                    uploaded_file=form.cleaned_data["file"],
                    actor=request.user,
                    replaces=form.cleaned_data["replaces"],
                )
            except services.EditConflict as exc:
                # A colleague's document of this kind arrived after the page was opened: the
                # page shows theirs (read again), keeps the chosen file, and the form now
                # carries the documents as they are, so uploading again replaces it on purpose.
                conflict = True
                application = _own_application(request, application.pk)
                form.now_seeing(application.documents.all())
                form.add_error(
                    "kind",
                    _(
                        "Someone else uploaded this document at %(time)s, after you opened the "
                        "page; theirs is listed above. Upload again to replace it with yours: "
                        "your file is kept."
                    )
                    % {"time": _conflict_time(exc)},
                )
            except DomainError as exc:
                closed = _closed_refusal(form, exc)
            else:
                messages.success(
                    request,
                    _("“%(name)s” has been uploaded as %(kind)s.")
                    % {"name": document.original_name, "kind": document.kind_label},
                )
                return redirect("applications:section", pk=application.pk, section="documents")
    present = {d.kind: d for d in application.documents.all() if d.kind != Document.Kind.OTHER}
    # The track's documents as its staff configured them (name, formats, size, template).
    asked = [
        r
        for r in document_requirements(application.track)
        if stages.requirement_in_stage(r, application)
    ]
    required = [
        {
            "kind": r.kind,
            "label": r.display_name,
            "document": present.get(r.kind),
            "requirement": r,
        }
        for r in asked
    ]
    asked_kinds = {r.kind for r in asked}
    others = [d for d in application.documents.all() if d.kind not in asked_kinds]
    return render(
        request,
        "applications/documents.html",
        {
            "application": application,
            "section": "documents",
            "section_label": selectors.SECTION_LABELS["documents"],
            "required": required,
            "others": others,
            "form": form,
            "editable": editable,
            "closed_notice": selectors.closed_notice(application),
            "allowed_types": document_rules.allowed_types_label(),
            "max_size": document_rules.max_upload_size(),
            "steps": _steps(application, "documents"),
        },
        status=409 if closed or conflict else (400 if form.is_bound and form.errors else 200),
    )


@login_required
@require_POST
def document_remove(request, pk, document_pk):
    return _remove_part(
        request,
        pk,
        model=Document,
        part_pk=document_pk,
        remove=lambda document, actor: services.remove_document(document=document, actor=actor),
        done=_("The document has been removed."),
        section="documents",
    )


@login_required
def document_download(request, public_id):
    """Serve a document as an attachment to whoever may see its application; 404 to others."""
    document = get_object_or_404(
        Document.objects.select_related("application__track", "application__organization"),
        public_id=public_id,
    )
    if not request.user.has_perm("applications.view_application_content", document.application):
        raise Http404
    response = FileResponse(
        open_stored(document.file),
        as_attachment=True,
        filename=selectors.document_file_name(document, request.user),
        content_type=document.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
def review(request, pk):
    """Everything missing or invalid, each linked to its section; submit from here."""
    application = _own_application(request, pk)
    problems = selectors.submission_problems(application) if application.is_draft else []
    return render(
        request,
        "applications/review.html",
        {
            "application": application,
            "problems": problems,
            "deadline_passed": not application.stage_is_open,
            "steps": _steps(application, "", problems if application.is_draft else None),
            "section_labels": selectors.SECTION_LABELS,
        },
    )


@login_required
@require_POST
def submit(request, pk):
    # The same ownership gate as ``_own_application``, without the joins and prefetches the
    # pages need: the service locks and reads the row itself.
    application = get_object_or_404(
        selectors.applications_for_applicant(request.user).select_related(None).only("pk"), pk=pk
    )
    try:
        application = services.submit_application(application=application, actor=request.user)
    except services.AlreadySubmitted as exc:
        messages.info(request, exc.message)
        return redirect("applications:detail", pk=application.pk)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("applications:review", pk=application.pk)
    if application.status == Application.Status.CONCEPT_SUBMITTED:
        done = _(
            "Your concept note has been submitted. Reference: %(ref)s. A confirmation has been "
            "sent."
        )
    else:
        done = _(
            "Your application has been submitted. Reference: %(ref)s. A confirmation has been sent."
        )
    messages.success(request, done % {"ref": application.reference})
    return redirect("applications:detail", pk=application.pk)


@login_required
def withdraw(request, pk):
    application = _own_application(request, pk)
    form = WithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.withdraw_application(
                application=application, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, _("The application has been withdrawn."))
            return redirect("applications:detail", pk=application.pk)
    return render(request, "applications/withdraw.html", {"application": application, "form": form})


@login_required
@require_POST
def answer_clarification(request, pk):
    application = _own_application(request, pk)
    form = ClarificationAnswerForm(request.POST)
    if form.is_valid():
        try:
            services.answer_clarification(
                application=application, actor=request.user, response=form.cleaned_data["response"]
            )
        except DomainError as exc:
            apply_domain_error(form, exc)
            if exc.code == "no_request":  # answered by a colleague, or closed, meanwhile
                return _render_detail(request, application, answer_form=form, status=409)
        else:
            messages.success(
                request, _("Your answer has been sent; the application is submitted again.")
            )
            return redirect("applications:detail", pk=application.pk)
    # The page again with the error next to the answer, which keeps what was typed.
    return _render_detail(request, application, answer_form=form, status=400)


@login_required
@renders_pdf
def summary_pdf(request, pk):
    """A printable summary in the user's language (applicant-safe information only)."""
    application = _own_application(request, pk)
    pdf = render_application_summary(application, language=get_language() or "en")
    response = HttpResponse(pdf, content_type="application/pdf")
    name = application.reference or f"draft-{application.pk}"
    response["Content-Disposition"] = content_disposition_header(True, f"application-{name}.pdf")
    return response


@login_required
def request_clarification(request, pk):
    """Staff of the track return a submitted application to the applicant for named changes."""
    application = get_object_or_404(selectors.applications_for_user(request.user), pk=pk)
    if not request.user.has_perm("applications.screen_application", application):
        raise Http404
    form = ClarificationRequestForm(
        request.POST or None, sections=selectors.sections_for_track(application.track)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.request_clarification(
                application=application,
                actor=request.user,
                message=form.cleaned_data["message"],
                sections=form.cleaned_data["sections"],
                due_at=form.cleaned_data["due_at"],
            )
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(
                request, _("The clarification request has been sent to the applicant.")
            )
            return redirect("staff_applications:screen", pk=application.pk)
    return render(
        request,
        "applications/clarification_request.html",
        {"application": application, "form": form},
    )


# --- The form in outline, for anyone preparing a proposal ------------------------------------


def _field_items(bound_fields, needed: set[str]) -> list[dict]:
    """Form fields as the outline lists them: label, help, whether the submission needs each,
    and the options of a short fixed list (not of the countries and cities)."""
    items = []
    for bound in bound_fields:
        field = bound.field
        fixed = getattr(field, "choices", None) if not hasattr(field, "queryset") else None
        items.append(
            {
                "label": bound.label,
                "help": bound.help_text,
                "needed": bound.name in needed,
                "options": [
                    str(label) for value, label in (fixed or []) if value not in ("", None)
                ],
                "several": isinstance(field, forms.MultipleChoiceField),
            }
        )
    return items


def _outline(track: Track) -> list[dict]:
    """The sections of the track's form (``selectors.sections_for_track``) with what each asks,
    built from the applicant's own forms, and marked needed by the submission's rules
    (``selectors.REQUIRED_FIELDS``, ``REQUIRED_CONSORTIUM_ROLES``, the questions' and
    documents' ``required``)."""
    two_stage = track.call.two_stage
    blank = Application(track=track, call=track.call)
    sections = []
    for key, label in selectors.sections_for_track(track):
        needed = {field for section, field, _message in selectors.REQUIRED_FIELDS if section == key}
        section = {"key": key, "label": label, "items": [], "notes": []}
        if key in SECTION_FORMS:
            form = SECTION_FORMS[key](instance=blank, track=track)
            section["items"] = _field_items(form.visible_fields(), needed)
        elif key == "consortium":
            section["items"] = _field_items(ConsortiumMemberForm().visible_fields(), set())
            roles = dict(ConsortiumMember.Role.choices)
            section["notes"] = [
                _("Needed: %(role)s.") % {"role": roles[role]}
                for role, _message in selectors.REQUIRED_CONSORTIUM_ROLES
            ]
        elif key == "questions":
            form = QuestionsForm(
                questions=selectors.questions_for_track(track), track_kind=track.kind
            )
            for group in form.groups():
                for item in group["items"]:
                    question = item["question"]
                    bound = item["field"]
                    (entry,) = _field_items([bound], {bound.name} if item["required"] else set())
                    entry["group"] = group["label"]
                    entry["conditional"] = bool(question.condition)
                    entry["stage"] = question.get_stage_display() if two_stage else ""
                    section["items"].append(entry)
        elif key == "documents":
            section["items"] = [
                {
                    "label": requirement.display_name,
                    "help": _("%(formats)s; at most %(size)s.")
                    % {
                        "formats": requirement.formats_label,
                        "size": filesizeformat(requirement.max_size),
                    },
                    "needed": requirement.is_required,
                    "stage": requirement.get_stage_display() if two_stage else "",
                    "template": requirement if requirement.template else None,
                    "options": [],
                }
                for requirement in document_requirements(track)
            ]
        sections.append(section)
    return sections


def form_outline(request, track_pk: int):
    """What a track's online form asks, section by section, for anyone preparing a proposal
    before applying (no log-in): the same forms the applicant fills in, marked where the
    submission needs an answer. To whoever may see the call (``projects.view_call``: everyone
    for a published call, its staff for a draft); 404 to others."""
    track = get_object_or_404(Track.objects.select_related("call"), pk=track_pk)
    if not request.user.has_perm(VIEW_CALL, track.call):
        raise Http404
    track.call.public_status = public_call_status(track.call)  # the call page's apply button
    return render(
        request,
        "applications/form_outline.html",
        {"track": track, "call": track.call, "sections": _outline(track)},
    )
