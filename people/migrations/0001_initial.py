"""The models come here from the apps they began in. State only: their tables (db_table), rows and labels stay as they are."""

import django.db.models.deletion
import django.utils.timezone
import uuid
from django.conf import settings
from django.db import migrations, models

from confidentiality.migration_helpers import follow_content_types


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('engagements', '0005_reports_and_feedback_move_to_their_apps'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ('contenttypes', '0002_remove_content_type_name'),
    ]


    operations = [
        # Their content types (and the permissions and admin history that point at them) follow.
        migrations.RunPython(follow_content_types([('retention', 'policydocument'), ('confidentiality', 'policyacceptance'), ('confidentiality', 'offboarding'), ('confidentiality', 'offboardingengagement')], "people"), migrations.RunPython.noop),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Offboarding',
                    fields=[
                        ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                        ('reason', models.CharField(choices=[('deactivated', 'Deactivated by the administrator'), ('contract_ended', 'Their contract ended'), ('left_organisation', 'They left their organisation')], max_length=20)),
                        ('offboarded_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('sessions_ended', models.PositiveIntegerField(default=0)),
                        ('tokens_revoked', models.PositiveIntegerField(default=0)),
                        ('permissions_revoked', models.PositiveIntegerField(default=0)),
                        ('offboarded_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('user', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='offboardings', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'confidentiality_offboarding',
                        'ordering': ['-offboarded_at'],
                    },
                ),
                migrations.CreateModel(
                    name='OffboardingEngagement',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(help_text='What they were on it as: coach or sponsor.', max_length=10)),
                        ('settled_at', models.DateTimeField(blank=True, null=True)),
                        ('engagement', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='engagements.engagement')),
                        ('offboarding', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='engagements', to='people.offboarding')),
                        ('reassigned_to', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('settled_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'confidentiality_offboardingengagement',
                        'ordering': ['offboarding', 'engagement__reference'],
                    },
                ),
                migrations.CreateModel(
                    name='PolicyDocument',
                    fields=[
                        ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                        ('kind', models.CharField(choices=[('confidentiality', 'Confidentiality policy'), ('data_protection', 'Data protection policy'), ('retention', 'Records retention policy')], max_length=20)),
                        ('version', models.PositiveIntegerField()),
                        ('text', models.TextField()),
                        ('reviewed_on', models.DateField()),
                        ('review_due_on', models.DateField()),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('recorded_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'retention_policydocument',
                        'ordering': ['kind', '-version'],
                    },
                ),
                migrations.CreateModel(
                    name='PolicyAcceptance',
                    fields=[
                        ('id', models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False)),
                        ('text_sha256', models.CharField(max_length=64)),
                        ('accepted_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('ip_address', models.GenericIPAddressField(blank=True, null=True)),
                        ('user_agent', models.CharField(blank=True, max_length=300)),
                        ('user', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='policy_acceptances', to=settings.AUTH_USER_MODEL)),
                        ('document', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='acceptances', to='people.policydocument')),
                    ],
                    options={
                        'db_table': 'confidentiality_policyacceptance',
                        'ordering': ['-accepted_at'],
                    },
                ),
                migrations.AddIndex(
                    model_name='offboarding',
                    index=models.Index(fields=['user', 'offboarded_at'], name='confidentia_user_id_14d322_idx'),
                ),
                migrations.AddIndex(
                    model_name='offboardingengagement',
                    index=models.Index(fields=['engagement', 'settled_at'], name='confidentia_engagem_f9c47b_idx'),
                ),
                migrations.AddConstraint(
                    model_name='offboardingengagement',
                    constraint=models.UniqueConstraint(fields=('offboarding', 'engagement'), name='one_handover_per_engagement'),
                ),
                migrations.AddConstraint(
                    model_name='policydocument',
                    constraint=models.UniqueConstraint(fields=('kind', 'version'), name='one_policy_version'),
                ),
                migrations.AddIndex(
                    model_name='policyacceptance',
                    index=models.Index(fields=['document', 'accepted_at'], name='confidentia_documen_6984a5_idx'),
                ),
                migrations.AddConstraint(
                    model_name='policyacceptance',
                    constraint=models.UniqueConstraint(fields=('user', 'document'), name='one_acceptance_per_version'),
                ),
            ],
        ),
    ]
