import datetime

import factory
from django.utils import timezone

from awards.models import Deliverable
from projects.models import Call, City, Country, Event, Project, Track

from .accounts import OrganizationFactory


class CountryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Country
        django_get_or_create = ("code",)

    code = "MY"
    iso3 = "MYS"
    name = "Malaysia"
    name_ko = "말레이시아"
    region = Country.Region.SOUTHEAST_ASIA


class CityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = City
        django_get_or_create = ("country", "name")

    country = factory.SubFactory(CountryFactory)
    name = factory.Sequence(lambda n: f"City {n}")
    latitude = 3.04
    longitude = 101.45


class CallFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Call

    year = 2026
    slug = factory.Sequence(lambda n: f"call-{n}")
    name = factory.Sequence(lambda n: f"K-City Network call {n}")
    status = Call.Status.OPEN
    opens_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(days=30))
    closes_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=30))


class TrackFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Track

    call = factory.SubFactory(CallFactory)
    kind = Track.Kind.PLANNING
    code = factory.Sequence(lambda n: f"T{n}")
    name = factory.LazyAttribute(lambda o: Track.Kind(o.kind).label)
    secretariat = factory.SubFactory(
        OrganizationFactory, name="KIND", kind="korean_agency", country_code="KR"
    )
    applicant_kind = Track.ApplicantKind.FOREIGN_PUBLIC
    budget_floor = 300_000_000
    budget_ceiling = 500_000_000
    total_budget = 4_000_000_000
    target_awards = 8
    required_documents = factory.LazyFunction(lambda: ["letter_of_intent", "concept_paper"])


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project

    code = factory.Sequence(lambda n: f"P-{n:04d}")
    name = factory.Sequence(lambda n: f"Smart city plan {n}")
    year = 2022
    track_kind = Track.Kind.PLANNING
    country = factory.SubFactory(CountryFactory)
    city = factory.SubFactory(CityFactory, country=factory.SelfAttribute("..country"))
    budget_krw = 400_000_000


class DeliverableFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Deliverable

    project = factory.SubFactory(ProjectFactory)
    kind = Deliverable.Kind.INCEPTION
    due_on = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=30))


class EventFactory(factory.django.DjangoModelFactory):
    """A conference of the programme (one day and the next, in 2022)."""

    class Meta:
        model = Event

    kind = Event.Kind.CONFERENCE
    name = factory.Sequence(lambda n: f"Smart city conference {n}")
    partners = "World Bank"
    city = factory.SubFactory(CityFactory, name="Washington")
    starts_on = datetime.date(2022, 11, 15)
    ends_on = datetime.date(2022, 11, 16)
