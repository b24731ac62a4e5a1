import datetime

import factory
from django.utils import timezone

from awards.models import Award
from reviews.models import Assignment, ConflictDeclaration, Criterion, InterestDeclaration, Score

from .accounts import UserFactory
from .applications import SubmittedApplicationFactory
from .projects import TrackFactory


class CriterionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Criterion

    track = factory.SubFactory(TrackFactory)
    code = factory.Sequence(lambda n: f"criterion-{n}")
    name = factory.Sequence(lambda n: f"Criterion {n}")
    max_points = 20
    order = factory.Sequence(lambda n: n)


class AssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Assignment

    application = factory.SubFactory(SubmittedApplicationFactory)
    reviewer = factory.SubFactory(UserFactory)
    status = Assignment.Status.ACCEPTED


class ScoreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Score

    assignment = factory.SubFactory(AssignmentFactory)
    criterion = factory.SubFactory(
        CriterionFactory, track=factory.SelfAttribute("..assignment.application.track")
    )
    points = 15
    justification = "Clear plan with a committed local partner and land available."


class ConflictDeclarationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ConflictDeclaration

    reviewer = factory.SubFactory(UserFactory)
    application = factory.SubFactory(SubmittedApplicationFactory)
    has_conflict = False
    kind = ConflictDeclaration.Kind.NONE


class InterestDeclarationFactory(factory.django.DjangoModelFactory):
    """A reviewer's yearly declaration of interests, valid for a year from now."""

    class Meta:
        model = InterestDeclaration

    reviewer = factory.SubFactory(UserFactory)
    interests = "none"
    signed_at = factory.LazyFunction(timezone.now)
    expires_at = factory.LazyAttribute(lambda o: o.signed_at + datetime.timedelta(days=365))


class AwardFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Award

    application = factory.SubFactory(SubmittedApplicationFactory)
    amount = 400_000_000
