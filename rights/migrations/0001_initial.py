"""The models come here from the apps they began in. State only: their tables (db_table), rows and labels stay as they are."""

import django.db.models.deletion
import django.utils.timezone
import rights.models
import uuid
from django.conf import settings
from django.db import migrations, models

from confidentiality.migration_helpers import follow_content_types


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('confidentiality', '0006_complaints_and_people_move_to_their_apps'),
        ('engagements', '0005_reports_and_feedback_move_to_their_apps'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ('contenttypes', '0002_remove_content_type_name'),
    ]


    operations = [
        # Their content types (and the permissions and admin history that point at them) follow.
        migrations.RunPython(follow_content_types([('retention', 'subjectaccessrequest'), ('retention', 'subjectaccessexport')], "rights"), migrations.RunPython.noop),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='SubjectAccessRequest',
                    fields=[
                        ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                        ('reference', models.CharField(default=rights.models._subject_access_reference, editable=False, max_length=20, unique=True)),
                        ('subject_kind', models.CharField(choices=[('client', 'A client'), ('organisation', 'An organisation')], max_length=12)),
                        ('received_on', models.DateField()),
                        ('due_on', models.DateField(help_text='One calendar month after the request was received.')),
                        ('extension_months', models.PositiveSmallIntegerField(default=0)),
                        ('extension_reason', models.CharField(blank=True, max_length=500)),
                        ('extended_at', models.DateTimeField(blank=True, null=True)),
                        ('extension_notified_at', models.DateTimeField(blank=True, null=True)),
                        ('deadline_on', models.DateField(help_text='The date the answer is due: the due date, or the extended one.')),
                        ('state', models.CharField(choices=[('received', 'Received'), ('in_progress', 'In progress: the copy is being prepared'), ('ready', 'Ready: the practice is checking the copy'), ('completed', 'Completed: the copy was released'), ('refused', 'Refused')], default='received', max_length=12)),
                        ('refusal_reason', models.CharField(blank=True, max_length=1000)),
                        ('refused_at', models.DateTimeField(blank=True, null=True)),
                        ('released_at', models.DateTimeField(blank=True, null=True)),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('client', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='subject_access_requests', to='engagements.client')),
                        ('extended_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('opened_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('organisation', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='subject_access_requests', to='engagements.organisation')),
                        ('refused_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('requester', models.ForeignKey(help_text="Who receives the copy: the client, or the organisation's contact who asked.", on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'retention_subjectaccessrequest',
                        'ordering': ['-received_on', '-created_at'],
                    },
                ),
                migrations.CreateModel(
                    name='SubjectAccessExport',
                    fields=[
                        ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                        ('state', models.CharField(choices=[('queued', 'Waiting for a worker'), ('building', 'Being built'), ('built', 'Built'), ('failed', 'Failed')], default='queued', max_length=10)),
                        ('progress', models.PositiveSmallIntegerField(default=0, help_text='Percent done.')),
                        ('step', models.CharField(blank=True, help_text="What the worker is doing, e.g. 'Reading notes'.", max_length=80)),
                        ('claimed_at', models.DateTimeField(blank=True, null=True)),
                        ('claim', models.UUIDField(blank=True, help_text='The attempt that holds the claim.', null=True)),
                        ('attempts', models.PositiveSmallIntegerField(default=0)),
                        ('blob_name', models.CharField(blank=True, max_length=100)),
                        ('size', models.PositiveBigIntegerField(default=0, help_text='Bytes of the ZIP as downloaded.')),
                        ('sha256', models.CharField(blank=True, help_text='Of the ZIP as downloaded.', max_length=64)),
                        ('manifest', models.JSONField(blank=True, default=dict, help_text='Counts per kind of record. No content.')),
                        ('error', models.CharField(blank=True, max_length=200)),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('finished_at', models.DateTimeField(blank=True, null=True)),
                        ('expires_at', models.DateTimeField(blank=True, help_text='Set when released: downloads end then.', null=True)),
                        ('data_key', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='confidentiality.datakey')),
                        ('request', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='export', to='rights.subjectaccessrequest')),
                    ],
                    options={
                        'db_table': 'retention_subjectaccessexport',
                        'ordering': ['-created_at'],
                    },
                ),
                migrations.AddIndex(
                    model_name='subjectaccessrequest',
                    index=models.Index(fields=['state', 'deadline_on'], name='retention_s_state_1ed410_idx'),
                ),
                migrations.AddIndex(
                    model_name='subjectaccessrequest',
                    index=models.Index(fields=['client', 'created_at'], name='retention_s_client__6a99dd_idx'),
                ),
                migrations.AddIndex(
                    model_name='subjectaccessrequest',
                    index=models.Index(fields=['organisation', 'created_at'], name='retention_s_organis_2b801c_idx'),
                ),
                migrations.AddConstraint(
                    model_name='subjectaccessrequest',
                    constraint=models.CheckConstraint(condition=models.Q(models.Q(('client__isnull', False), ('organisation__isnull', True), ('subject_kind', 'client')), models.Q(('client__isnull', True), ('organisation__isnull', False), ('subject_kind', 'organisation')), _connector='OR'), name='subject_access_names_exactly_its_subject'),
                ),
                migrations.AddConstraint(
                    model_name='subjectaccessrequest',
                    constraint=models.CheckConstraint(condition=models.Q(('extension_months__lte', 2)), name='subject_access_extension_at_most_two_months'),
                ),
                migrations.AddIndex(
                    model_name='subjectaccessexport',
                    index=models.Index(fields=['expires_at'], name='retention_s_expires_fabc6d_idx'),
                ),
                migrations.AddIndex(
                    model_name='subjectaccessexport',
                    index=models.Index(fields=['state', 'claimed_at'], name='retention_s_state_dca2c7_idx'),
                ),
            ],
        ),
    ]
