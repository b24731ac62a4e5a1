from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0007_after_award_events"),
    ]

    operations = [
        migrations.AddField(
            model_name="call",
            name="concept_closes_at",
            field=models.DateTimeField(
                blank=True,
                help_text="Two-stage calls: the deadline of the concept notes, after the opening and before the closing time (the full proposals' deadline).",
                null=True,
                verbose_name="concept notes close at",
            ),
        ),
        migrations.AddField(
            model_name="call",
            name="two_stage",
            field=models.BooleanField(
                default=False,
                help_text="Applicants first send a short concept note; the secretariat shortlists them and invites the shortlisted ones to complete a full proposal by the closing time.",
                verbose_name="two-stage call",
            ),
        ),
        migrations.AddField(
            model_name="documentrequirement",
            name="stage",
            field=models.CharField(
                choices=[("concept", "Concept note"), ("full", "Full proposal")],
                default="full",
                help_text="Two-stage calls: asked with the concept note, or only with the full proposal. A one-stage call asks for every document at once.",
                max_length=10,
                verbose_name="stage",
            ),
        ),
        migrations.AddConstraint(
            model_name="call",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("concept_closes_at__isnull", True),
                    models.Q(
                        ("concept_closes_at__gt", models.F("opens_at")),
                        ("concept_closes_at__lt", models.F("closes_at")),
                    ),
                    _connector="OR",
                ),
                name="projects_call_concept_deadline_within_call",
            ),
        ),
    ]
