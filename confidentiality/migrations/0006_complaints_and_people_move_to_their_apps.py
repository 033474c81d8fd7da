"""The models below move to apps of their own. State only: their tables, rows and names stay as they are."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('confidentiality', '0005_people_join_and_leave'),
    ]


    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(
                    model_name='complaint',
                    name='client',
                ),
                migrations.RemoveField(
                    model_name='complaint',
                    name='engagement',
                ),
                migrations.RemoveField(
                    model_name='complaint',
                    name='lodged_by',
                ),
                migrations.RemoveField(
                    model_name='complaintresponse',
                    name='complaint',
                ),
                migrations.RemoveField(
                    model_name='complaintresponse',
                    name='author',
                ),
                migrations.RemoveField(
                    model_name='offboarding',
                    name='offboarded_by',
                ),
                migrations.RemoveField(
                    model_name='offboarding',
                    name='user',
                ),
                migrations.RemoveField(
                    model_name='offboardingengagement',
                    name='offboarding',
                ),
                migrations.RemoveField(
                    model_name='offboardingengagement',
                    name='engagement',
                ),
                migrations.RemoveField(
                    model_name='offboardingengagement',
                    name='reassigned_to',
                ),
                migrations.RemoveField(
                    model_name='offboardingengagement',
                    name='settled_by',
                ),
                migrations.RemoveField(
                    model_name='policyacceptance',
                    name='document',
                ),
                migrations.RemoveField(
                    model_name='policyacceptance',
                    name='user',
                ),
                migrations.DeleteModel(
                    name='Breach',
                ),
                migrations.DeleteModel(
                    name='Complaint',
                ),
                migrations.DeleteModel(
                    name='ComplaintResponse',
                ),
                migrations.DeleteModel(
                    name='Offboarding',
                ),
                migrations.DeleteModel(
                    name='OffboardingEngagement',
                ),
                migrations.DeleteModel(
                    name='PolicyAcceptance',
                ),
            ],
        ),
    ]
