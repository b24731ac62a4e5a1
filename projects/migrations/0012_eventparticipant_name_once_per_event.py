"""One name once per event, whatever its case, held by the database.

Its own migration, after the merge (0011): on PostgreSQL an index cannot be built in the
transaction that deleted the twins while their deferred foreign-key checks are still pending.
"""

import django.db.models.functions.text
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0011_eventparticipant_merge_names_listed_twice"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name="eventparticipant",
            constraint=models.UniqueConstraint(
                django.db.models.functions.text.Lower("name"),
                models.F("event"),
                name="projects_eventparticipant_name_once_per_event",
                violation_error_message="This name is already a participant of this event.",
            ),
        ),
    ]
