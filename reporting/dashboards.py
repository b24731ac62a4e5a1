"""Dashboards: reads for the call and programme dashboards, and the server-side SVG they draw.

Charts and the map are SVG strings built here (no JavaScript, nothing from the internet): the
map decodes the bundled world-atlas TopoJSON (``static/vendor/countries-110m.json``) and draws
it in an equirectangular projection, with applicant and funded cities placed by latitude and
longitude as numbered markers that a list beside the map names. Each chart comes with its
figures as a table (``Chart``). The programme figures come from ``reporting.statistics``.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from unicodedata import east_asian_width

from django.conf import settings
from django.db.models import Count, Q
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from applications import stages
from applications.models import Application
from projects.models import Call, City, Country, Track
from projects.selectors import public_portfolio, staff_tracks
from reporting.execution import paid_and_awarded_by_year
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
    track; for a two-stage call, both stages per track and in all (``stages.StageCounts``:
    concept notes received, shortlisted, full proposals submitted). A fixed number of grouped
    queries, whatever the number of applications."""

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
    # Over the applications counted above: a result row outlives an application withdrawn
    # after the aggregation until the next one runs.
    for row in (
        ApplicationResult.objects.filter(track__in=tracks, application__in=apps)
        .values("track")
        .annotate(**aggregates)
        .order_by()
    ):
        bins[row["track"]] = {i: row[f"b{i}"] for i in range(len(SCORE_BINS))}
    statuses = dict(Application.Status.choices)
    by_stage = (
        stages.stage_counts_by_track(Application.objects.filter(call=call, track__in=tracks))
        if call.two_stage
        else {}
    )
    return {
        "two_stage": call.two_stage,
        "stage_totals": sum(by_stage.values(), stages.StageCounts()),
        "tracks": [
            {
                "track": t,
                "stages": by_stage.get(t.pk, stages.StageCounts()),
                "applications": by_track.get(t.pk, 0),
                "reviews_total": progress.get(t.pk, {}).get("total", 0),
                "reviews_submitted": progress.get(t.pk, {}).get("submitted", 0),
                "score_chart": bar_chart(
                    [
                        (f"{low}–{min(high, 100)}", bins[t.pk][i])
                        for i, (low, high) in enumerate(SCORE_BINS)
                    ],
                    title=_("Official scores: %(track)s") % {"track": t.display_name},
                    label_heading=_("Score"),
                    value_heading=_("Applications"),
                ),
            }
            for t in tracks
        ],
        "total": sum(by_track.values()),
        "countries": len(countries),
        "country_chart": bar_chart(
            by_country,
            horizontal=True,
            title=_("Applications by country"),
            label_heading=_("Country"),
            value_heading=_("Applications"),
        ),
        "status_chart": bar_chart(
            [(str(statuses.get(s, s)), n) for s, n in sorted(by_status.items())],
            horizontal=True,
            title=_("Applications by status"),
            label_heading=_("Status"),
            value_heading=_("Applications"),
        ),
        "track_chart": bar_chart(
            [(t.code, by_track.get(t.pk, 0)) for t in tracks],
            title=_("Applications by track"),
            label_heading=_("Track"),
            value_heading=_("Applications"),
        ),
    }


def programme_dashboard(*, include_applicants: bool, user=None) -> dict:
    """The programme by year and cumulatively (``programme_stats_by_year``), with charts and
    the map of funded cities (and, for staff, the cities that applied to the tracks ``user``
    works on: ``staff_tracks``, every track for programme admins, none for anyone else)."""
    years = programme_stats_by_year()
    funded = _map_points(
        City.objects.filter(pk__in=public_portfolio().values("city"), latitude__isnull=False)
    )
    applicants = []
    if include_applicants:
        applied = Application.objects.filter(
            status__in=Application.SUBMITTED_STATUSES,
            call__kind__in=[Call.Kind.ANNUAL, Call.Kind.ROLLING],
            track__in=staff_tracks(user) if user is not None else Track.objects.none(),
        )
        applicants = _map_points(
            City.objects.filter(pk__in=applied.values("city"), latitude__isnull=False)
        )
    latest = years[-1] if years else {}
    markers = map_markers(applicants=applicants, funded=funded)
    return {
        "years": years,
        "latest": latest,
        "projects_by_track": list(
            public_portfolio().values("track_kind").annotate(n=Count("id")).order_by("track_kind")
        ),
        "selected_chart": bar_chart(
            [(str(y["year"]), y["selected"]) for y in years],
            second=[y["cumulative_projects"] for y in years],
            legend=(_("selected that year"), _("cumulative")),
            title=_("Projects selected per year and cumulatively"),
            label_heading=_("Year"),
            value_heading=_("Projects"),
        ),
        "applications_chart": bar_chart(
            [(str(y["year"]), y["applications"]) for y in years],
            title=_("Applications per year"),
            label_heading=_("Year"),
            value_heading=_("Applications"),
        ),
        "countries_chart": bar_chart(
            [(str(y["year"]), y["cumulative_countries"]) for y in years],
            second=[y["cumulative_cities"] for y in years],
            legend=(_("countries (cumulative)"), _("cities (cumulative)")),
            title=_("Countries and cities, cumulative"),
            label_heading=_("Year"),
            value_heading=_("Countries"),
        ),
        "map": world_map_svg(applicants=applicants, funded=funded, markers=markers),
        "map_markers": markers,
        "funded_cities": len(funded),
        "applicant_cities": len(applicants),
    }


def paid_vs_awarded_chart(user) -> Chart:
    """Won awarded and paid per selection year over the projects the user may follow
    (``reporting.execution``), in millions of won so that a bar's label stays short; the
    execution table has the exact figures."""
    years = paid_and_awarded_by_year(user)
    return bar_chart(
        [(str(row.year), _millions(row.awarded)) for row in years],
        second=[_millions(row.paid) for row in years],
        legend=(_("awarded"), _("paid")),
        title=_("Awarded and paid per year (KRW million)"),
        label_heading=_("Year"),
        value_heading=_("KRW million"),
    )


def _millions(won: int) -> int:
    """Whole millions of won, rounded half up."""
    return (won + 500_000) // 1_000_000


def _map_points(cities) -> list[tuple[str, float, float, str]]:
    """(name, latitude, longitude, country name) of each city in the reader's language, for
    the map and its list (the country comes in the same query)."""
    return [
        (str(city.display_name), city.latitude, city.longitude, str(city.country.display_name))
        for city in cities.distinct()
        .select_related("country")
        .only("name", "name_ko", "latitude", "longitude", "country__name", "country__name_ko")
    ]


def track_kind_label(kind: str) -> str:
    return str(dict(Track.Kind.choices).get(kind, kind))


# --- charts ------------------------------------------------------------------------------------
#
# Hand-written SVG rather than a chart library: the portal's Content-Security-Policy forbids
# inline <style> and <script>, which the server-side SVG libraries (pygal and the like) put in
# every chart they draw. Bar charts are little code, and this way every colour and font size is
# a class in results.css.
#
# Charts are drawn at the size they are shown (the <svg>'s width and height equal its viewBox,
# and results.css never scales a chart down), so the 12 px of CHART_FONT_PX are 12 CSS pixels on
# every screen. They are narrow enough (CHART_MAX_WIDTH) for a phone's card; a chart with more
# columns than fit scrolls sideways in its own box instead of shrinking its text. Legends are
# HTML beside the SVG (they wrap), and every chart carries its figures as a table.

CHART_FONT_PX = 12  # results.css .chart-label; the geometry below leaves room for this size
CHART_MAX_WIDTH = 300  # fits a card on a 390 px phone (page padding and card padding taken off)
# Rough advance width of a character at CHART_FONT_PX, to shorten labels that would not fit:
# Hangul and other wide characters take a full em, Latin about 0.6 of it.
WIDE_CHAR_PX, NARROW_CHAR_PX = 12.0, 7.2


@dataclass(frozen=True)
class Chart:
    """What a page needs to show one chart: its title, the SVG, the legend (CSS class of the
    swatch, label) and the same figures as a table (column headings, rows)."""

    title: str
    svg: SafeString
    headers: tuple[str, ...]
    rows: tuple[tuple, ...]
    legend: tuple[tuple[str, str], ...] = ()

    def __bool__(self) -> bool:
        return bool(self.rows)


def _text_width(text: str) -> float:
    return sum(
        WIDE_CHAR_PX if east_asian_width(char) in ("W", "F") else NARROW_CHAR_PX for char in text
    )


def fit_label(text: str, width: float) -> str:
    """``text`` shortened with "…" so that it fits ``width`` pixels at the chart font size (the
    full text stays in the chart's table and text alternative)."""
    text = str(text)
    if _text_width(text) <= width:
        return text
    while text and _text_width(text + "…") > width:
        text = text[:-1]
    return text.rstrip() + "…"


def bar_chart(
    items: list[tuple[str, int]],
    *,
    title: str,
    label_heading: str,
    value_heading: str,
    horizontal: bool = False,
    second: list[int] | None = None,
    legend: tuple[str, str] | None = None,
) -> Chart:
    """A bar chart (``bar_chart_svg``) with its title, HTML legend and table of figures.

    ``legend`` names the two series when ``second`` is given; the table then has a column for
    each series under those names."""
    headers = (label_heading, *(legend or (value_heading,)))
    rows = tuple(
        (label, n, second[i]) if second else (label, n) for i, (label, n) in enumerate(items)
    )
    return Chart(
        title=title,
        svg=bar_chart_svg(items, title=title, horizontal=horizontal, second=second),
        headers=headers,
        rows=rows,
        legend=(("chart-swatch", legend[0]), ("chart-swatch-alt", legend[1])) if legend else (),
    )


def bar_chart_svg(
    items: list[tuple[str, int]],
    *,
    title: str = "",
    horizontal: bool = False,
    second: list[int] | None = None,
) -> SafeString:
    """A bar chart as inline SVG with a text alternative (role="img" and a <title>).

    ``second`` draws a second series beside the first (e.g. cumulative figures). A horizontal
    chart puts each label on its own line above its bar, so long country names fit a phone.
    Labels are escaped; styling comes from classes in results.css (no inline style, for the CSP).
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
        # label line, bar, gap
        row, bar_h, value_w = 40, 14, 44
        width = CHART_MAX_WIDTH
        bar_w = width - value_w
        height = row * len(items)
        for i, (label, n) in enumerate(items):
            y = i * row
            w = round(bar_w * n / peak, 1)
            parts.append(
                f'<text class="chart-label" x="0" y="{y + 14}">'
                f"{escape(fit_label(label, width))}</text>"
                f'<rect class="chart-bar" x="0" y="{y + 19}" width="{w}" height="{bar_h}"/>'
                f'<text class="chart-label" x="{w + 4}" y="{y + 31}">{n}</text>'
            )
    else:
        col = 64 if second else 44
        chart_h, base = 160, 182
        width = max(col * len(items) + 20, 200)
        height = base + 24
        parts.append(
            f'<line class="chart-axis" x1="10" y1="{base}" x2="{width - 10}" y2="{base}"/>'
        )
        for i, (label, n) in enumerate(items):
            x = 14 + i * col
            bar = (col - 12) / (2 if second else 1)
            h = round(chart_h * n / peak, 1)
            parts.append(
                f'<rect class="chart-bar" x="{x}" y="{base - h}" width="{bar}" height="{h}"/>'
                f'<text class="chart-label" x="{x + bar / 2}" y="{base - h - 4}" '
                f'text-anchor="middle">{n}</text>'
            )
            if second:
                h2 = round(chart_h * second[i] / peak, 1)
                parts.append(
                    f'<rect class="chart-bar-alt" x="{x + bar}" y="{base - h2}" width="{bar}" '
                    f'height="{h2}"/><text class="chart-label" x="{x + bar * 1.5}" '
                    f'y="{base - h2 - 4}" text-anchor="middle">{second[i]}</text>'
                )
            parts.append(
                f'<text class="chart-label" x="{x + (col - 12) / 2}" y="{base + 17}" '
                f'text-anchor="middle">{escape(fit_label(label, col - 2))}</text>'
            )
    # The value labels stand above the tallest bar: leave room for them.
    top = 0 if horizontal else 18
    label = escape(f"{title}: {description}" if title else description)
    return mark_safe(
        f'<svg class="chart" viewBox="0 -{top} {width} {height + top}" width="{width}" '
        f'height="{height + top}" role="img" aria-label="{label}" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{label}</title>{"".join(parts)}</svg>'
    )


# --- the map -----------------------------------------------------------------------------------


def project(lon: float, lat: float) -> tuple[float, float]:
    """Equirectangular projection onto the map's pixel box. Longitudes beyond ±180 (rings
    unwrapped across the date line) land outside the box, where the map's frame clips them."""
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


def ring_pieces(ring: list[tuple[float, float]]) -> list[list[tuple[float, float]]]:
    """A ring of (lon, lat) made drawable in a flat projection, as one or more rings.

    A ring that crosses the date line (Russia's Chukotka, Fiji) jumps from +180° to −180°; drawn
    as it is, that jump is a stripe across the whole map. Here each step is taken the short way
    round (longitudes unwrapped, so the ring runs on past ±180°), and the ring is drawn a second
    time shifted by 360° to fill the other edge; the map's frame clips what falls outside.
    A ring around a pole (Antarctica) does not close once unwrapped: it is closed along the
    pole's latitude. Pure: the caller projects the points."""
    if len(ring) < 3:
        return []
    unwrapped = [ring[0]]
    for lon, lat in ring[1:]:
        previous = unwrapped[-1][0]
        while lon - previous > 180:
            lon -= 360
        while lon - previous < -180:
            lon += 360
        unwrapped.append((lon, lat))
    drift = unwrapped[-1][0] - unwrapped[0][0]
    if abs(drift) > 180:
        pole = -90.0 if sum(lat for _lon, lat in ring) < 0 else 90.0
        unwrapped += [(unwrapped[-1][0], pole), (unwrapped[0][0], pole)]
    pieces = [unwrapped]
    west = min(lon for lon, _lat in unwrapped)
    east = max(lon for lon, _lat in unwrapped)
    if west < -180:
        pieces.append([(lon + 360, lat) for lon, lat in unwrapped])
    if east > 180:
        pieces.append([(lon - 360, lat) for lon, lat in unwrapped])
    return pieces


def _path(rings) -> str:
    commands = []
    for ring in rings:
        points = [project(lon, lat) for lon, lat in ring]
        commands.append("M" + "L".join(f"{x},{y}" for x, y in points) + "Z")
    return "".join(commands)


@lru_cache(maxsize=1)
def land_path() -> str:
    """The SVG path of every country, decoded once per process from the bundled TopoJSON.
    Rings entirely south of the map's edge (Antarctica) are left out."""
    topology = json.loads(MAP_FILE.read_text(encoding="utf-8"))
    arcs = decode_arcs(topology)
    rings = []
    for geometry in topology["objects"]["countries"]["geometries"]:
        if geometry["type"] == "Polygon":
            polygons = [geometry["arcs"]]
        elif geometry["type"] == "MultiPolygon":
            polygons = geometry["arcs"]
        else:
            continue
        for polygon in polygons:
            for indexes in polygon:
                ring = _ring(arcs, indexes)
                if ring and max(lat for _lon, lat in ring) < MAP_SOUTH:
                    continue
                rings.extend(ring_pieces(ring))
    return _path(rings)


# A marker's radius in map units (MAP_WIDTH wide; about as many CSS pixels on a desktop), and
# the distance under which cities share one numbered marker, so that markers never overlap:
# Khon Kaen, Vientiane and Mukdahan are a few pixels apart.
MARKER_RADIUS = 10
CLUSTER_PX = 2 * MARKER_RADIUS + 4


@dataclass
class MapMarker:
    """One numbered marker on the map: a city, or cities too close to tell apart."""

    number: int
    x: float
    y: float
    cities: list[dict] = field(default_factory=list)  # name, country, funded, applied

    @property
    def funded(self) -> bool:
        return any(city["funded"] for city in self.cities)

    @property
    def names(self) -> str:
        return ", ".join(city["name"] for city in self.cities)


def _point(entry) -> tuple[str, float, float, str]:
    name, lat, lon, *rest = entry
    return str(name), float(lat), float(lon), str(rest[0]) if rest else ""


def map_markers(*, applicants: list, funded: list) -> list[MapMarker]:
    """The map's markers, numbered west to east: each city once (a funded city that also
    applied is one city), and cities closer than CLUSTER_PX on the map grouped into one marker
    placed at their mean. ``applicants`` and ``funded`` hold (name, latitude, longitude) and
    optionally the country's name. Pure."""
    cities: dict[tuple, dict] = {}
    for entries, key in ((funded, "funded"), (applicants, "applied")):
        for entry in entries:
            name, lat, lon, country = _point(entry)
            city = cities.setdefault(
                (name, round(lat, 3), round(lon, 3)),
                {"name": name, "country": country, "lat": lat, "lon": lon, "funded": False},
            )
            city[key] = True
    groups: list[dict] = []
    for city in sorted(cities.values(), key=lambda c: (c["lon"], -c["lat"], c["name"])):
        x, y = project(city["lon"], city["lat"])
        for group in groups:
            if math.hypot(group["x"] - x, group["y"] - y) < CLUSTER_PX:
                group["cities"].append(city)
                points = [project(c["lon"], c["lat"]) for c in group["cities"]]
                group["x"] = round(sum(p[0] for p in points) / len(points), 1)
                group["y"] = round(sum(p[1] for p in points) / len(points), 1)
                break
        else:
            groups.append({"x": x, "y": y, "cities": [city]})
    groups.sort(key=lambda g: (g["x"], g["y"]))
    return [
        MapMarker(
            number=i,
            x=g["x"],
            y=g["y"],
            cities=sorted(g["cities"], key=lambda c: (not c["funded"], c["name"])),
        )
        for i, g in enumerate(groups, start=1)
    ]


def world_map_svg(
    *, applicants: list, funded: list, markers: list[MapMarker] | None = None
) -> SafeString:
    """The world with numbered markers: green for a funded city (or a group with one), orange
    for cities that applied; each marker's number is the entry of the list beside the map
    (``map_markers``), its <title> names its cities."""
    if markers is None:
        markers = map_markers(applicants=applicants, funded=funded)
    dots = []
    for marker in markers:
        kind = "map-funded" if marker.funded else "map-applicant"
        group = " map-group" if len(marker.cities) > 1 else ""
        radius = MARKER_RADIUS + (2 if group else 0)
        # A marker at the map's edge (Fiji, near the date line) is pulled inside the frame.
        x = min(max(marker.x, radius + 1), MAP_WIDTH - radius - 1)
        y = min(max(marker.y, radius + 1), MAP_HEIGHT - radius - 1)
        dots.append(
            f'<g class="map-marker {kind}{group}"><title>{escape(marker.names)}</title>'
            f'<circle cx="{x}" cy="{y}" r="{radius}"/>'
            f'<text class="map-number" x="{x}" y="{y + 4.5}" '
            f'text-anchor="middle">{marker.number}</text></g>'
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
    # The frame clips the copies of date-line rings (ring_pieces) to the map's box.
    return mark_safe(
        f'<svg class="world-map" viewBox="0 0 {MAP_WIDTH} {MAP_HEIGHT}" role="img" '
        f'aria-label="{label}" xmlns="http://www.w3.org/2000/svg"><title>{label}</title>'
        f'<defs><clipPath id="world-map-frame"><rect width="{MAP_WIDTH}" height="{MAP_HEIGHT}"/>'
        f'</clipPath></defs><g clip-path="url(#world-map-frame)">'
        f'<path class="map-land" d="{land_path()}"/></g>{"".join(dots)}</svg>'
    )
