"""Before one name once per event is held by the database (0012): the names listed twice merged.

``add_event_participant`` refused a second "Dr. Ana Torres" on an event, but nothing else did
(a script, the shell, rows from before the service checked). Rows already listed twice are
merged first: the earliest row is kept, takes the organisation, country and role a later twin
had where its own are empty, and the twins are deleted. The names are compared by the
database's own ``LOWER`` (what the constraint compares), not by Python's.
"""

from django.db import migrations
from django.db.models import Count
from django.db.models.functions import Lower


def merge_participants_listed_twice(apps, schema_editor):
    EventParticipant = apps.get_model("projects", "EventParticipant")
    twice = (
        EventParticipant.objects.annotate(folded=Lower("name"))
        .values("event_id", "folded")
        .annotate(rows=Count("pk"))
        .filter(rows__gt=1)
    )
    for group in twice:
        rows = list(
            EventParticipant.objects.annotate(folded=Lower("name"))
            .filter(event_id=group["event_id"], folded=group["folded"])
            .order_by("pk")
        )
        kept, twins = rows[0], rows[1:]
        for twin in twins:
            if kept.organization_id is None and twin.organization_id is not None:
                kept.organization_id = twin.organization_id
            if kept.country_id is None and twin.country_id is not None:
                kept.country_id = twin.country_id
            if not kept.role and twin.role:
                kept.role = twin.role
        kept.save(update_fields=["organization", "country", "role"])
        EventParticipant.objects.filter(pk__in=[twin.pk for twin in twins]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0010_project_is_public"),
    ]

    operations = [
        migrations.RunPython(merge_participants_listed_twice, migrations.RunPython.noop),
    ]
