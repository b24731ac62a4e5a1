"""The reopened sections of a clarification request are now text in each language
(``applications.services.request_clarification``), no longer a list: a staff-edited version
of its message that still joins them (``{{ sections|join:", " }}``) would spell the text
letter by letter. Such versions print ``{{ sections }}`` instead."""

import re

from django.db import migrations

NAME = "applications/clarification_requested"
JOINED = re.compile(r"\{\{\s*sections\s*\|\s*join\s*:\s*(\"[^\"]*\"|'[^']*')\s*\}\}")


def sections_as_text(apps, schema_editor):
    MessageTemplate = apps.get_model("notifications", "MessageTemplate")
    for row in MessageTemplate.objects.filter(name=NAME):
        fields = {}
        for field in ("body_en", "body_ko"):
            text = JOINED.sub("{{ sections }}", getattr(row, field))
            if text != getattr(row, field):
                fields[field] = text
        if fields:
            MessageTemplate.objects.filter(pk=row.pk).update(**fields)


class Migration(migrations.Migration):
    dependencies = [("notifications", "0005_message_discarded")]

    operations = [migrations.RunPython(sections_as_text, migrations.RunPython.noop)]
