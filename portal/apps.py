from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.apps import AppConfig

if TYPE_CHECKING:
    from confidentiality.models import User


class PortalConfig(AppConfig):
    name = "portal"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        user_logged_in.connect(_remember_sign_in, dispatch_uid="confidentiality.signed_in_at")


def _remember_sign_in(sender: Any, request: Any, user: User, **kwargs: Any) -> None:
    """Each session knows when its person signed in, so that signing them out everywhere (or an
    auditor's window closing) ends the sessions begun before (middleware.SessionInForceMiddleware)."""
    from django.utils import timezone

    from portal.middleware import SIGNED_IN_AT

    session = getattr(request, "session", None)
    if session is not None:
        session[SIGNED_IN_AT] = timezone.now().timestamp()
