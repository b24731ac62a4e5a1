"""Reads of applications with visibility applied once, for pages, the API and exports."""

from django.db.models import Q, QuerySet

from accounts import roles
from projects.selectors import staff_tracks

from .models import Application

# Statuses a reviewer's or staff member's view never shows (unsubmitted work is the applicant's).
HIDDEN_FROM_STAFF = (Application.Status.DRAFT,)


def applications_for_user(user, *, call=None, track=None) -> QuerySet[Application]:
    """Every application the user may see, with what list pages need joined.

    Applicants: their organisations' applications. Reviewers: applications assigned to them and
    not declined or conflicted. Staff: submitted applications of their tracks. Admins: all
    submitted applications. A user with several roles sees the union.
    """
    if not user.is_authenticated:
        return Application.objects.none()
    visible = Q(organization__memberships__user=user)
    user_roles = roles.user_roles(user)
    if roles.PROGRAMME_ADMIN in user_roles:
        visible |= ~Q(status__in=HIDDEN_FROM_STAFF)
    elif roles.SECRETARIAT_STAFF in user_roles:
        visible |= Q(track__in=staff_tracks(user)) & ~Q(status__in=HIDDEN_FROM_STAFF)
    if roles.REVIEWER in user_roles:
        visible |= Q(pk__in=_reviewable_application_ids(user))
    qs = Application.objects.filter(visible)
    if call is not None:
        qs = qs.filter(call=call)
    if track is not None:
        qs = qs.filter(track=track)
    return qs.select_related("call", "track", "organization", "country", "city").distinct()


def _reviewable_application_ids(user):
    from django.apps import apps

    assignment = apps.get_model("reviews", "Assignment")
    conflict = apps.get_model("reviews", "ConflictDeclaration")
    return (
        assignment.objects.filter(reviewer=user)
        .exclude(status__in=["declined", "conflict"])
        .exclude(
            application__in=conflict.objects.filter(reviewer=user, has_conflict=True).values(
                "application"
            )
        )
        .values("application")
    )


def is_owner(user, application: Application) -> bool:
    return user.is_authenticated and application.organization.memberships.filter(user=user).exists()
