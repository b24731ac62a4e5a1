"""The user's in-app notices."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.forms import id_from
from notifications.selectors import notices_for_user
from notifications.services import (
    mark_all_notices_read,
    mark_message_read,
    notices_in_language,
)


@login_required
def notice_list(request):
    """The user's notices, newest first, 30 a page, in the language the site is read in;
    unread ones stand out."""
    page = Paginator(notices_for_user(request.user), 30).get_page(request.GET.get("page"))
    notices = notices_in_language(list(page), get_language())
    unread = notices_for_user(request.user, unread_only=True).count()
    return render(
        request, "notifications/list.html", {"page": page, "notices": notices, "unread": unread}
    )


@login_required
@require_POST
def notice_read(request, pk):
    """Mark one notice read, then follow its link if it has one (404 for others' notices)."""
    message = get_object_or_404(notices_for_user(request.user), pk=pk)
    mark_message_read(message=message, actor=request.user)
    if (
        request.POST.get("open")
        and message.link
        and url_has_allowed_host_and_scheme(message.link, allowed_hosts={request.get_host()})
    ):
        return redirect(message.link)
    # Back to the page of the list the notice was on (its form says which), not the first.
    page = id_from(request.POST.get("page"))
    target = reverse("notifications:list")
    if page is not None and page > 1:
        target += f"?page={page}"
    return redirect(target)


@login_required
@require_POST
def notice_read_all(request):
    if mark_all_notices_read(actor=request.user):
        messages.success(request, _("All notices are marked as read."))
    return redirect("notifications:list")
