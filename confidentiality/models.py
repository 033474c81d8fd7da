from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.utils import timezone

from confidentiality.crypto import EncryptedTextField
from confidentiality.roles import Role


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.full_clean(exclude=["password"])
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        user = self.create_user(email, password, **extra)
        from confidentiality.policies import ask_newcomer

        ask_newcomer(user)
        return user


class User(AbstractBaseUser, PermissionsMixin):
    """A person who logs in. Their role is the one group they belong to."""

    email = models.EmailField(unique=True)
    display_name = models.CharField(max_length=150, blank=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False, help_text="May open the technical admin site.")
    date_joined = models.DateTimeField(default=timezone.now)
    # Policy 000: "Associates will hold any information gathered from organisations securely".
    # An associate is a coach under a contract: on the engagements they are put on, and nothing
    # after the contract's last day.
    is_associate = models.BooleanField(default=False, help_text="An associate coach: an external contractor.")
    contract_ends_on = models.DateField(
        null=True, blank=True, help_text="The last day of their contract; from the next day they can reach nothing."
    )
    # Sessions begun and API tokens made before this moment no longer work (offboarding).
    signed_out_everywhere_at = models.DateTimeField(null=True, blank=True)
    # A version of a policy they must accept exists that they have not accepted (policies.py).
    must_accept_policies = models.BooleanField(default=False)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        ordering = ["email"]

    def __str__(self) -> str:
        return self.display_name or self.email

    @property
    def role(self) -> Role | None:
        """The user's role, cached on the instance (one query per request at most)."""
        if not hasattr(self, "_role_cache"):
            self._role_cache = self.role_from_group_names(list(self.groups.values_list("name", flat=True)[:2]))
        return self._role_cache

    @staticmethod
    def role_from_group_names(names: list[str]) -> Role | None:
        """Exactly one group, and a known role: anything else is no role at all (fails closed)."""
        return Role(names[0]) if len(names) == 1 and names[0] in Role.values else None


class DataKey(models.Model):
    """A per-subject data key, stored only wrapped by a key-encryption key.

    Destroying the row crypto-shreds every ciphertext made with it, wherever copies lie.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    purpose = models.CharField(max_length=40, help_text="What the key protects, e.g. engagement or client.")
    kek_id = models.CharField(max_length=40, help_text="Which key-encryption key wraps it.")
    wrapped = models.BinaryField()
    created_at = models.DateTimeField(default=timezone.now)
    rewrapped_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["kek_id"])]

    def __str__(self) -> str:
        return f"{self.purpose} key {self.id}"


class AuditEvent(models.Model):
    """One append-only, hash-chained event. Holds ids and kinds, never content."""

    seq = models.BigIntegerField(unique=True)
    created_at = models.DateTimeField()
    # Plain ids, no foreign keys: an audit row must outlive the rows it speaks of,
    # and the table refuses UPDATE, so ON DELETE SET NULL is impossible.
    actor_id = models.BigIntegerField(null=True, blank=True)
    actor_role = models.CharField(max_length=20, blank=True)
    action = models.CharField(max_length=60)
    object_type = models.CharField(max_length=60, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    engagement_id = models.UUIDField(null=True, blank=True)
    client_id = models.UUIDField(null=True, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["seq"]
        indexes = [
            models.Index(fields=["client_id", "seq"]),
            models.Index(fields=["engagement_id", "seq"]),
            models.Index(fields=["actor_id", "seq"]),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action}"


class AuditChainHead(models.Model):
    """The single row naming the last event: the append lock, and proof the tail is intact."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"audit chain head at event {self.seq}"


class ApiToken(models.Model):
    """A personal API token. Only its SHA-256 is stored; the key is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=80)
    prefix = models.CharField(max_length=12, help_text="The first characters, to recognise it.")
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class WorkerHeartbeat(models.Model):
    """Written by a periodic task so /healthz can tell that worker and beat run."""

    name = models.CharField(max_length=40, unique=True)
    beat_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} at {self.beat_at:%Y-%m-%d %H:%M:%S}"


class Notice(models.Model):
    """Something a person should know, shown on their dashboard. Never confidential content."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notices")
    text = models.CharField(max_length=200)
    link = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "read_at"])]

    def __str__(self) -> str:
        return self.text


# --- complaints and breaches (policy 002) -------------------------------------------------


def _short_reference(prefix: str) -> str:
    """A reference that names no one, for notices, e-mails and the register."""
    return f"{prefix}-{uuid.uuid4().hex[:8].upper()}"


def _complaint_reference() -> str:
    return _short_reference("CMP")


def _breach_reference() -> str:
    return _short_reference("BR")


class Complaint(models.Model):
    """A client's complaint about how their information was handled.

    Policy 002: clients "will be made aware of their right to complain if they feel
    confidentiality has been breached". The text is encrypted under the client's own key, not
    an engagement's: a complaint may outlive an engagement's two-year files and must still be
    answerable, and it goes (crypto-shredded) with the client's own personal details.
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

    class Meta:
        ordering = ["-lodged_at"]
        indexes = [
            models.Index(fields=["client", "lodged_at"]),
            models.Index(fields=["status", "respond_by"]),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_open(self) -> bool:
        return self.status != self.Status.CLOSED


class ComplaintResponse(models.Model):
    """What the practice tells the client about their complaint; the client reads every one."""

    class Kind(models.TextChoices):
        ACKNOWLEDGEMENT = "acknowledgement", "Acknowledgement"
        UPDATE = "update", "Update"
        FINAL = "final", "Final response"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="responses")
    author = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    body = EncryptedTextField(key_from="complaint.client")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at"]
        indexes = [models.Index(fields=["complaint", "created_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.complaint_id}"


class Breach(models.Model):
    """A breach of confidentiality, recorded by the administrator or reported by a coach.

    Each breach has its own data key: it may concern several clients or none, and the register
    keeps it on its own schedule, so no client's or engagement's key fits it.
    """

    class Status(models.TextChoices):
        SUSPECTED = "suspected", "Suspected, to be assessed"
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

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
    disciplinary_follow_up = EncryptedTextField(key_from="self", blank=True)
    complaint = models.ForeignKey(Complaint, null=True, blank=True, on_delete=models.SET_NULL, related_name="breaches")
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    version = models.PositiveIntegerField(default=1, help_text="Bumped on every change, to refuse stale edits.")

    class Meta:
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


# --- people who join and leave (policies 002, 000, 001) -----------------------------------


class PolicyAcceptance(models.Model):
    """A staff member read and accepted one version of a practice policy.

    Policy 002: staff "should treat this information as confidential … under no circumstances
    should staff and volunteers share personal information with their own partners, family or
    friends". The SHA-256 of the exact text shown binds the acceptance to the words read; the
    time, address and browser say when and where.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="policy_acceptances")
    document = models.ForeignKey("retention.PolicyDocument", on_delete=models.PROTECT, related_name="acceptances")
    text_sha256 = models.CharField(max_length=64)
    accepted_at = models.DateTimeField(default=timezone.now)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-accepted_at"]
        constraints = [models.UniqueConstraint(fields=["user", "document"], name="one_acceptance_per_version")]
        indexes = [models.Index(fields=["document", "accepted_at"])]

    def __str__(self) -> str:
        return f"{self.user_id} accepted {self.document_id}"


class Offboarding(models.Model):
    """Someone left: every session, token and object permission of theirs ended at this moment."""

    class Reason(models.TextChoices):
        DEACTIVATED = "deactivated", "Deactivated by the administrator"
        CONTRACT_ENDED = "contract_ended", "Their contract ended"
        LEFT_ORGANISATION = "left_organisation", "They left their organisation"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="offboardings")
    reason = models.CharField(max_length=20, choices=Reason.choices)
    offboarded_at = models.DateTimeField(default=timezone.now)
    offboarded_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    sessions_ended = models.PositiveIntegerField(default=0)
    tokens_revoked = models.PositiveIntegerField(default=0)
    permissions_revoked = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-offboarded_at"]
        indexes = [models.Index(fields=["user", "offboarded_at"])]

    def __str__(self) -> str:
        return f"Offboarding of {self.user_id} on {self.offboarded_at:%Y-%m-%d}"


class OffboardingEngagement(models.Model):
    """An open engagement the person was on when they left, until someone takes it over."""

    offboarding = models.ForeignKey(Offboarding, on_delete=models.CASCADE, related_name="engagements")
    engagement = models.ForeignKey("engagements.Engagement", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, help_text="What they were on it as: coach or sponsor.")
    reassigned_to = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    settled_at = models.DateTimeField(null=True, blank=True)
    settled_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["offboarding", "engagement__reference"]
        constraints = [
            models.UniqueConstraint(fields=["offboarding", "engagement"], name="one_handover_per_engagement")
        ]
        indexes = [models.Index(fields=["engagement", "settled_at"])]

    def __str__(self) -> str:
        return f"Handover of {self.engagement_id}"
