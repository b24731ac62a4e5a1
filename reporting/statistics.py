"""Programme statistics, computed from the database.

The only stored figures are the intake numbers of the years before the portal
(``Call.reported_applications`` / ``reported_applicant_countries``), used for a year whose calls
hold no portal application. Everything else is counted from applications and the public
portfolio (``projects.selectors.public_portfolio``: no project whose award is only proposed or
was cancelled).
"""

from django.db.models import Max, Sum

from applications.models import Application
from projects.models import Call
from projects.selectors import public_portfolio

# Calls whose applications are proposals to the programme (a contractor selection is not).
PROGRAMME_CALL_KINDS = (Call.Kind.ANNUAL, Call.Kind.ROLLING)


def programme_stats(year: int) -> dict[str, int]:
    """The programme's figures for one year and the cumulative portfolio up to that year.

    ``applications`` and ``applicant_countries`` count submitted proposals (not drafts or
    withdrawals) to the year's programme calls; ``selected`` and ``selected_countries`` count
    the funded projects of the public portfolio selected that year (historical and portal);
    the ``cumulative_*`` figures count those of that year and before. Reads only.
    """
    submitted = Application.objects.filter(
        call__year=year,
        call__kind__in=PROGRAMME_CALL_KINDS,
        status__in=Application.SUBMITTED_STATUSES,
    )
    applications = submitted.count()
    if applications:
        applicant_countries = (
            submitted.filter(country__isnull=False).values("country").distinct().count()
        )
    else:
        reported = Call.objects.filter(year=year, kind__in=PROGRAMME_CALL_KINDS).aggregate(
            applications=Sum("reported_applications"),
            countries=Max("reported_applicant_countries"),
        )
        applications = reported["applications"] or 0
        applicant_countries = reported["countries"] or 0

    of_year = public_portfolio().filter(year=year)
    up_to_year = public_portfolio().filter(year__lte=year)
    return {
        "applications": applications,
        "applicant_countries": applicant_countries,
        "selected": of_year.count(),
        "selected_countries": of_year.values("country").distinct().count(),
        "cumulative_projects": up_to_year.count(),
        "cumulative_countries": up_to_year.values("country").distinct().count(),
        "cumulative_cities": up_to_year.filter(city__isnull=False)
        .values("city")
        .distinct()
        .count(),
    }


def programme_years() -> list[int]:
    """Every year that has a published programme call (a draft is not public:
    ``projects.selectors.public_calls``) or a funded project, oldest first."""
    years = set(
        Call.objects.filter(kind__in=PROGRAMME_CALL_KINDS)
        .exclude(status=Call.Status.DRAFT)
        .values_list("year", flat=True)
    ) | set(public_portfolio().values_list("year", flat=True))
    return sorted(years)


def programme_stats_by_year() -> list[dict]:
    """``programme_stats`` for every programme year, each with its ``year``; oldest first."""
    return [{"year": year, **programme_stats(year)} for year in programme_years()]
