from django.db import migrations, models


class Migration(migrations.Migration):
    """Optimistic locking of the application form's sections (a version and each section's
    last change), so two tabs no longer overwrite each other silently."""

    dependencies = [
        ("applications", "0002_verbose_names"),
    ]

    operations = [
        migrations.AddField(
            model_name="application",
            name="version",
            field=models.PositiveIntegerField(default=1, editable=False, verbose_name="version"),
        ),
        migrations.AddField(
            model_name="application",
            name="section_edits",
            field=models.JSONField(
                blank=True,
                default=dict,
                editable=False,
                verbose_name="last change of each section",
            ),
        ),
    ]
