"""The practice's counts filled from the tables, and kept by triggers from now on (engagements/counts.py)."""

from typing import Any

from django.db import migrations


def forward(apps: Any, schema_editor: Any) -> None:
    from engagements.counts import fill, trigger_sql

    model = apps.get_model
    fill(
        model("engagements", "PracticeCount"),
        model("engagements", "Engagement"),
        model("engagements", "Client"),
        model("engagements", "Organisation"),
    )
    for statement in trigger_sql(schema_editor.connection.vendor):
        schema_editor.execute(statement, params=None)


def backward(apps: Any, schema_editor: Any) -> None:
    from engagements.counts import trigger_sql

    for statement in trigger_sql(schema_editor.connection.vendor, up=False):
        schema_editor.execute(statement, params=None)
    apps.get_model("engagements", "PracticeCount")._default_manager.all().delete()


class Migration(migrations.Migration):
    dependencies = [("engagements", "0015_practice_counts")]

    operations = [migrations.RunPython(forward, backward)]
