"""Retention: legal holds, sweeps and the receipts they leave; the practice's policy documents.

Policy 000: "Electronic files held in relation to work with an organisation will be held
securely and deleted from our system after two years. We keep our own financial records for
five years." Policy 002: the policy is reviewed every two years.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class LegalHold(models.Model):
    """A case-based hold on an engagement, a client or an organisation. While it stands, nothing
    under it is deleted; several holds may cover one record."""

    class Scope(models.TextChoices):
        ENGAGEMENT = "engagement", "An engagement"
        CLIENT = "client", "A client (all their engagements)"
        ORGANISATION = "organisation", "An organisation (its engagements and financial records)"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    scope = models.CharField(max_length=12, choices=Scope.choices)
    engagement = models.ForeignKey(
        "engagements.Engagement", null=True, blank=True, on_delete=models.SET_NULL, related_name="legal_holds"
    )
    client = models.ForeignKey(
        "engagements.Client", null=True, blank=True, on_delete=models.SET_NULL, related_name="legal_holds"
    )
    organisation = models.ForeignKey(
        "engagements.Organisation", null=True, blank=True, on_delete=models.SET_NULL, related_name="legal_holds"
    )
    held_id = models.CharField(max_length=40, help_text="The held record's id, kept after it is deleted.")
    case_reference = models.CharField(
        max_length=80, help_text="The case or matter the hold is for, e.g. 'Tribunal claim 2026/114'."
    )
    reason = models.CharField(max_length=300, help_text="Why the records must be kept. No client content.")
    placed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    placed_at = models.DateTimeField(default=timezone.now)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    released_at = models.DateTimeField(null=True, blank=True)
    release_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-placed_at"]
        constraints = [
            models.CheckConstraint(
                name="legal_hold_names_exactly_its_scope",
                # A released hold outlives what it held: the sweep may then delete the record.
                condition=Q(released_at__isnull=False)
                | (
                    Q(scope="engagement", engagement__isnull=False, client__isnull=True, organisation__isnull=True)
                    | Q(scope="client", engagement__isnull=True, client__isnull=False, organisation__isnull=True)
                    | Q(scope="organisation", engagement__isnull=True, client__isnull=True, organisation__isnull=False)
                ),
            )
        ]
        indexes = [models.Index(fields=["released_at"])]

    def __str__(self) -> str:
        return f"Legal hold {self.case_reference}"

    @property
    def active(self) -> bool:
        return self.released_at is None


class RetentionSweep(models.Model):
    """One run of the sweep, by the schedule or by hand."""

    class State(models.TextChoices):
        RUNNING = "running", "Running"
        FINISHED = "finished", "Finished"
        FAILED = "failed", "Stopped before the end"
        SKIPPED = "skipped", "Skipped: another sweep was running"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    as_of = models.DateField()
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.RUNNING)
    triggered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    deleted = models.JSONField(default=dict, help_text="Record kind → how many were deleted.")

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"Sweep {self.started_at:%Y-%m-%d %H:%M}"


class DeletionReceipt(models.Model):
    """What one batch deleted: the rule, the kind, how many, which ids. No names, no content.

    Each receipt is also appended to a journal file outside the database, so that
    ``retention_reapply`` can delete again what a restored backup brought back.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    sweep = models.ForeignKey(RetentionSweep, null=True, blank=True, on_delete=models.SET_NULL, related_name="receipts")
    rule = models.CharField(max_length=40)
    kind = models.CharField(max_length=80, help_text="app_label.model")
    count = models.PositiveIntegerField()
    object_ids = models.JSONField(default=list)
    as_of = models.DateField()
    deleted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-deleted_at"]
        indexes = [models.Index(fields=["kind", "deleted_at"])]

    def __str__(self) -> str:
        return f"Receipt {self.kind} ×{self.count}"


class SweepLease(models.Model):
    """One row: the sweep that holds it runs; another waits its turn or skips. A lease, not a
    lock held in a transaction, so batches commit one by one and a crashed sweep's lease lapses."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    holder = models.UUIDField(null=True, blank=True)
    held_until = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return "Sweep lease"


class PolicyDocument(models.Model):
    """A version of one of the practice's policies, with its review date (policy 002: every two years)."""

    class Kind(models.TextChoices):
        CONFIDENTIALITY = "confidentiality", "Confidentiality policy"
        DATA_PROTECTION = "data_protection", "Data protection policy"
        RETENTION = "retention", "Records retention policy"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    version = models.PositiveIntegerField()
    text = models.TextField()
    reviewed_on = models.DateField()
    review_due_on = models.DateField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["kind", "-version"]
        constraints = [models.UniqueConstraint(fields=["kind", "version"], name="one_policy_version")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} v{self.version}"


# --- subject access (policy 002: "made aware of their right of access to their records";
# policy 000: "Organisations can access any information held on them by Comas at any time") ---


def _subject_access_reference() -> str:
    return f"SAR-{uuid.uuid4().hex[:8].upper()}"


class SubjectAccessRequest(models.Model):
    """A request for a copy of everything held on a client, or on an organisation.

    The answer is due one calendar month after the request was received, and may be extended
    by up to two further months if the requester is told why within the first month (UK GDPR
    art. 12(3)). The copy goes only to the requester: the client, or the organisation's contact.
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
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Who receives the copy: the client, or the organisation's contact who asked.",
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
    refusal_reason = models.CharField(max_length=1000, blank=True)
    refused_at = models.DateTimeField(null=True, blank=True)
    refused_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    released_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
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

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["expires_at"]), models.Index(fields=["state", "claimed_at"])]

    def __str__(self) -> str:
        return f"Export {str(self.id)[:8]}"
