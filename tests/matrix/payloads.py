"""Well-formed bodies for the matrix's writes, so a write is refused for who is asking and not for
being empty. A body that fails validation would answer 400 to everyone and test nothing.

Keyed like the table's first column. A write without a body here is sent empty: that is enough
where the view decides access before it reads the form (every administrator-only page does).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from tests.matrix.world import MatrixWorld

Body = tuple[str, dict[str, Any]]  # ("json" | "form" | "multipart", data)
TEXT = "Written by the access matrix: QZ-Posted-A"


def _today() -> str:
    return timezone.localdate().isoformat()


def _goals() -> Any:
    from consent.models import InformationCategory

    return InformationCategory.objects.get(key="goals")


def _template() -> Any:
    from consent.defaults import install_current

    return install_current()


def _version(world: MatrixWorld, key: str) -> int:
    obj = world.objects[key]
    obj.refresh_from_db()
    return int(getattr(obj, "current_version", None) or obj.version)


def _communication_version(world: MatrixWorld, key: str) -> int:
    from complaints.letters import communication_of

    communication = communication_of(world.objects[key])
    return communication.version if communication is not None else 1


def _agreement_of(world: MatrixWorld, engagement_key: str) -> Any:
    """The agreement a party of the engagement would be shown to sign."""
    if engagement_key == "engagementProposed":
        return world.objects["agreementsent"]
    return world.objects[f"agreement{engagement_key[-1]}"]


def _person(world: MatrixWorld, persona: str) -> Any:
    person = world.people[persona]
    assert person is not None
    return person


def _line() -> list[dict[str, str]]:
    return [{"description": TEXT, "quantity": "1", "unit_price": "100.00", "tax_rate": "20"}]


def _activity(purpose: str) -> dict[str, str]:
    return {
        "purpose": purpose,
        "lawful_basis": "contract",
        "data_subjects": "Clients",
        "data_categories": TEXT,
        "retention_rule": "engagement_files",
    }


def _processor(name: str) -> dict[str, str]:
    return {"name": name, "service": TEXT, "location": "Ireland", "outside_uk": "on", "transfer_safeguard": "Adequacy"}


def _permission_record(world: MatrixWorld, key: str) -> dict[str, str]:
    """The organisation's permission, on the letter its contact uploaded to its engagement."""
    side = key[-1]
    return {
        "organisation": str(world.pk(f"organisation{side}")),
        "decision": "give",
        "evidence": str(world.pk(f"documentsupplied{side}")),
    }


BODIES: dict[str, Callable[[MatrixWorld, str], Body]] = {
    # --- the API: every write ----------------------------------------------------------------
    "POST /api/v1/agreement-templates/": lambda w, k: ("json", {"name": "Matrix copy", "copy_from": str(w.pk(k))}),
    "POST /api/v1/breaches/": lambda w, k: (
        "json",
        {
            "discovered_at": (timezone.now() - datetime.timedelta(hours=1)).isoformat(),
            "what_happened": TEXT,
            "information_involved": TEXT,
            "people_affected": "One client.",
        },
    ),
    "PATCH /api/v1/breaches/{id}/": lambda w, k: ("json", {"version": _version(w, k), "containment": TEXT}),
    "POST /api/v1/breaches/{id}/confirm/": lambda w, k: ("json", {"version": _version(w, k)}),
    "POST /api/v1/breaches/{id}/close/": lambda w, k: ("json", {"version": _version(w, k)}),
    "POST /api/v1/breaches/{id}/letters/decision/": lambda w, k: (
        "json",
        {"version": _communication_version(w, k), "decision": "tell", "reason": TEXT},
    ),
    "POST /api/v1/clients/": lambda w, k: ("json", {"full_name": "Matrix Client"}),
    "POST /api/v1/complaints/": lambda w, k: (
        "json",
        {"about": "shared", "body": TEXT}
        if k == "-"
        else {"about": "shared", "body": TEXT, "client": str(w.pk(k)), "received_by": "telephone", "evidence": TEXT},
    ),
    "POST /api/v1/complaints/{id}/responses/": lambda w, k: ("json", {"message": TEXT}),
    "POST /api/v1/testimonials/": lambda w, k: (
        "json",
        {"client": str(w.pk("clientA")), "kind": "testimonial", "text": TEXT, "used_in": "A brochure"},
    ),
    "POST /api/v1/testimonials/{id}/publishable/": lambda w, k: (
        "json",
        {"consent": str(w.pk(k.replace("testimonial", "consenttestimonial")))},
    ),
    "POST /api/v1/sharings/": lambda w, k: (
        "json",
        {"organisation": str(w.pk("organisationA")), "to_outside_body": "A forum", "what": TEXT, "why": TEXT},
    ),
    "POST /api/v1/sharings/{id}/permission/": lambda w, k: ("json", {"decision": "give"}),
    "POST /api/v1/sharings/{id}/permission/record/": lambda w, k: ("json", _permission_record(w, k)),
    "POST /api/v1/concerns/": lambda w, k: (
        "json",
        {"engagement": str(w.pk(k)), "kind": "breaking_confidentiality", "text": TEXT},
    ),
    "POST /api/v1/concerns/{id}/approve/": lambda w, k: ("json", {"approve": True}),
    # concern_start records the first step ("pause"); the next one is to verify with the client.
    "POST /api/v1/concerns/{id}/step/": lambda w, k: ("json", {"step": "verify", "text": TEXT}),
    "POST /api/v1/concerns/{id}/change/": lambda w, k: ("json", {"step": "pause"}),
    "POST /api/v1/concerns/{id}/withdraw/": lambda w, k: ("json", {"reason": TEXT}),
    "POST /api/v1/credit-notes/": lambda w, k: (
        "json",
        {"invoice": str(w.pk(k)), "net": "10.00", "tax": "0.00", "reason": TEXT},
    ),
    "POST /api/v1/engagements/{id}/agreement/sign/": lambda w, k: (
        "json",
        {"text_hash": _agreement_of(w, k).text_hash},
    ),
    # Recorded directly, a disclosure rests on the client's written consent (any other goes through a concern).
    "POST /api/v1/engagements/{id}/disclosures/": lambda w, k: (
        "json",
        {
            "what": TEXT,
            "recipient_kind": "government_body",
            "recipient": "A court",
            "reason": "The client asked.",
            "basis": "client_consent",
            "consent": str(w.pk(k.replace("engagement", "consent"))),
        },
    ),
    "POST /api/v1/engagements/{id}/documents/": lambda w, k: (
        "multipart",
        {"file": SimpleUploadedFile("matrix.txt", b"matrix upload", content_type="text/plain")},
    ),
    "POST /api/v1/engagements/{id}/feedback-requests/": lambda w, k: (
        "json",
        {
            "kind": "named",
            "source_category": "peer",
            "prompt": TEXT,
            "sources": [{"email": "matrix.peer@example.net", "name": "Matrix Peer"}],
        },
    ),
    "POST /api/v1/engagements/{id}/unsolicited-feedback/": lambda w, k: (
        "json",
        {"source_category": "colleague", "presentation": "summary", "text": TEXT, "received_on": _today()},
    ),
    "POST /api/v1/engagements/{id}/notes/": lambda w, k: ("json", {"body": TEXT}),
    "POST /api/v1/engagements/{id}/reports/": lambda w, k: (
        "json",
        {"title": "Matrix report", "sections": {"goals": TEXT}},
    ),
    "POST /api/v1/engagements/{id}/sessions/": lambda w, k: (
        "json",
        {"held_on": _today(), "duration_minutes": 60, "mode": "video"},
    ),
    "PATCH /api/v1/feedback/{id}/": lambda w, k: (
        "json",
        {"version": _version(w, k), "summary": TEXT, "presentation": "summary", "share": True},
    ),
    "POST /api/v1/information-categories/": lambda w, k: ("json", {"name": "Matrix category"}),
    "POST /api/v1/professional-codes/": lambda w, k: (
        "json",
        {"name": "Matrix code", "body": "Matrix body", "link": "https://example.org/matrix-code"},
    ),
    "PATCH /api/v1/sessions/{id}/": lambda w, k: ("json", {"place": "Matrix room", "setting_private": True}),
    "POST /api/v1/invoices/": lambda w, k: ("json", {"organisation": str(w.pk(k)), "lines": _line()}),
    "PATCH /api/v1/invoices/{id}/": lambda w, k: (
        "json",
        {"organisation": str(w.objects[k].organisation_id), "lines": _line()},
    ),
    "POST /api/v1/invoices/{id}/issue/": lambda w, k: ("json", {}),
    "POST /api/v1/legal-holds/": lambda w, k: (
        "json",
        {"scope": "engagement", "target": str(w.pk(k)), "case_reference": "CASE-M", "reason": TEXT},
    ),
    "POST /api/v1/legal-holds/{id}/release/": lambda w, k: ("json", {"release_reason": TEXT}),
    "PATCH /api/v1/notes/{id}/": lambda w, k: ("json", {"body": TEXT, "version": _version(w, k)}),
    "POST /api/v1/notes/{id}/corrections/": lambda w, k: ("json", {"body": TEXT}),
    "POST /api/v1/organisations/": lambda w, k: ("json", {"name": "Matrix Organisation"}),
    "POST /api/v1/payments/": lambda w, k: (
        "json",
        {"invoice": str(w.pk(k)), "amount": "10.00", "received_on": _today()},
    ),
    "PATCH /api/v1/reports/{id}/": lambda w, k: (
        "json",
        {"version": _version(w, k), "sections": {"goals": TEXT}},
    ),
    "POST /api/v1/reports/{id}/approve/": lambda w, k: ("json", {"version": _version(w, k)}),
    "POST /api/v1/reports/{id}/release/": lambda w, k: ("json", {"version": _version(w, k)}),
    "POST /api/v1/reports/{id}/request-changes/": lambda w, k: ("json", {"version": _version(w, k)}),
    "POST /api/v1/reports/{id}/submit/": lambda w, k: ("json", {"version": _version(w, k)}),
    "POST /api/v1/subject-access-requests/": lambda w, k: ("json", {"client": str(w.pk(k))} if k != "-" else {}),
    # --- pages: the writes a persona who may read the object must still be refused ------------
    # The other side's coach added to the engagement: a write only the administrator makes.
    "POST engagements/<uuid:pk>/people/": lambda w, k: (
        "form",
        {"user": str(_person(w, "other_coach" if k.endswith("A") else "coach").pk), "kind": "coach"},
    ),
    "POST engagements/<uuid:pk>/sessions/": lambda w, k: (
        "form",
        {"held_on": _today(), "duration_minutes": "60", "mode": "video"},
    ),
    "POST engagements/sessions/<uuid:pk>/setting/": lambda w, k: (
        "form",
        {"place": "Matrix room", "setting_private": "on"},
    ),
    "POST engagements/<uuid:pk>/notes/new/": lambda w, k: ("form", {"body": TEXT}),
    "POST engagements/<uuid:pk>/documents/": lambda w, k: (
        "multipart",
        {"file": SimpleUploadedFile("matrix.txt", b"matrix upload", content_type="text/plain")},
    ),
    "POST engagements/<uuid:pk>/hard-copies/": lambda w, k: (
        "form",
        {"description": TEXT, "location": "Cabinet C", "received_on": _today()},
    ),
    "POST engagements/<uuid:pk>/reports/": lambda w, k: (
        "form",
        {"title": "Matrix report", f"section_{_goals().pk}": TEXT},
    ),
    "POST engagements/reports/<uuid:pk>/<slug:action>/": lambda w, k: (
        "form",
        {"version": str(_version(w, k.partition(":")[0])), "body": TEXT},
    ),
    "POST engagements/<uuid:pk>/feedback/": lambda w, k: (
        "form",
        {
            "kind": "named",
            "source_category": "peer",
            "prompt": TEXT,
            "email_0": "matrix.peer@example.net",
            "name_0": "Matrix Peer",
        },
    ),
    "POST engagements/feedback/<uuid:pk>/": lambda w, k: (
        "form",
        {"version": str(_version(w, k)), "summary": TEXT, "presentation": "summary", "share": "1"},
    ),
    "POST engagements/<uuid:pk>/feedback/unsolicited/": lambda w, k: (
        "form",
        {"source_category": "colleague", "presentation": "summary", "text": TEXT, "received_on": _today()},
    ),
    "POST engagements/notes/<uuid:pk>/edit/": lambda w, k: ("form", {"body": TEXT, "version": str(_version(w, k))}),
    "POST engagements/notes/<uuid:pk>/share/": lambda w, k: ("form", {"shared": "1", "version": str(_version(w, k))}),
    "POST engagements/notes/<uuid:pk>/break-glass/": lambda w, k: (
        "form",
        {"reason": "A court order requires the practice to produce this note."},
    ),
    "POST agreements/<uuid:pk>/": lambda w, k: ("form", {"text_hash": w.objects[k].text_hash, "confirm": "on"}),
    "POST engagements/<uuid:pk>/agreement/": lambda w, k: ("form", {"template": str(_template().pk)}),
    "POST engagements/<uuid:pk>/consents/new/": lambda w, k: (
        "form",
        {"kind": "disclosure", "wording": TEXT, "method": "recorded_by_coach"},
    ),
    "POST engagements/<uuid:pk>/disclosures/": lambda w, k: (
        "form",
        {
            "what": TEXT,
            "recipient_kind": "government_body",
            "recipient": "A court",
            "reason": "The client asked.",
            "basis": "client_consent",
            "consent": str(w.pk(k.replace("engagement", "consent"))),
        },
    ),
    "POST engagements/<uuid:pk>/concerns/new/": lambda w, k: (
        "form",
        {"kind": "breaking_confidentiality", "text": TEXT},
    ),
    "POST disclosures/<uuid:pk>/decide/": lambda w, k: ("form", {"decision": "approve"}),
    "POST concerns/<uuid:pk>/step/": lambda w, k: ("form", {"step": "verify", "text": TEXT}),
    "POST concerns/<uuid:pk>/change/": lambda w, k: ("form", {"step": "pause"}),
    "POST retention/holds/new/<str:scope>/<uuid:pk>/": lambda w, k: (
        "form",
        {"case_reference": "CASE-M", "reason": TEXT},
    ),
    "POST concerns/<uuid:pk>/withdraw/": lambda w, k: ("form", {"reason": TEXT}),
    "POST consents/give/": lambda w, k: ("form", {"kind": "testimonial"}),
    "POST complaints/new/": lambda w, k: ("form", {"about": "shared", "body": TEXT}),
    "POST complaints/record/": lambda w, k: (
        "form",
        {
            "client": str(w.pk("clientA")),
            "received_on": _today(),
            "received_by": "telephone",
            "evidence": TEXT,
            "about": "shared",
            "body": TEXT,
        },
    ),
    "POST breaches/<uuid:pk>/affected/": lambda w, k: (
        "form",
        {"kind": "organisation", "organisation": str(w.pk("organisationB" if k.endswith("A") else "organisationA"))},
    ),
    "POST breaches/<uuid:pk>/communication/": lambda w, k: (
        "form",
        {"version": _communication_version(w, k), "decision": "tell", "reason": TEXT},
    ),
    "POST breaches/<uuid:pk>/letter/": lambda w, k: (
        "form",
        {
            "version": _communication_version(w, k),
            "nature": TEXT,
            "consequences": TEXT,
            "measures": TEXT,
            "advice": TEXT,
        },
    ),
    "POST complaints/<uuid:pk>/respond/": lambda w, k: ("form", {"message": TEXT}),
    "POST complaints/<uuid:pk>/reply/": lambda w, k: ("form", {"message": TEXT}),
    "POST testimonials/new/": lambda w, k: (
        "form",
        {"client": str(w.pk("clientA")), "kind": "testimonial", "text": TEXT, "used_in": "A brochure"},
    ),
    "POST testimonials/<uuid:pk>/publishable/": lambda w, k: (
        "form",
        {"consent": str(w.pk(k.replace("testimonial", "consenttestimonial")))},
    ),
    "POST sharings/new/": lambda w, k: (
        "form",
        {"organisation": str(w.pk("organisationA")), "to_outside_body": "A forum", "what": TEXT, "why": TEXT},
    ),
    "POST sharings/<uuid:pk>/permission/": lambda w, k: ("form", {"decision": "give"}),
    "POST sharings/<uuid:pk>/permission/record/": lambda w, k: ("form", _permission_record(w, k)),
    "POST account/": lambda w, k: ("form", {"name": "Matrix token"}),
    "POST records-of-processing/": lambda w, k: ("form", _activity("Matrix purpose")),
    "POST records-of-processing/activities/<uuid:pk>/": lambda w, k: ("form", _activity("Providing coaching")),
    "POST records-of-processing/processors/": lambda w, k: ("form", _processor("Matrix Mail")),
    "POST records-of-processing/processors/<uuid:pk>/": lambda w, k: ("form", _processor("Matrix Hosting")),
    "POST practice/": lambda w, k: (
        "form",
        {
            "name": "Matrix Coaching",
            "regulator": "The ICO",
            "concern_reminder_days": "7",
            "unsolicited_share_days": "5",
        },
    ),
}


def body_for(what: str, world: MatrixWorld, key: str) -> Body | None:
    make = BODIES.get(what)
    return make(world, key) if make is not None else None
