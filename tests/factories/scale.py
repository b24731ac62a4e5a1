"""Many rows quickly, for the query-count tests of the staff tables: applications copied from one
made by the factory, committee members and assignments in a few ``bulk_create`` calls."""

from __future__ import annotations

import copy
import datetime
import uuid
from decimal import Decimal

from django.contrib.auth.models import Group
from django.utils import timezone

from accounts import roles
from accounts.models import User
from applications.models import Application
from reviews.models import Assignment, CommitteeMember, ConflictDeclaration
from tests.factories import SubmittedApplicationFactory

_counter = iter(range(1, 10**9))


def bulk_applications(track, count: int, *, status: str = "under_review", **fields) -> list:
    """``count`` applications of ``track`` in ``status``: one made by the factory, the rest its
    copies (no city, so the one-proposal-per-city rule does not bite), each with its own
    reference. Returns them saved, in reference order."""
    model = SubmittedApplicationFactory(track=track, status=status, city=None, **fields)
    copies = []
    for _ in range(count - 1):
        clone = copy.copy(model)
        clone.pk = clone.id = None
        clone._state = copy.copy(model._state)
        clone._state.adding = True
        clone.reference = f"2026-{track.code}-{next(_counter):05d}"
        clone.public_id = uuid.uuid4()
        clone.title = f"Bulk application {clone.reference}"
        copies.append(clone)
    Application.objects.bulk_create(copies)
    return list(track.applications.filter(pk__in=[model.pk, *[c.pk for c in copies]]))


def bulk_committee(track, count: int, *, prefix: str = "panel") -> list[User]:
    """``count`` reviewers on the track's committee (in the reviewer group)."""
    batch = next(_counter)
    users = User.objects.bulk_create(
        User(email=f"{prefix}{batch}-{i}@expert.example.net", name=f"Expert {batch}-{i}")
        for i in range(count)
    )
    Group.objects.get(name=roles.REVIEWER).user_set.add(*users)
    CommitteeMember.objects.bulk_create(
        CommitteeMember(track=track, reviewer=user) for user in users
    )
    return users


def bulk_assignments(applications, reviewers, *, per_application: int = 3) -> list[Assignment]:
    """``per_application`` assignments per application, cycling through ``reviewers`` and
    through every board state: submitted, in progress, overdue (accepted, due yesterday),
    invited and conflicted. One declared conflict without an assignment per application, by
    the next reviewer in the cycle."""
    now = timezone.now()
    rows, conflicts = [], []
    cycle = 0
    for application in applications:
        chosen = []
        for _ in range(per_application):
            reviewer = reviewers[cycle % len(reviewers)]
            kind = cycle % 5
            cycle += 1
            chosen.append(reviewer.pk)
            row = Assignment(application=application, reviewer=reviewer)
            if kind == 0:
                row.status, row.total, row.submitted_at = "submitted", Decimal("80"), now
            elif kind == 1:
                row.status = "in_progress"
            elif kind == 2:
                row.status, row.due_at = "accepted", now - datetime.timedelta(days=1)
            elif kind == 3:
                row.status = "invited"
            else:
                row.status = "conflict"
            rows.append(row)
        spare = reviewers[cycle % len(reviewers)]
        if spare.pk not in chosen:
            conflicts.append(
                ConflictDeclaration(
                    reviewer=spare, application=application, has_conflict=True, kind="personal"
                )
            )
    Assignment.objects.bulk_create(rows)
    ConflictDeclaration.objects.bulk_create(conflicts)
    return rows
