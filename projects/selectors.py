"""Reads for calls, tracks and the portfolio, with visibility applied."""

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts import roles
from accounts.models import User
from accounts.rules import VIEW_STAFF_AREA
from accounts.selectors import is_member
from core.bilingual import KOREAN
from projects.models import (
    Call,
    City,
    DocumentKind,
    DocumentRequirement,
    Event,
    Project,
    Stage,
    Track,
    standard_document_kind_label,
)


def staff_tracks(user) -> QuerySet[Track]:
    """Tracks a staff member works on: all for programme admins, their secretariat's for staff."""
    if roles.has_role(user, roles.PROGRAMME_ADMIN):
        return Track.objects.all()
    if roles.has_role(user, roles.SECRETARIAT_STAFF):
        return Track.objects.filter(is_member(user, "secretariat"))
    return Track.objects.none()


def programme_admins() -> QuerySet[User]:
    """The active programme admins (and superusers): who is told when no secretariat is."""
    return User.objects.filter(
        Q(groups__name=roles.PROGRAMME_ADMIN) | Q(is_superuser=True), is_active=True
    ).distinct()


def secretariat_staff_of(track: Track | None) -> QuerySet[User]:
    """The active secretariat staff who work on ``track``: who is told of its applicants' and
    contractors' moves. The programme admins when the track has no secretariat (or there is no
    track: a project from before the portal)."""
    if track is None or not track.secretariat_id:
        return programme_admins()
    return User.objects.filter(
        memberships__organization=track.secretariat_id,
        groups__name=roles.SECRETARIAT_STAFF,
        is_active=True,
    ).distinct()


def is_staff_of_track(user, track: Track) -> bool:
    if roles.has_role(user, roles.PROGRAMME_ADMIN):
        return True
    if not roles.has_role(user, roles.SECRETARIAT_STAFF) or track is None:
        return False
    return track.secretariat.memberships.filter(user=user).exists()


PUBLIC_STATUS_LABELS = {
    "upcoming": pgettext_lazy("call status", "Upcoming"),
    "open": pgettext_lazy("call status", "Open"),
    "closed": pgettext_lazy("call status", "Closed"),
}


def public_call_status(call: Call, now=None) -> str:
    """upcoming, open or closed, as a visitor should read it; the server clock decides."""
    now = now or timezone.now()
    if call.status == Call.Status.PUBLISHED or (
        call.status == Call.Status.OPEN and now < call.opens_at
    ):
        return "upcoming"
    if call.is_accepting_applications:
        return "open"
    return "closed"


def public_calls() -> QuerySet[Call]:
    """Calls the public may see (not drafts), with their tracks."""
    return (
        Call.objects.exclude(status=Call.Status.DRAFT)
        .filter(~Q(kind=Call.Kind.CONTRACTOR_SELECTION) | Q(status__in=[Call.Status.OPEN]))
        .prefetch_related("tracks")
        .order_by("-year", "-opens_at")
    )


def events(*, upcoming: bool | None = None, queryset: QuerySet[Event] | None = None):
    """The programme's events; ``upcoming`` True keeps those not over yet on today's date in
    Korea (the programme's clock, not the visitor's), False those already over."""
    from zoneinfo import ZoneInfo

    from django.conf import settings
    from django.utils import timezone

    queryset = Event.objects.select_related("city__country") if queryset is None else queryset
    if upcoming is None:
        return queryset
    today = timezone.now().astimezone(ZoneInfo(settings.PROGRAMME_TIME_ZONE)).date()
    return queryset.filter(ends_on__gte=today) if upcoming else queryset.filter(ends_on__lt=today)


def public_portfolio() -> QuerySet[Project]:
    """The funded projects the public sees, on the portfolio pages, the open-data API and the
    programme statistics: every project from before the portal, and each project awarded
    through it once its award is approved (``Project.is_public``, kept by the award lifecycle:
    not while the award is only proposed and may still change) unless it was cancelled.
    Staff follow every project through ``projects_for_staff``."""
    return Project.objects.filter(
        Q(source=Project.Source.HISTORICAL)
        | (Q(is_public=True) & ~Q(status=Project.Status.CANCELLED))
    )


def public_cities(*, including: Iterable[int | None] = ()) -> QuerySet[City]:
    """The cities anyone may see listed: those of the public portfolio and of the programme's
    events, and those staff checked (their coordinates are set: an applicant typing a new city
    gives only its name, ``applications.services.save_application_section``). A city only
    typed into an application, draft or submitted, is not listed; ``including`` adds cities
    by id (an applicant's own choices on their application, a city they typed in included)."""
    shown = (
        Q(pk__in=public_portfolio().filter(city__isnull=False).values("city"))
        | Q(pk__in=Event.objects.filter(city__isnull=False).values("city"))
        | Q(latitude__isnull=False, longitude__isnull=False)
    )
    own = [pk for pk in including if pk is not None]
    return City.objects.filter(shown | Q(pk__in=own) if own else shown)


def cities_for_user(user) -> QuerySet[City]:
    """The cities ``user`` may see listed: every city for staff (``accounts.view_staff_area``),
    ``public_cities`` for everyone else (the public API)."""
    if user.has_perm(VIEW_STAFF_AREA):
        return City.objects.all()
    return public_cities()


def projects_for_staff(user) -> QuerySet[Project]:
    """Funded projects the user may follow: programme admins all; secretariat staff those
    awarded on their tracks; nobody else any."""
    qs = Project.objects.select_related(
        "country", "city", "contractor", "partner", "award__application__track"
    )
    if roles.has_role(user, roles.PROGRAMME_ADMIN):
        return qs
    if roles.has_role(user, roles.SECRETARIAT_STAFF):
        return qs.filter(award__application__track__in=staff_tracks(user))
    return qs.none()


# --- A track's documents ---------------------------------------------------------------------


def default_requirement(track: Track, kind: str, *, order: int = 0) -> DocumentRequirement:
    """An unsaved requirement of ``kind`` as the portal asked for it before staff configured
    documents: the kind's own name in English and Korean, every format, the site's limit."""
    label = dict(DocumentKind.choices).get(kind, kind)
    with translation.override("en"):
        name = str(label)
    with translation.override(KOREAN):
        name_ko = str(label)
    return DocumentRequirement(
        track=track,
        kind=kind,
        name=name,
        name_ko=name_ko if name_ko != name else "",
        is_required=True,
        order=order,
    )


def document_requirements(track: Track) -> list[DocumentRequirement]:
    """The documents ``track`` asks for, in the track's order: the configured requirements.

    A track nobody configured documents for (made by code with only ``required_documents``,
    like a contractor selection or the demo's history) asks for its listed kinds as before
    (``default_requirement``, unsaved). Uses ``track.document_requirements`` as prefetched,
    so a list page prefetches ``track__document_requirements`` once."""
    configured = list(track.document_requirements.all())
    if configured:
        return configured
    return [
        default_requirement(track, kind, order=order)
        for order, kind in enumerate(dict.fromkeys(track.required_documents or []), start=1)
    ]


def required_document_kinds(track: Track) -> list[str]:
    """The kinds an application of ``track`` must carry, in order (what
    ``Track.required_documents`` holds)."""
    return [r.kind for r in document_requirements(track) if r.is_required]


def document_requirement(track: Track, kind: str) -> DocumentRequirement | None:
    """The requirement of ``kind`` on ``track``, configured or as before; None if not asked for."""
    return next((r for r in document_requirements(track) if r.kind == kind), None)


def document_kind_label(track: Track, kind: str) -> str:
    """What a document of ``kind`` is, in the reader's language: the label of a standard kind,
    or the name the track's staff gave a document of its own (one query, unless the track's
    requirements were prefetched)."""
    standard = standard_document_kind_label(kind)
    if standard is not None:
        return standard
    requirement = document_requirement(track, kind)
    if requirement is None:  # a requirement removed while drafts held its documents
        return str(DocumentKind.OTHER.label)
    return requirement.display_name


def upload_limits(track: Track, kind: str) -> dict:
    """What a file of ``kind`` uploaded to an application of ``track`` is checked against
    (``core.uploads.validate_upload``'s ``formats`` and ``max_size``); the site's defaults for
    a kind the track does not ask for."""
    requirement = document_requirement(track, kind)
    return requirement.upload_limits() if requirement is not None else {}


def submitted_document_kinds(track: Track) -> set[str]:
    """Kinds of document already handed in on ``track``: on an application that is no longer
    a draft. Such a requirement stays (applicants answered it)."""
    from django.apps import apps

    # The document model lives above this app; asked by name, never imported.
    Document = apps.get_model("applications", "Document")
    return set(
        Document.objects.filter(application__track=track, application__submitted_at__isnull=False)
        .values_list("kind", flat=True)
        .distinct()
    )


def submitted_application_count(track: Track) -> int:
    """How many applications of ``track`` have been submitted (whatever became of them since).
    Their submission was checked against the form as it was: a question or document required
    from now on is asked of them only where a clarification request reopens its section
    (``applications.services.answer_clarification``), which the design pages warn of."""
    # Through the reverse relation: the application model lives above this app.
    return track.applications.filter(submitted_at__isnull=False).count()


def can_view_call(user, call: Call) -> bool:
    """Whether ``user`` may see ``call``: anyone for a public call, its staff for a draft."""
    if public_calls().filter(pk=call.pk).exists():
        return True
    return roles.has_role(user, roles.PROGRAMME_ADMIN) or any(
        is_staff_of_track(user, track) for track in call.tracks.all()
    )


def calls_for_staff(user) -> QuerySet[Call]:
    """Calls a staff member configures: every call for programme admins, none for others."""
    if roles.has_role(user, roles.PROGRAMME_ADMIN):
        return Call.objects.prefetch_related("tracks").order_by("-year", "-opens_at")
    return Call.objects.none()


# --- The application form as an applicant will see it (staff preview) ------------------------


@dataclass
class PreviewSection:
    """One section of a track's application form, for the staff preview: a read-only ``form``
    (fields disabled), or the track's ``documents``, or neither (a section whose content the
    app that owns it has not given, shown as a placeholder)."""

    key: str
    label: str
    form: object = None
    documents: list = field(default_factory=list)


#: Builders of a track's form preview, ``builder(track, stage) -> list[PreviewSection]``, registered
#: by the app that owns the applicant's form (``applications``) in its ``AppConfig.ready``.
FORM_PREVIEWS: list = []


def register_form_preview(builder) -> None:
    """Add a builder to ``form_preview`` (once)."""
    if builder not in FORM_PREVIEWS:
        FORM_PREVIEWS.append(builder)


def form_preview(track: Track, stage: str = Stage.FULL) -> list[PreviewSection]:
    """The sections of ``track``'s application form in order (of ``stage`` on a two-stage
    call: the concept note or the full proposal), from the registered builders; without any
    (the applicant's app not installed), the documents alone."""
    sections = [section for builder in FORM_PREVIEWS for section in builder(track, stage)]
    if not sections:
        sections = [
            PreviewSection("documents", _("Documents"), documents=document_requirements(track))
        ]
    return sections
