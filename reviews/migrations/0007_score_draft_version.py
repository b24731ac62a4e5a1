from django.db import migrations, models


class Migration(migrations.Migration):
    """Optimistic locking of a reviewer's score draft (``Assignment.draft_version``)."""

    dependencies = [("reviews", "0006_job_one_active_and_heartbeat")]

    operations = [
        migrations.AddField(
            model_name="assignment",
            name="draft_version",
            field=models.PositiveIntegerField(
                default=1, editable=False, verbose_name="score draft version"
            ),
        ),
    ]
