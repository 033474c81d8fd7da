"""The technical admin site: accounts, schedules and the audit trail's metadata.

No model holding confidential content is registered here: the admin site does not ask
the access policy, so it must never show notes, documents or clients' details.
"""

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from confidentiality.models import AuditEvent, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    # No names in the list (a client's login could otherwise make it a client list), and roles are
    # read-only here: a role change must go through a service that audits and revokes permissions.
    list_display = ["email", "is_active", "is_staff"]
    search_fields = ["email"]
    # No bulk actions: Django labels each row's action checkbox with str(user), the display name,
    # which put every client's name back into the list (found by tests/matrix).
    actions = None
    # Nor is anyone deactivated here: leaving goes through offboarding (the People page), which
    # ends sessions and tokens and revokes every permission in the same transaction.
    readonly_fields = ["groups", "is_active", "last_login", "date_joined"]
    fieldsets = (
        (None, {"fields": ("email", "password", "display_name")}),
        ("Access", {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["seq", "created_at", "actor_id", "actor_role", "action", "object_type", "object_id"]
    list_filter = ["action", "actor_role"]

    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False
