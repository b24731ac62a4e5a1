import factory
from django.core.files.base import ContentFile
from django.utils import timezone

from applications.models import Application, ConsortiumMember, Document, Question

from .accounts import OrganizationFactory, UserFactory
from .projects import CityFactory, CountryFactory, TrackFactory

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


class ApplicationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Application

    track = factory.SubFactory(TrackFactory)
    call = factory.SelfAttribute("track.call")
    organization = factory.SubFactory(OrganizationFactory)
    created_by = factory.SubFactory(UserFactory)
    country = factory.SubFactory(CountryFactory)
    city = factory.SubFactory(CityFactory, country=factory.SelfAttribute("..country"))
    title = factory.Sequence(lambda n: f"Smart city master plan {n}")
    summary = "A smart-city master plan for the city centre."
    objectives = "Reduce congestion; digital services."
    requested_deliverable = Application.Deliverable.MASTER_PLAN
    budget_requested = 400_000_000
    contact_name = "Aminah Rahman"
    contact_email = "aminah@example.org"


class SubmittedApplicationFactory(ApplicationFactory):
    status = Application.Status.SUBMITTED
    submitted_at = factory.LazyFunction(timezone.now)
    reference = factory.Sequence(lambda n: f"2026-XX-{n:04d}")


class ConsortiumMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ConsortiumMember

    application = factory.SubFactory(ApplicationFactory)
    name = factory.Sequence(lambda n: f"Member {n}")
    kind = "korean_company"
    role = ConsortiumMember.Role.MEMBER
    country_code = "KR"


class DocumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Document

    application = factory.SubFactory(ApplicationFactory)
    kind = Document.Kind.LETTER_OF_INTENT
    file = factory.LazyFunction(lambda: ContentFile(PDF_BYTES, name="letter.pdf"))
    original_name = "letter.pdf"
    content_type = "application/pdf"
    size = len(PDF_BYTES)
    uploaded_by = factory.SelfAttribute("application.created_by")


def pdf_upload(name: str = "report.pdf"):
    """A small valid PDF as an uploaded file, for forms, services and the API."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, PDF_BYTES, content_type="application/pdf")


class QuestionFactory(factory.django.DjangoModelFactory):
    """A question of a track's form (short text unless told)."""

    class Meta:
        model = Question

    track = factory.SubFactory(TrackFactory)
    call = factory.SelfAttribute("track.call")
    code = factory.Sequence(lambda n: f"question_{n}")
    type = Question.Type.SHORT_TEXT
    label = factory.Sequence(lambda n: f"Question {n}")
    order = factory.Sequence(lambda n: n * 10)
