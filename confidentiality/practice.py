"""The practice's own details (name, address, registered and VAT numbers, how to pay, its
data-protection contact and regulator): what agreements, letters, invoices, e-mails and PDFs print.
Until the administrator records them, the name is PRACTICE_NAME's and the rest is blank."""

from __future__ import annotations

import hashlib
import re
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from confidentiality.audit import audit_record
from confidentiality.models import Practice

if TYPE_CHECKING:
    from confidentiality.models import User

EDITABLE = (
    "name",
    "address",
    "email",
    "phone",
    "company_number",
    "vat_number",
    "payment_details",
    "data_protection_contact",
    "data_protection_email",
    "regulator",
    "regulator_registration",
    "concern_reminder_days",
    "unsolicited_share_days",
)
# A UK VAT number: GB then 9 or 12 digits, or a government department's (GD) or health
# authority's (HA) three.
_VAT = re.compile(r"^GB(\d{9}|\d{12}|GD\d{3}|HA\d{3})$")


def current_practice() -> Practice:
    found = Practice.objects.filter(pk=1).first()
    return found if found is not None else Practice(pk=1, name=settings.PRACTICE_NAME)


# Every page's header names the practice. A cache read instead of a query per page: the page
# budgets (at most 15 queries) have no room for it. The cache is shared by all processes (Redis,
# or the embedded file cache), so forgetting the name on a change reaches every process; the
# timeout bounds how long a change made outside ``practice_update`` (a restore) goes unseen.
_NAME_TIMEOUT = 300


def practice_name_cache_key() -> str:
    # The setting names the practice until the administrator records it: a changed setting is a new key.
    return "practice:name:" + hashlib.sha256(settings.PRACTICE_NAME.encode()).hexdigest()[:16]


def practice_name(*, may_query: bool = True) -> str:
    """The practice's name. ``may_query=False`` (a page for someone not signed in: the sign-in page
    reads nothing from the database) answers from the cache or the setting."""
    name = cache.get(practice_name_cache_key())
    if isinstance(name, str):
        return name
    if not may_query:
        return str(settings.PRACTICE_NAME)
    name = current_practice().name
    cache.set(practice_name_cache_key(), name, _NAME_TIMEOUT)
    return name


def practice_subject(text: str) -> str:
    """An e-mail's subject, in the practice's name."""
    return f"{practice_name()}: {text}"


def forget_practice_name() -> None:
    """Now, and again when the change commits (a page read in between would cache the old name)."""
    cache.delete(practice_name_cache_key())
    transaction.on_commit(lambda: cache.delete(practice_name_cache_key()))


def normalise_vat_number(value: str) -> str:
    compact = re.sub(r"[\s.-]", "", value).upper()
    if not compact:
        return ""
    if compact.isdigit():
        compact = "GB" + compact
    if not _VAT.match(compact):
        raise ValidationError(
            {"vat_number": "A UK VAT number is GB followed by 9 digits (or 12), as on the VAT certificate."}
        )
    return compact


@transaction.atomic
def practice_update(*, actor: User | None, **values: Any) -> Practice:
    """Record the practice's details (the administrator's; ``actor=None`` is the system). Audited
    with the names of what changed, never the values."""
    from confidentiality.accounts import require_practice_manager

    require_practice_manager(actor)
    unknown = set(values) - set(EDITABLE)
    if unknown:
        raise ValueError(f"Not a practice detail: {', '.join(sorted(unknown))}")
    practice = Practice.objects.select_for_update().filter(pk=1).first() or current_practice()
    cleaned = {name: (value.strip() if isinstance(value, str) else value) for name, value in values.items()}
    if "vat_number" in cleaned:
        cleaned["vat_number"] = normalise_vat_number(cleaned["vat_number"])
    changed = sorted(name for name, value in cleaned.items() if getattr(practice, name) != value)
    for name, value in cleaned.items():
        setattr(practice, name, value)
    practice.full_clean()
    practice.updated_at = timezone.now()
    practice.save()
    forget_practice_name()
    audit_record(actor=actor, action="practice.details_changed", obj=practice, detail={"fields": changed})
    return practice


def supplier_snapshot(practice: Practice | None = None) -> dict[str, str]:
    """What an invoice keeps of the practice when it is issued: it never changes afterwards."""
    practice = practice or current_practice()
    return {
        "name": practice.name,
        "address": practice.address,
        "email": practice.email,
        "phone": practice.phone,
        "company_number": practice.company_number,
        "vat_number": practice.vat_number,
        "payment_details": practice.payment_details,
    }
