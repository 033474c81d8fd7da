"""Checks ``manage.py check --deploy`` adds (the release step fails on any of them)."""

from __future__ import annotations

from typing import Any

from django.core.checks import CheckMessage, Error, register


@register(deploy=True)
def processes_role_is_least_privileged(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """In production on PostgreSQL, the role the processes connect as owns nothing and cannot
    touch the audit log (confidentiality/dbroles.py)."""
    from django.conf import settings
    from django.db import connection

    if not settings.PRODUCTION or connection.vendor != "postgresql":
        return []
    excess = privileges_in_excess_or_unknown(connection)
    if not excess:
        return []
    return [
        Error(
            f"The processes connect to PostgreSQL as {settings.APP_DATABASE_ROLE!r}, and {'; '.join(excess)}.",
            hint="Give the tables to an owner role named by DATABASE_OWNER_URL, let the release step migrate as "
            "it and run grant_app_role, and connect the processes as a role that owns nothing (README: Operations).",
            id="confidentiality.E001",
        )
    ]


def privileges_in_excess_or_unknown(connection: Any) -> list[str]:
    from django.db import DatabaseError

    from confidentiality.dbroles import privileges_in_excess

    try:
        return privileges_in_excess(connection)
    except DatabaseError as error:
        return [f"its privileges could not be read ({type(error).__name__})"]
