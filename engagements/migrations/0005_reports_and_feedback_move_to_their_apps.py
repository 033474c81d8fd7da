"""The models below move to apps of their own. State only: their tables, rows and names stay as they are."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('consent', '0005_disclosures_move_to_their_app'),
        ('engagements', '0004_feedback'),
    ]


    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(
                    model_name='feedbacksource',
                    name='request',
                ),
                migrations.RemoveField(
                    model_name='feedbacksource',
                    name='engagement',
                ),
                migrations.RemoveField(
                    model_name='reportcomment',
                    name='author',
                ),
                migrations.RemoveField(
                    model_name='reportcomment',
                    name='engagement',
                ),
                migrations.RemoveField(
                    model_name='reportcomment',
                    name='section',
                ),
                migrations.RemoveField(
                    model_name='reportcomment',
                    name='version',
                ),
                migrations.RemoveField(
                    model_name='reportsection',
                    name='category',
                ),
                migrations.RemoveField(
                    model_name='reportsection',
                    name='engagement',
                ),
                migrations.RemoveField(
                    model_name='reportsection',
                    name='version',
                ),
                migrations.RemoveField(
                    model_name='reportversion',
                    name='created_by',
                ),
                migrations.RemoveField(
                    model_name='reportversion',
                    name='engagement',
                ),
                migrations.RemoveField(
                    model_name='reportversion',
                    name='report',
                ),
                migrations.RemoveField(
                    model_name='sponsorreport',
                    name='created_by',
                ),
                migrations.RemoveField(
                    model_name='sponsorreport',
                    name='engagement',
                ),
                migrations.DeleteModel(
                    name='FeedbackRequest',
                ),
                migrations.DeleteModel(
                    name='FeedbackSource',
                ),
                migrations.DeleteModel(
                    name='ReportComment',
                ),
                migrations.DeleteModel(
                    name='ReportSection',
                ),
                migrations.DeleteModel(
                    name='ReportVersion',
                ),
                migrations.DeleteModel(
                    name='SponsorReport',
                ),
            ],
        ),
    ]
