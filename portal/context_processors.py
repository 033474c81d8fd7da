from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.http import HttpRequest
from django.urls import reverse

import access
from confidentiality.practice import practice_name
from confidentiality.roles import Role

if TYPE_CHECKING:
    from confidentiality.accounts import Person


def navigation(request: HttpRequest) -> dict[str, Any]:
    """The navigation a person sees depends on their role and nothing else."""
    user: Person | None = getattr(request, "user", None)
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
        if access.can_manage_people(user):
            items.append(("People", reverse("people:list")))
        if access.can_record_consent_anywhere(user):
            items.append(("My consents" if role == Role.CLIENT else "Consents", reverse("consent:consents")))
        if role in (Role.ADMIN, Role.COACH):
            items.append(("Concerns", reverse("disclosures:concerns")))
        if access.can_read_disclosure_register(user):
            items.append(("Disclosure register", reverse("disclosures:register")))
        if access.can_see_own_access_log(user):
            items.append(("Who has read my file", reverse("engagements:access_log")))
        if access.can_see_register(user):
            items.append(("Complaints & breaches", reverse("complaints:register")))
        elif access.shows_complaints_link(user):
            items.append(("Complaints", reverse("complaints:complaint_list")))
        if access.can_manage_testimonials(user):
            items.append(("Testimonials & case studies", reverse("testimonials:list")))
        if access.shows_sharings_link(user):
            items.append(("Sharing between organisations", reverse("disclosures:sharings")))
        finance_label = access.shows_finance_link(user)
        if finance_label is not None:
            finance_page = "finance:invoice_list" if role == Role.SPONSOR else "finance:overview"
            items.append((finance_label, reverse(finance_page)))
        if access.can(user, access.Capability.READ_AUDIT_LOG):
            items.append(("Audit log", reverse("audit_log")))
        if access.can_manage_retention(user):
            items.append(("Retention", reverse("retention:overview")))
        if access.can_manage_records_of_processing(user):
            items.append(("Records of processing", reverse("processing:register")))
        if access.can(user, access.Capability.MANAGE_PRACTICE):
            items.append(("E-mail outbox", reverse("outbox")))
            items.append(("Practice settings", reverse("practice_settings")))
        if access.shows_subject_access_link(user):
            subject_access_label = {
                Role.CLIENT: "My information and my rights",
                Role.SPONSOR: "A copy of our information",
            }.get(role, "Data-protection requests")
            items.append((subject_access_label, reverse("subject_access:list")))
        if role == Role.CLIENT:
            items.append(("Privacy notice", reverse("processing:privacy_notice")))
        items.append(("My account", reverse("account_settings")))
    return {
        "nav_items": items,
        "nav_role": role.label if role else "",
        "Role": Role,
        "practice_name": practice_name(may_query=role is not None),
    }
