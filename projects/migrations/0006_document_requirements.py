"""Document requirements per track, configured by staff (issue 14).

Every existing track's ``required_documents`` (a list of kinds) becomes one required
``DocumentRequirement`` per kind, in the same order, with the kind's own name in English and
Korean, every format and the site's size limit: what the applicants of existing calls were
asked for stays exactly what they are asked for. Going back deletes the rows; the list on the
track was never changed, so nothing is lost.
"""

import django.db.models.deletion
from django.db import migrations, models

import core.bilingual
import projects.models

# The kinds' names as the portal showed them when this migration was written (English and the
# glossary's Korean): a migration does not follow later changes of the code's labels.
KIND_NAMES = {
    "letter_of_intent": ("Letter of intent", "참여의향서"),
    "concept_paper": ("Project concept paper", "사업 개념서"),
    "site_map": ("Site map", "대상지 지도"),
    "consortium_agreement": ("Consortium agreement", "컨소시엄 협약서"),
    "company_profile": ("Company profile", "회사 소개서"),
    "budget_sheet": ("Budget sheet", "예산표"),
    "other": ("Other", "기타"),
}
ALL_FORMATS = ["pdf", "docx", "xlsx", "png", "jpeg"]


def requirements_from_lists(apps, schema_editor):
    Track = apps.get_model("projects", "Track")
    DocumentRequirement = apps.get_model("projects", "DocumentRequirement")
    rows = []
    for track in Track.objects.order_by("pk").iterator():
        seen = set()
        for order, kind in enumerate(track.required_documents or [], start=1):
            if kind in seen:  # a kind listed twice was asked for once
                continue
            seen.add(kind)
            name, name_ko = KIND_NAMES.get(kind, (kind, ""))
            rows.append(
                DocumentRequirement(
                    track_id=track.pk,
                    kind=kind,
                    name=name,
                    name_ko=name_ko,
                    formats=list(ALL_FORMATS),
                    is_required=True,
                    order=order,
                )
            )
    DocumentRequirement.objects.bulk_create(rows, batch_size=500)


def remove_requirements(apps, schema_editor):
    apps.get_model("projects", "DocumentRequirement").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0005_project_summary_ko"),
    ]

    operations = [
        migrations.CreateModel(
            name="DocumentRequirement",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("letter_of_intent", "Letter of intent"),
                            ("concept_paper", "Project concept paper"),
                            ("site_map", "Site map"),
                            ("consortium_agreement", "Consortium agreement"),
                            ("company_profile", "Company profile"),
                            ("budget_sheet", "Budget sheet"),
                            ("other", "Other"),
                        ],
                        max_length=32,
                        verbose_name="kind",
                    ),
                ),
                ("name", models.CharField(max_length=200, verbose_name="name")),
                (
                    "name_ko",
                    models.CharField(blank=True, max_length=200, verbose_name="name in Korean"),
                ),
                (
                    "formats",
                    models.JSONField(
                        default=projects.models.all_formats,
                        help_text="The file formats applicants may upload for this document.",
                        verbose_name="accepted formats",
                    ),
                ),
                (
                    "max_size_mb",
                    models.PositiveSmallIntegerField(
                        blank=True,
                        help_text="Empty: the site's limit. Never above the site's limit.",
                        null=True,
                        verbose_name="maximum size (MB)",
                    ),
                ),
                (
                    "template",
                    models.FileField(
                        blank=True,
                        help_text=(
                            "A form or model document applicants download and fill in (optional)."
                        ),
                        upload_to=projects.models.requirement_template_upload_to,
                        verbose_name="template",
                    ),
                ),
                (
                    "template_name",
                    models.CharField(
                        blank=True, max_length=255, verbose_name="template file name"
                    ),
                ),
                (
                    "is_required",
                    models.BooleanField(
                        default=True,
                        help_text="An application cannot be submitted without a required document.",
                        verbose_name="required",
                    ),
                ),
                ("order", models.PositiveSmallIntegerField(default=0, verbose_name="order")),
                (
                    "track",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="document_requirements",
                        to="projects.track",
                        verbose_name="track",
                    ),
                ),
            ],
            options={
                "verbose_name": "document requirement",
                "verbose_name_plural": "document requirements",
                "ordering": ["track", "order", "id"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("track", "kind"), name="projects_documentrequirement_unique_kind"
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("max_size_mb__isnull", True), ("max_size_mb__gte", 1), _connector="OR"
                        ),
                        name="projects_documentrequirement_max_size_positive",
                    ),
                ],
            },
            bases=(core.bilingual.BilingualMixin, models.Model),
        ),
        migrations.AlterField(
            model_name="track",
            name="required_documents",
            field=models.JSONField(
                blank=True,
                default=list,
                help_text=(
                    "Document kinds every application must carry before it can be submitted; "
                    "kept in step with the track's document requirements."
                ),
                verbose_name="required documents",
            ),
        ),
        migrations.RunPython(requirements_from_lists, remove_requirements, elidable=False),
    ]
