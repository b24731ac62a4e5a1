"""Award moves here from the review app and Deliverable from the projects app: their tables stay as
they were (state only), and their content types follow them."""


import awards.models
import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


MOVED = {"reviews": ("award",), "projects": ("deliverable",)}


def _relabel(apps, old, new, models):
    # The content types keep their ids, so audit rows, admin log entries and permissions that
    # point at them follow the models into their new app.
    content_type = apps.get_model("contenttypes", "ContentType")
    for model in models:
        if not content_type.objects.filter(app_label=new, model=model).exists():
            content_type.objects.filter(app_label=old, model=model).update(app_label=new)


def move_content_types(apps, schema_editor):
    for old, models in MOVED.items():
        _relabel(apps, old, "awards", models)


def move_content_types_back(apps, schema_editor):
    for old, models in MOVED.items():
        _relabel(apps, "awards", old, models)


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('applications', '0002_verbose_names'),
        ('projects', '0003_verbose_names'),
        ('reviews', '0004_verbose_names'),
        ('contenttypes', '0002_remove_content_type_name'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Award',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('amount', models.PositiveBigIntegerField(verbose_name='amount (KRW)')),
                        ('status', models.CharField(choices=[('proposed', 'Proposed'), ('approved', 'Approved'), ('contracted', 'Contracted'), ('in_progress', 'In progress'), ('completed', 'Completed'), ('cancelled', 'Cancelled')], default='proposed', max_length=20, verbose_name='status')),
                        ('cancelled_reason', models.TextField(blank=True, verbose_name='reason for cancelling')),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='created at')),
                        ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated at')),
                        ('application', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='award', to='applications.application', verbose_name='application')),
                        ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='created by')),
                        ('project', models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='award', to='projects.project', verbose_name='project')),
                    ],
                    options={
                        'verbose_name': 'funding award',
                        'verbose_name_plural': 'funding awards',
                        'db_table': 'reviews_award',
                        'ordering': ['-created_at'],
                        'constraints': [models.CheckConstraint(condition=models.Q(('amount__gt', 0)), name='reviews_award_amount_positive')],
                    },
                ),
                migrations.CreateModel(
                    name='Deliverable',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('inception_report', 'Inception report'), ('interim_report', 'Interim report'), ('final_report', 'Final report'), ('training', 'Invitational training'), ('other', 'Other')], max_length=32, verbose_name='kind')),
                        ('title', models.CharField(blank=True, max_length=255, verbose_name='title')),
                        ('due_on', models.DateField(verbose_name='due on')),
                        ('status', models.CharField(choices=[('pending', 'Pending'), ('submitted', 'Submitted'), ('accepted', 'Accepted'), ('returned', 'Returned for changes')], default='pending', max_length=20, verbose_name='status')),
                        ('file', models.FileField(blank=True, upload_to=awards.models.deliverable_upload_to, verbose_name='file')),
                        ('original_name', models.CharField(blank=True, max_length=255, verbose_name='file name')),
                        ('content_type', models.CharField(blank=True, max_length=100, verbose_name='content type')),
                        ('size', models.PositiveBigIntegerField(default=0, verbose_name='size (bytes)')),
                        ('submitted_at', models.DateTimeField(blank=True, null=True, verbose_name='submitted at')),
                        ('reviewed_at', models.DateTimeField(blank=True, null=True, verbose_name='reviewed at')),
                        ('feedback', models.TextField(blank=True, verbose_name='feedback')),
                        ('project', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='deliverables', to='projects.project', verbose_name='project')),
                        ('reviewed_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='reviewed by')),
                        ('submitted_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='submitted by')),
                    ],
                    options={
                        'verbose_name': 'deliverable',
                        'verbose_name_plural': 'deliverables',
                        'db_table': 'projects_deliverable',
                        'ordering': ['project', 'due_on'],
                        'indexes': [models.Index(fields=['status', 'due_on'], name='projects_de_status_aa797e_idx')],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(move_content_types, move_content_types_back),
    ]
