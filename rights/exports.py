"""What a subject-access export holds, and how the copy is written, sealed and read back.

What is in a copy is decided in one place per kind of subject: ``client_contents`` and
``organisation_contents``. They read the models directly, because the export is the practice
answering a request, not a person browsing: what the subject is owed (policy 002's right of
access, policy 000's "Organisations can access any information held on them") decides, not
what a page would show. Two limits hold all the same:

- other people's identities are not the client's data: feedback goes only through
  ``engagements.feedback.client_view`` and never names a source;
- an organisation's copy holds what is held on the organisation, never a client's confidential
  material: no notes, no feedback, no report that was not released, no client's personal details.

The copy is a ZIP (``information.json``, the readable copy, the files) written straight into a
sealing stream: it is encrypted in chunks as it is written, so no plain copy touches the disk.
Each chunk binds the export, its position and whether it is the last, so chunks cannot be
reordered, swapped between exports, or cut off. Memory stays flat however many records the client
has (issue 23): the long sections are read a batch at a time (``Records``), the JSON is written as
it is read, the documents go in one at a time, and the readable copy is ``information.pdf`` or, for
a long copy, numbered volumes (``information-volume-01.pdf`` onwards, ``render_volumes``), each
rendered, written and dropped before the next.
"""

from __future__ import annotations

import datetime
import hashlib
import logging
import struct
import tempfile
import zipfile
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, Any

from django.core.files import File
from django.core.files.storage import default_storage
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

import access
from confidentiality.crypto import DecryptionError, decrypt_blob, encrypt_blob, load_data_keys
from confidentiality.dates import day, moment

if TYPE_CHECKING:
    from confidentiality.models import User

logger = logging.getLogger(__name__)

FORMAT = "subject-access-export/1"
MAGIC = b"SAR1"
CHUNK_BYTES = 1024 * 1024
_HEADER = struct.Struct(">BI")  # last-chunk flag, sealed length
UNIDENTIFIED_SOURCE = "A person asked for feedback"

Progress = Callable[[int, str], None]  # (percent done, what is being done)
Reading = Callable[[int, int, str], None]  # (sections read, sections in all, what is being read)
Add = Callable[[str, bytes | Iterable[bytes]], None]  # (path in the ZIP, its content whole or in pieces)


RECORDS_BATCH = 500  # records read, decrypted and held at a time from a long section
DOCUMENTS_AT_A_TIME = 100  # documents (with their engagement) read at a time to list their files


class Records:
    """A long section's records (the notes, the access log), read from the database a batch at a
    time each time they are walked: the JSON and the PDF's volumes each walk them once, so the build
    holds a batch, not ten thousand notes. The records are pinned when the section is read (the
    notes' ids, the audit trail's last sequence number), so every walk gives the same ones in the
    same order and ``len`` is known before the first walk; a record deleted between two walks (an
    erasure during the build) is left out of the later one rather than read again.

    ``one_line``: the records are short and of the same fields, read one to a line in the PDF."""

    def __init__(
        self, count: int, batches: Callable[[], Iterator[list[dict[str, Any]]]], *, one_line: bool = False
    ) -> None:
        self.count = count
        self.one_line = one_line
        self._batches = batches
        self._cleaners: list[Callable[[Any], Any]] = []

    def __len__(self) -> int:
        return self.count

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for batch in self._batches():
            for item in batch:
                for clean in self._cleaners:
                    item = clean(item)
                yield item

    def clean_with(self, clean: Callable[[Any], Any]) -> None:
        """Applied to every record as it is read (the words withheld from the copy)."""
        self._cleaners.append(clean)

    def __repr__(self) -> str:  # never the records' text
        return f"<Records: {self.count}>"


@dataclass
class Section:
    key: str
    title: str
    items: list[dict[str, Any]] | Records
    note: str = ""


@dataclass
class FileEntry:
    """A file inside the ZIP; its content is read only when it is written."""

    path: str
    size: int
    load: Callable[[], bytes]
    record_id: str = ""  # the document's id: a whole file may be withheld (``WithheldFile``)


@dataclass
class Contents:
    subject_kind: str
    title: str
    subject_name: str
    sections: list[Section] = field(default_factory=list)
    files: list[FileEntry] = field(default_factory=list)

    def manifest(self) -> dict[str, Any]:
        """What the administrator checks before release: counts only, never content."""
        return {
            "sections": [{"key": s.key, "title": s.title, "count": len(s.items)} for s in self.sections],
            "files": len(self.files),
            "file_bytes": sum(f.size for f in self.files),
        }


# The kinds of audit event a client's copy includes (the records the copy itself holds).
SHOWN_AUDIT_PREFIXES = (
    "note.",
    "shared.",
    "document.",
    "session.",
    "report.",
    "agreement.",
    "consent.",
    "client.",
    "complaint.",
    "testimonial.",
    "engagement.",
    "subject_access.",
)


def _person(user: User | None) -> str:
    if user is None:
        return ""
    return user.display_name or user.email


@dataclass(frozen=True, slots=True)
class _StoredFile:
    """What reading a document's file needs (``document_content`` asks for these two ids): kept
    for each file until the ZIP is written instead of the document with its engagement, so the
    copy's memory does not grow with a client's thousand documents (issue 23)."""

    pk: Any
    engagement_id: Any
    blob_name: str


def _document_file(document: Any, folder: str) -> FileEntry:
    from engagements.documents import clean_name
    from engagements.services import document_content

    name = clean_name(document.original_name)
    path = f"{folder}/{document.engagement.reference}/{document.id.hex[:8]}-{name}"
    stored = _StoredFile(document.pk, document.engagement_id, document.blob_name)

    def load() -> bytes:
        with default_storage.open(stored.blob_name, "rb") as handle:
            blob = handle.read()
        return document_content(stored, blob)

    return FileEntry(path=path, size=document.size, load=load, record_id=str(document.id))


def _document_item(document: Any, entry: FileEntry) -> dict[str, Any]:
    return {
        "engagement": document.engagement.reference,
        "name": document.original_name,
        "type": document.content_type,
        "size_bytes": document.size,
        "uploaded_at": document.created_at,
        "file": entry.path,
        "record_id": entry.record_id,
    }


def _agreement_item(agreement: Any, *, own_party: str, own_user_ids: set[int]) -> dict[str, Any]:
    """An agreement as signed. Signatures name only the subject's own signers; the other
    parties are shown by role and time."""
    from consent.text import agreement_text

    signatures = []
    for signature in agreement.signatures.all():
        entry: dict[str, Any] = {"party": signature.get_party_display(), "signed_at": signature.signed_at}
        if signature.party == own_party and signature.user_id in own_user_ids:
            entry["signed_by"] = _person(signature.user)
            if own_party == "client":
                entry["ip_address"] = signature.ip_address or ""
                entry["browser"] = signature.user_agent
        signatures.append(entry)
    return {
        "engagement": agreement.engagement.reference,
        "version": agreement.version,
        "state": agreement.get_state_display(),
        "sent_at": agreement.sent_at,
        "signed_at": agreement.signed_at,
        "text_sha256": agreement.text_hash,
        "text": agreement_text(agreement).as_plain_text(),
        "signatures": signatures,
    }


def _note_item(n: Any) -> dict[str, Any]:
    return {
        "engagement": n.engagement.reference,
        "session_held_on": n.session.held_on if n.session else None,
        "written_by": _person(n.author),
        "written_at": n.created_at,
        "last_changed_at": n.updated_at,
        "shared_with_you": n.shared_with_client,
        "text": n.body,
        # Appended later; the text above stays as written.
        "corrections": [
            {"written_by": _person(c.author), "written_at": c.created_at, "text": c.body} for c in n.corrections.all()
        ],
    }


def _event_item(e: Any, people: dict[int, Any], own_user_ids: set[int]) -> dict[str, Any]:
    if e.actor_id is None:
        who = "The practice's system"
    elif e.actor_id in own_user_ids:
        who = "You"
    else:
        who = _person(people.get(e.actor_id)) or "A former member of the practice"
    return {
        "when": e.created_at,
        "who": who,
        "role": e.actor_role or "",
        "action": e.action,
        "record": e.object_type,
        "record_id": e.object_id,
    }


# --- a client -------------------------------------------------------------------------------


def client_contents(client: Any, *, progress: Reading | None = None, only: Collection[str] | None = None) -> Contents:
    """Everything held on one client (issue 7): identity, engagements, agreements and signatures,
    consents, sessions, notes (private ones too: they are the client's personal data), shared
    documents, reports and their versions, feedback at the agreed anonymity with no source named,
    disclosures about them, complaints, testimonials and other marketing uses of them, the access log of
    their records, and their requests. ``only``: the keys of the sections to read (portability reads
    what the client gave, and nothing it leaves out is read at all)."""
    from complaints.models import Complaint
    from confidentiality.models import AuditEvent, User
    from consent.models import Agreement, ConsentRecord, FeedbackAnonymity
    from disclosures.models import Concern, Disclosure
    from engagements.models import CoachingSession, Document, Engagement, Note
    from feedback import services as feedback_services
    from feedback.models import FeedbackRequest, UnsolicitedFeedback
    from reports.models import SponsorReport
    from rights.models import SubjectAccessRequest

    engagements = list(
        Engagement.objects.filter(client=client)
        .select_related("organisation")
        .prefetch_related("members__user")
        .order_by("starts_on", "reference")
    )
    load_data_keys([client.data_key_id, *(e.data_key_id for e in engagements)])
    contents = Contents(subject_kind="client", title="Information held about you", subject_name=client.full_name)
    own_user_ids = {client.user_id} if client.user_id else set()

    def identity() -> Section:
        item = {
            "id": str(client.id),
            "full_name": client.full_name,
            "contact_email": client.contact_email,
            "phone": client.phone,
            "postal_address": client.postal_address or "",
            "recorded_at": client.created_at,
        }
        if client.user is not None:
            item["portal_sign_in_email"] = client.user.email
            item["portal_display_name"] = client.user.display_name
            item["portal_account_created_at"] = client.user.date_joined
        return Section("identity", "Who you are", [item])

    def engagement_items() -> Section:
        items = []
        for e in engagements:
            items.append(
                {
                    "id": str(e.id),
                    "reference": e.reference,
                    "title": e.title,
                    "organisation": e.organisation.name if e.organisation else None,
                    "paid_for_by": e.payer_name,
                    "status": e.get_status_display(),
                    "starts_on": e.starts_on,
                    "ends_on": e.ends_on,
                    "closed_at": e.closed_at,
                    "coaches": [_person(m.user) for m in e.members.all() if m.kind == "coach"],
                }
            )
        return Section("engagements", "Your coaching engagements", items)

    def agreements() -> Section:
        rows = (
            Agreement.objects.filter(engagement__in=engagements)
            .exclude(state=Agreement.State.DRAFT)
            .select_related("engagement__organisation")
            .prefetch_related("signatures__user")
            .order_by("engagement__starts_on", "version")
        )
        items = [_agreement_item(a, own_party="client", own_user_ids=own_user_ids) for a in rows]
        return Section(
            "agreements",
            "Confidentiality agreements and signatures",
            items,
            "Each version put out for signing, its exact text, and who signed it when. The other parties' "
            "signatures are shown by their role.",
        )

    def consents() -> Section:
        rows = (
            ConsentRecord.objects.filter(client=client)
            .select_related("engagement", "evidence__engagement")
            .order_by("given_at")
        )
        items = []
        for c in rows:
            item: dict[str, Any] = {
                "kind": c.get_kind_display(),
                "engagement": c.engagement.reference if c.engagement else "",
                "wording": c.wording,
                "how_given": c.get_method_display(),
                "given_at": c.given_at,
                "withdrawn_at": c.withdrawn_at,
            }
            if c.evidence is not None:
                entry = _document_file(c.evidence, "consent-evidence")
                contents.files.append(entry)
                item["evidence_file"] = entry.path
            items.append(item)
        return Section("consents", "Your consents", items)

    def sessions() -> Section:
        rows = CoachingSession.objects.filter(engagement__in=engagements).select_related("engagement")
        items = [
            {
                "engagement": s.engagement.reference,
                "held_on": s.held_on,
                "duration_minutes": s.duration_minutes,
                "mode": s.get_mode_display(),
            }
            for s in rows.order_by("held_on", "created_at")
        ]
        return Section("sessions", "Coaching sessions", items)

    def notes() -> Section:
        # Pinned by id, oldest first; read a batch at a time (``Records``).
        ids = list(
            Note.objects.filter(engagement__in=engagements).order_by("created_at", "pk").values_list("pk", flat=True)
        )

        def batches() -> Iterator[list[dict[str, Any]]]:
            for first in range(0, len(ids), RECORDS_BATCH):
                pinned = ids[first : first + RECORDS_BATCH]
                rows = {
                    n.pk: n
                    for n in Note.objects.filter(pk__in=pinned)
                    .select_related("engagement", "session", "author")
                    .prefetch_related("corrections__author")
                }
                yield [_note_item(rows[pk]) for pk in pinned if pk in rows]

        return Section(
            "notes",
            "Notes about your coaching",
            Records(len(ids), batches),
            "Every note your coach wrote, including those not shared with you in the portal: they are your "
            "personal data.",
        )

    def documents() -> Section:
        rows = Document.objects.filter(engagement__in=engagements, shared_with_client=True).select_related("engagement")
        items = []
        # A few at a time: only each file's entry and listing stay, not the documents themselves.
        for d in rows.order_by("created_at").iterator(chunk_size=DOCUMENTS_AT_A_TIME):
            entry = _document_file(d, "documents")
            contents.files.append(entry)
            items.append(_document_item(d, entry))
        return Section("documents", "Documents shared with you", items, "The files are in the documents folder.")

    def reports() -> Section:
        rows = (
            SponsorReport.objects.filter(engagement__in=engagements)
            .select_related("engagement")
            .prefetch_related("versions__sections__category", "versions__comments__section__category")
            .order_by("created_at")
        )
        items = []
        for r in rows:
            versions = []
            for v in r.versions.all():
                versions.append(
                    {
                        "number": v.number,
                        "written_at": v.created_at,
                        "sent_to_you_at": v.submitted_at,
                        "sections": [{"category": s.category.name, "text": s.body} for s in v.sections.all()],
                        "comments": [
                            {
                                "on": c.section.category.name if c.section else "The whole report",
                                "by": "You" if c.author_id in own_user_ids else "Your coach",
                                "written_at": c.created_at,
                                "text": c.body,
                            }
                            for c in v.comments.all()
                        ],
                    }
                )
            items.append(
                {
                    "engagement": r.engagement.reference,
                    "title": r.title,
                    "state": r.get_state_display(),
                    "approved_version": r.approved_version,
                    "released_to_the_organisation_at": r.released_at,
                    "versions": versions,
                }
            )
        return Section("reports", "Reports to your organisation, with every version", items)

    def feedback_items() -> Section:
        rows = FeedbackRequest.objects.filter(engagement__in=engagements, shared_at__isnull=False).select_related(
            "engagement"
        )
        items = []
        for request in rows.order_by("created_at"):
            view = feedback_services.client_view(request)
            # Other people's identities are not the client's data: whatever the agreed anonymity,
            # the copy names no source (never a name or an e-mail address).
            source = (
                UNIDENTIFIED_SOURCE
                if request.anonymity == FeedbackAnonymity.UNIDENTIFIED
                else request.get_source_category_display()
            )
            items.append(
                {
                    "engagement": request.engagement.reference,
                    "about": feedback_services.client_label(request),
                    "shared_with_you_at": request.shared_at,
                    "summary": view.summary,
                    "answers": [{"from": source, "answer": answer} for _shown_as, answer in view.answers],
                    "why_no_answers": view.withheld_reason,
                }
            )
        return Section(
            "feedback",
            "Feedback from others",
            items,
            "As shared with you by your coach, at the anonymity agreed; the people who gave it are not named.",
        )

    def unsolicited_feedback_items() -> Section:
        rows = UnsolicitedFeedback.objects.filter(engagement__in=engagements, shared_at__isnull=False).select_related(
            "engagement"
        )
        # As the client read it, except that, like requested feedback, the copy names no source:
        # other people's identities are not the client's data.
        items = [
            {
                "engagement": item.engagement.reference,
                "from": (
                    feedback_services.UNIDENTIFIED_UNSOLICITED
                    if item.anonymity == FeedbackAnonymity.UNIDENTIFIED
                    else item.get_source_category_display()
                ),
                "form": item.get_presentation_display(),
                "received_by_your_coach_on": item.received_on,
                "shared_with_you_at": item.shared_at,
                "text": item.text,
            }
            for item in rows.order_by("received_on", "recorded_at")
        ]
        return Section(
            "unsolicited_feedback",
            "Feedback others gave without being asked",
            items,
            "As shared with you by your coach; the people who gave it are not named.",
        )

    def disclosures() -> Section:
        rows = Disclosure.objects.filter(client=client, state=Disclosure.State.MADE).select_related("engagement")
        items = [
            {
                "engagement": d.engagement.reference,
                "what": d.what,
                "to": d.get_recipient_kind_display(),
                "recipient": d.recipient,
                "why": d.reason,
                "basis": d.get_basis_display(),
                "made_at": d.made_at,
                "confirmation_sent_at": d.confirmation_sent_at,
            }
            for d in rows.order_by("made_at")
        ]
        concerns = Concern.objects.filter(
            engagement__in=engagements, kind=Concern.Kind.BREAKING_CONFIDENTIALITY
        ).exclude(serious_danger=True, state__in=[Concern.State.OPEN, Concern.State.WITHDRAWN])
        for concern in concerns.select_related("engagement").order_by("created_at"):
            items.append(
                {
                    "engagement": concern.engagement.reference,
                    "concern": concern.get_kind_display(),
                    "state": concern.get_state_display(),
                    "opened_at": concern.created_at,
                    "closed_at": concern.closed_at,
                }
            )
        return Section("disclosures", "Information disclosed about you, and concerns raised", items)

    def complaints() -> Section:
        rows = (
            Complaint.objects.filter(client=client)
            .select_related("engagement")
            .prefetch_related("responses")
            .order_by("lodged_at")
        )
        items = [
            {
                "reference": c.reference,
                "about": c.get_about_display(),
                "engagement": c.engagement.reference if c.engagement else "",
                "text": c.body,
                "status": c.get_status_display(),
                "outcome": c.get_outcome_display() if c.outcome else "",
                "lodged_at": c.lodged_at,
                "acknowledged_at": c.acknowledged_at,
                "closed_at": c.closed_at,
                "responses": [
                    {"kind": r.get_kind_display(), "sent_at": r.created_at, "text": r.body} for r in c.responses.all()
                ],
            }
            for c in rows
        ]
        return Section("complaints", "Your complaints", items)

    def testimonials() -> Section:
        # Policies 001, 003: what the practice uses about the client in its marketing, on which consent.
        from testimonials.models import Testimonial

        rows = Testimonial.objects.filter(client=client).select_related("consent").order_by("created_at")
        items = [
            {
                "reference": t.reference,
                "kind": t.get_kind_display(),
                "text": t.text,
                "used_in": t.used_in,
                "state": t.get_state_display(),
                "consent": t.consent.get_kind_display() if t.consent else "",
                "consent_withdrawn_at": t.consent.withdrawn_at if t.consent else None,
                "created_at": t.created_at,
                "publishable_at": t.publishable_at,
                "flagged_at": t.flagged_at,
                "removed_at": t.removed_at,
            }
            for t in rows
        ]
        return Section("testimonials", "Testimonials, case studies and mentions of you in marketing", items)

    def access_log() -> Section:
        # Reads and changes of the records the client sees in this copy, and nothing else: the audit
        # trail also holds events the client may not learn of yet (an open serious-danger concern, a
        # disclosure awaiting approval, feedback not shared, when each source answered).
        from django.db.models import Count, Max, Q

        shown = Q()
        for prefix in SHOWN_AUDIT_PREFIXES:
            shown |= Q(action__startswith=prefix)
        # Pinned at the last event now (the trail only grows), read in order of the trail a batch
        # at a time from the index on (client, seq).
        pinned = AuditEvent.objects.filter(shown, client_id=client.id)
        held = pinned.aggregate(last=Max("seq"), count=Count("seq"))
        last, count = held["last"] or 0, held["count"]
        pinned = pinned.filter(seq__lte=last)
        people: dict[int, Any] = {}

        def batches() -> Iterator[list[dict[str, Any]]]:
            after = 0
            while after < last:
                events = list(
                    pinned.filter(seq__gt=after)
                    .only("seq", "created_at", "actor_id", "actor_role", "action", "object_type", "object_id")
                    .order_by("seq")[:RECORDS_BATCH]
                )
                if not events:
                    return
                after = events[-1].seq
                unknown = {e.actor_id for e in events if e.actor_id and e.actor_id not in people}
                people.update((u.pk, u) for u in User.objects.filter(pk__in=unknown))
                yield [_event_item(e, people, own_user_ids) for e in events]

        return Section("access_log", "Who read or changed your records", Records(count, batches, one_line=True))

    def requests() -> Section:
        return Section(
            "subject_access_requests",
            "Your requests under your data-protection rights",
            _request_items(SubjectAccessRequest.objects.filter(client=client)),
        )

    keyed: list[tuple[str, Callable[[], Section]]] = [
        ("identity", identity),
        ("engagements", engagement_items),
        ("agreements", agreements),
        ("consents", consents),
        ("sessions", sessions),
        ("notes", notes),
        ("documents", documents),
        ("reports", reports),
        ("feedback", feedback_items),
        ("unsolicited_feedback", unsolicited_feedback_items),
        ("disclosures", disclosures),
        ("complaints", complaints),
        ("testimonials", testimonials),
        ("access_log", access_log),
        ("subject_access_requests", requests),
        # A private client pays for their own coaching: the invoices to them are theirs.
        *(("invoices", step) for step in _finance_steps(None, [e for e in engagements if e.organisation_id is None])),
    ]
    steps = [step for key, step in keyed if only is None or key in only]
    for number, step in enumerate(steps):
        section = step()
        contents.sections.append(section)
        if progress is not None:
            progress(number + 1, len(steps), f"Reading {section.title.lower()}")
    return contents


# --- an organisation ------------------------------------------------------------------------


def organisation_contents(organisation: Any, *, contact: Any, progress: Reading | None = None) -> Contents:
    """What is held on the organisation itself (policy 000): its record, contacts, agreements it
    signed, released reports as released, documents it supplied, invoices and payments. Never a
    client's confidential material: engagements appear by reference and title only, and only those
    ``contact`` (the contact who receives the copy) is on: what was released on other engagements
    went to other contacts, under other agreements."""
    from consent.models import Agreement
    from engagements.models import Engagement, EngagementMember, SponsorContact
    from reports.models import SponsorReport
    from rights.models import SubjectAccessRequest

    engagements = list(
        Engagement.objects.filter(
            organisation=organisation,
            members__user=contact,
            members__kind=EngagementMember.Kind.SPONSOR,
        ).order_by("starts_on", "reference")
    )
    load_data_keys([e.data_key_id for e in engagements])
    # A client's restriction or objection (arts. 18, 21) pauses what the organisation may read of
    # their engagement: it is listed, but its reports and documents stay out of the copy.
    readable = [e for e in engagements if not e.restricted]
    contents = Contents(
        subject_kind="organisation",
        title=f"Information held about {organisation.name}",
        subject_name=organisation.name,
    )
    contacts = list(SponsorContact.objects.filter(organisation=organisation).select_related("user"))
    contact_user_ids = {c.user_id for c in contacts}

    def record() -> Section:
        item = {
            "id": str(organisation.id),
            "name": organisation.name,
            "recorded_at": organisation.created_at,
            "lets_the_practice_keep_hard_copies": organisation.keep_hard_copies,
        }
        return Section("organisation", "The organisation's record", [item])

    def contact_items() -> Section:
        items = [
            {"name": _person(c.user), "email": c.user.email, "job_title": c.job_title, "active": c.active}
            for c in contacts
        ]
        return Section("contacts", "Contacts", items)

    def engagement_items() -> Section:
        # No client's name or details: the organisation commissioned the work, it is not its data.
        items = [
            {
                "reference": e.reference,
                "title": e.title,
                "status": e.get_status_display(),
                "starts_on": e.starts_on,
                "ends_on": e.ends_on,
            }
            for e in engagements
        ]
        return Section("engagements", "Engagements the organisation commissioned that you are on", items)

    def agreements() -> Section:
        rows = (
            Agreement.objects.filter(engagement__in=engagements, signatures__party="sponsor")
            .distinct()
            .select_related("engagement__organisation")
            .prefetch_related("signatures__user")
            .order_by("engagement__starts_on", "version")
        )
        items = [_agreement_item(a, own_party="sponsor", own_user_ids=contact_user_ids) for a in rows]
        return Section("agreements", "Agreements the organisation signed", items)

    def released_reports() -> Section:
        rows = (
            SponsorReport.objects.filter(engagement__in=readable, state=SponsorReport.State.RELEASED)
            .select_related("engagement")
            .prefetch_related("versions__sections__category")
            .order_by("released_at")
        )
        items = []
        for r in rows:
            # Only the version the client approved and the coach released: never drafts or comments.
            released = [v for v in r.versions.all() if v.number == r.approved_version]
            sections = [{"category": s.category.name, "text": s.body} for v in released for s in v.sections.all()]
            items.append(
                {
                    "engagement": r.engagement.reference,
                    "title": r.title,
                    "version": r.approved_version,
                    "released_at": r.released_at,
                    "sections": sections,
                }
            )
        return Section("released_reports", "Reports released to the organisation", items)

    def documents() -> Section:
        rows = access.organisation_supplied_documents().filter(engagement__in=readable).select_related("engagement")
        items = []
        for d in rows.order_by("created_at").iterator(chunk_size=DOCUMENTS_AT_A_TIME):
            entry = _document_file(d, "documents")
            contents.files.append(entry)
            items.append(_document_item(d, entry))
        return Section(
            "documents", "Documents the organisation supplied", items, "The files are in the documents folder."
        )

    def requests() -> Section:
        return Section(
            "subject_access_requests",
            "Your requests for a copy of the organisation's information",
            _request_items(SubjectAccessRequest.objects.filter(organisation=organisation, requester=contact)),
        )

    steps: list[Callable[[], Section]] = [
        record,
        contact_items,
        engagement_items,
        agreements,
        released_reports,
        documents,
        lambda: _sharing_section(organisation),
        *_finance_steps(organisation, engagements),
        requests,
    ]
    for number, step in enumerate(steps):
        section = step()
        contents.sections.append(section)
        if progress is not None:
            progress(number + 1, len(steps), f"Reading {section.title.lower()}")
    return contents


def _sharing_section(organisation: Any) -> Section:
    """Policy 000: information is "only shared by agreement with the organisations involved". Every
    sharing that concerns the organisation (its own information, or information shared with it, or
    otherwise naming it), with what, why, to whom and each organisation's permission."""
    from disclosures.models import OrganisationSharing

    rows = list(
        OrganisationSharing.objects.filter(permissions__organisation=organisation)
        .select_related("organisation", "to_organisation")
        .prefetch_related("permissions__organisation")
        .order_by("created_at")
    )
    load_data_keys([s.data_key_id for s in rows])
    items = [
        {
            "reference": s.reference,
            "whose_information": s.organisation.name,
            "shared_with": s.recipient_name,
            "what": s.what,
            "why": s.why,
            "state": s.get_state_display(),
            "recorded_at": s.created_at,
            "shared_at": s.shared_at,
            "permissions": [
                {
                    "organisation": p.organisation.name,
                    "permission": p.get_state_display(),
                    "how": p.get_method_display() if p.method else "",
                    "decided_at": p.decided_at,
                }
                for p in s.permissions.all()
            ],
        }
        for s in rows
    ]
    return Section("sharings", "Sharing between organisations that concerns the organisation", items)


def _finance_steps(organisation: Any, engagements: list[Any]) -> list[Callable[[], Section]]:
    """Invoices (as issued: a draft was never sent) with their lines, payments and credit notes: the
    organisation's own, and those of ``engagements`` (the ones the copy's contact is on); with no
    organisation, a private client's: the invoices to them for ``engagements``, their own."""
    from django.apps import apps
    from django.db.models import Q

    if not apps.is_installed("finance") or (organisation is None and not engagements):
        return []
    from finance.models import Invoice

    def invoices() -> Section:
        theirs = Q(engagement__in=engagements)
        if organisation is not None:
            theirs |= Q(engagement__isnull=True, engagement_reference="")
        rows = (
            Invoice.objects.filter(organisation=organisation)
            .filter(theirs)
            .exclude(state=Invoice.State.DRAFT)
            .prefetch_related("lines", "payments", "credit_notes")
            .order_by("issued_on", "number")
        )
        items = [
            {
                "reference": i.reference,
                "billed_to": i.billed_to,
                "engagement": i.engagement_reference,
                "issued_on": i.issued_on,
                "due_on": i.due_on,
                "state": i.get_state_display(),
                "currency": i.currency,
                "net": i.net,
                "tax": i.tax,
                "gross": i.gross,
                "lines": [
                    {
                        "description": line.description,
                        "quantity": line.quantity,
                        "unit_price": line.unit_price,
                        "tax_rate_percent": line.tax_rate,
                        "net": line.net,
                        "tax": line.tax,
                    }
                    for line in i.lines.all()
                ],
                "payments": [
                    {
                        "received_on": p.received_on,
                        "amount": p.amount,
                        "currency": p.currency,
                        "method": p.get_method_display(),
                        "reference": p.reference,
                    }
                    for p in i.payments.all()
                ],
                "credit_notes": [
                    {"reference": c.reference, "issued_on": c.issued_on, "gross": c.gross, "reason": c.reason}
                    for c in i.credit_notes.all()
                ],
            }
            for i in rows
        ]
        return Section("invoices", "Invoices, with their payments and credit notes", items)

    return [invoices]


def _request_items(rows: Any) -> list[dict[str, Any]]:
    from rights.services import earlier_values_of

    return [
        {
            "reference": r.reference,
            "right": r.get_right_display(),
            # A client's own: what they asked, the answer, and any detail corrected with its earlier value.
            **(
                {
                    "what_was_asked": r.details or "",
                    "answer": r.outcome or "",
                    "details_corrected": [
                        {"detail": label, "earlier_value": value, "replaced_at": when}
                        for label, value, when in earlier_values_of(r)
                    ],
                }
                if r.client_id
                else {}
            ),
            "received_on": r.received_on,
            "answer_due_on": r.deadline_on,
            "extended_by_months": r.extension_months,
            "extension_reason": r.extension_reason,
            "state": r.get_state_display(),
            "refusal_reason": r.refusal_text,
            "released_at": r.released_at,
        }
        for r in rows.order_by("created_at")
    ]


def contents_for(request: Any, *, progress: Reading | None = None) -> Contents:
    if request.right == "portability":
        from rights.portability import SECTIONS

        return withheld(client_contents(request.client, progress=progress, only=SECTIONS), request)
    if request.subject_kind == "client":
        return withheld(client_contents(request.client, progress=progress), request)
    return organisation_contents(request.organisation, contact=request.requester, progress=progress)


WITHHELD = "[withheld]"


def withheld(contents: Contents, request: Any) -> Contents:
    """The copy's text with every phrase the administrator withheld (``Redaction``: a third party's
    details) replaced, whatever its case, in every section: the JSON and the PDF are made from it."""
    import re

    if not request.client_id:
        return contents
    _files_withheld(contents, {str(w.document_id): w.reason for w in request.withheld_files.all()})
    phrases = [p for p in (r.phrase for r in request.redactions.all()) if isinstance(p, str) and p.strip()]
    if not phrases:
        return contents

    def loose(phrase: str) -> str:
        # Words as typed, whatever the spaces, line breaks or non-breaking spaces between them.
        return r"[\s_\-]+".join(re.escape(word) for word in phrase.split())

    pattern = re.compile("|".join(loose(p) for p in sorted(phrases, key=len, reverse=True)), re.IGNORECASE | re.UNICODE)

    def clean(value: Any) -> Any:
        if isinstance(value, str):
            return pattern.sub(WITHHELD, value)
        if isinstance(value, dict):
            return {key: clean(item) for key, item in value.items()}
        if isinstance(value, list | tuple):
            return [clean(item) for item in value]
        return value

    for section in contents.sections:
        if isinstance(section.items, Records):
            section.items.clean_with(clean)  # each record as it is read, in the JSON and every volume
        else:
            section.items = clean(section.items)
    # A file's name in the ZIP too (the sections name the same path, cleaned the same way). What a
    # file holds is given as stored: withholding words does not reach inside a document.
    for entry in contents.files:
        entry.path = pattern.sub(WITHHELD, entry.path)
    return contents


def _files_withheld(contents: Contents, reasons: dict[str, str]) -> None:
    """Whole files withheld (``WithheldFile``): left out of the ZIP; the copy still lists each, marked
    withheld, with the reason (the person is told that something was withheld, and why)."""
    if not reasons:
        return
    gone = {entry.path: reasons[entry.record_id] for entry in contents.files if entry.record_id in reasons}
    contents.files = [entry for entry in contents.files if entry.record_id not in reasons]
    for section in contents.sections:
        if isinstance(section.items, Records):
            continue  # notes and events: they name no file
        for item in section.items:
            if isinstance(item, dict) and item.get("file") in gone:
                item["withheld"] = f"This file is withheld: {gone[item['file']]}"
                item["file"] = None


# --- readable form --------------------------------------------------------------------------


_LABELS = {
    "id": "Reference number",
    "text_sha256": "Fingerprint of the text (SHA-256)",
    "size_bytes": "Size (bytes)",
    "file": "File in this copy",
    "evidence_file": "Evidence in this copy",
    "record_id": "Record number",
}


def _label(key: str) -> str:
    return _LABELS.get(key, key.replace("_", " ").capitalize())


def _text(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, datetime.datetime):
        return moment(value)
    if isinstance(value, datetime.date):
        return day(value)
    return str(value)


LONG_TEXT = 100  # characters: a longer value gets a paragraph of its own


def readable(item: dict[str, Any]) -> dict[str, Any]:
    """An item for the PDF: short fields on one line, long texts as paragraphs, lists of records
    nested. Few boxes per record, because WeasyPrint's time grows with them (a thousand notes)."""
    fields: list[tuple[str, str]] = []
    texts: list[tuple[str, str]] = []
    children: list[tuple[str, list[dict[str, Any]]]] = []
    for key, value in item.items():
        if isinstance(value, list) and (not value or isinstance(value[0], dict)):
            children.append((_label(key), [readable(v) for v in value]))
            continue
        text = (", ".join(_text(v) for v in value) or "—") if isinstance(value, list) else _text(value)
        (texts if len(text) > LONG_TEXT or "\n" in text else fields).append((_label(key), text))
    return {"fields": fields, "texts": texts, "children": children}


def _is_flat(items: list[dict[str, Any]]) -> bool:
    """Many short records of the same fields (the access log) read best one to a line."""
    return len(items) > 1 and all(
        all(not isinstance(v, list | dict) and len(_text(v)) <= LONG_TEXT for v in item.values()) for item in items
    )


def _one_line(section: Section) -> bool:
    if isinstance(section.items, Records):
        return section.items.one_line and len(section.items) > 1
    return _is_flat(section.items)


# The readable copy is written in volumes, each a PDF of its own rendered, written into the ZIP and
# dropped before the next: WeasyPrint lays a document out whole, and its memory grows with the
# boxes in it (226 MB for a thousand notes, 2.5 GB for ten thousand). A volume holds at most
# VOLUME_RECORDS records, a record on one line (the access log) counting as a sixth of one.
VOLUME_RECORDS = 250
LINES_PER_RECORD = 6


@dataclass
class Part:
    """The records ``first`` to ``first + count`` of one section, in one volume."""

    section: int
    first: int
    count: int


def volumes_plan(contents: Contents) -> list[list[Part]]:
    """Which volume holds which records, from the sections' counts alone (before any is rendered,
    so the first volume can say where everything is). Every record is in exactly one volume, in order."""
    capacity = VOLUME_RECORDS * LINES_PER_RECORD
    volumes: list[list[Part]] = [[]]
    room = capacity
    for index, section in enumerate(contents.sections):
        weight = 1 if _one_line(section) else LINES_PER_RECORD
        total, first = len(section.items), 0
        if not total:
            volumes[-1].append(Part(index, 0, 0))  # "None held", where it falls
        while first < total:
            if room < weight:
                volumes.append([])
                room = capacity
            take = min(total - first, room // weight)
            volumes[-1].append(Part(index, first, take))
            first += take
            room -= take * weight
    return volumes


def volume_name(number: int, count: int) -> str:
    """``information.pdf`` when the copy has one volume; else numbered in order, zero-padded so
    that they sort in order too."""
    if count == 1:
        return "information.pdf"
    return f"information-volume-{number:0{max(2, len(str(count)))}d}.pdf"


def _span(first: int, count: int, total: int) -> str:
    if count == total:
        return f"{total:,} records" if total != 1 else "1 record"
    return f"records {first + 1:,} to {first + count:,} of {total:,}"


def volumes_index(contents: Contents, plan: list[list[Part]]) -> list[tuple[str, list[str]]]:
    """Each volume's file name and what it holds, in words (the README and every volume's contents)."""
    index = []
    for number, parts in enumerate(plan, start=1):
        held = [
            f"{contents.sections[p.section].title} ({_span(p.first, p.count, len(contents.sections[p.section].items))})"
            for p in parts
            if p.count or not len(contents.sections[p.section].items)
        ]
        index.append((volume_name(number, len(plan)), held))
    return index


def render_volumes(
    contents: Contents, request: Any, generated_at: datetime.datetime, *, render: Callable[[dict[str, Any]], bytes]
) -> Iterator[tuple[str, bytes]]:
    """The readable copy, a volume at a time: (name, PDF). Each section's records are walked once,
    across the volumes that hold them; only one volume's records are in memory at a time."""
    from itertools import islice

    plan = volumes_plan(contents)
    total = len(plan)
    where: dict[int, list[int]] = {}
    for number, parts in enumerate(plan, start=1):
        for part in parts:
            where.setdefault(part.section, []).append(number)
    sections = []
    for index, s in enumerate(contents.sections):
        numbers = sorted(set(where[index]))
        held_in = f"volume {numbers[0]}" if len(numbers) == 1 else f"volumes {numbers[0]} to {numbers[-1]}"
        sections.append({"title": s.title, "count": len(s.items), "where": held_in})
    one_line = [_one_line(s) for s in contents.sections]
    walking: dict[int, Iterator[dict[str, Any]]] = {}
    for number, parts in enumerate(plan, start=1):
        shown = []
        for part in parts:
            section = contents.sections[part.section]
            if part.section not in walking:
                walking[part.section] = iter(section.items)
            items = list(islice(walking[part.section], part.count))
            size = len(section.items)
            shown_part: dict[str, Any] = {
                "number": part.section + 1,
                "title": section.title,
                "note": section.note if part.first == 0 else "",
                "count": size,
                "span": "" if part.count == size else _span(part.first, part.count, size),
            }
            if items and one_line[part.section]:
                shown_part["columns"] = " · ".join(_label(k) for k in items[0])
                shown_part["lines"] = [" · ".join(_text(v) for v in item.values()) for item in items]
            else:
                shown_part["items"] = [readable(i) for i in items]
            shown.append(shown_part)
            del items
        context = {
            "contents": contents,
            "sar": request,
            "generated_at": generated_at,
            "sections": sections,
            "parts": shown,
            "volume": number,
            "volumes": total,
            "first_name": volume_name(1, total),
            "last_name": volume_name(total, total),
        }
        yield volume_name(number, total), render(context)
        del context, shown


README = """A copy of the information the coaching practice holds {about}.

Request {reference}, received {received}; this copy was made {generated}.

{readable}
  information.json  the same, machine-readable (UTF-8 JSON; times in UTC)
  documents/        the documents themselves, by engagement

The copy can be downloaded until the date the practice told you; after that it is deleted.
If something is missing or wrong, tell the practice: you may ask for it to be corrected.
"""


def readme_volumes(index: list[tuple[str, list[str]]]) -> str:
    """The README's lines for the readable copy: one file, or the volumes and what each holds."""
    if len(index) == 1:
        return "  information.pdf   everything in readable form"
    lines = [f"  {index[0][0]} to {index[-1][0]}", f"      everything in readable form, in {len(index)} volumes:"]
    for name, held in index:
        lines.append(f"      {name}: {'; '.join(held)}")
    return "\n".join(lines)


# --- sealing ----------------------------------------------------------------------------------


def _chunk_aad(export_id: Any, index: int, last: bool) -> bytes:
    return f"retention.subjectaccessexport:{export_id}:{index}:{int(last)}".encode()


class SealingWriter:
    """A write-only stream: what is written is encrypted in chunks into ``out``.

    It has no ``tell``, so ``zipfile`` writes to it as to a pipe (with data descriptors).
    """

    def __init__(self, out: IO[bytes], *, key_id: Any, export_id: Any) -> None:
        self._out = out
        self._key_id = key_id
        self._export_id = export_id
        self._buffer = bytearray()
        self._index = 0
        self._finished = False
        self.size = 0
        self._digest = hashlib.sha256()
        out.write(MAGIC)

    def write(self, data: bytes) -> int:
        if self._finished:
            raise ValueError("The export is already sealed.")
        self._buffer += data
        self.size += len(data)
        self._digest.update(data)
        while len(self._buffer) > CHUNK_BYTES:
            self._seal(bytes(self._buffer[:CHUNK_BYTES]), last=False)
            del self._buffer[:CHUNK_BYTES]
        return len(data)

    def flush(self) -> None:
        """Chunks are sealed when full; a flush changes nothing."""

    def close(self) -> None:
        """``finish`` seals the end; the file underneath belongs to the caller."""

    def finish(self) -> None:
        if not self._finished:
            self._seal(bytes(self._buffer), last=True)
            self._buffer.clear()
            self._finished = True

    @property
    def sha256(self) -> str:
        return self._digest.hexdigest()

    def _seal(self, chunk: bytes, *, last: bool) -> None:
        sealed = encrypt_blob(chunk, key_id=self._key_id, aad=_chunk_aad(self._export_id, self._index, last))
        self._out.write(_HEADER.pack(int(last), len(sealed)))
        self._out.write(sealed)
        self._index += 1


def iter_plaintext(export: Any) -> Iterator[bytes]:
    """The ZIP as downloaded, a chunk at a time. Fails closed on a cut, swapped or changed chunk."""
    load_data_keys([export.data_key_id])
    where = f"export {export.pk}"
    with default_storage.open(export.blob_name, "rb") as handle:
        if handle.read(len(MAGIC)) != MAGIC:
            raise DecryptionError(f"{where}: the stored copy is not an export.")
        index = 0
        while True:
            header = handle.read(_HEADER.size)
            if len(header) != _HEADER.size:
                raise DecryptionError(f"{where}: the stored copy is cut short.")
            last, length = _HEADER.unpack(header)
            sealed = handle.read(length)
            if len(sealed) != length:
                raise DecryptionError(f"{where}: the stored copy is cut short.")
            yield decrypt_blob(sealed, aad=_chunk_aad(export.pk, index, bool(last)), where=where)
            index += 1
            if last:
                return


@dataclass
class Built:
    blob_name: str
    size: int
    sha256: str
    manifest: dict[str, Any]


def blob_name_for(export: Any, attempt: Any) -> str:
    """Each attempt writes its own file, so a worker thought dead cannot overwrite the copy
    another attempt finished; the purge removes the files no export row names."""
    return f"subject-access/{export.pk.hex}-{attempt.hex[:12]}.bin"


def build(request: Any, export: Any, *, blob_name: str, progress: Progress) -> Built:
    """Gather the contents, write the ZIP into the sealing stream, store the sealed copy.

    Progress: reading the records up to 20%, the JSON to 25%, the PDF's volumes to 50%, the files to
    95%, storing to 100%.
    """
    from confidentiality.pdf import render_pdf

    def reading(done: int, total: int, step: str) -> None:
        progress(done * 20 // total, step)

    contents = contents_for(request, progress=reading)
    generated_at = timezone.now()
    if request.right == "portability":
        from rights import portability

        progress(60, "Writing the machine-readable file")
        entries = portability.entries(contents, request, generated_at)
        return _sealed_zip(export, contents, generated_at, blob_name=blob_name, progress=progress, write=entries)
    head = {
        "format": FORMAT,
        "request": {"reference": request.reference, "received_on": request.received_on},
        "generated_at": generated_at,
        "subject": request.subject_kind,
    }
    index = volumes_index(contents, volumes_plan(contents))

    def render(context: dict[str, Any]) -> bytes:
        return render_pdf("rights/sar_export_pdf.html", context, reader=request.requester)

    def write(add: Add) -> None:
        about = "about you" if request.subject_kind == "client" else f"about {contents.subject_name}"
        add(
            "README.txt",
            README.format(
                about=about,
                reference=request.reference,
                received=day(request.received_on),
                generated=moment(generated_at),
                readable=readme_volumes(index),
            ).encode(),
        )
        progress(22, "Writing the machine-readable copy")
        add("information.json", json_chunks(head, contents.sections))
        progress(25, "Writing the readable copy (PDF)")
        for number, (name, pdf) in enumerate(render_volumes(contents, request, generated_at, render=render), start=1):
            add(name, pdf)
            del pdf
            progress(25 + number * 25 // len(index), "Writing the readable copy (PDF)")
        total = max(1, len(contents.files))
        for number, entry in enumerate(contents.files):
            add(entry.path, entry.load())
            progress(50 + (number + 1) * 45 // total, "Adding the documents")

    return _sealed_zip(export, contents, generated_at, blob_name=blob_name, progress=progress, write=write)


JSON_BATCH = 200  # records encoded per piece written into the ZIP


def json_chunks(head: dict[str, Any], sections: list[Section]) -> Iterator[bytes]:
    """``information.json`` a piece at a time, as ``json.dumps(…, indent=2)`` would write it whole:
    the head's fields, then each section's records, walked once (a long section is read a batch at a
    time, ``Records``)."""
    encoder = DjangoJSONEncoder(indent=2, ensure_ascii=False)

    def nested(value: Any, depth: int) -> str:
        # Indented as if nested ``depth`` deep: JSON strings hold no raw line break to disturb.
        return encoder.encode(value).replace("\n", "\n" + "  " * depth)

    fields = [f"\n  {encoder.encode(key)}: {nested(value, 1)}" for key, value in head.items()]
    yield ("{" + ",".join(fields)).encode()
    for section in sections:
        pieces = [f",\n  {encoder.encode(section.key)}: ["]
        written = 0
        for item in section.items:
            pieces.append(("," if written else "") + "\n    " + nested(item, 2))
            written += 1
            if len(pieces) >= JSON_BATCH:
                yield "".join(pieces).encode()
                pieces = []
        pieces.append("\n  ]" if written else "]")
        yield "".join(pieces).encode()
    yield b"\n}"


def _sealed_zip(
    export: Any,
    contents: Contents,
    generated_at: Any,
    *,
    blob_name: str,
    progress: Progress,
    write: Callable[[Add], None],
) -> Built:
    """Write the ZIP (``write`` adds its entries) into the sealing stream, store the sealed copy, and
    say what it holds (counts only)."""
    stamp = timezone.localtime(generated_at).timetuple()[:6]
    with tempfile.TemporaryFile() as sealed_file:
        writer = SealingWriter(sealed_file, key_id=export.data_key_id, export_id=export.pk)
        with zipfile.ZipFile(writer, mode="w", compression=zipfile.ZIP_DEFLATED) as archive:

            def add(path: str, data: bytes | Iterable[bytes]) -> None:
                info = zipfile.ZipInfo(path, date_time=stamp)
                info.compress_type = zipfile.ZIP_DEFLATED
                if isinstance(data, bytes):
                    archive.writestr(info, data)
                    return
                # Written as it comes (the JSON): the entry's size is not known ahead.
                with archive.open(info, "w") as entry:
                    for piece in data:
                        entry.write(piece)

            write(add)
        writer.finish()
        progress(96, "Storing the copy")
        sealed_file.seek(0)
        stored = default_storage.save(blob_name, File(sealed_file))
        if stored != blob_name:
            default_storage.delete(stored)
            raise RuntimeError("The storage renamed the export.")
    manifest = contents.manifest()
    manifest["zip_bytes"] = writer.size
    return Built(blob_name=blob_name, size=writer.size, sha256=writer.sha256, manifest=manifest)
