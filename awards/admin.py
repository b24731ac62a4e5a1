"""The back office for awards and deliverables: statuses change only through admin actions that call
the services."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from awards.contractor_selection import review_deliverable
from awards.models import Award, Deliverable
from awards.services import transition_award
from projects.admin import PortalModelAdmin, krw_column, transition_action

WS = Award.Status


def _award_action(name, description, to):
    return transition_action(
        name=name,
        description=description,
        service=transition_award,
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
    readonly_fields = ["status", "cancelled_reason", "created_at", "updated_at"]
    actions = [
        _award_action("approve_awards", _("Approve"), WS.APPROVED),
        _award_action("mark_awards_contracted", _("Mark contracted"), WS.CONTRACTED),
        _award_action("start_awards", _("Mark in progress"), WS.IN_PROGRESS),
        _award_action("complete_awards", _("Mark completed"), WS.COMPLETED),
    ]


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
    readonly_fields = [
        "status",
        "file",
        "original_name",
        "content_type",
        "size",
        "submitted_at",
        "submitted_by",
        "reviewed_at",
        "reviewed_by",
    ]
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
