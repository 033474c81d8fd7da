"""Data-subject rights: the register of requests and the copies made for them.

Policy 002: clients are "made aware of their right of access to their records"; policy 000:
"Organisations can access any information held on them by Comas at any time". The tables keep the
names and labels they had in the retention app (``record_label``): the audit chain, the retention
rules and the receipts name them."""

from __future__ import annotations

import uuid
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from confidentiality.crypto import EncryptedTextField
from confidentiality.models import ReceivedBy as ReceivedBy  # shared with complaints


def _subject_access_reference() -> str:
    return f"SAR-{uuid.uuid4().hex[:8].upper()}"


class Right(models.TextChoices):
    """The rights a person may exercise over their information (UK GDPR articles 15 to 21)."""

    ACCESS = "access", "Access: a copy of my information"
    RECTIFICATION = "rectification", "Correction: information about me is wrong or incomplete"
    ERASURE = "erasure", "Erasure: delete my information"
    RESTRICTION = "restriction", "Restriction: keep my information but stop using it for now"
    OBJECTION = "objection", "Objection: stop using my information for a purpose"
    PORTABILITY = "portability", "Portability: my information in a machine-readable file"


# Short names, for lists and letters.
RIGHT_NAMES = {
    Right.ACCESS: "access",
    Right.RECTIFICATION: "correction",
    Right.ERASURE: "erasure",
    Right.RESTRICTION: "restriction",
    Right.OBJECTION: "objection",
    Right.PORTABILITY: "portability",
}


class SubjectAccessRequest(models.Model):
    """A request under one of a person's data-protection rights (``right``): first of all a copy of
    everything held on a client, or on an organisation (access, the only right an organisation
    has); then correction, erasure, restriction, objection and portability, a client's.

    The answer is due one calendar month after the request was received, and may be extended
    by up to two further months if the requester is told why within the first month (UK GDPR
    art. 12(3)). The answer goes only to the requester: the client, or the organisation's contact.
    What a client asks (``details``) and what the practice did (``outcome``) are encrypted under
    the client's own key; so are a corrected detail's earlier values (``earlier_values``, JSON).
    """

    class Subject(models.TextChoices):
        CLIENT = "client", "A client"
        ORGANISATION = "organisation", "An organisation"

    class State(models.TextChoices):
        RECEIVED = "received", "Received"
        IN_PROGRESS = "in_progress", "In progress: the copy is being prepared"
        READY = "ready", "Ready: the practice is checking the copy"
        COMPLETED = "completed", "Completed: the copy was released"
        REFUSED = "refused", "Refused"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    reference = models.CharField(max_length=20, unique=True, default=_subject_access_reference, editable=False)
    subject_kind = models.CharField(max_length=12, choices=Subject.choices)
    right = models.CharField(max_length=14, choices=Right.choices, default=Right.ACCESS)
    client = models.ForeignKey(
        "engagements.Client", null=True, blank=True, on_delete=models.PROTECT, related_name="subject_access_requests"
    )
    organisation = models.ForeignKey(
        "engagements.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="subject_access_requests",
    )
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Who receives the copy through their sign-in: the client, or the organisation's contact who "
        "asked. None for a client without a portal sign-in: the administrator posts the answer to them.",
    )
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    received_on = models.DateField()
    due_on = models.DateField(help_text="One calendar month after the request was received.")
    extension_months = models.PositiveSmallIntegerField(default=0)
    extension_reason = models.CharField(max_length=500, blank=True)
    extended_at = models.DateTimeField(null=True, blank=True)
    extended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    extension_notified_at = models.DateTimeField(null=True, blank=True)
    deadline_on = models.DateField(help_text="The date the answer is due: the due date, or the extended one.")
    state = models.CharField(max_length=12, choices=State.choices, default=State.RECEIVED)
    # An organisation's refusal reason (an organisation is no data subject and has no key of its own);
    # a client's is ``refusal``, encrypted under their key: it may repeat what they asked.
    refusal_reason = models.CharField(max_length=1000, blank=True)
    refused_at = models.DateTimeField(null=True, blank=True)
    refused_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    released_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    details = EncryptedTextField(
        key_from="client", null=True, blank=True, help_text="What the client asks: which information, and why."
    )
    outcome = EncryptedTextField(
        key_from="client", null=True, blank=True, help_text="What the practice did: the outcome letter says it."
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    earlier_values = EncryptedTextField(
        key_from="client", null=True, blank=True, help_text="A correction's earlier values (JSON: field to value)."
    )
    # How the request reached the practice, and (by post, telephone or in person) how the person was
    # identified: encrypted under the client's key. A client without a sign-in is answered by post.
    received_by = models.CharField(max_length=10, choices=ReceivedBy.choices, default=ReceivedBy.PORTAL)
    evidence = EncryptedTextField(
        key_from="client", null=True, blank=True, help_text="How the request arrived and how identity was checked."
    )
    posted_at = models.DateTimeField(null=True, blank=True, help_text="When the answer was posted to the person.")
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    refusal = EncryptedTextField(
        key_from="client", null=True, blank=True, help_text="Why a client's request was refused: the letter says it."
    )

    # Its label before it moved app: ciphertexts and the audit chain hold it.
    record_label: ClassVar[str] = "retention.subjectaccessrequest"

    class Meta:
        db_table = "retention_subjectaccessrequest"
        ordering = ["-received_on", "-created_at"]
        constraints = [
            models.CheckConstraint(
                name="subject_access_names_exactly_its_subject",
                condition=(
                    Q(subject_kind="client", client__isnull=False, organisation__isnull=True)
                    | Q(subject_kind="organisation", client__isnull=True, organisation__isnull=False)
                ),
            ),
            models.CheckConstraint(
                name="subject_access_extension_at_most_two_months",
                condition=Q(extension_months__lte=2),
            ),
            # An organisation is no data subject: it asks for a copy only.
            models.CheckConstraint(
                name="subject_access_only_a_client_has_the_other_rights",
                condition=Q(right="access") | Q(subject_kind="client"),
            ),
            # Someone always receives the answer: through their sign-in, or a client by post.
            models.CheckConstraint(
                name="subject_access_answered_through_a_sign_in_or_by_post",
                condition=Q(requester__isnull=False) | (Q(subject_kind="client") & ~Q(received_by="portal")),
            ),
            # A client's refusal reason never in plain text: ``refusal`` holds it, encrypted.
            models.CheckConstraint(
                name="subject_access_a_clients_refusal_is_encrypted",
                condition=Q(subject_kind="organisation") | Q(refusal_reason=""),
            ),
        ]
        indexes = [
            models.Index(fields=["state", "deadline_on"]),
            models.Index(fields=["client", "created_at"]),
            models.Index(fields=["organisation", "created_at"]),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_SUBJECT_ACCESS_STATES

    @property
    def right_name(self) -> str:
        return RIGHT_NAMES[Right(self.right)]

    @property
    def by_post(self) -> bool:
        """The person has no sign-in: the administrator downloads the answer and posts it."""
        return self.requester_id is None

    @property
    def refusal_text(self) -> str:
        """Why the request was refused: a client's, decrypted; an organisation's, as stored."""
        if self.client_id is not None:
            return self.refusal or ""
        return self.refusal_reason

    @property
    def makes_a_copy(self) -> bool:
        """Answered with a file (a ZIP built by a worker, released, downloaded): access, and
        portability (its JSON file and schema, ``rights.portability``)."""
        return self.right in (Right.ACCESS, Right.PORTABILITY)

    @property
    def state_text(self) -> str:
        if self.state == self.State.COMPLETED and not self.makes_a_copy:
            return "Completed: the practice has answered"
        if self.state == self.State.IN_PROGRESS and not self.makes_a_copy:
            return "In progress"
        return self.get_state_display()


OPEN_SUBJECT_ACCESS_STATES = (
    SubjectAccessRequest.State.RECEIVED,
    SubjectAccessRequest.State.IN_PROGRESS,
    SubjectAccessRequest.State.READY,
)


class SubjectAccessExport(models.Model):
    """The copy: a ZIP (JSON, a readable PDF, the files) stored encrypted under its own data key.

    The row is the job's source of truth: a worker claims it with a conditional update, and a
    periodic task re-queues one left claimed too long. Released, it can be downloaded until
    ``expires_at``; then the blob, the row and the data key go (crypto-shredding any copy).
    """

    class State(models.TextChoices):
        QUEUED = "queued", "Waiting for a worker"
        BUILDING = "building", "Being built"
        BUILT = "built", "Built"
        FAILED = "failed", "Failed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    request = models.OneToOneField(SubjectAccessRequest, on_delete=models.CASCADE, related_name="export")
    data_key = models.ForeignKey("confidentiality.DataKey", on_delete=models.PROTECT, related_name="+")
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0, help_text="Percent done.")
    step = models.CharField(max_length=80, blank=True, help_text="What the worker is doing, e.g. 'Reading notes'.")
    claimed_at = models.DateTimeField(null=True, blank=True)
    claim = models.UUIDField(null=True, blank=True, help_text="The attempt that holds the claim.")
    attempts = models.PositiveSmallIntegerField(default=0)
    blob_name = models.CharField(max_length=100, blank=True)
    size = models.PositiveBigIntegerField(default=0, help_text="Bytes of the ZIP as downloaded.")
    sha256 = models.CharField(max_length=64, blank=True, help_text="Of the ZIP as downloaded.")
    manifest = models.JSONField(default=dict, blank=True, help_text="Counts per kind of record. No content.")
    error = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True, help_text="Set when released: downloads end then.")
    # The administrator read this copy (its contents, not only its counts) before releasing it.
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    # Its label before it moved app: ciphertexts and the audit chain hold it.
    record_label: ClassVar[str] = "retention.subjectaccessexport"

    class Meta:
        db_table = "retention_subjectaccessexport"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["expires_at"]), models.Index(fields=["state", "claimed_at"])]

    def __str__(self) -> str:
        return f"Export {str(self.id)[:8]}"


class Redaction(models.Model):
    """A third party's details withheld from a client's copy, where the law allows it (DPA 2018
    sch. 2 para. 16: information identifying someone else), and why. Every occurrence of the phrase
    in the copy's text is replaced; kept with the request, the phrase encrypted under the client's key."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    request = models.ForeignKey(SubjectAccessRequest, on_delete=models.CASCADE, related_name="redactions")
    phrase = EncryptedTextField(key_from="request.client", help_text="What is withheld, wherever it appears.")
    reason = models.CharField(max_length=300, help_text="Why the law allows withholding it. No client content.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"Redaction {str(self.id)[:8]}"


class WithheldFile(models.Model):
    """A whole file withheld from a client's copy, where the law allows it (a document that is mostly
    about someone else, or legally privileged), and why. The copy still lists it, marked withheld with
    the reason, and leaves the file out. Named by the document's id only (its name is encrypted): the
    document may since have gone, and this stays with the request."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    request = models.ForeignKey(SubjectAccessRequest, on_delete=models.CASCADE, related_name="withheld_files")
    document_id = models.UUIDField()
    reason = models.CharField(max_length=300, help_text="Why the law allows withholding it. No client content.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(fields=["request", "document_id"], name="withheld_file_once_a_request"),
        ]

    def __str__(self) -> str:
        return f"Withheld file {str(self.document_id)[:8]}"


class AnswerLink(models.Model):
    """A single-use link, sent by e-mail to the address on file of a client without a portal
    sign-in, to download the answer (the outcome letter, or the released copy) once (``rights/links.py``).

    Policy 003 shares confidential information electronically only where access to it can be
    controlled: the link alone does not open it. The download also asks for a collection code the
    practice gives the person another way (telephone, post, in person), never in the e-mail; a few
    wrong codes spend the link. Neither the link nor the code is stored: only their hashes."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    request = models.ForeignKey(SubjectAccessRequest, on_delete=models.CASCADE, related_name="answer_links")
    token_hash = models.CharField(max_length=64, unique=True)
    code_hash = models.CharField(max_length=200)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    failed_codes = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True, help_text="When the answer was downloaded through it.")
    # Replaced by a newer link, or spent by too many wrong codes: it no longer works.
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_because = models.CharField(max_length=80, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Answer link {str(self.id)[:8]}"
