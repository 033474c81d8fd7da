"""What the migrations that move a model to another app share."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any


def follow_content_types(models: list[tuple[str, str]], new_app: str) -> Callable[[Any, Any], None]:
    """A RunPython step: each moved model's content type row takes its new app's label, so the
    permissions and admin history that point at it follow (on a new database there is none yet:
    Django creates them after migrating, under the new label)."""

    def forwards(apps: Any, schema_editor: Any) -> None:
        content_type = apps.get_model("contenttypes", "ContentType")
        for old_app, model in models:
            if not content_type.objects.filter(app_label=new_app, model=model).exists():
                content_type.objects.filter(app_label=old_app, model=model).update(app_label=new_app)

    return forwards


def sql_for_vendor(*, postgresql: str = "", sqlite: Sequence[str] = ()) -> Callable[[Any, Any], None]:
    """A RunPython step running the SQL written for the database at hand: one script on
    PostgreSQL, statement by statement on SQLite (triggers are written once per engine)."""

    def run(apps: Any, schema_editor: Any) -> None:
        vendor = schema_editor.connection.vendor
        if vendor == "postgresql" and postgresql:
            schema_editor.execute(postgresql, params=None)
        elif vendor == "sqlite":
            for statement in sqlite:
                schema_editor.execute(statement)

    return run
