"""``manage.py apply_retention [--dry-run]``: the retention job by hand (docs/privacy.md)."""

from django.core.management.base import BaseCommand

from accounts import privacy


class Command(BaseCommand):
    help = "Anonymise personal data past its retention period (--dry-run: only count)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Print how many objects of each kind are due; change nothing.",
        )

    def handle(self, *args, dry_run=False, **options):
        counts = privacy.plan_retention() if dry_run else privacy.apply_retention()
        kinds = {kind.name: kind for kind in privacy.registered_kinds()}
        verb = "would anonymise" if dry_run else "anonymised"
        for name, count in counts.items():
            retention = kinds[name].retention.describe() if kinds[name].retention else ""
            self.stdout.write(f"{name}: {verb} {count} ({retention})")
        self.stdout.write(f"Total: {verb} {sum(counts.values())}")
