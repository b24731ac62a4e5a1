"""The outbox's staff screens: edit the message templates (programme admins) and read and send
the messages held for review. Interfaces only: the rules are asked by name, the writes are
``notifications.services``."""

import difflib
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from core.domain import DomainError
from core.forms import (
    apply_domain_error,
    guard_against_stale,
    id_from,
    ids_from,
    run_service_on_form,
)
from core.views import require_perm
from notifications import message_templates, selectors, services
from notifications.forms import DiscardHeldForm, MessageTemplateForm

HELD_PAGE_SIZE = 50


def _known(name: str) -> str:
    if name not in message_templates.template_names():
        raise Http404
    return name


@login_required
def template_list(request):
    """Every message template, default or customised, with its last change."""
    require_perm(request, services.EDIT_MESSAGE_TEMPLATES)
    return render(
        request,
        "notifications/staff/templates.html",
        {"rows": selectors.message_template_rows()},
    )


def _initial(name: str, request) -> tuple[dict, str]:
    """The texts the form starts from, and where they come from ("active", "version",
    "default" or "" when the default cannot be written as a custom text)."""
    wanted = id_from(request.GET.get("from"))
    if wanted is not None:
        version = selectors.template_versions(name).filter(version=wanted).first()
        if version is not None:
            return {f: getattr(version, f) for f in services.TEMPLATE_FIELDS}, "version"
    active = selectors.active_template(name)
    if active is not None:
        return {f: getattr(active, f) for f in services.TEMPLATE_FIELDS}, "active"
    if message_templates.default_is_plain(name):
        return services.default_texts(name), "default"
    return {}, ""


@login_required
def template_edit(request, name: str):
    """English and Korean side by side, the placeholders, a preview with the latest real
    message of the template (or sample values), the version history; save or preview."""
    require_perm(request, services.EDIT_MESSAGE_TEMPLATES)
    name = _known(name)
    sample = selectors.latest_message_of_template(name)
    preview = None
    source = None  # where the GET form's text comes from (see ``_initial``)
    if request.method == "POST":
        form = MessageTemplateForm(request.POST, name=name)
        # The version in use when the page was opened: a newer one is not replaced (409).
        guard_against_stale(form, services.template_fingerprint(name))
        based_on = request.POST.get("based_on")
        if request.POST.get("action") == "preview":
            if form.is_valid():
                preview = services.preview_message_template(
                    name=name, texts=form.cleaned_data, message=sample
                )
        elif run_service_on_form(
            form,
            lambda data: services.save_message_template(
                name=name,
                actor=request.user,
                based_on=id_from(based_on),
                **data,
            ),
        ):
            messages.success(request, _("The template is saved and in use from now on."))
            return redirect("staff_notifications:template_edit", name=name)
    else:
        initial, source = _initial(name, request)
        form = MessageTemplateForm(initial=initial, name=name)
        guard_against_stale(form, services.template_fingerprint(name))
    return render(
        request,
        "notifications/staff/template_edit.html",
        {
            "name": name,
            "form": form,
            "placeholders": message_templates.placeholders(name),
            "allowed_filters": sorted(message_templates.ALLOWED_FILTERS),
            "active": selectors.active_template(name),
            "versions": selectors.template_versions(name),
            "defaults": services.default_texts(name),
            "sample": sample,
            "preview": preview,
            "source": source,
            "based_on": request.GET.get("from") or request.POST.get("based_on") or "",
        },
        status=409 if getattr(form, "refused_as_stale", False) else 200,
    )


def _diff(old: str, new: str, label_old: str, label_new: str) -> str:
    return "\n".join(
        difflib.unified_diff(old.splitlines(), new.splitlines(), label_old, label_new, lineterm="")
    )


@login_required
def template_version(request, name: str, version: int):
    """One saved version, with what changed from the version before it."""
    require_perm(request, services.EDIT_MESSAGE_TEMPLATES)
    name = _known(name)
    versions = selectors.template_versions(name)
    shown = get_object_or_404(versions, version=version)
    before = versions.filter(version__lt=version).order_by("-version").first()
    diffs = []
    if before is not None:
        for field in services.TEMPLATE_FIELDS:
            text = _diff(
                getattr(before, field),
                getattr(shown, field),
                f"v{before.version}",
                f"v{shown.version}",
            )
            if text:
                diffs.append((MessageTemplateForm.base_fields[field].label, text))
    return render(
        request,
        "notifications/staff/template_version.html",
        {"name": name, "shown": shown, "before": before, "diffs": diffs},
    )


@login_required
@require_POST
def template_reset(request, name: str):
    """Back to the code template (the custom versions stay in the history)."""
    require_perm(request, services.EDIT_MESSAGE_TEMPLATES)
    name = _known(name)
    try:
        services.reset_message_template(name=name, actor=request.user)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("The default text is in use again."))
    return redirect("staff_notifications:template_edit", name=name)


def _discard(request, form: DiscardHeldForm, ids: list[int]) -> int | None:
    """Discard the held messages ticked, with the form's reason; how many, or None when the
    form or the service refused (the errors are on the form)."""
    valid = form.is_valid()
    if not ids:
        form.add_error(None, _("No held message was chosen."))
    if not valid or not ids:
        return None
    try:
        return services.discard_held_messages(
            ids=ids, reason=form.cleaned_data["reason"], actor=request.user
        )
    except DomainError as exc:
        apply_domain_error(form, exc)
        return None


def _report(request, count: int, ids: list[int], *, discarded: bool) -> None:
    chosen = len(set(ids))
    if not chosen:
        messages.error(request, _("No held message was chosen."))
        return
    if not count:  # ticked while held, sent or discarded by someone else since
        messages.error(
            request,
            _(
                "None of the chosen messages is held any more: someone else sent or discarded "
                "them meanwhile."
            ),
        )
        return
    if discarded:
        done = ngettext(
            "%(count)s held message is discarded; it will not be sent.",
            "%(count)s held messages are discarded; they will not be sent.",
            count,
        )
    else:
        done = ngettext(
            "%(count)s held message is sent.", "%(count)s held messages are sent.", count
        )
    messages.success(request, done % {"count": count})
    if count < chosen:  # some of those ticked went (or were discarded) by someone else meanwhile
        gone = chosen - count
        messages.warning(
            request,
            ngettext(
                "%(count)s of the chosen messages was no longer held: someone else sent or "
                "discarded it meanwhile.",
                "%(count)s of the chosen messages were no longer held: someone else sent or "
                "discarded them meanwhile.",
                gone,
            )
            % {"count": gone},
        )


@login_required
def held_list(request):
    """Messages held for review, by batch, each as it would be sent; send the chosen ones or
    a whole batch at once, or discard the chosen ones with a reason. A refused discard shows
    the page again with the reason typed, its error next to it and the same messages ticked."""
    require_perm(request, services.RELEASE_HELD_MESSAGES)
    batch = request.GET.get("batch") or request.POST.get("batch") or ""
    discard_form, ticked, status = DiscardHeldForm(), set(), 200
    if request.method == "POST":
        if request.POST.get("all") and batch:
            ids = list(selectors.held_messages(batch=batch).values_list("pk", flat=True))
        else:
            ids = ids_from(request.POST.getlist("message"))
        if request.POST.get("discard"):
            discard_form = DiscardHeldForm(request.POST)
            count = _discard(request, discard_form, ids)
            if count is not None:
                _report(request, count, ids, discarded=True)
                return _back_to_held(batch)
            ticked, status = set(ids), 400
        else:
            try:
                count = services.release_held_messages(ids=ids, actor=request.user)
            except DomainError as exc:
                messages.error(request, str(exc.message))
            else:
                _report(request, count, ids, discarded=False)
            return _back_to_held(batch)
    page = Paginator(selectors.held_messages(batch=batch or None), HELD_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    rows = services.render_for_review(page.object_list)
    return render(
        request,
        "notifications/staff/held.html",
        {
            "batches": selectors.held_batches(),
            "batch": batch,
            "page": page,
            "query": urlencode({"batch": batch}) if batch else "",
            "rows": [(m, selectors.shown_body(m)) for m in rows],
            "discard_form": discard_form,
            "ticked": ticked,
        },
        status=status,
    )


def _back_to_held(batch: str):
    response = redirect("staff_notifications:held")
    if batch:
        response["Location"] += "?" + urlencode({"batch": batch})
    return response
