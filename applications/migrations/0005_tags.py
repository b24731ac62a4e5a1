import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

import core.bilingual


class Migration(migrations.Migration):
    """Staff tags on applications (track- or call-scoped, colour from a fixed palette) and the
    link of each tag to each application it labels."""

    dependencies = [
        ("applications", "0004_questions"),
        ("projects", "0005_project_summary_ko"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Tag",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=60, verbose_name="name")),
                (
                    "name_ko",
                    models.CharField(blank=True, max_length=60, verbose_name="name in Korean"),
                ),
                (
                    "colour",
                    models.CharField(
                        choices=[
                            ("grey", "Grey"),
                            ("blue", "Blue"),
                            ("green", "Green"),
                            ("amber", "Amber"),
                            ("red", "Red"),
                            ("purple", "Purple"),
                        ],
                        default="grey",
                        max_length=10,
                        verbose_name="colour",
                    ),
                ),
                (
                    "created_at",
                    models.DateTimeField(
                        default=django.utils.timezone.now, verbose_name="created at"
                    ),
                ),
                (
                    "call",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="tags",
                        to="projects.call",
                        verbose_name="call",
                    ),
                ),
                (
                    "created_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="created by",
                    ),
                ),
                (
                    "track",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="tags",
                        to="projects.track",
                        verbose_name="track",
                    ),
                ),
            ],
            options={
                "verbose_name": "tag",
                "verbose_name_plural": "tags",
                "ordering": ["name", "pk"],
            },
            bases=(core.bilingual.BilingualMixin, models.Model),
        ),
        migrations.CreateModel(
            name="ApplicationTag",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "added_at",
                    models.DateTimeField(
                        default=django.utils.timezone.now, verbose_name="added at"
                    ),
                ),
                (
                    "added_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="added by",
                    ),
                ),
                (
                    "application",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="tag_links",
                        to="applications.application",
                        verbose_name="application",
                    ),
                ),
                (
                    "tag",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="links",
                        to="applications.tag",
                        verbose_name="tag",
                    ),
                ),
            ],
            options={
                "verbose_name": "application tag",
                "verbose_name_plural": "application tags",
            },
        ),
        migrations.AddField(
            model_name="tag",
            name="applications",
            field=models.ManyToManyField(
                blank=True,
                related_name="tags",
                through="applications.ApplicationTag",
                to="applications.application",
                verbose_name="applications",
            ),
        ),
        migrations.AddConstraint(
            model_name="tag",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("call__isnull", True), ("track__isnull", False)),
                    models.Q(("call__isnull", False), ("track__isnull", True)),
                    _connector="OR",
                ),
                name="applications_tag_one_scope",
            ),
        ),
        migrations.AddConstraint(
            model_name="tag",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("colour__in", ["grey", "blue", "green", "amber", "red", "purple"])
                ),
                name="applications_tag_colour_in_palette",
            ),
        ),
        migrations.AddConstraint(
            model_name="tag",
            constraint=models.UniqueConstraint(
                condition=models.Q(("track__isnull", False)),
                fields=("track", "name"),
                name="applications_tag_unique_track_name",
            ),
        ),
        migrations.AddConstraint(
            model_name="tag",
            constraint=models.UniqueConstraint(
                condition=models.Q(("call__isnull", False)),
                fields=("call", "name"),
                name="applications_tag_unique_call_name",
            ),
        ),
        migrations.AddConstraint(
            model_name="applicationtag",
            constraint=models.UniqueConstraint(
                fields=("application", "tag"), name="applications_tag_once_per_application"
            ),
        ),
    ]
