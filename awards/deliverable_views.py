"""Deliverables: the contractor's members upload, staff of the funding track accept or
return. Every submission is kept as a version, each downloadable by those who may see the
deliverable. Reads are scoped once (``selectors.deliverables_for_user``, shared with the API);
writes are services."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _

from awards.contractor_selection import (
    CHANGED_SINCE,
    can_review_deliverable,
    deliverables_are_open,
    is_contractor_member,
    latest_version_number,
    review_deliverable,
    submit_deliverable,
)
from awards.models import Deliverable
from awards.selectors import (
    deliverables_for_user,
    latest_file_visible_to,
    versions_for_user,
)
from core.domain import DomainError
from core.forms import apply_domain_error
from core.kept_uploads import KeepsUploads
from core.storage import open_stored


class UploadForm(KeepsUploads, forms.Form):
    file = forms.FileField(label=_("Deliverable file (PDF, DOCX, XLSX, PNG or JPEG)"))


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("accept", _("Accept")), ("return", _("Return for changes"))],
        widget=forms.RadioSelect,
    )
    feedback = forms.CharField(
        label=_("Feedback to the contractor"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=5000,
    )
    # The version the page showed (``review_deliverable`` refuses a verdict on an older one).
    version = forms.IntegerField(
        min_value=0,
        widget=forms.HiddenInput,
        error_messages={
            "required": _("This page is out of date: reload it, then review the latest version.")
        },
    )


def _get(user, pk) -> Deliverable:
    deliverable = deliverables_for_user(user).filter(pk=pk).first()
    if deliverable is None:
        raise Http404
    return deliverable


@login_required
def deliverable_list(request):
    deliverables = deliverables_for_user(request.user).order_by("due_on", "project__code", "id")
    return render(request, "awards/deliverables/list.html", {"deliverables": deliverables})


def _changed_meanwhile(deliverable: Deliverable, *, action: str) -> str:
    """Why a form sent by someone who may act on the deliverable was not taken: somebody else
    (a colleague of the contractor, another member of staff) moved it on meanwhile, or the
    project closed."""
    if not deliverables_are_open(deliverable.project):
        return str(_("The project is closed: its deliverables take no more files or reviews."))
    if action == "upload":
        message = _(
            "This deliverable changed while you were uploading: it is now “%(status)s” and is "
            "not waiting for a file. Your file was not sent."
        )
    else:
        message = _(
            "This deliverable changed while you were reviewing it: it is now “%(status)s”. "
            "Your review was not saved; what you wrote is kept below."
        )
    return message % {"status": deliverable.get_status_display()}


def _review_again(data, deliverable: Deliverable, refusal: DomainError) -> ReviewForm:
    """The review form sent on a version older than the latest, refused: what was written is
    kept and it now names the latest version, so that sending it again is a verdict on that."""
    data = data.copy()
    data["version"] = latest_version_number(deliverable)
    form = ReviewForm(data)
    form.is_valid()
    kept = _("Your review was not saved; what you wrote is kept below.")
    form.add_error(None, f"{refusal.message} {kept}")
    return form


@login_required
def deliverable_detail(request, pk: int):
    """One deliverable: its due date and status, every version sent (file, who and when, the
    verdict and feedback on it), and the contractor's upload or the staff's review form.

    A form sent by someone who may upload or review, after somebody else moved the deliverable
    on (a colleague submitted, another member of staff accepted or returned it), is shown again
    as sent with what happened (409); only someone who may never act gets a 403. A review names
    the version the page showed: one sent on a version older than the latest (returned by a
    colleague and sent again meanwhile) is refused the same way, and comes back naming the
    latest version (``_review_again``)."""
    deliverable = _get(request.user, pk)
    may_upload = is_contractor_member(request.user, deliverable.project)
    may_review = can_review_deliverable(request.user, deliverable)
    is_open = deliverables_are_open(deliverable.project)
    can_upload = (
        may_upload
        and is_open
        and deliverable.status in (Deliverable.Status.PENDING, Deliverable.Status.RETURNED)
    )
    can_review = may_review and is_open and deliverable.status == Deliverable.Status.SUBMITTED
    upload_form, status = UploadForm(), 200
    review_form = ReviewForm(initial={"version": deliverable.latest_version})
    action = request.POST.get("action") if request.method == "POST" else None
    if action == "upload" and may_upload:
        upload_form = UploadForm(request.POST, request.FILES, uploader=request.user)
        if not can_upload:
            upload_form.is_valid()  # a file that passes its checks is kept for later
            upload_form.add_error(None, _changed_meanwhile(deliverable, action=action))
            status = 409
        elif upload_form.is_valid():
            try:
                submit_deliverable(
                    deliverable=deliverable,
                    uploaded=upload_form.cleaned_data["file"],
                    actor=request.user,
                )
            except DomainError as exc:
                apply_domain_error(upload_form, exc)  # the file's checks name "file"
                status = 400
            else:
                messages.success(request, _("The deliverable has been submitted."))
                return redirect("awards:deliverable", pk=deliverable.pk)
        else:
            status = 400
    elif action == "review" and may_review:
        review_form = ReviewForm(request.POST)
        if not can_review:
            review_form.is_valid()
            review_form.add_error(None, _changed_meanwhile(deliverable, action=action))
            status = 409
        elif review_form.is_valid():
            try:
                review_deliverable(
                    deliverable=deliverable,
                    accept=review_form.cleaned_data["decision"] == "accept",
                    feedback=review_form.cleaned_data["feedback"],
                    actor=request.user,
                    version=review_form.cleaned_data["version"],
                )
            except DomainError as exc:
                if exc.code == CHANGED_SINCE:
                    review_form, status = _review_again(request.POST, deliverable, exc), 409
                else:
                    apply_domain_error(review_form, exc)
                    status = 400
            else:
                messages.success(request, _("The deliverable has been reviewed."))
                return redirect("awards:deliverable", pk=deliverable.pk)
        else:
            status = 400
    elif request.method == "POST":
        return render(
            request, "awards/deliverables/detail.html", {"deliverable": deliverable}, status=403
        )
    return render(
        request,
        "awards/deliverables/detail.html",
        {
            "deliverable": deliverable,
            "versions": list(versions_for_user(request.user, deliverable)),
            "file_visible": latest_file_visible_to(request.user, deliverable),
            "can_upload": can_upload,
            "can_review": can_review,
            # A form sent too late is shown as sent (without its button) under the message.
            "show_upload": can_upload or upload_form.is_bound,
            "show_review": can_review or review_form.is_bound,
            "upload_form": upload_form,
            "review_form": review_form,
        },
        status=status,
    )


@login_required
def deliverable_file(request, pk: int):
    deliverable = _get(request.user, pk)
    if not deliverable.file or not latest_file_visible_to(request.user, deliverable):
        raise Http404
    return FileResponse(
        open_stored(deliverable.file),
        as_attachment=True,
        filename=deliverable.original_name or "deliverable",
        content_type=deliverable.content_type or "application/octet-stream",
    )


@login_required
def deliverable_version_file(request, pk: int, number: int):
    """One version's file, as an attachment, to whoever may see that version
    (``versions_for_user``: staff of the funding track and programme admins every one, the
    contractor's members their own company's); 404 to anyone else, so the version does not
    even show that it exists."""
    deliverable = _get(request.user, pk)
    version = get_object_or_404(versions_for_user(request.user, deliverable), number=number)
    return FileResponse(
        open_stored(version.file),
        as_attachment=True,
        filename=version.original_name or f"deliverable-v{version.number}",
        content_type=version.content_type or "application/octet-stream",
    )
