"""The back office for awards and deliverables: read-only rows whose changes go through the
services.

An award is made only through ``award_funding`` (a selected application whose decision is
released, an amount within the track's floor and ceiling, the funded project and the audit
rows with it); its amount and application never change here. It moves along its lifecycle only
through ``advance_award`` (staff of the track; completing it completes the project); it is
cancelled, with a reason, its agreements ended and the reserve list offered, on the staff awards
page (which lists beforehand what it ends: ``awards.funding.cancellation_effects``). Deliverables
are uploaded by the contractor and accepted or returned through ``review_deliverable`` (the
contractor is told); each submission shows as a read-only version under its deliverable.
"""

from django.contrib import admin
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from applications.models import Application
from applications.selectors import readable_applications_for_user
from awards.contractor_selection import review_deliverable
from awards.models import Award, Deliverable, DeliverableVersion
from awards.services import advance_award, award_funding
from core.admin import ReadOnlyInline
from projects.admin import PortalModelAdmin, krw_column, transition_action
from projects.selectors import staff_tracks

WS = Award.Status


def _award_action(name, description, to):
    return transition_action(
        name=name,
        description=description,
        service=advance_award,
        subject="award",
        to=to,
    )


@admin.register(Award)
class AwardAdmin(PortalModelAdmin):
    track_scope = "application__track"
    list_display = [
        "application",
        "project",
        krw_column(Award, "amount"),
        "status",
        "created_at",
    ]
    list_filter = ["status", "application__track__kind", "application__call__year"]
    search_fields = ["application__reference", "application__title", "project__code"]
    list_select_related = ["application", "project"]
    autocomplete_fields = ["application", "project", "created_by"]
    add_fields = ("application", "amount")
    actions = [
        _award_action("approve_awards", _("Approve"), WS.APPROVED),
        _award_action("mark_awards_contracted", _("Mark contracted"), WS.CONTRACTED),
        _award_action("start_awards", _("Mark in progress"), WS.IN_PROGRESS),
        _award_action("complete_awards", _("Mark completed"), WS.COMPLETED),
    ]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.related_model is Application:
            kwargs["queryset"] = Application.objects.filter(
                pk__in=readable_applications_for_user(request.user).values("pk"),
                track__in=staff_tracks(request.user),
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def add_through_service(self, request, data):
        return award_funding(
            application=data["application"], amount=data["amount"], actor=request.user
        )


def _review_deliverable(*, deliverable: Deliverable, to: str, actor, feedback: str = ""):
    """The admin's accept / return: the staff screen's service, so the contractor is told."""
    return review_deliverable(
        deliverable=deliverable,
        accept=to == Deliverable.Status.ACCEPTED,
        feedback=feedback,
        actor=actor,
    )


class DeliverableVersionInline(ReadOnlyInline):
    """Each file the contractor sent, with the verdict on it (written by the services)."""

    model = DeliverableVersion
    fields = [
        "number",
        "original_name",
        "size",
        "submitted_at",
        "submitted_by",
        "organization",
        "outcome",
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("submitted_by", "organization")


@admin.register(Deliverable)
class DeliverableAdmin(PortalModelAdmin):
    track_scope = "project__award__application__track"
    list_display = ["project", "kind", "title", "due_on", "status", "submitted_at"]
    list_filter = ["status", "kind"]
    search_fields = ["project__code", "project__name", "title"]
    list_select_related = ["project"]
    autocomplete_fields = ["project"]
    inlines = [DeliverableVersionInline]
    actions = [
        transition_action(
            name="accept_deliverables",
            description=_("Accept"),
            service=_review_deliverable,
            subject="deliverable",
            to=Deliverable.Status.ACCEPTED,
        ),
        transition_action(
            name="return_deliverables",
            description=_("Return for changes"),
            service=_review_deliverable,
            subject="deliverable",
            to=Deliverable.Status.RETURNED,
            ask=("feedback", _("What to change (sent to the contractor)")),
        ),
    ]

    def file_door(self, obj, field_name):
        return reverse("awards:deliverable_file", kwargs={"pk": obj.pk})


# --- Agreements and payments (awards.funding): rows written only by the funding services -------
#
# Agreements are made, budgeted, scheduled and signed on the staff agreement pages; payment
# requests are made by the agreement's party and recorded paid (date and reference) on the staff
# payment page; amendments are decided there too. Here they are read, and a payment request may
# be checked or approved through its service (its rules, audit row and mails).

from awards import funding  # noqa: E402
from awards.models import (  # noqa: E402
    Agreement,
    Amendment,
    BudgetLine,
    PaymentRequest,
    PaymentRequestLine,
    Tranche,
)
from core.admin import service_action  # noqa: E402


class BudgetLineInline(ReadOnlyInline):
    model = BudgetLine
    fields = ["category", "planned_krw"]


class TrancheInline(ReadOnlyInline):
    model = Tranche
    fields = ["number", "share_percent", "amount_krw", "after_deliverable", "status"]


@admin.register(Agreement)
class AgreementAdmin(PortalModelAdmin):
    track_scope = "project__award__application__track"
    list_display = ["reference", "project", "kind", "party", "status", "version", "signed_on"]
    list_filter = ["kind", "status"]
    search_fields = ["reference", "project__code", "project__name", "party__name"]
    list_select_related = ["project", "party"]
    autocomplete_fields = ["project", "party", "created_by"]
    inlines = [BudgetLineInline, TrancheInline]

    def file_door(self, obj, field_name):
        return reverse("awards:agreement_file", kwargs={"pk": obj.pk})


class PaymentRequestLineInline(ReadOnlyInline):
    model = PaymentRequestLine
    fields = ["category", "amount_krw"]


@admin.register(PaymentRequest)
class PaymentRequestAdmin(PortalModelAdmin):
    track_scope = "tranche__agreement__project__award__application__track"
    list_display = [
        "tranche",
        krw_column(PaymentRequest, "amount_krw"),
        "status",
        "requested_at",
        "paid_on",
    ]
    list_filter = ["status"]
    search_fields = [
        "tranche__agreement__reference",
        "tranche__agreement__project__code",
        "payment_reference",
    ]
    list_select_related = ["tranche__agreement"]
    autocomplete_fields = ["requested_by", "checked_by", "approved_by"]
    raw_id_fields = ["tranche"]
    inlines = [PaymentRequestLineInline]
    actions = [
        service_action(
            name="check_payments",
            description=_("Mark as checked"),
            service=funding.check_payment,
            subject="request",
        ),
        service_action(
            name="approve_payments",
            description=_("Approve the payment"),
            service=funding.approve_payment,
            subject="request",
        ),
    ]

    def file_door(self, obj, field_name):
        return reverse("awards:payment_evidence", kwargs={"pk": obj.pk})


@admin.register(Amendment)
class AmendmentAdmin(PortalModelAdmin):
    track_scope = "agreement__project__award__application__track"
    list_display = ["agreement", "kind", "status", "version", "requested_at", "decided_at"]
    list_filter = ["kind", "status"]
    search_fields = ["agreement__reference", "agreement__project__code"]
    list_select_related = ["agreement"]
    autocomplete_fields = ["requested_by", "decided_by"]
    raw_id_fields = ["agreement"]
