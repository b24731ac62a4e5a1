"""What the reviewers of a track may see (``reviews.ReviewSettings``): changed by the track's
staff, audited, and read only through ``reviews.selectors`` and ``reviews.rules``."""

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts.audit import record_audit_event
from core.concurrency import refuse_if_row_changed
from core.domain import clean_or_refuse, require_permission
from projects.models import Track
from projects.rules import MANAGE_TRACK
from reviews.models import ReviewSettings


@transaction.atomic
def update_reviewer_visibility(
    *,
    track: Track,
    actor,
    other_scores: str | None = None,
    anonymised: bool | None = None,
    scope: str | None = None,
    seen_version: str | None = None,
) -> ReviewSettings:
    """Change what the track's reviewers see: other reviewers' scores (never, after their own,
    always), anonymised review, and whether they may read every eligible application of the
    track or only their assignments. Creates the track's row on the first change.

    Only staff of the track (``projects.manage_track``) may. A change is allowed at any time,
    during the review too: switching anonymity on cannot take back what reviewers have already
    read, and switching it off shows them who applied, so every change is one audit row on the
    track with the old and new value of each setting that changed. A save that changes nothing
    writes nothing. Reviewers are not told (they see the effect on their next page).
    ``seen_version``: the fingerprint of the settings the page showed; refused
    (``StaleEdit``) when a colleague changed them since.
    """
    require_permission(
        actor,
        MANAGE_TRACK,
        track,
        message=_("Only the track's secretariat changes what its reviewers see."),
    )
    row, _created = ReviewSettings.objects.select_for_update().get_or_create(track=track)
    refuse_if_row_changed(row, seen_version, what=_("track's reviewer visibility"))
    values = {"other_scores": other_scores, "anonymised": anonymised, "scope": scope}
    changed = {
        name: value
        for name, value in values.items()
        if value is not None and getattr(row, name) != value
    }
    if not changed:
        return row
    old = {name: getattr(row, name) for name in changed}
    for name, value in changed.items():
        setattr(row, name, value)
    row.updated_by = actor if getattr(actor, "is_authenticated", False) else None
    clean_or_refuse(row)
    row.save()
    record_audit_event(
        subject=track,
        action="reviewer_visibility",
        actor=actor,
        old_value=", ".join(f"{k}={v}" for k, v in old.items()),
        new_value=", ".join(f"{k}={v}" for k, v in changed.items()),
        detail={"old": old, "new": changed},
    )
    return row
