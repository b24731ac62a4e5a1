"""Eligibility screening by the track's secretariat staff (and programme admins).

A screening decision goes through ``applications.services.screen_application`` →
``transition_application``, which audits it and notifies the applicant (with the reason when
ineligible). Staff of another track get 403; drafts are never listed.
"""

import uuid

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from applications import clarifications, selectors, services, shortlisting, stages
from applications import questions as q
from applications.forms import QuestionDesignForm, QuestionsForm
from applications.models import ApplicantNotice, Application, ApplicationTag, Question, Tag
from applications.services import APPLICATION_TRANSITIONS
from core.concurrency import StaleEdit, row_fingerprint
from core.domain import NOTE_MAX_LENGTH, REASON_MAX_LENGTH, DomainError
from core.forms import (
    IdsMultipleChoiceField,
    TypedTextField,
    apply_domain_error,
    guard_against_stale,
    ids_from,
    refusal_status,
    run_service_on_form,
    seen_version,
)
from core.transitions import allowed_moves
from core.views import require_perm
from projects.models import Country, Track
from projects.rules import MANAGE_TRACK
from projects.selectors import submitted_application_count


class ScreeningForm(forms.Form):
    decision = forms.ChoiceField(
        label=gettext_lazy("Decision"),
        choices=[
            ("eligible", gettext_lazy("Eligible")),
            ("ineligible", gettext_lazy("Ineligible")),
        ],
        widget=forms.RadioSelect,
    )
    reason = TypedTextField(
        label=gettext_lazy("Reason (shown to the applicant)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=REASON_MAX_LENGTH,
        help_text=gettext_lazy("Required when the application is ineligible."),
    )

    def clean(self):
        data = super().clean()
        if data.get("decision") == "ineligible" and not (data.get("reason") or "").strip():
            self.add_error(
                "reason",
                gettext_lazy(
                    "Give the reason the application is ineligible; the applicant will see it."
                ),
            )
        return data


class ApplicationChoiceField(IdsMultipleChoiceField):
    """Each checkbox names the application by reference and title, not the reference alone,
    so staff need not look the title up in the table above."""

    def label_from_instance(self, obj):
        return f"{obj.reference} — {obj.title}" if obj.title else str(obj)


class BulkScreeningForm(ScreeningForm):
    applications = ApplicationChoiceField(
        label=gettext_lazy("Applications"),
        queryset=Application.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": gettext_lazy("Select at least one application.")},
    )

    def __init__(self, *args, queryset, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["applications"].queryset = queryset


def _track(request, track_id: int) -> Track:
    track = get_object_or_404(Track.objects.select_related("call"), pk=track_id)
    if not request.user.has_perm("projects.manage_track", track):
        raise PermissionDenied
    return track


@login_required
def screening(request, track_id: int):
    """Submitted applications of the track, with a bulk decision form."""
    track = _track(request, track_id)
    status_filter = request.GET.get("status", "submitted")
    if status_filter not in dict(Application.Status.choices) and status_filter != "all":
        status_filter = "submitted"
    pending = selectors.screening_list(track, status=Application.Status.SUBMITTED)
    if request.method == "POST":
        # The list offered submitted applications; one screened since it was shown is still a
        # valid tick, refused and reported by the service rather than failing the whole form.
        ticked = ids_from(request.POST.getlist("applications"))
        pending = selectors.screening_list(track).filter(
            Q(status=Application.Status.SUBMITTED) | Q(pk__in=ticked)
        )
    form = BulkScreeningForm(request.POST if request.method == "POST" else None, queryset=pending)
    code = 200
    if request.method == "POST":
        if form.is_valid():
            done, refused = services.screen_applications(
                applications=form.cleaned_data["applications"],
                eligible=form.cleaned_data["decision"] == "eligible",
                reason=form.cleaned_data["reason"],
                actor=request.user,
                expected_status=Application.Status.SUBMITTED,
            )
            if done:
                messages.success(
                    request, _("%(count)s application(s) screened.") % {"count": len(done)}
                )
            for application, message in refused:
                messages.error(request, f"{application.reference}: {message}")
            return redirect("staff_applications:screening", track_id=track.pk)
        code = 400
    listed = selectors.screening_list(
        track, status=None if status_filter == "all" else status_filter
    )
    return render(
        request,
        "applications/staff/screening.html",
        {
            "track": track,
            "applications": listed,
            "form": form,
            "status_filter": status_filter,
            "statuses": selectors.SCREENING_STATUSES,
        },
        status=code,
    )


@login_required
def screen(request, pk: int):
    """One application: its essentials and the eligibility decision."""
    application = get_object_or_404(
        Application.objects.select_related("track__call", "organization", "country", "city"),
        pk=pk,
    )
    if application.is_draft or not request.user.has_perm(
        "applications.screen_application", application
    ):
        raise PermissionDenied
    form = ScreeningForm(request.POST if request.method == "POST" else None)
    # The status the page shows: a colleague's screening since is not reversed (409).
    guard_against_stale(form, application.status)
    code = 200
    if request.method == "POST":
        code = 400
        if form.is_valid():
            try:
                services.screen_application(
                    application=application,
                    eligible=form.cleaned_data["decision"] == "eligible",
                    reason=form.cleaned_data["reason"],
                    actor=request.user,
                    expected_status=seen_version(form),
                )
            except DomainError as exc:
                # A stale page: the form now carries the status recorded meanwhile, shown above.
                apply_domain_error(form, exc)
                code = refusal_status(form)
                if code == 409:
                    application.refresh_from_db()
            else:
                messages.success(request, _("Screening decision recorded."))
                return redirect("staff_applications:screening", track_id=application.track_id)
    return render(
        request,
        "applications/staff/screen.html",
        {
            "application": application,
            "track": application.track,
            "documents": application.documents.all(),
            "consortium": application.consortium_members.all(),
            "clarification_rounds": clarifications.history(application),
            "form": form,
            # What the lifecycle table lets this application do next, for the page's forms.
            "can_screen": bool(
                allowed_moves(APPLICATION_TRANSITIONS, application.status)
                & {Application.Status.ELIGIBLE, Application.Status.INELIGIBLE}
            ),
            "can_request_clarification": Application.Status.CLARIFICATION
            in allowed_moves(APPLICATION_TRANSITIONS, application.status),
        },
        status=code,
    )


# The track's application list ---------------------------------------------------------------


class StaffListFilterForm(forms.Form):
    """The filters of the track's application list (a GET form: a bad value is ignored and
    said next to its field, the list is still shown)."""

    q = forms.CharField(label=gettext_lazy("Reference or title"), required=False, max_length=100)
    status = forms.ChoiceField(label=gettext_lazy("Status"), required=False)
    country = forms.ChoiceField(label=gettext_lazy("Country"), required=False)
    flag = forms.ChoiceField(label=gettext_lazy("Flag"), required=False)
    reviewer = forms.TypedChoiceField(
        label=gettext_lazy("Reviewer"), required=False, coerce=int, empty_value=None
    )
    tag = forms.TypedChoiceField(
        label=gettext_lazy("Tag"), required=False, coerce=int, empty_value=None
    )
    sort = forms.ChoiceField(
        label=gettext_lazy("Sort by"),
        required=False,
        choices=[
            ("reference", gettext_lazy("Reference")),
            ("-submitted", gettext_lazy("Latest submitted")),
            ("title", gettext_lazy("Title")),
            ("country", gettext_lazy("Country")),
            ("status", gettext_lazy("Status")),
            ("-budget", gettext_lazy("Largest amount requested")),
        ],
    )
    per_page = forms.TypedChoiceField(
        label=gettext_lazy("Per page"),
        required=False,
        coerce=int,
        empty_value=selectors.STAFF_LIST_PAGE_SIZES[0],
        choices=[(n, n) for n in selectors.STAFF_LIST_PAGE_SIZES],
    )

    def __init__(self, *args, track: Track, **kwargs):
        super().__init__(*args, **kwargs)
        any_value = [("", _("Any"))]
        self.fields["status"].choices = any_value + [
            (s.value, s.label) for s in Application.Status if s not in selectors.HIDDEN_FROM_STAFF
        ]
        countries = Country.objects.filter(applications__track=track).distinct().order_by("name")
        self.fields["country"].choices = any_value + [(c.code, c.display_name) for c in countries]
        self.fields["flag"].choices = any_value + list(selectors.STAFF_LIST_FLAGS.items())
        reviewers = (
            get_user_model()
            .objects.filter(committee_seats__track=track)
            .only("pk", "name", "name_ko", "email")
            .order_by("name", "email")
        )
        self.fields["reviewer"].choices = any_value + [(r.pk, r.display_name) for r in reviewers]
        self.reviewers = reviewers
        self.tags = list(tags_for_track(track))
        self.fields["tag"].choices = any_value + [(t.pk, t.display_name) for t in self.tags]


def tags_for_track(track: Track):
    """The tags that may label the track's applications: its own and its call's."""
    return Tag.objects.filter(Q(track=track) | Q(call_id=track.call_id)).order_by("name", "pk")


class BulkActionForm(forms.Form):
    """One action on the applications ticked in the list. Assigning reviewers posts the same
    form to ``staff_reviews:bulk_assign`` (the review app's service; this app sits below it)."""

    ACTIONS = [
        ("add_tag", gettext_lazy("Add the tag")),
        ("remove_tag", gettext_lazy("Remove the tag")),
        ("eligible", gettext_lazy("Screen as eligible")),
        ("ineligible", gettext_lazy("Screen as ineligible")),
    ]
    action = forms.ChoiceField(label=gettext_lazy("Action"), choices=ACTIONS)
    tag = forms.TypedChoiceField(label=gettext_lazy("Tag"), required=False, coerce=int)
    reason = TypedTextField(
        label=gettext_lazy("Reason (shown to the applicant)"),
        widget=forms.TextInput,
        required=False,
        max_length=REASON_MAX_LENGTH,
        help_text=gettext_lazy("Required when screening as ineligible."),
    )

    def __init__(self, *args, tags, **kwargs):
        super().__init__(*args, **kwargs)
        self.tag_rows = {t.pk: t for t in tags}
        self.fields["tag"].choices = [("", "—")] + [(t.pk, t.display_name) for t in tags]

    def clean(self):
        data = super().clean()
        action = data.get("action")
        if action in ("add_tag", "remove_tag") and not data.get("tag"):
            self.add_error("tag", gettext_lazy("Choose the tag to add or remove."))
        if action == "ineligible" and not (data.get("reason") or "").strip():
            self.add_error(
                "reason",
                gettext_lazy(
                    "Give the reason the applications are ineligible; the applicants will see it."
                ),
            )
        return data


def _run_bulk_action(request, track: Track, form: BulkActionForm, wanted: list[int]):
    """Apply the form's action to each ticked application of the track, one service call each
    (its rule, its audit row); report what went through and each refusal with its reason."""
    found = {a.pk: a for a in track.applications.select_related("track").filter(pk__in=wanted)}
    data = form.cleaned_data
    tag = form.tag_rows.get(data.get("tag"))
    action = data["action"]
    if action == "add_tag":

        def run(application):
            return services.tag_application(application=application, tag=tag, actor=request.user)
    elif action == "remove_tag":

        def run(application):
            return services.untag_application(application=application, tag=tag, actor=request.user)
    else:

        def run(application):
            return services.screen_application(
                application=application,
                eligible=action == "eligible",
                reason=data.get("reason") or "",
                actor=request.user,
                # The status its row showed (``shown_status_<id>``): one screened since is
                # refused and reported, not reversed.
                expected_status=request.POST.get(f"shown_status_{application.pk}"),
            )

    done, refused = services.for_each_application([found[pk] for pk in wanted if pk in found], run)
    if done:
        messages.success(
            request,
            _("Done for %(count)s application(s): %(refs)s.")
            % {"count": len(done), "refs": ", ".join(a.reference or str(a.pk) for a in done)},
        )
    for pk in wanted:
        if pk not in found:
            messages.error(
                request, _("Application %(id)s: not an application of this track.") % {"id": pk}
            )
    for application, message in refused:
        messages.error(
            request,
            _("Not done for %(ref)s: %(reason)s")
            % {"ref": application.reference or application.pk, "reason": message},
        )


@login_required
def track_applications(request, track_id: int):
    """Every application of the track (drafts aside) for its staff: filtered (by tag too),
    searched, sorted and paginated in SQL, with the count of each status; each links to its
    staff page. A POST applies one action to the ticked applications (tag, untag, screen),
    item by item, and comes back to the same filtered page."""
    track = get_object_or_404(Track.objects.select_related("call", "secretariat"), pk=track_id)
    require_perm(request, MANAGE_TRACK, track)
    form = StaffListFilterForm(request.GET or None, track=track)
    # A bad value is said next to its field and left out; the valid filters still apply
    # (``cleaned_data`` keeps only the fields that cleaned).
    form.is_valid()
    filters = getattr(form, "cleaned_data", {})
    # Its own ids ("bulk_tag"): the filter form above has a "tag" field too.
    bulk = BulkActionForm(
        request.POST if request.method == "POST" else None, tags=form.tags, auto_id="bulk_%s"
    )
    wanted = ids_from(request.POST.getlist("applications"))
    code = 200
    if request.method == "POST":
        if not wanted:
            bulk.is_valid()
            bulk.add_error(None, _("Tick at least one application."))
            code = 400
        elif bulk.is_valid():
            _run_bulk_action(request, track, bulk, wanted)
            return redirect(request.get_full_path())
        else:
            code = 400
    listed = selectors.staff_applications_for_track(
        track,
        status=filters.get("status") or "",
        country=filters.get("country") or "",
        flag=filters.get("flag") or "",
        reviewer_id=filters.get("reviewer"),
        q=(filters.get("q") or "").strip(),
        sort=filters.get("sort") or "reference",
    )
    if filters.get("tag"):
        listed = listed.filter(tag_links__tag_id=filters["tag"])
    listed = listed.prefetch_related(
        Prefetch("tag_links", queryset=ApplicationTag.objects.select_related("tag"))
    )
    per_page = filters.get("per_page") or selectors.STAFF_LIST_PAGE_SIZES[0]
    page = Paginator(listed, per_page).get_page(request.GET.get("page"))
    for application in page.object_list:
        application.flag_labels = [
            label
            for code, label in selectors.STAFF_LIST_FLAGS.items()
            if getattr(application, f"flag_{code}")
        ]
    counts = selectors.status_counts_for_track(track)
    query = request.GET.copy()
    query.pop("page", None)
    status_query = request.GET.copy()
    for key in ("page", "status"):
        status_query.pop(key, None)
    return render(
        request,
        "applications/staff/track_applications.html",
        {
            "track": track,
            "form": form,
            "page": page,
            "applications": page.object_list,
            "status_counts": [
                (s.value, s.label, counts[s.value]) for s in Application.Status if s in counts
            ],
            "total": sum(counts.values()),
            "current_status": filters.get("status") or "",
            "query": query.urlencode(),
            "status_query": status_query.urlencode(),
            "bulk": bulk,
            "ticked": {str(pk) for pk in wanted},
            "reviewers": form.reviewers,
            "tags": form.tags,
        },
        status=code,
    )


# The shortlist of a two-stage call's track -----------------------------------------------------


class ShortlistForm(forms.Form):
    """Invite concept notes to the full proposal or decline them: the ticked ones of the list,
    or one from its row."""

    applications = ApplicationChoiceField(
        label=gettext_lazy("Concept notes"),
        queryset=Application.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": gettext_lazy("Select at least one concept note.")},
    )
    decision = forms.ChoiceField(
        label=gettext_lazy("Decision"),
        choices=[
            ("invite", gettext_lazy("Invite to submit a full proposal")),
            ("decline", gettext_lazy("Not shortlisted")),
        ],
        widget=forms.RadioSelect,
    )
    reason = TypedTextField(
        label=gettext_lazy("Reason (shown to the applicant)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=REASON_MAX_LENGTH,
        help_text=gettext_lazy("Optional; sent with the “not shortlisted” message."),
    )

    def __init__(self, *args, queryset, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["applications"].queryset = queryset


@login_required
def shortlist(request, track_id: int):
    """The concept notes of a two-stage call's track, for its staff: the figures of both stages,
    every concept note with its status, and the decision (invite to the full proposal, or not
    shortlisted) on one from its row or on the ticked ones, each through
    ``shortlisting.shortlist_concept_notes`` (its rule, audit row and message to the applicant).
    Staff of the track only (403); 404 on a one-stage call."""
    track = get_object_or_404(Track.objects.select_related("call", "secretariat"), pk=track_id)
    require_perm(request, MANAGE_TRACK, track)
    if not track.call.two_stage:
        raise Http404
    notes = selectors.concept_notes_for_track(track)
    pending = notes.filter(status=Application.Status.CONCEPT_SUBMITTED)
    form = ShortlistForm(request.POST if request.method == "POST" else None, queryset=pending)
    code = 200
    if request.method == "POST":
        if form.is_valid():
            done, refused = shortlisting.shortlist_concept_notes(
                applications=form.cleaned_data["applications"],
                invite=form.cleaned_data["decision"] == "invite",
                reason=form.cleaned_data["reason"],
                actor=request.user,
            )
            if done:
                recorded = ngettext(
                    "Decision recorded for %(count)s concept note: %(refs)s.",
                    "Decision recorded for %(count)s concept notes: %(refs)s.",
                    len(done),
                )
                messages.success(
                    request,
                    recorded % {"count": len(done), "refs": ", ".join(a.reference for a in done)},
                )
            for application, message in refused:
                messages.error(
                    request,
                    _("Not done for %(ref)s: %(reason)s")
                    % {"ref": application.reference, "reason": message},
                )
            return redirect("staff_applications:shortlist", track_id=track.pk)
        code = 400
    counts = stages.stage_counts_by_track(track.applications.all()).get(
        track.pk, stages.StageCounts()
    )
    return render(
        request,
        "applications/staff/shortlist.html",
        {
            "track": track,
            "notes": notes,
            "form": form,
            "counts": counts,
            "concept_closes_at": track.call.concept_closes_at,
        },
        status=code,
    )


# The track's tags ----------------------------------------------------------------------------


class TagForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=60)
    name_ko = forms.CharField(label=gettext_lazy("Name in Korean"), max_length=60, required=False)
    colour = forms.ChoiceField(label=gettext_lazy("Colour"), choices=Tag.Colour.choices)
    whole_call = forms.BooleanField(
        label=gettext_lazy("For every track of the call (programme administrators)"),
        required=False,
    )


@login_required
def tags(request, track_id: int):
    """The tags staff may put on the track's applications (the track's own and its call's),
    with a form to add one through ``services.create_tag`` (audited). Staff of the track
    only (403)."""
    track = get_object_or_404(Track.objects.select_related("call"), pk=track_id)
    require_perm(request, MANAGE_TRACK, track)
    form = TagForm(request.POST if request.method == "POST" else None)
    code = 200
    if request.method == "POST":
        if run_service_on_form(
            form,
            lambda data: services.create_tag(
                actor=request.user,
                name=data["name"],
                name_ko=data["name_ko"],
                colour=data["colour"],
                track=None if data["whole_call"] else track,
                call=track.call if data["whole_call"] else None,
            ),
        ):
            messages.success(request, _("Tag added."))
            return redirect("staff_applications:tags", track_id=track.pk)
        code = 400
    listed = tags_for_track(track).annotate(
        used=Count("links", filter=Q(links__application__track=track))
    )
    return render(
        request,
        "applications/staff/tags.html",
        {"track": track, "form": form, "tags": listed},
        status=code,
    )


class TagEditForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=60)
    name_ko = forms.CharField(label=gettext_lazy("Name in Korean"), max_length=60, required=False)
    colour = forms.ChoiceField(label=gettext_lazy("Colour"), choices=Tag.Colour.choices)


def _track_tag(request, track_id: int, pk: int) -> tuple[Track, Tag]:
    """A tag shown on the track's tags page (its own or its call's), for the track's staff;
    the service asks again who may change it (a call's tags: programme admins)."""
    track = get_object_or_404(Track.objects.select_related("call"), pk=track_id)
    require_perm(request, MANAGE_TRACK, track)
    return track, get_object_or_404(tags_for_track(track), pk=pk)


@login_required
def tag_edit(request, track_id: int, pk: int):
    """Rename or recolour a tag (``services.update_tag``, audited); what was typed is kept with
    the refusal next to its field."""
    track, tag = _track_tag(request, track_id, pk)
    initial = {"name": tag.name, "name_ko": tag.name_ko, "colour": tag.colour}
    form = TagEditForm(request.POST if request.method == "POST" else None, initial=initial)
    code = 200
    if request.method == "POST":
        if run_service_on_form(
            form, lambda data: services.update_tag(tag=tag, actor=request.user, **data)
        ):
            messages.success(request, _("The tag has been saved."))
            return redirect("staff_applications:tags", track_id=track.pk)
        code = 400
    used = tag.links.count()
    return render(
        request,
        "applications/staff/tag_edit.html",
        {"track": track, "tag": tag, "form": form, "used": used},
        status=code,
    )


@login_required
@require_POST
def tag_delete(request, track_id: int, pk: int):
    """Delete a tag; it comes off every application that has it (``services.delete_tag``,
    each audited)."""
    track, tag = _track_tag(request, track_id, pk)
    try:
        count = services.delete_tag(tag=tag, actor=request.user)
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return redirect("staff_applications:tag_edit", track_id=track.pk, pk=tag.pk)
    done = ngettext(
        "The tag “%(tag)s” is deleted; it came off %(count)s application.",
        "The tag “%(tag)s” is deleted; it came off %(count)s applications.",
        count,
    )
    messages.success(request, done % {"tag": tag.name, "count": count})
    return redirect("staff_applications:tags", track_id=track.pk)


# The track's questions, designed by its staff ----------------------------------------------


def _design_track(request, track_id: int) -> Track:
    """The track whose form is being designed; 403 for anyone who does not run it."""
    track = get_object_or_404(Track.objects.select_related("call", "secretariat"), pk=track_id)
    require_perm(request, MANAGE_TRACK, track)
    return track


def _form_question(track: Track, pk: int) -> Question:
    """A question of the track's form: its own, or one of its call's call-wide ones (404 for a
    question of another form)."""
    return get_object_or_404(
        Question.objects.select_related("call", "track").filter(
            Q(track=track) | Q(track__isnull=True, call_id=track.call_id)
        ),
        pk=pk,
    )


def _other_codes(track: Track, question: Question | None = None) -> list[str]:
    codes = [x.code for x in selectors.questions_for_track(track)]
    return [code for code in codes if question is None or code != question.code]


def _design_service(form: QuestionDesignForm, call_service) -> bool:
    """Run a design service with the form's fields; a refusal is shown next to its field."""
    if not form.is_valid():
        return False
    try:
        call_service(form.to_fields())
    except StaleEdit as exc:
        apply_domain_error(form, exc)
        return False
    except DomainError as exc:
        field = form.field_for(exc.field, form.cleaned_data.get("type", ""))
        form.add_error(field, exc.message)
        return False
    return True


def _preview(track: Track) -> list[dict]:
    """The form as the applicant sees it, in English and in Korean, for side-by-side reading."""
    panes = []
    for language, name in (("en", "English"), ("ko", "한국어")):
        with translation.override(language):
            form = QuestionsForm(
                questions=selectors.questions_for_track(track),
                track_kind=track.kind,
                prefix=f"preview-{language}",
            )
            html = render_to_string(
                "applications/partials/_questions_fields.html", {"groups": form.groups()}
            )
        panes.append({"language": language, "name": name, "html": html})
    return panes


@login_required
def questions(request, track_id: int):
    """The track's questions: the list (with how many applications answered each), the form to
    add one, and links to edit, move, retire or version each."""
    track = _design_track(request, track_id)
    form = QuestionDesignForm(
        request.POST or None, other_codes=_other_codes(track), two_stage=track.call.two_stage
    )
    if request.method == "POST" and _design_service(
        form,
        lambda fields: services.create_question(
            actor=request.user,
            **({"call": track.call} if form.cleaned_data.get("call_wide") else {"track": track}),
            **fields,
        ),
    ):
        messages.success(request, _("The question has been added."))
        return redirect("staff_applications:questions", track_id=track.pk)
    listed = list(selectors.track_questions_for_staff(track))
    return render(
        request,
        "applications/staff/questions.html",
        {
            "track": track,
            "live": [x for x in listed if not x.is_retired],
            "retired": [x for x in listed if x.is_retired],
            "form": form,
            "type_help": q.TYPE_HELP,
            "submitted": submitted_application_count(track),
        },
        status=400 if form.is_bound else 200,
    )


@login_required
def question_edit(request, track_id: int, pk: int):
    """One question, English and Korean side by side. Refusals (a changed type of a question
    that applications have answered) are shown next to the field, with the way out: a new
    version."""
    track = _design_track(request, track_id)
    question = _form_question(track, pk)
    answered = services.question_is_answered(question)
    form = QuestionDesignForm(
        request.POST or None,
        initial=QuestionDesignForm.initial_from(question),
        other_codes=_other_codes(track, question),
        adding=False,
        two_stage=track.call.two_stage,
    )
    guard_against_stale(form, row_fingerprint(question, services.QUESTION_FIELDS))
    if request.method == "POST":
        if question.is_retired:
            raise PermissionDenied
        if _design_service(
            form,
            lambda fields: services.update_question(
                question=question, actor=request.user, seen_version=seen_version(form), **fields
            ),
        ):
            messages.success(request, _("The question has been saved."))
            return redirect("staff_applications:questions", track_id=track.pk)
    return render(
        request,
        "applications/staff/question_edit.html",
        {
            "track": track,
            "question": question,
            "form": form,
            "answered": answered,
            "submitted": submitted_application_count(track),
        },
        status=refusal_status(form) if form.is_bound else 200,
    )


def _question_action(request, track_id: int, pk: int, act, done: str):
    track = _design_track(request, track_id)
    question = _form_question(track, pk)
    try:
        act(question)
    except DomainError as exc:
        if exc.code == "forbidden":
            raise PermissionDenied from exc
        messages.error(request, exc.message)
    else:
        messages.success(request, done)
    return redirect("staff_applications:questions", track_id=track.pk)


@login_required
@require_POST
def question_retire(request, track_id: int, pk: int):
    return _question_action(
        request,
        track_id,
        pk,
        lambda question: services.retire_question(question=question, actor=request.user),
        _("The question has been retired; the answers already given stay on their applications."),
    )


@login_required
@require_POST
def question_new_version(request, track_id: int, pk: int):
    return _question_action(
        request,
        track_id,
        pk,
        lambda question: services.new_question_version(question=question, actor=request.user),
        _("A new version of the question replaces the old one; edit it below."),
    )


@login_required
@require_POST
def question_move(request, track_id: int, pk: int):
    return _question_action(
        request,
        track_id,
        pk,
        lambda question: services.move_question(
            question=question, actor=request.user, up=request.POST.get("direction") == "up"
        ),
        _("The order has been changed."),
    )


@login_required
def questions_preview(request, track_id: int):
    """The questions as the applicant will see them, in English and Korean side by side."""
    track = _design_track(request, track_id)
    return render(
        request,
        "applications/staff/questions_preview.html",
        {"track": track, "panes": _preview(track)},
    )


# --- Notices to the track's applicants --------------------------------------------------------


class ApplicantNoticeForm(forms.Form):
    """A notice to the track's applicants, English and Korean side by side; ``key`` names this
    form, so sending it twice sends one notice (``services.send_applicant_notice``)."""

    key = forms.UUIDField(widget=forms.HiddenInput)
    audience = forms.ChoiceField(label=gettext_lazy("To"), widget=forms.RadioSelect)
    subject = forms.CharField(label=gettext_lazy("Subject"), max_length=200)
    subject_ko = forms.CharField(
        label=gettext_lazy("Subject in Korean"),
        max_length=200,
        required=False,
        help_text=gettext_lazy(
            "Write the Korean subject and message together, or neither: without them, readers "
            "of the portal in Korean get the English."
        ),
    )
    # Line breaks count as one character each, as the service counts them (the limit is
    # ``core.domain.NOTE_MAX_LENGTH``, said next to each field in ``__init__``).
    body = TypedTextField(
        label=gettext_lazy("Message"),
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 8}),
    )
    body_ko = TypedTextField(
        label=gettext_lazy("Message in Korean"),
        max_length=NOTE_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
    )
    public = forms.BooleanField(
        label=gettext_lazy("Also publish it on the call's page"),
        required=False,
        help_text=gettext_lazy(
            "Anyone reading the call sees it among the call's updates, including those who have "
            "not applied yet."
        ),
    )

    def __init__(self, *args, sizes: dict[str, int], **kwargs):
        super().__init__(*args, **kwargs)
        limit = _("At most %(limit)s characters.") % {"limit": f"{NOTE_MAX_LENGTH:,}"}
        self.fields["body"].help_text = limit
        self.fields["body_ko"].help_text = "{} {}".format(
            _("Readers of the portal in Korean get this text; empty: the English."), limit
        )
        # Who each group reaches, said before sending (``selectors.notice_recipients``).
        self.fields["audience"].help_text = _(
            "Withdrawn applications are not included: their applicants receive no notice. "
            "Applicants found ineligible, not shortlisted or not selected are included: they "
            "remain applicants of the call. Deactivated and erased accounts receive nothing."
        )
        self.fields["audience"].choices = [
            (
                value,
                ngettext(
                    "%(label)s (%(count)s person)", "%(label)s (%(count)s people)", sizes[value]
                )
                % {"label": label, "count": sizes[value]},
            )
            for value, label in ApplicantNotice.Audience.choices
        ]


@login_required
def applicant_notices(request, track_id: int):
    """The notices sent to the track's applicants, newest first, and the form that sends one
    by e-mail and in the portal (``services.send_applicant_notice``, audited). Staff of the
    track only (403)."""
    track = get_object_or_404(Track.objects.select_related("call"), pk=track_id)
    require_perm(request, MANAGE_TRACK, track)
    form = ApplicantNoticeForm(
        request.POST if request.method == "POST" else None,
        initial={"key": uuid.uuid4(), "audience": ApplicantNotice.Audience.ALL},
        sizes=selectors.notice_audience_sizes(track),
    )
    code = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                notice = services.send_applicant_notice(
                    track=track, actor=request.user, **form.cleaned_data
                )
            except services.AlreadySent as exc:
                messages.info(request, exc.message)
                return redirect("staff_applications:applicant_notices", track_id=track.pk)
            except DomainError as exc:
                apply_domain_error(form, exc)
            else:
                messages.success(
                    request,
                    ngettext(
                        "The notice has been sent to %(count)s person.",
                        "The notice has been sent to %(count)s people.",
                        notice.recipients,
                    )
                    % {"count": notice.recipients},
                )
                return redirect("staff_applications:applicant_notices", track_id=track.pk)
        code = 400
    notices = ApplicantNotice.objects.filter(track=track).select_related("sent_by")
    return render(
        request,
        "applications/staff/applicant_notices.html",
        {"track": track, "form": form, "notices": notices},
        status=code,
    )


@login_required
@require_POST
def applicant_notice_unpublish(request, track_id: int, pk: int):
    """Take a notice off the call's page (``services.unpublish_applicant_notice``, audited);
    what was e-mailed stays sent. Staff of the track only (403)."""
    track = get_object_or_404(Track, pk=track_id)
    require_perm(request, MANAGE_TRACK, track)
    notice = get_object_or_404(ApplicantNotice, pk=pk, track=track)
    try:
        services.unpublish_applicant_notice(notice=notice, actor=request.user)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("The notice is no longer on the call's page."))
    return redirect("staff_applications:applicant_notices", track_id=track.pk)
