"""Pages about personal data: the privacy notice, accepting a new version of it, downloading
one's data and asking for its erasure. Interfaces only: the writes are in accounts.privacy."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import privacy
from accounts.forms import ErasureRequestForm, PrivacyNoticeForm
from accounts.models import ErasureRequest
from core.domain import DomainError
from core.forms import apply_domain_error
from core.views import local_next


def _notice_context() -> dict:
    return {
        "notice_version": privacy.PRIVACY_NOTICE_VERSION,
        "officer": privacy.privacy_officer(),
        "retention_table": privacy.retention_table(),
        "kept_on_erasure": privacy.erasure_kept_kinds(),
    }


def privacy_notice(request):
    """The privacy notice (PIPA art. 30, GDPR arts. 13–14): public, in English and Korean."""
    return render(request, "accounts/privacy_notice.html", _notice_context())


@login_required
def accept_notice(request):
    """Asked by ``PrivacyNoticeMiddleware`` when the user has not accepted the current notice:
    the notice's summary and a box to tick; then back to the page they were going to."""
    next_path = local_next(request.POST.get("next") or request.GET.get("next"))
    form = PrivacyNoticeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        privacy.accept_privacy_notice(user=request.user, source="interstitial")
        messages.success(request, _("Thank you. You have accepted the privacy notice."))
        return redirect(next_path or "accounts:profile")
    context = {
        **_notice_context(),
        "form": form,
        "next": next_path,
        "previous_version": request.user.privacy_notice_version,
    }
    return render(request, "accounts/privacy_accept.html", context)


@login_required
def my_data(request):
    """What the download holds, and the button that builds it."""
    kinds = [kind for kind in privacy.registered_kinds() if kind.export or kind.files]
    return render(request, "accounts/my_data.html", {"kinds": kinds})


@login_required
@require_POST
def my_data_download(request):
    """The ZIP of the user's own data (``export_personal_data``, audited). Built in this
    request: a person's data and documents are small enough, and a file that exists only for
    the one who asked needs no storage, expiry or link to protect."""
    archive = privacy.export_personal_data(user=request.user, actor=request.user)
    response = HttpResponse(archive, content_type="application/zip")
    filename = f"kcity-my-data-{timezone.localdate():%Y%m%d}.zip"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
def erasure_request(request):
    """Ask for the erasure of one's personal data; shows the requests made and their answers."""
    form = ErasureRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            privacy.request_erasure(user=request.user, reason=form.cleaned_data["reason"])
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(
                request,
                _("Your request has been sent. A programme officer will answer it by e-mail."),
            )
            return redirect("accounts:erasure_request")
    context = {
        "form": form,
        "requests": ErasureRequest.objects.filter(user=request.user).order_by("-created_at"),
        "has_pending": ErasureRequest.objects.filter(
            user=request.user, status=ErasureRequest.Status.PENDING
        ).exists(),
        "kept_on_erasure": privacy.erasure_kept_kinds(),
    }
    return render(request, "accounts/erasure_request.html", context)
