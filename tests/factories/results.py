"""Helpers for results tests: submitted reviews with scores, straight into the data model."""

from decimal import Decimal

from django.utils import timezone

from applications.models import Application
from reviews.models import Assignment, Criterion, Score
from reviews.services import points_by_criterion

from .accounts import UserFactory
from .applications import SubmittedApplicationFactory
from .reviews import CriterionFactory


def make_criteria(track, *specs) -> list[Criterion]:
    """``specs``: (code, max_points, threshold, tiebreak_priority) tuples."""
    return [
        CriterionFactory(
            track=track,
            code=code,
            name=code.replace("_", " ").title(),
            max_points=max_points,
            threshold=threshold,
            tiebreak_priority=priority,
            order=index,
        )
        for index, (code, max_points, threshold, priority) in enumerate(specs)
    ]


def reviewed_application(track, **kwargs) -> Application:
    kwargs.setdefault("status", Application.Status.UNDER_REVIEW)
    return SubmittedApplicationFactory(track=track, **kwargs)


def submit_review(
    application, reviewer, points: dict, *, comment: str = "", copy_points: bool = True
) -> Assignment:
    """A submitted assignment whose total is the sum of ``points`` (criterion → points), with
    the copy of its points the scoring service writes (none with ``copy_points=False``, as a
    review written outside the service)."""
    if reviewer is None:
        reviewer = UserFactory()
    total = sum((Decimal(str(p)) for p in points.values()), Decimal(0))
    assignment = Assignment.objects.create(
        application=application,
        reviewer=reviewer,
        status=Assignment.Status.SUBMITTED,
        total=total,
        points_by_criterion=(
            points_by_criterion((Decimal(str(p)), c) for c, p in points.items())
            if copy_points
            else None
        ),
        submitted_at=timezone.now(),
        overall_comment=comment or "A feasible plan with a committed city.",
        recommendation=Assignment.Recommendation.FUND,
    )
    for criterion, value in points.items():
        Score.objects.create(
            assignment=assignment,
            criterion=criterion,
            points=Decimal(str(value)),
            max_points=criterion.max_points,
            justification="The site is ready and the city has budget lines for it.",
        )
    return assignment


def review_totals(application, criterion, totals, reviewers=None) -> list[Assignment]:
    """One single-criterion review per total (the criterion must allow 100 points)."""
    reviewers = reviewers or [UserFactory() for _ in totals]
    return [
        submit_review(application, reviewer, {criterion: total})
        for reviewer, total in zip(reviewers, totals, strict=True)
    ]


def ensure_email_templates(settings, tmp_path, names) -> None:
    """Stand-ins for e-mail templates another area has not committed yet (only when missing),
    so results tests do not depend on the order in which the areas land."""
    from django.template import TemplateDoesNotExist
    from django.template.loader import get_template

    missing = []
    for name in names:
        try:
            get_template(f"emails/{name}.txt")
        except TemplateDoesNotExist:
            missing.append(name)
    if not missing:
        return
    root = tmp_path / "stand-in-templates"
    for name in missing:
        folder = root / "emails" / name.rsplit("/", 1)[0]
        folder.mkdir(parents=True, exist_ok=True)
        (root / "emails" / f"{name}.subject.txt").write_text("{{ reference }} {{ outcome }}")
        (root / "emails" / f"{name}.txt").write_text(
            "{{ title }} {{ outcome }} {{ committee_summary }}"
        )
    templates = [dict(t) for t in settings.TEMPLATES]
    templates[0]["DIRS"] = [*templates[0]["DIRS"], root]
    settings.TEMPLATES = templates
