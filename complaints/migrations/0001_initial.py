"""The models come here from the apps they began in. State only: their tables (db_table), rows and labels stay as they are."""

import confidentiality.crypto
import confidentiality.models
import django.db.models.deletion
import django.utils.timezone
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
        migrations.RunPython(follow_content_types([('confidentiality', 'complaint'), ('confidentiality', 'complaintresponse'), ('confidentiality', 'breach')], "complaints"), migrations.RunPython.noop),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Complaint',
                    fields=[
                        ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                        ('reference', models.CharField(default=confidentiality.models._complaint_reference, editable=False, max_length=20, unique=True)),
                        ('about', models.CharField(choices=[('shared', 'Information was shared without my agreement'), ('seen', 'Someone saw information they should not have'), ('security', 'Information was not kept securely'), ('accuracy', 'Information held about me is wrong'), ('access', 'My request to see or delete my information'), ('other', 'Something else about my information')], max_length=20)),
                        ('body', confidentiality.crypto.EncryptedTextField(key_from='client')),
                        ('status', models.CharField(choices=[('received', 'Received'), ('acknowledged', 'Acknowledged, being looked into'), ('closed', 'Closed')], default='received', max_length=20)),
                        ('outcome', models.CharField(blank=True, choices=[('upheld', 'Upheld'), ('partly_upheld', 'Partly upheld'), ('not_upheld', 'Not upheld'), ('withdrawn', 'Withdrawn by the client')], max_length=20)),
                        ('lodged_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('acknowledge_by', models.DateTimeField()),
                        ('respond_by', models.DateTimeField()),
                        ('acknowledged_at', models.DateTimeField(blank=True, null=True)),
                        ('closed_at', models.DateTimeField(blank=True, null=True)),
                        ('client', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='complaints', to='engagements.client')),
                        ('engagement', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='complaints', to='engagements.engagement')),
                        ('lodged_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'confidentiality_complaint',
                        'ordering': ['-lodged_at'],
                    },
                ),
                migrations.CreateModel(
                    name='Breach',
                    fields=[
                        ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                        ('reference', models.CharField(default=confidentiality.models._breach_reference, editable=False, max_length=20, unique=True)),
                        ('status', models.CharField(choices=[('suspected', 'Suspected, to be assessed'), ('open', 'Open'), ('closed', 'Closed')], default='open', max_length=20)),
                        ('reported_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('discovered_at', models.DateTimeField(help_text='When the practice became aware of it: the notification clock starts here.')),
                        ('what_happened', confidentiality.crypto.EncryptedTextField(key_from='self')),
                        ('information_involved', confidentiality.crypto.EncryptedTextField(key_from='self')),
                        ('people_affected', confidentiality.crypto.EncryptedTextField(key_from='self')),
                        ('people_affected_count', models.PositiveIntegerField(blank=True, null=True)),
                        ('containment', confidentiality.crypto.EncryptedTextField(blank=True, key_from='self')),
                        ('notification', models.CharField(choices=[('undecided', 'Not decided yet'), ('required', 'Must be notified to the regulator'), ('not_required', 'Need not be notified')], default='undecided', max_length=20)),
                        ('notification_reason', confidentiality.crypto.EncryptedTextField(blank=True, key_from='self')),
                        ('decided_at', models.DateTimeField(blank=True, null=True)),
                        ('regulator_notified_at', models.DateTimeField(blank=True, null=True)),
                        ('regulator_reference', models.CharField(blank=True, max_length=80)),
                        ('outcome', confidentiality.crypto.EncryptedTextField(blank=True, key_from='self')),
                        ('disciplinary_follow_up', confidentiality.crypto.EncryptedTextField(blank=True, key_from='self')),
                        ('closed_at', models.DateTimeField(blank=True, null=True)),
                        ('version', models.PositiveIntegerField(default=1, help_text='Bumped on every change, to refuse stale edits.')),
                        ('closed_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('data_key', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='confidentiality.datakey')),
                        ('reported_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('complaint', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='breaches', to='complaints.complaint')),
                    ],
                    options={
                        'db_table': 'confidentiality_breach',
                        'ordering': ['-discovered_at'],
                    },
                ),
                migrations.CreateModel(
                    name='ComplaintResponse',
                    fields=[
                        ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                        ('kind', models.CharField(choices=[('acknowledgement', 'Acknowledgement'), ('update', 'Update'), ('final', 'Final response')], max_length=20)),
                        ('body', confidentiality.crypto.EncryptedTextField(key_from='complaint.client')),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('author', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('complaint', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='responses', to='complaints.complaint')),
                    ],
                    options={
                        'db_table': 'confidentiality_complaintresponse',
                        'ordering': ['created_at'],
                    },
                ),
                migrations.AddIndex(
                    model_name='complaint',
                    index=models.Index(fields=['client', 'lodged_at'], name='confidentia_client__331398_idx'),
                ),
                migrations.AddIndex(
                    model_name='complaint',
                    index=models.Index(fields=['status', 'respond_by'], name='confidentia_status_e7142b_idx'),
                ),
                migrations.AddIndex(
                    model_name='breach',
                    index=models.Index(fields=['status', 'discovered_at'], name='confidentia_status_994bf3_idx'),
                ),
                migrations.AddIndex(
                    model_name='breach',
                    index=models.Index(fields=['reported_by', 'reported_at'], name='confidentia_reporte_078683_idx'),
                ),
                migrations.AddIndex(
                    model_name='complaintresponse',
                    index=models.Index(fields=['complaint', 'created_at'], name='confidentia_complai_afeb22_idx'),
                ),
            ],
        ),
    ]
