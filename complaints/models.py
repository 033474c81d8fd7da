"""Complaints and the breach register (policy 002: the right to complain; UK GDPR art. 33).

The tables keep the names and labels they had in the core app (``record_label``): the ciphertexts
bind the label in, and the audit chain names it."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone

from confidentiality.crypto import EncryptedTextField
from confidentiality.models import DataKey, ReceivedBy, User, _breach_reference, _complaint_reference


class Complaint(models.Model):
    """A client's complaint about how their information was handled.

    Policy 002: clients "will be made aware of their right to complain if they feel
    confidentiality has been breached". The text is encrypted under the client's own key, not
    an engagement's: a complaint may outlive an engagement's two-year files and must still be
    answerable, and it goes (crypto-shredded) with the client's own personal details.

    A client lodges one through the portal; the administrator records one that arrived by post,
    telephone, in person or e-mail on the client's behalf (``lodged_by`` is then the administrator,
    ``received_by`` says how it came, ``evidence`` how the person's identity was checked), dated
    when it was received: the deadlines count from then.
    """

    class Status(models.TextChoices):
        RECEIVED = "received", "Received"
        ACKNOWLEDGED = "acknowledged", "Acknowledged, being looked into"
        CLOSED = "closed", "Closed"

    class About(models.TextChoices):
        SHARED = "shared", "Information was shared without my agreement"
        SEEN = "seen", "Someone saw information they should not have"
        SECURITY = "security", "Information was not kept securely"
        ACCURACY = "accuracy", "Information held about me is wrong"
        ACCESS = "access", "My request to see or delete my information"
        OTHER = "other", "Something else about my information"
        COACHING = "coaching", "The coaching itself"
        CONDUCT = "conduct", "How someone at the practice behaved"
        BILLING = "billing", "An invoice or a payment"
        SERVICE = "service", "Something else about the service"

    # The complaints about how information was handled: the data-protection ones (policy 002), which
    # the register lists with the breaches they may reveal. The others are about the service.
    ABOUT_INFORMATION = frozenset({"shared", "seen", "security", "accuracy", "access", "other"})

    class Outcome(models.TextChoices):
        UPHELD = "upheld", "Upheld"
        PARTLY_UPHELD = "partly_upheld", "Partly upheld"
        NOT_UPHELD = "not_upheld", "Not upheld"
        WITHDRAWN = "withdrawn", "Withdrawn by the client"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    reference = models.CharField(max_length=20, unique=True, default=_complaint_reference, editable=False)
    client = models.ForeignKey("engagements.Client", on_delete=models.PROTECT, related_name="complaints")
    engagement = models.ForeignKey(
        "engagements.Engagement", null=True, blank=True, on_delete=models.SET_NULL, related_name="complaints"
    )
    lodged_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    received_by = models.CharField(max_length=10, choices=ReceivedBy.choices, default=ReceivedBy.PORTAL)
    evidence = EncryptedTextField(
        key_from="client", null=True, blank=True, help_text="How the person's identity was checked."
    )
    about = models.CharField(max_length=20, choices=About.choices)
    body = EncryptedTextField(key_from="client")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.RECEIVED)
    outcome = models.CharField(max_length=20, choices=Outcome.choices, blank=True)
    lodged_at = models.DateTimeField(default=timezone.now)
    # Fixed when lodged, so the promise made to the client does not move if a setting changes.
    acknowledge_by = models.DateTimeField()
    respond_by = models.DateTimeField()
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    # Its label before it moved app: ciphertexts and the audit chain hold it.
    record_label: ClassVar[str] = "confidentiality.complaint"

    class Meta:
        db_table = "confidentiality_complaint"
        ordering = ["-lodged_at"]
        indexes = [
            models.Index(fields=["client", "lodged_at"]),
            models.Index(fields=["status", "respond_by"]),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def on_behalf(self) -> bool:
        """Recorded by the administrator from a letter, a call, a visit or an e-mail."""
        return self.received_by != ReceivedBy.PORTAL

    @property
    def about_information(self) -> bool:
        """A data-protection complaint (how information was handled), not one about the service."""
        return self.about in self.ABOUT_INFORMATION

    @property
    def is_open(self) -> bool:
        return self.status != self.Status.CLOSED


class ComplaintResponse(models.Model):
    """What the practice tells the client about their complaint; the client reads every one.

    A client without a portal sign-in when the practice writes receives it by post (``by_post``):
    the administrator prints the letter and marks it posted (when, and who).
    """

    class Kind(models.TextChoices):
        ACKNOWLEDGEMENT = "acknowledgement", "Acknowledgement"
        UPDATE = "update", "Update"
        FINAL = "final", "Final response"
        CLIENT_REPLY = "client_reply", "Reply from the client"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="responses")
    author = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    body = EncryptedTextField(key_from="complaint.client")
    created_at = models.DateTimeField(default=timezone.now)
    by_post = models.BooleanField(default=False, help_text="The client had no portal sign-in: it goes by post.")
    posted_at = models.DateTimeField(null=True, blank=True, help_text="When the letter was posted.")
    posted_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    # Its label before it moved app: ciphertexts and the audit chain hold it.
    record_label: ClassVar[str] = "confidentiality.complaintresponse"

    class Meta:
        db_table = "confidentiality_complaintresponse"
        ordering = ["created_at"]
        indexes = [models.Index(fields=["complaint", "created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(posted_at__isnull=True) | models.Q(by_post=True),
                name="complaint_response_posted_only_by_post",
            ),
            models.CheckConstraint(
                condition=models.Q(posted_at__isnull=True, posted_by__isnull=True)
                | models.Q(posted_at__isnull=False, posted_by__isnull=False),
                name="complaint_response_posted_with_who",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.complaint_id}"

    @property
    def from_client(self) -> bool:
        return self.kind == self.Kind.CLIENT_REPLY

    @property
    def to_post(self) -> bool:
        """A letter waiting to be posted."""
        return self.by_post and self.posted_at is None


class Breach(models.Model):
    """A breach of confidentiality, recorded by the administrator or reported by a coach.

    Each breach has its own data key: it may concern several clients or none, and the register
    keeps it on its own schedule, so no client's or engagement's key fits it.
    """

    class Status(models.TextChoices):
        SUSPECTED = "suspected", "Suspected, to be assessed"
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    class Cause(models.TextChoices):
        UNKNOWN = "unknown", "Not established yet"
        STAFF = "staff", "A member of staff, an associate or a volunteer"
        SYSTEM = "system", "A system or process of the practice"
        THIRD_PARTY = "third_party", "A supplier or someone outside the practice"

    class Notification(models.TextChoices):
        UNDECIDED = "undecided", "Not decided yet"
        REQUIRED = "required", "Must be notified to the regulator"
        NOT_REQUIRED = "not_required", "Need not be notified"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    reference = models.CharField(max_length=20, unique=True, default=_breach_reference, editable=False)
    data_key = models.ForeignKey(DataKey, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    reported_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    reported_at = models.DateTimeField(default=timezone.now)
    discovered_at = models.DateTimeField(
        help_text="When the practice became aware of it: the notification clock starts here."
    )
    what_happened = EncryptedTextField(key_from="self")
    information_involved = EncryptedTextField(key_from="self")
    people_affected = EncryptedTextField(key_from="self")
    people_affected_count = models.PositiveIntegerField(null=True, blank=True)
    containment = EncryptedTextField(key_from="self", blank=True)
    notification = models.CharField(max_length=20, choices=Notification.choices, default=Notification.UNDECIDED)
    notification_reason = EncryptedTextField(key_from="self", blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    regulator_notified_at = models.DateTimeField(null=True, blank=True)
    regulator_reference = models.CharField(max_length=80, blank=True)
    outcome = EncryptedTextField(key_from="self", blank=True)
    # Policy 002: "any breach of confidentiality will be dealt with through the company's staff and
    # volunteer disciplinary procedures". Established before a confirmed breach closes.
    cause = models.CharField(max_length=20, choices=Cause.choices, default=Cause.UNKNOWN)
    disciplinary_follow_up = EncryptedTextField(key_from="self", blank=True)
    complaint = models.ForeignKey(Complaint, null=True, blank=True, on_delete=models.SET_NULL, related_name="breaches")
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    version = models.PositiveIntegerField(default=1, help_text="Bumped on every change, to refuse stale edits.")

    # Its label before it moved app: ciphertexts and the audit chain hold it.
    record_label: ClassVar[str] = "confidentiality.breach"

    class Meta:
        db_table = "confidentiality_breach"
        ordering = ["-discovered_at"]
        indexes = [
            models.Index(fields=["status", "discovered_at"]),
            models.Index(fields=["reported_by", "reported_at"]),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_open(self) -> bool:
        return self.status != self.Status.CLOSED

    @property
    def notify_by(self) -> datetime:
        """UK GDPR art. 33: notify the regulator "without undue delay and, where feasible, not later
        than 72 hours after having become aware of it"."""
        return self.discovered_at + timedelta(hours=settings.BREACH_NOTIFICATION_HOURS)

    @property
    def clock_running(self) -> bool:
        """The notification clock runs until the breach is notified, found not to need it, or closed."""
        return (
            self.status != self.Status.CLOSED
            and self.notification != self.Notification.NOT_REQUIRED
            and self.regulator_notified_at is None
        )


class BreachCommunication(models.Model):
    """Whether the people affected by a breach are told, why, and the letter that tells them.

    UK GDPR art. 34: when a breach is likely to result in a high risk to people's rights and
    freedoms, they are told "without undue delay", in clear and plain language, unless (34(3)) the
    data was unintelligible to anyone not authorised (encrypted), measures taken since mean the
    high risk is no longer likely, or telling each would involve disproportionate effort, when a
    public communication takes its place. The reasoning is kept whatever the decision (art. 5(2)).
    The texts may describe what a client said, so they are encrypted under the breach's own key.
    One row per breach, made when the administrator first records the decision or the letter.
    """

    class Decision(models.TextChoices):
        UNDECIDED = "undecided", "Not decided yet"
        TELL = "tell", "High risk to them: write to each person affected (article 34(1))"
        NO_HIGH_RISK = "no_high_risk", "Not likely to result in a high risk to them: no letter"
        ENCRYPTED = (
            "encrypted",
            "The information was unintelligible to anyone not authorised, e.g. encrypted (34(3)(a))",
        )
        MEASURES = "measures", "Measures taken since mean the high risk is no longer likely (34(3)(b))"
        DISPROPORTIONATE = (
            "disproportionate",
            "Writing to each would involve disproportionate effort: a public communication instead (34(3)(c))",
        )

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    breach = models.OneToOneField(Breach, on_delete=models.CASCADE, related_name="communication")
    decision = models.CharField(max_length=20, choices=Decision.choices, default=Decision.UNDECIDED)
    reason = EncryptedTextField(key_from="breach", blank=True)
    public_communication = EncryptedTextField(key_from="breach", blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # What the letter says beyond its fixed parts (art. 34(2), 33(3)(b)-(d)), in plain words.
    nature = EncryptedTextField(key_from="breach", blank=True)
    consequences = EncryptedTextField(key_from="breach", blank=True)
    measures = EncryptedTextField(key_from="breach", blank=True)
    advice = EncryptedTextField(key_from="breach", blank=True)
    letter_written_at = models.DateTimeField(null=True, blank=True)
    letter_written_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    version = models.PositiveIntegerField(default=1, help_text="Bumped on every change, to refuse stale edits.")

    def __str__(self) -> str:
        return f"Communication of {self.breach_id}"

    @property
    def tells(self) -> bool:
        return self.decision == self.Decision.TELL


class BreachAffected(models.Model):
    """A client or an organisation affected by a breach, and the state of the letter to them.

    The letter is produced (its text is the breach's communication, fixed from then on), then
    either sent (an in-app notice and an e-mail pointing to it, for a client with a portal login
    or an organisation with sponsor contacts who have one) or printed and marked as posted.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    breach = models.ForeignKey(Breach, on_delete=models.CASCADE, related_name="affected")
    # Detached, not deleted, when the client's or organisation's own record goes (retention, an
    # erasure): the register keeps that someone was told, and when (art. 33(5)). The record is kept
    # while an open breach names it (retention/schedule.py).
    client = models.ForeignKey(
        "engagements.Client", null=True, blank=True, on_delete=models.SET_NULL, related_name="breaches_affecting"
    )
    organisation = models.ForeignKey(
        "engagements.Organisation", null=True, blank=True, on_delete=models.SET_NULL, related_name="breaches_affecting"
    )
    added_at = models.DateTimeField(default=timezone.now)
    added_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    letter_produced_at = models.DateTimeField(null=True, blank=True)
    letter_produced_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    sent_at = models.DateTimeField(
        null=True, blank=True, help_text="When the notice and e-mail went to their portal login(s)."
    )
    posted_at = models.DateTimeField(null=True, blank=True)
    posted_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    first_read_at = models.DateTimeField(null=True, blank=True, help_text="When the person first opened it.")

    class Meta:
        ordering = ["added_at"]
        constraints = [
            # One of the two; neither once the record named has been deleted (detached).
            models.CheckConstraint(
                condition=models.Q(client__isnull=True) | models.Q(organisation__isnull=True),
                name="breach_affected_client_or_organisation",
            ),
            models.CheckConstraint(
                condition=models.Q(letter_produced_at__isnull=False)
                | (models.Q(sent_at__isnull=True) & models.Q(posted_at__isnull=True)),
                name="breach_affected_letter_produced_before_delivery",
            ),
            models.UniqueConstraint(
                fields=["breach", "client"],
                condition=models.Q(client__isnull=False),
                name="breach_affected_client_once",
            ),
            models.UniqueConstraint(
                fields=["breach", "organisation"],
                condition=models.Q(organisation__isnull=False),
                name="breach_affected_organisation_once",
            ),
        ]

    def __str__(self) -> str:
        return f"Affected by {self.breach_id}"

    @property
    def is_client(self) -> bool:
        return self.client_id is not None

    @property
    def state(self) -> str:
        if self.letter_produced_at is None:
            return "No letter yet"
        if self.posted_at is not None:
            return "Posted"
        if self.sent_at is not None:
            return "Sent to their portal" if self.is_client else "Sent to the organisation's contacts"
        return "To post"
