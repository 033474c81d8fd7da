from __future__ import annotations

import uuid
from typing import Any, ClassVar

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

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
        # The technical admin site's users are asked to accept the policies in force on every
        # request (access.policies_to_accept), so they need no flag here.
        return self.create_user(email, password, **extra)


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
    # The link: an HMAC of the event and the link before it, under the audit key named here
    # (AUDIT_CHAIN_KEYS, never stored in the database). Empty for the events written before the
    # chain was keyed, whose link is a plain SHA-256; a keyed event after them vouches for them.
    hash = models.CharField(max_length=64)
    key_id = models.CharField(max_length=20, blank=True, default="")

    class Meta:
        ordering = ["seq"]
        indexes = [
            models.Index(fields=["client_id", "seq"]),
            models.Index(fields=["engagement_id", "seq"]),
            models.Index(fields=["actor_id", "seq"]),
            # A person's own credential events (sign-ins, wrong codes): confidentiality.credentials.
            models.Index(fields=["object_type", "object_id", "seq"]),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action}"


class AuditChainHead(models.Model):
    """The single row naming the last event: the append lock, and proof the tail is intact."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64)
    # "key id:HMAC" of the seq and the hash: a head moved back to an earlier event does not verify.
    mac = models.CharField(max_length=100, blank=True, default="")

    def __str__(self) -> str:
        return f"audit chain head at event {self.seq}"


class Invitation(models.Model):
    """An invitation to set a password, sent to someone the practice added (confidentiality/invitations.py).

    The link itself is never stored: it is a password-reset link, valid for PASSWORD_RESET_TIMEOUT
    and spent once a password is set. The row says who was invited, by whom, when, and whether
    they have accepted, so the administrator sees who has not and can send it again."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="invitations")
    sent_at = models.DateTimeField(default=timezone.now)
    sent_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    accepted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-sent_at"]

    def __str__(self) -> str:
        return f"invitation of {self.user_id} sent {self.sent_at:%Y-%m-%d}"


class ApiToken(models.Model):
    """A personal API token. Only its SHA-256 is stored; the key is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=80)
    prefix = models.CharField(max_length=12, help_text="The first characters, to recognise it.")
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    # The addresses it has been used from (the latest SEEN_FROM_KEPT): its person is told of a new one.
    seen_from = models.JSONField(default=list, blank=True)
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
    # What the notice asks about ("report.review:<id>"), when it asks for something: it is marked done
    # (and leaves the dashboard) when that thing is done, by whoever does it (notify.resolve).
    about = models.CharField(max_length=100, blank=True, default="")
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["user", "read_at"]),
            models.Index(fields=["about"], condition=models.Q(done_at__isnull=True), name="notice_open_about"),
        ]

    def __str__(self) -> str:
        return self.text


class OutgoingEmail(models.Model):
    """One e-mail in the outbox (confidentiality/outbox.py). The row is the truth about it; the
    broker only wakes a worker to send it.

    Recipients, subject and message are sealed by the key-encryption keys with the row's id bound
    in: a reset or feedback link is a single-use secret, and a dump of this table must not hand it
    out. The message is blanked once delivered; recipients and subject stay (sealed) so that the
    administrator can see what was sent, until the sent row is purged.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting"
        SENDING = "sending", "Being sent"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    sealed_recipients = models.TextField()
    sealed_subject = models.TextField()
    sealed_message = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    # The worker sending it now; a claim older than a send may take belongs to a worker that died.
    claimed_at = models.DateTimeField(null=True, blank=True)
    claim = models.UUIDField(null=True, blank=True)
    # The kind of the last failure (an exception's class), never its message: an SMTP error names
    # the recipients, and a provider's may quote the message.
    last_error = models.CharField(max_length=100, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"]),
            models.Index(fields=["-created_at"]),
        ]

    def __str__(self) -> str:
        return f"e-mail {self.id} ({self.status})"


# --- complaints and breaches (policy 002) -------------------------------------------------


def _short_reference(prefix: str) -> str:
    """A reference that names no one, for notices, e-mails and the register."""
    return f"{prefix}-{uuid.uuid4().hex[:8].upper()}"


def _complaint_reference() -> str:
    return _short_reference("CMP")


def _breach_reference() -> str:
    return _short_reference("BR")


class ReceivedBy(models.TextChoices):
    """How something a person sent reached the practice: through their portal sign-in, or otherwise,
    when the administrator records it on their behalf (a request under a right, a complaint)."""

    PORTAL = "portal", "Through the portal"
    POST = "post", "By post"
    TELEPHONE = "telephone", "By telephone"
    IN_PERSON = "in_person", "In person"
    EMAIL = "email", "By e-mail"


# --- people who join and leave (policies 002, 000, 001) -----------------------------------


class Practice(models.Model):
    """The practice itself, as its documents and e-mails name it: one row (pk 1), kept by the
    administrator on the Practice settings page (``confidentiality.practice``)."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    name = models.CharField("Practice name", max_length=200)
    address = models.TextField("Postal address", blank=True)
    email = models.EmailField("Contact e-mail", blank=True)
    phone = models.CharField("Contact telephone", max_length=40, blank=True)
    company_number = models.CharField("Registered (company) number", max_length=20, blank=True)
    vat_number = models.CharField(
        "VAT registration number",
        max_length=14,
        blank=True,
        help_text="Printed on invoices, which are then VAT invoices.",
    )
    payment_details = models.TextField(
        "How to pay", blank=True, help_text="Bank, sort code and account number: printed on every invoice."
    )
    data_protection_contact = models.CharField("Data-protection contact", max_length=200, blank=True)
    data_protection_email = models.EmailField("Data-protection contact's e-mail", blank=True)
    regulator = models.CharField(
        "Regulator people may complain to",
        max_length=200,
        default="The Information Commissioner's Office (ico.org.uk, 0303 123 1113)",
    )
    regulator_registration = models.CharField("Registration number with the regulator", max_length=40, blank=True)
    # Policy 004: when an issue is not resolved the coach should "return to it".
    concern_reminder_days = models.PositiveSmallIntegerField(
        "Remind coaches of an open concern after this many days without a step",
        default=7,
        validators=[MinValueValidator(1), MaxValueValidator(90)],
        help_text="From 1 to 90. The coach and the concern's supervisor are reminded, then again at the same interval.",
    )
    # Policy 003: unsolicited feedback is shared with the client "promptly".
    unsolicited_share_days = models.PositiveSmallIntegerField(
        "Days a coach has to share unsolicited feedback with the client",
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
        help_text="From 1 to 60, counted from the day it is recorded. Until it is shared it is on the coach's "
        "dashboard, marked overdue after this.",
    )
    updated_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.name
