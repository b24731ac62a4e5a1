"""Dashboards: reads for the call and programme dashboards, and the server-side SVG they draw.

Charts and the map are SVG strings built here (no JavaScript, nothing from the internet): the
map decodes the bundled world-atlas TopoJSON (``static/vendor/countries-110m.json``) and draws
it in an equirectangular projection, with applicant and funded cities placed by latitude and
longitude. The programme figures come from ``reporting.statistics``.
"""

from __future__ import annotations

import json
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.db.models import Count, Q
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from applications.models import Application
from projects.models import Call, City, Country, Project, Track
from projects.selectors import staff_tracks
from reporting.statistics import programme_stats_by_year
from results.models import ApplicationResult
from reviews.models import Assignment

MAP_FILE = Path(settings.BASE_DIR) / "static" / "vendor" / "countries-110m.json"
MAP_WIDTH, MAP_HEIGHT = 960, 440
# Latitudes drawn: Antarctica is cut off; nothing the programme funds lies south of −56°.
MAP_NORTH, MAP_SOUTH = 84.0, -58.0
SCORE_BINS = [(0, 50), (50, 60), (60, 70), (70, 80), (80, 90), (90, 101)]


# --- reads -------------------------------------------------------------------------------------


def dashboard_calls_for_user(user):
    """Programme calls with at least one track the user works on (staff), newest first."""
    return (
        Call.objects.filter(tracks__in=staff_tracks(user))
        .exclude(kind=Call.Kind.CONTRACTOR_SELECTION)
        .distinct()
        .order_by("-year", "-opens_at")
    )


def call_dashboard(call: Call, user) -> dict:
    """Figures of one call over the tracks the user may see: applications by country, track
    and status (submitted ones only), review progress and official-score distribution per
    track. A fixed number of grouped queries, whatever the number of applications."""

    tracks = list(staff_tracks(user).filter(call=call).order_by("order", "id"))
    apps = Application.objects.filter(
        call=call, track__in=tracks, status__in=Application.SUBMITTED_STATUSES
    )
    # Grouped by country id, then named in the reader's language (display_name), most
    # applications first and ties in that language's alphabetical order.
    country_counts = {
        row["country"]: row["n"]
        for row in apps.values("country").annotate(n=Count("id")).order_by()
    }
    countries = Country.objects.in_bulk([pk for pk in country_counts if pk is not None])
    by_country = sorted(
        (
            (str(countries[pk].display_name) if pk in countries else "—", n)
            for pk, n in country_counts.items()
        ),
        key=lambda item: (-item[1], item[0]),
    )
    by_track = {
        row["track"]: row["n"] for row in apps.values("track").annotate(n=Count("id")).order_by()
    }
    by_status = {
        row["status"]: row["n"] for row in apps.values("status").annotate(n=Count("id")).order_by()
    }
    progress = {
        row["application__track"]: row
        for row in Assignment.objects.filter(application__in=apps)
        .values("application__track")
        .annotate(
            total=Count("id", filter=Q(status__in=Assignment.ACTIVE_STATUSES)),
            submitted=Count("id", filter=Q(status=Assignment.Status.SUBMITTED)),
        )
        .order_by()
    }
    bins = {}
    for track in tracks:
        bins[track.pk] = dict.fromkeys(range(len(SCORE_BINS)), 0)
    aggregates = {
        f"b{i}": Count("id", filter=Q(official_score__gte=low, official_score__lt=high))
        for i, (low, high) in enumerate(SCORE_BINS)
    }
    for row in (
        ApplicationResult.objects.filter(track__in=tracks)
        .values("track")
        .annotate(**aggregates)
        .order_by()
    ):
        bins[row["track"]] = {i: row[f"b{i}"] for i in range(len(SCORE_BINS))}
    statuses = dict(Application.Status.choices)
    return {
        "tracks": [
            {
                "track": t,
                "applications": by_track.get(t.pk, 0),
                "reviews_total": progress.get(t.pk, {}).get("total", 0),
                "reviews_submitted": progress.get(t.pk, {}).get("submitted", 0),
                "score_chart": bar_chart_svg(
                    [
                        (f"{low}–{min(high, 100)}", bins[t.pk][i])
                        for i, (low, high) in enumerate(SCORE_BINS)
                    ],
                    title=str(t.display_name),
                ),
            }
            for t in tracks
        ],
        "total": sum(by_track.values()),
        "countries": len(countries),
        "country_chart": bar_chart_svg(by_country, horizontal=True),
        "status_chart": bar_chart_svg(
            [(str(statuses.get(s, s)), n) for s, n in sorted(by_status.items())], horizontal=True
        ),
        "track_chart": bar_chart_svg([(t.code, by_track.get(t.pk, 0)) for t in tracks]),
    }


def programme_dashboard(*, include_applicants: bool) -> dict:
    """The programme by year and cumulatively (``programme_stats_by_year``), with charts and
    the map of funded cities (and, for staff, cities that applied)."""
    years = programme_stats_by_year()
    funded = _map_points(City.objects.filter(projects__isnull=False, latitude__isnull=False))
    applicants = []
    if include_applicants:
        applicants = _map_points(
            City.objects.filter(
                applications__status__in=Application.SUBMITTED_STATUSES,
                applications__call__kind__in=[Call.Kind.ANNUAL, Call.Kind.ROLLING],
                latitude__isnull=False,
            )
        )
    latest = years[-1] if years else {}
    return {
        "years": years,
        "latest": latest,
        "projects_by_track": list(
            Project.objects.values("track_kind").annotate(n=Count("id")).order_by("track_kind")
        ),
        "selected_chart": bar_chart_svg(
            [(str(y["year"]), y["selected"]) for y in years],
            second=[y["cumulative_projects"] for y in years],
            legend=(_("selected that year"), _("cumulative")),
        ),
        "applications_chart": bar_chart_svg([(str(y["year"]), y["applications"]) for y in years]),
        "countries_chart": bar_chart_svg(
            [(str(y["year"]), y["cumulative_countries"]) for y in years],
            second=[y["cumulative_cities"] for y in years],
            legend=(_("countries (cumulative)"), _("cities (cumulative)")),
        ),
        "map": world_map_svg(applicants=applicants, funded=funded),
        "funded_cities": len(funded),
        "applicant_cities": len(applicants),
    }


def _map_points(cities) -> list[tuple[str, Decimal, Decimal]]:
    """(name in the reader's language, latitude, longitude) of each city, for the map."""
    return [
        (str(city.display_name), city.latitude, city.longitude)
        for city in cities.distinct().only("name", "name_ko", "latitude", "longitude")
    ]


def track_kind_label(kind: str) -> str:
    return str(dict(Track.Kind.choices).get(kind, kind))


# --- SVG ---------------------------------------------------------------------------------------


def bar_chart_svg(
    items: list[tuple[str, int]],
    *,
    title: str = "",
    horizontal: bool = False,
    second: list[int] | None = None,
    legend: tuple[str, str] | None = None,
) -> SafeString:
    """A bar chart as inline SVG with a text alternative (role="img" and a <title>).

    ``second`` draws a second series beside the first (e.g. cumulative figures). Labels are
    escaped; styling comes from classes in results.css (no inline style, for the CSP).
    """
    if not items:
        return mark_safe("")
    peak = max([n for _l, n in items] + (second or [0]) + [1])
    description = "; ".join(
        f"{label}: {n}" + (f" / {second[i]}" if second else "")
        for i, (label, n) in enumerate(items)
    )
    parts = []
    if horizontal:
        row, label_w, bar_w = 22, 170, 300
        height = row * len(items) + 10
        width = label_w + bar_w + 50
        for i, (label, n) in enumerate(items):
            y = 5 + i * row
            w = round(bar_w * n / peak, 1)
            parts.append(
                f'<text class="chart-label" x="{label_w - 6}" y="{y + 14}" text-anchor="end">'
                f"{escape(str(label)[:28])}</text>"
                f'<rect class="chart-bar" x="{label_w}" y="{y + 3}" width="{w}" height="{row - 8}"/>'
                f'<text class="chart-label" x="{label_w + w + 4}" y="{y + 14}">{n}</text>'
            )
    else:
        col = 56 if second else 44
        chart_h, base = 160, 180
        width = max(col * len(items) + 20, 200)
        height = 205 + (18 if legend else 0)
        parts.append(
            f'<line class="chart-axis" x1="10" y1="{base}" x2="{width - 10}" y2="{base}"/>'
        )
        for i, (label, n) in enumerate(items):
            x = 14 + i * col
            bar = (col - 12) / (2 if second else 1)
            h = round(chart_h * n / peak, 1)
            parts.append(
                f'<rect class="chart-bar" x="{x}" y="{base - h}" width="{bar}" height="{h}"/>'
                f'<text class="chart-label" x="{x + bar / 2}" y="{base - h - 3}" text-anchor="middle">{n}</text>'
            )
            if second:
                h2 = round(chart_h * second[i] / peak, 1)
                parts.append(
                    f'<rect class="chart-bar-alt" x="{x + bar}" y="{base - h2}" width="{bar}" height="{h2}"/>'
                    f'<text class="chart-label" x="{x + bar * 1.5}" y="{base - h2 - 3}" text-anchor="middle">{second[i]}</text>'
                )
            parts.append(
                f'<text class="chart-label" x="{x + (col - 12) / 2}" y="{base + 14}" text-anchor="middle">'
                f"{escape(str(label)[:10])}</text>"
            )
        if legend:
            parts.append(
                f'<rect class="chart-bar" x="14" y="{base + 24}" width="10" height="10"/>'
                f'<text class="chart-label" x="28" y="{base + 33}">{escape(legend[0])}</text>'
                f'<rect class="chart-bar-alt" x="150" y="{base + 24}" width="10" height="10"/>'
                f'<text class="chart-label" x="164" y="{base + 33}">{escape(legend[1])}</text>'
            )
    label = escape(f"{title}: {description}" if title else description)
    return mark_safe(
        f'<svg class="chart" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'role="img" aria-label="{label}" xmlns="http://www.w3.org/2000/svg">'
        f"<title>{label}</title>{''.join(parts)}</svg>"
    )


def project(lon: float, lat: float) -> tuple[float, float]:
    """Equirectangular projection onto the map's pixel box."""
    x = (lon + 180.0) * MAP_WIDTH / 360.0
    y = (MAP_NORTH - lat) * MAP_HEIGHT / (MAP_NORTH - MAP_SOUTH)
    return round(x, 1), round(y, 1)


def decode_arcs(topology: dict) -> list[list[tuple[float, float]]]:
    """TopoJSON arcs → lists of (lon, lat): undo the delta encoding and the quantisation."""
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x += dx
            y += dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def _ring(arcs, indexes) -> list[tuple[float, float]]:
    points: list[tuple[float, float]] = []
    for index in indexes:
        arc = arcs[index] if index >= 0 else arcs[~index][::-1]
        points.extend(arc[1:] if points else arc)
    return points


@lru_cache(maxsize=1)
def land_path() -> str:
    """The SVG path of every country, decoded once per process from the bundled TopoJSON."""
    topology = json.loads(MAP_FILE.read_text(encoding="utf-8"))
    arcs = decode_arcs(topology)
    commands = []
    for geometry in topology["objects"]["countries"]["geometries"]:
        if geometry["type"] == "Polygon":
            polygons = [geometry["arcs"]]
        elif geometry["type"] == "MultiPolygon":
            polygons = geometry["arcs"]
        else:
            continue
        for polygon in polygons:
            for ring in polygon:
                points = [project(lon, lat) for lon, lat in _ring(arcs, ring)]
                if len(points) < 3:
                    continue
                commands.append("M" + "L".join(f"{x},{y}" for x, y in points) + "Z")
    return "".join(commands)


def world_map_svg(
    *, applicants: list[tuple[str, Decimal, Decimal]], funded: list[tuple[str, Decimal, Decimal]]
) -> SafeString:
    """The world with applicant cities (orange) and funded cities (green), as inline SVG."""
    dots = []
    for name, lat, lon in applicants:
        x, y = project(float(lon), float(lat))
        dots.append(
            f'<circle class="map-applicant" cx="{x}" cy="{y}" r="3.5"><title>{escape(name)}</title></circle>'
        )
    for name, lat, lon in funded:
        x, y = project(float(lon), float(lat))
        dots.append(
            f'<circle class="map-funded" cx="{x}" cy="{y}" r="4.5"><title>{escape(name)}</title></circle>'
        )
    funded_cities = ngettext("%(count)d funded city", "%(count)d funded cities", len(funded)) % {
        "count": len(funded)
    }
    if applicants:
        applicant_cities = ngettext(
            "%(count)d applicant city", "%(count)d applicant cities", len(applicants)
        ) % {"count": len(applicants)}
        label = _("World map: %(funded)s, %(applicants)s") % {
            "funded": funded_cities,
            "applicants": applicant_cities,
        }
    else:
        label = _("World map: %(funded)s") % {"funded": funded_cities}
    label = escape(label)
    return mark_safe(
        f'<svg class="chart world-map" viewBox="0 0 {MAP_WIDTH} {MAP_HEIGHT}" role="img" '
        f'aria-label="{label}" xmlns="http://www.w3.org/2000/svg"><title>{label}</title>'
        f'<path class="map-land" d="{land_path()}"/>{"".join(dots)}</svg>'
    )
