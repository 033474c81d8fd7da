"""The technical admin site: accounts, schedules and the audit trail's metadata.

No model holding confidential content is registered here: the admin site does not ask
the access policy, so it must never show notes, documents or clients' details.

Nor does it change any credential. A superuser who could set a client's password or e-mail
address, remove a coach's authenticator or rename a role could sign in as anyone and read what
was shared with them, unaudited: passwords, addresses and second factors change only through the
person's own account pages (which audit and tell them, confidentiality.credentials), accounts and
roles only through the People page's audited services.
"""

from typing import Any

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.usersessions.admin import UserSessionAdmin
from allauth.usersessions.models import UserSession
from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from django.db.models import Model
from django.urls import URLPattern

from confidentiality.models import AuditEvent, User

# allauth registers its e-mail addresses (an editable login address) and authenticators (a
# second factor a superuser could delete): neither belongs on this site.
for _model in (EmailAddress, Authenticator):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)
admin.site.unregister(Group)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Viewable, never added to, changed or deleted here."""

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(Group)
class GroupAdmin(ReadOnlyAdmin, BaseGroupAdmin):
    """The roles: their names are what access.role_of reads, so they are not renamed here."""


def _read_only(model: type[Model], base: type[admin.ModelAdmin], **overrides: Any) -> None:
    """Show ``model`` as ``base`` does, read-only."""
    admin.site.unregister(model)
    admin.site.register(model, type(f"ReadOnly{base.__name__}", (ReadOnlyAdmin, base), overrides))


# The periodic tasks (audit-chain verification, the retention sweep, the outbox) come from
# confidentiality/schedules.py at every release (sync_schedules): a change here would be unaudited
# and would switch off a policy's enforcement until the next release, so they are read-only.
for _model, _admin in list(admin.site._registry.items()):
    if _model._meta.app_label == "django_celery_beat":
        _read_only(_model, type(_admin))
# A person's sessions end from their own account page (or everywhere, when they leave); here they
# are only listed. Our accounts have no username: allauth's search names one.
_read_only(UserSession, UserSessionAdmin, search_fields=["user__email", "ip"])


@admin.register(User)
class UserAdmin(ReadOnlyAdmin, BaseUserAdmin):
    ordering = ["email"]
    # No names in the list (a client's login could otherwise make it a client list).
    list_display = ["email", "is_active", "is_staff"]
    search_fields = ["email"]
    # No bulk actions: Django labels each row's action checkbox with str(user), the display name,
    # which put every client's name back into the list (found by tests/matrix).
    actions = None
    # No password field: BaseUserAdmin's would show the hash's parameters and link to the form below.
    fieldsets = (
        (None, {"fields": ("email", "display_name")}),
        ("Access", {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )

    def get_urls(self) -> list[URLPattern]:
        # BaseUserAdmin adds "<id>/password/", a form that sets anyone's password: not served.
        return [url for url in super().get_urls() if not str(url.pattern).endswith("password/")]


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["seq", "created_at", "actor_id", "actor_role", "action", "object_type", "object_id"]
    list_filter = ["action", "actor_role"]
