"""Eligibility screening by the track's secretariat staff (and programme admins).

A screening decision goes through ``applications.services.screen_application`` →
``transition_application``, which audits it and notifies the applicant (with the reason when
ineligible). Staff of another track get 403; drafts are never listed.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from applications import selectors, services
from applications.models import Application
from applications.services import APPLICATION_TRANSITIONS
from core.domain import DomainError
from core.forms import apply_domain_error
from core.transitions import allowed_moves
from projects.models import Track


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
