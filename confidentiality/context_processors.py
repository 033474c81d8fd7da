from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from confidentiality import access
from confidentiality.roles import Role


def navigation(request: HttpRequest) -> dict[str, Any]:
    """The navigation a person sees depends on their role and nothing else."""
    user: Any = getattr(request, "user", None)
    role = access.role_of(user)
    items: list[tuple[str, str]] = []
    if role is not None:
        items.append(("Dashboard", reverse("dashboard")))
        if access.can(user, access.Capability.VIEW_OWN_ENGAGEMENTS) or access.can(
            user, access.Capability.MANAGE_PRACTICE
        ):
            items.append(("Engagements", reverse("engagements:list")))
        if access.can(user, access.Capability.LIST_CLIENTS):
            items.append(("Clients", reverse("engagements:clients")))
        if access.can(user, access.Capability.MANAGE_PRACTICE):
            items.append(("Organisations", reverse("engagements:organisations")))
        if access.can_record_consent_anywhere(user):
            items.append(("My consents" if role == Role.CLIENT else "Consents", reverse("consent:consents")))
        if access.can_see_own_access_log(user):
            items.append(("Who has read my file", reverse("engagements:access_log")))
        if access.can(user, access.Capability.READ_AUDIT_LOG):
            items.append(("Audit log", reverse("audit_log")))
        items.append(("My account", reverse("account_settings")))
    return {"nav_items": items, "nav_role": role.label if role else "", "Role": Role}
