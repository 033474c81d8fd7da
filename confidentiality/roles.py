"""The five kinds of people the product serves, each a Django group."""

from __future__ import annotations

from django.db import models


class Role(models.TextChoices):
    ADMIN = "admin", "Practice administrator"
    COACH = "coach", "Coach"
    AUDITOR = "auditor", "Auditor"
    CLIENT = "client", "Client"
    SPONSOR = "sponsor", "Sponsor contact"


# Roles that work inside the practice: they must use a second factor.
STAFF_ROLES = frozenset({Role.ADMIN, Role.COACH, Role.AUDITOR})
