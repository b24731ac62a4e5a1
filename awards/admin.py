"""The back office for awards and deliverables: read-only rows whose changes go through the
services.

An award is made only through ``award_funding`` (a selected application whose decision is
released, an amount within the track's floor and ceiling, the funded project and the audit
rows with it); its amount and application never change here. It moves along its lifecycle only
through ``advance_award`` (staff of the track; completing it completes the project); it is
cancelled, with a reason and the reserve list offered, on the staff awards page. Deliverables
are uploaded by the contractor and accepted or returned through ``review_deliverable`` (the
contractor is told).
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from applications.models import Application
from applications.selectors import readable_applications_for_user
from awards.contractor_selection import review_deliverable
from awards.models import Award, Deliverable
from awards.services import advance_award, award_funding
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


@admin.register(Deliverable)
class DeliverableAdmin(PortalModelAdmin):
    track_scope = "project__award__application__track"
    list_display = ["project", "kind", "title", "due_on", "status", "submitted_at"]
    list_filter = ["status", "kind"]
    search_fields = ["project__code", "project__name", "title"]
    list_select_related = ["project"]
    autocomplete_fields = ["project"]
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
            # Sent to the contractor as the feedback (an admin action cannot ask for one),
            # stored in the language of the staff member who returns it, as typed feedback is.
            feedback=_("The secretariat will contact you about what to change."),
        ),
    ]
