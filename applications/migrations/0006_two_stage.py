from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("applications", "0005_tags"),
    ]

    operations = [
        migrations.AddField(
            model_name="application",
            name="concept_submitted_at",
            field=models.DateTimeField(
                blank=True, null=True, verbose_name="concept note submitted at"
            ),
        ),
        migrations.AddField(
            model_name="application",
            name="shortlisted_at",
            field=models.DateTimeField(
                blank=True, null=True, verbose_name="invited to the full proposal at"
            ),
        ),
        migrations.AddField(
            model_name="application",
            name="stage",
            field=models.CharField(
                choices=[("concept", "Concept note"), ("full", "Full proposal")],
                default="full",
                max_length=10,
                verbose_name="stage",
            ),
        ),
        migrations.AddField(
            model_name="question",
            name="stage",
            field=models.CharField(
                choices=[("concept", "Concept note"), ("full", "Full proposal")],
                default="full",
                help_text="Two-stage calls: asked in the concept note, or only in the full proposal. On a one-stage call every question is asked at once.",
                max_length=10,
                verbose_name="stage",
            ),
        ),
        migrations.AlterField(
            model_name="application",
            name="status",
            field=models.CharField(
                choices=[
                    ("draft", "Draft"),
                    ("submitted", "Submitted"),
                    ("clarification", "Clarification requested"),
                    ("eligible", "Eligible"),
                    ("ineligible", "Ineligible"),
                    ("under_review", "Under review"),
                    ("reviewed", "Reviewed"),
                    ("selected", "Selected"),
                    ("reserve", "Reserve list"),
                    ("rejected", "Not selected"),
                    ("awarded", "Awarded"),
                    ("withdrawn", "Withdrawn"),
                    ("concept_submitted", "Concept note submitted"),
                    ("not_shortlisted", "Not shortlisted"),
                ],
                default="draft",
                max_length=20,
                verbose_name="status",
            ),
        ),
    ]
