import factory
from django.contrib.auth.models import Group
from django.utils import timezone

from accounts.models import Membership, Organization, ReviewerProfile, User
from accounts.privacy import PRIVACY_NOTICE_VERSION


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization
        django_get_or_create = ("name", "country_code")

    name = factory.Sequence(lambda n: f"Organisation {n}")
    kind = Organization.Kind.CITY_GOVERNMENT
    country_code = "MY"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("email",)
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    name = factory.Faker("name")
    password = factory.django.Password("correct-horse-battery")
    # Has read the current privacy notice, so pages open without the notice's interstitial.
    privacy_notice_version = PRIVACY_NOTICE_VERSION
    privacy_consented_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        for role in extracted or []:
            self.groups.add(Group.objects.get_or_create(name=role)[0])

    @factory.post_generation
    def organizations(self, create, extracted, **kwargs):
        for index, org in enumerate(extracted or []):
            Membership.objects.get_or_create(
                user=self, organization=org, defaults={"role": "owner" if index == 0 else "member"}
            )


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organization = factory.SubFactory(OrganizationFactory)
    role = Membership.Role.MEMBER


class ReviewerProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReviewerProfile
        django_get_or_create = ("user",)

    user = factory.SubFactory(UserFactory)
    affiliation = "Seoul National University"
    employer = "Seoul National University"
    country_code = "KR"
    expertise = factory.LazyFunction(lambda: ["urban_planning"])
