"""The models below move to apps of their own. State only: their tables, rows and names stay as they are."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('consent', '0004_disclosures_and_concerns'),
    ]


    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(
                    model_name='disclosure',
                    name='concern',
                ),
                migrations.RemoveField(
                    model_name='concernstep',
                    name='concern',
                ),
                migrations.RemoveField(
                    model_name='concernstep',
                    name='disclosure',
                ),
                migrations.RemoveField(
                    model_name='concernstep',
                    name='engagement',
                ),
                migrations.RemoveField(
                    model_name='concernstep',
                    name='recorded_by',
                ),
                migrations.RemoveField(
                    model_name='disclosure',
                    name='authorised_by',
                ),
                migrations.RemoveField(
                    model_name='disclosure',
                    name='client',
                ),
                migrations.RemoveField(
                    model_name='disclosure',
                    name='consent',
                ),
                migrations.RemoveField(
                    model_name='disclosure',
                    name='document',
                ),
                migrations.RemoveField(
                    model_name='disclosure',
                    name='engagement',
                ),
                migrations.RemoveField(
                    model_name='disclosure',
                    name='report',
                ),
                migrations.RemoveField(
                    model_name='disclosure',
                    name='second_approved_by',
                ),
                migrations.RemoveField(
                    model_name='disclosure',
                    name='supervisor',
                ),
                migrations.DeleteModel(
                    name='Concern',
                ),
                migrations.DeleteModel(
                    name='ConcernStep',
                ),
                migrations.DeleteModel(
                    name='Disclosure',
                ),
            ],
        ),
    ]
