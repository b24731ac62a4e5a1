from django.db import migrations, models


class Migration(migrations.Migration):
    """References are numbered by one PostgreSQL sequence per prefix (``2026-PL-``), not by
    looking up the highest stored reference under a lock: see
    ``applications.models.ReferenceSequence``. No rows are written here: a prefix's numbering
    starts at its first submission, after the highest reference already stored under it."""

    dependencies = [
        ("applications", "0006_two_stage"),
    ]

    operations = [
        migrations.CreateModel(
            name="ReferenceSequence",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("prefix", models.CharField(max_length=32, unique=True, verbose_name="prefix")),
                (
                    "started_after",
                    models.PositiveIntegerField(
                        default=0,
                        help_text=(
                            "The highest number stored under the prefix when its numbering started."
                        ),
                        verbose_name="started after",
                    ),
                ),
            ],
            options={
                "verbose_name": "reference numbering",
                "verbose_name_plural": "reference numberings",
            },
        ),
    ]
