"""The API's default permission: a signed-in person, who has accepted the current policies."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework.permissions import BasePermission

import access


class PoliciesAccepted(BasePermission):
    """Staff reach no endpoint until they have accepted the current version of each required
    policy (confidentiality/policies.py): 403 with a message saying what to accept and where."""

    message = "Accept the practice's current policies before using the API."

    def has_permission(self, request: Any, view: Any) -> bool:
        pending = access.policies_to_accept(request.user)
        if not pending:
            return True
        names = ", ".join(f"{document.get_kind_display()} (version {document.version})" for document in pending)
        self.message = (
            f"You have not accepted the practice's current {names}. Sign in to {settings.SITE_URL}/policies/ "
            "to read and accept it; until then the API answers nothing."
        )
        return False
