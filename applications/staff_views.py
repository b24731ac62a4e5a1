"""Eligibility screening by the track's secretariat staff (and programme admins).

A screening decision goes through ``applications.services.screen_application`` →
``transition_application``, which audits it and notifies the applicant (with the reason when
ineligible). Staff of another track get 403; drafts are never listed.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from applications import selectors, services
from applications.models import Application
from applications.services import APPLICATION_TRANSITIONS
from core.domain import DomainError
from core.forms import apply_domain_error
from core.transitions import allowed_moves
from core.views import require_perm
from projects.models import Country, Track
from projects.rules import MANAGE_TRACK


class ScreeningForm(forms.Form):
    decision = forms.ChoiceField(
        label=gettext_lazy("Decision"),
        choices=[
            ("eligible", gettext_lazy("Eligible")),
            ("ineligible", gettext_lazy("Ineligible")),
        ],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason (shown to the applicant)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
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


class ApplicationChoiceField(forms.ModelMultipleChoiceField):
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
    form = BulkScreeningForm(request.POST if request.method == "POST" else None, queryset=pending)
    code = 200
    if request.method == "POST":
        if form.is_valid():
            done, refused = services.screen_applications(
                applications=form.cleaned_data["applications"],
                eligible=form.cleaned_data["decision"] == "eligible",
                reason=form.cleaned_data["reason"],
                actor=request.user,
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
    code = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.screen_application(
                    application=application,
                    eligible=form.cleaned_data["decision"] == "eligible",
                    reason=form.cleaned_data["reason"],
                    actor=request.user,
                )
            except DomainError as exc:
                apply_domain_error(form, exc)
            else:
                messages.success(request, _("Screening decision recorded."))
                return redirect("staff_applications:screening", track_id=application.track_id)
        code = 400
    return render(
        request,
        "applications/staff/screen.html",
        {
            "application": application,
            "track": application.track,
            "documents": application.documents.all(),
            "consortium": application.consortium_members.all(),
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


@login_required
def track_applications(request, track_id: int):
    """Every application of the track (drafts aside) for its staff: filtered, searched, sorted
    and paginated in SQL, with the count of each status; each links to its staff page."""
    track = get_object_or_404(Track.objects.select_related("call", "secretariat"), pk=track_id)
    require_perm(request, MANAGE_TRACK, track)
    form = StaffListFilterForm(request.GET or None, track=track)
    filters = form.cleaned_data if form.is_valid() else {}
    listed = selectors.staff_applications_for_track(
        track,
        status=filters.get("status") or "",
        country=filters.get("country") or "",
        flag=filters.get("flag") or "",
        reviewer_id=filters.get("reviewer"),
        q=(filters.get("q") or "").strip(),
        sort=filters.get("sort") or "reference",
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
        },
    )
