"""Print the programme's figures for a year, computed from the database."""

import json

from django.core.management.base import BaseCommand, CommandError

from reporting.statistics import programme_stats

LABELS = {
    "applications": "Applications",
    "applicant_countries": "Applicant countries",
    "selected": "Projects selected",
    "selected_countries": "Countries selected",
    "cumulative_projects": "Projects, cumulative",
    "cumulative_countries": "Countries, cumulative",
    "cumulative_cities": "Cities, cumulative",
}


class Command(BaseCommand):
    help = "Print applications, selections and the cumulative portfolio for one programme year."

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, required=True, help="Programme year, e.g. 2022.")
        parser.add_argument("--json", action="store_true", help="Print one JSON object.")

    def handle(self, *args, year: int, json: bool = False, **options):
        if not 2020 <= year <= 2100:
            raise CommandError(f"The programme started in 2020; {year} is not a programme year.")
        stats = programme_stats(year)
        if json:
            self.stdout.write(_dumps(stats))
            return
        self.stdout.write(f"K-City Network {year}")
        width = max(len(label) for label in LABELS.values())
        for key, label in LABELS.items():
            self.stdout.write(f"  {label:<{width}}  {stats[key]:>6}")


def _dumps(stats: dict) -> str:
    return json.dumps(stats)
