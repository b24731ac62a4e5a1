"""Public pages: the calls with their tracks, the portfolio of funded projects, and the
programme's events."""

from django.db.models import Prefetch
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from core import uploads
from core.middleware import mark_public
from core.storage import open_stored
from projects import selectors
from projects.models import (
    Call,
    DocumentRequirement,
    Event,
    EventMaterial,
    EventParticipant,
    Track,
)
from projects.rules import VIEW_CALL
from projects.selectors import PUBLIC_STATUS_LABELS, public_call_status, public_calls


def _tracks_prefetch():
    # Criteria come through the reverse relation in their own order (track, order, id): the
    # catalogue shows them without importing the review app.
    return Prefetch(
        "tracks",
        queryset=Track.objects.order_by("order", "id").prefetch_related(
            "criteria", "document_requirements"
        ),
    )


def _with_public_status(call: Call, now) -> Call:
    """The call with the status a visitor reads (upcoming, open, closed: the server's clock
    decides, ``public_call_status``) and its label, the same on every public page."""
    call.public_status = public_call_status(call, now)
    call.public_status_label = PUBLIC_STATUS_LABELS[call.public_status]
    return call


def _decorate(call: Call, now) -> Call:
    _with_public_status(call, now)
    for track in call.tracks.all():
        # The names the track's staff gave its required documents.
        track.required_document_labels = [
            r.display_name for r in selectors.document_requirements(track) if r.is_required
        ]
        track.total_points = sum(c.max_points for c in track.criteria.all())
    return call


def home(request):
    """The public front page: open and upcoming calls, and the way in for each role."""
    now = timezone.now()
    calls = [_with_public_status(call, now) for call in public_calls()[:6]]
    return render(request, "home.html", {"calls": calls})


def call_list(request):
    """Every published call with its tracks: status, dates, budgets, eligibility, criteria."""
    now = timezone.now()
    calls = [
        _decorate(call, now)
        for call in public_calls().prefetch_related(None).prefetch_related(_tracks_prefetch())
    ]
    return render(request, "projects/public/call_list.html", {"calls": calls})


def call_detail(request, slug):
    """One call: its tracks in full, and the way to apply while it is open."""
    call = get_object_or_404(
        public_calls()
        .prefetch_related(None)
        # The secretariats' notices to the tracks' applicants come through the reverse relation
        # (applications.ApplicantNotice), as the criteria do: those published on this page.
        .prefetch_related(_tracks_prefetch(), "tracks__applicant_notices"),
        slug=slug,
    )
    _decorate(call, timezone.now())
    updates = [
        (track, notice)
        for track in call.tracks.all()
        for notice in track.applicant_notices.all()
        if notice.public
    ]
    updates.sort(key=lambda pair: pair[1].sent_at, reverse=True)
    return render(request, "projects/public/call_detail.html", {"call": call, "updates": updates})


def portfolio(request):
    """The funded projects the public sees (``selectors.public_portfolio``), newest first."""
    public = selectors.public_portfolio()
    projects = public.select_related("country", "city").order_by("-year", "code")
    years = list(public.order_by("-year").values_list("year", flat=True).distinct())
    # Only a year the filter offers: anything else ("²", which ``isdigit`` accepts and ``int``
    # refuses, or a year with no project) shows every project, as "All years" says.
    year = request.GET.get("year", "")
    if year in {str(y) for y in years}:
        projects = projects.filter(year=int(year))
    else:
        year = ""
    return render(
        request,
        "projects/public/portfolio.html",
        {"projects": projects, "years": years, "year": year},
    )


def project_detail(request, code):
    project = get_object_or_404(
        selectors.public_portfolio().select_related("country", "city", "partner", "contractor"),
        code=code,
    )
    return render(request, "projects/public/project_detail.html", {"project": project})


def _event_details(queryset):
    """Each event with the funded projects it concerns, who took part and its materials, in a
    fixed number of queries whatever the number of events."""
    return queryset.prefetch_related(
        Prefetch(
            "projects",
            queryset=selectors.public_portfolio()
            .select_related("country", "city")
            .order_by("-year", "code"),
        ),
        Prefetch(
            "participants",
            queryset=EventParticipant.objects.select_related("country").order_by("name", "pk"),
        ),
        Prefetch("materials", queryset=EventMaterial.objects.order_by("title", "pk")),
    )


def events(request):
    """Workshops, road shows and conferences: those still to come first, then the past ones,
    optionally of one kind; each with its partners (the World Bank, IDB…), the funded projects
    it concerns, who took part and its materials to download."""
    kind = request.GET.get("kind", "")
    queryset = _event_details(selectors.events())
    if kind in Event.Kind.values:
        queryset = queryset.filter(kind=kind)
    else:
        kind = ""
    return render(
        request,
        "projects/public/events.html",
        {
            "upcoming": selectors.events(upcoming=True, queryset=queryset).order_by(
                "starts_on", "pk"
            ),
            "past": selectors.events(upcoming=False, queryset=queryset).order_by(
                "-starts_on", "pk"
            ),
            "kinds": Event.Kind.choices,
            "kind": kind,
        },
    )


def document_template(request, slug, pk):
    """A document's template, as an attachment, to anyone who may see the call
    (``projects.view_call``: everyone for a published call, its staff for a draft); 404 to
    others, so a draft call's templates do not even show that they exist. A published call's
    template is a public asset (cacheable); a draft's is never cached, as every attachment."""
    requirement = get_object_or_404(
        DocumentRequirement.objects.select_related("track__call"), pk=pk, track__call__slug=slug
    )
    if not requirement.template or not request.user.has_perm(VIEW_CALL, requirement.track.call):
        raise Http404
    name = requirement.template_name or "template"
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    kind = next((k for k in uploads.ALLOWED if f".{extension}" in k.extensions), None)
    response = FileResponse(
        open_stored(requirement.template),
        as_attachment=True,
        filename=name,
        content_type=kind.content_type if kind else "application/octet-stream",
    )
    if public_calls().filter(pk=requirement.track.call_id).exists():
        mark_public(response)
    return response


def event_material(request, pk):
    """An event's material, as an attachment, to anyone: every event is public on the events
    page once recorded, and so is what is attached to it (``projects.services``, "Events")."""
    material = get_object_or_404(EventMaterial, pk=pk)
    response = FileResponse(
        open_stored(material.file),
        as_attachment=True,
        filename=material.original_name or "material",
        content_type=material.content_type or "application/octet-stream",
    )
    return mark_public(response)
