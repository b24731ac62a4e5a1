"""Projects whose award is still proposed, or was cancelled, leave the public portfolio
(``projects.Project.is_public``, kept from now on by ``awards.lifecycle.move_award``)."""

from django.db import migrations


def hide_unapproved(apps, schema_editor):
    Award = apps.get_model("awards", "Award")
    Project = apps.get_model("projects", "Project")
    hidden = Award.objects.filter(
        status__in=["proposed", "cancelled"], project__isnull=False
    ).values("project_id")
    Project.objects.filter(pk__in=hidden).update(is_public=False)


class Migration(migrations.Migration):
    dependencies = [
        ("awards", "0004_deliverable_version_company"),
        ("projects", "0010_project_is_public"),
    ]

    operations = [migrations.RunPython(hide_unapproved, migrations.RunPython.noop)]
