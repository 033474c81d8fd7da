from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from confidentiality.crypto import EncryptedTextField


class Organisation(models.Model):
    """An organisation that commissions and pays for coaching (a sponsor)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=200)
    address = models.TextField(blank=True, help_text="Printed on its invoices.")
    created_at = models.DateTimeField(default=timezone.now)
    keep_hard_copies = models.BooleanField(
        default=False, help_text="The organisation lets the practice keep hard copies at contract end (policy 000)."
    )
    sponsors_need_second_factor = models.BooleanField(
        default=False, help_text="The organisation's sponsor contacts must sign in with a second factor."
    )

    class Meta:
        ordering = ["name"]
        permissions = [("view_organisation_record", "May see the organisation's record")]

    def __str__(self) -> str:
        return self.name


class SponsorContact(models.Model):
    """A person at an organisation who signs agreements and reads released reports."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="contacts")
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="sponsor_contact")
    job_title = models.CharField(max_length=150, blank=True)
    active = models.BooleanField(default=True)

    def __str__(self) -> str:
        return f"{self.user} at {self.organisation}"


class Client(models.Model):
    """The person being coached. Their personal details are encrypted under their own key."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    data_key = models.ForeignKey("confidentiality.DataKey", on_delete=models.PROTECT, related_name="+")
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="client_profile"
    )
    full_name = EncryptedTextField(key_from="self")
    contact_email = EncryptedTextField(key_from="self", blank=True)
    phone = EncryptedTextField(key_from="self", blank=True)
    # Where letters and a private client's invoices go: an answer by post, an invoice to pay.
    postal_address = EncryptedTextField(key_from="self", null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    erased_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the client's erasure was carried out: their own record goes once nothing keeps it.",
    )

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"Client {str(self.id)[:8]}"


PRIVATE_PAYER = "Private client (self-funded)"


class Engagement(models.Model):
    class Status(models.TextChoices):
        PROPOSED = "proposed", "Proposed"
        ACTIVE = "active", "Active"
        PAUSED = "paused", "Paused"
        CLOSED = "closed", "Closed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    reference = models.CharField(max_length=40, unique=True, help_text="A code that names no one, e.g. ENG-2026-014.")
    title = models.CharField(max_length=200, help_text="A neutral title, e.g. 'Leadership coaching'.")
    # None for a private client, who pays for their own coaching (policy 003: the payer is an
    # "institution or individual"): no organisation, no sponsor, no report to anyone but the client.
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="engagements"
    )
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="engagements")
    data_key = models.ForeignKey("confidentiality.DataKey", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PROPOSED)
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    paused_for_consent = models.BooleanField(
        default=False,
        help_text="Paused because the client withdrew consent to hold their information; giving it again resumes it.",
    )
    # Kept with the engagement (not read through the client) so that the access policy decides
    # from the row it has: ``engagements.restrictions`` writes it for all the client's engagements.
    restricted = models.BooleanField(
        default=False,
        help_text="Processing paused by a restriction or an objection of the client's: kept, read by no one.",
    )
    created_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1, help_text="Bumped on every change, to refuse stale edits.")

    class Meta:
        ordering = ["-starts_on", "reference"]
        indexes = [
            models.Index(fields=["organisation", "status"]),
            models.Index(fields=["status", "closed_at"]),
            # The retention page: open engagements by end date (those that will close themselves),
            # and those with none, read from an index of open ones only (issue 23).
            models.Index(fields=["ends_on", "reference"], name="engagement_open_by_end", condition=~Q(status="closed")),
        ]
        permissions = [
            ("read_confidential", "May read and write private notes and documents"),
            ("read_shared", "May read what is shared with the client"),
            ("read_released", "May read released reports"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    @property
    def is_private(self) -> bool:
        """The client pays for the coaching themselves: there is no organisation and no sponsor."""
        return self.organisation_id is None

    @property
    def payer_name(self) -> str:
        """Who pays, as the engagement's pages name them."""
        return PRIVATE_PAYER if self.organisation is None else self.organisation.name


class EngagementMember(models.Model):
    """Who is on an engagement, and as what. Written together with object permissions."""

    class Kind(models.TextChoices):
        COACH = "coach", "Coach"
        SPONSOR = "sponsor", "Sponsor contact"
        CLIENT = "client", "Client"

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="engagement_memberships")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["engagement", "user"], name="one_membership_per_person")]
        indexes = [models.Index(fields=["user", "kind", "engagement"])]

    def __str__(self) -> str:
        return f"{self.user} {self.kind} on {self.engagement_id}"


# Direct foreign-key object permissions, never guardian's generic ones: the generic table casts keys to
# text and loses the index, and its rows outlive the objects they name.
class EngagementUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Engagement, on_delete=models.CASCADE)


class EngagementGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Engagement, on_delete=models.CASCADE)


class OrganisationUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Organisation, on_delete=models.CASCADE)


class OrganisationGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Organisation, on_delete=models.CASCADE)


class CoachingSession(models.Model):
    """A session held: when, how long, how. Its content lives in notes."""

    class Mode(models.TextChoices):
        IN_PERSON = "in_person", "In person"
        VIDEO = "video", "Video call"
        PHONE = "phone", "Phone"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="sessions")
    held_on = models.DateField()
    duration_minutes = models.PositiveSmallIntegerField()
    mode = models.CharField(max_length=12, choices=Mode.choices)
    # Policy 002: "the physical environment in which face to face discussions and telephone
    # conversations take place does not compromise confidentiality". Sessions recorded before these
    # existed have neither, and show as incomplete until their coach says.
    place = models.CharField(max_length=200, blank=True, help_text="Where the session took place.")
    setting_private = models.BooleanField(
        default=False, help_text="No one could overhear or see the conversation where it took place."
    )
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-held_on", "-created_at"]
        indexes = [models.Index(fields=["engagement", "held_on"])]

    def __str__(self) -> str:
        return f"Session on {self.held_on}"

    @property
    def setting_complete(self) -> bool:
        """Where it took place is recorded, and that the setting was private."""
        return bool(self.place.strip()) and self.setting_private


class Note(models.Model):
    """A coach's note. Private unless the coach shares it with the client. Encrypted at rest."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="notes")
    session = models.ForeignKey(CoachingSession, null=True, blank=True, on_delete=models.SET_NULL, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = EncryptedTextField(key_from="engagement")
    shared_with_client = models.BooleanField(default=False)
    shared_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1)
    # When a correction was last appended (``NoteCorrection``): pages mark the note without a query.
    corrected_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["engagement", "created_at"]),
            models.Index(fields=["engagement", "shared_with_client", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"Note {str(self.id)[:8]}"


class NoteCorrection(models.Model):
    """A correction appended to a note (UK GDPR art. 16, the client's right to have wrong information
    put right): the note's own text stays as written, and the correction says what was wrong and what
    is right. Encrypted like the note; never changed. A note shared with the client is never rewritten,
    only corrected; the client reads its corrections with it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    note = models.ForeignKey(Note, on_delete=models.CASCADE, related_name="corrections")
    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = EncryptedTextField(key_from="engagement")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at"]
        indexes = [models.Index(fields=["note", "created_at"])]

    def __str__(self) -> str:
        return f"Correction {str(self.id)[:8]}"


class Document(models.Model):
    """An uploaded file, stored encrypted under a random name; its original name is encrypted too."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="documents")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    original_name = EncryptedTextField(key_from="engagement")
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    blob_name = models.CharField(max_length=100, unique=True)
    shared_with_client = models.BooleanField(default=False)
    supplied_by_organisation = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["engagement", "created_at"])]

    def __str__(self) -> str:
        return f"Document {str(self.id)[:8]}"


class HardCopy(models.Model):
    """Paper received from the organisation (policy 000: returned at contract end unless kept)."""

    class State(models.TextChoices):
        HELD = "held", "Held by the practice"
        RETURN_DUE = "return_due", "To be returned"
        RETURNED = "returned", "Returned"
        KEPT = "kept", "Kept with the organisation's agreement"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="hard_copies")
    description = EncryptedTextField(key_from="engagement")
    location = models.CharField(max_length=120, help_text="Where it is kept, e.g. 'locked cabinet B'.")
    received_on = models.DateField()
    state = models.CharField(max_length=12, choices=State.choices, default=State.HELD)
    return_due_on = models.DateField(null=True, blank=True)
    returned_on = models.DateField(null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["received_on"]

    def __str__(self) -> str:
        return f"Hard copy {str(self.id)[:8]}"


class BreakGlassGrant(models.Model):
    """An administrator's time-boxed access to one private note, with a stated reason."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    note = models.ForeignKey(Note, on_delete=models.CASCADE, related_name="break_glass_grants")
    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="+")
    granted_to = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = EncryptedTextField(key_from="engagement")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["granted_to", "note", "expires_at"])]

    def __str__(self) -> str:
        return f"Break-glass grant {str(self.id)[:8]}"


class ProcessingRestriction(models.Model):
    """Processing of a client's records paused, under their right to restriction (UK GDPR art. 18)
    or to object (art. 21), until the administrator lifts it. While it stands the records are kept
    and not used (``access.engagement_access_for``): not by the coaches, the sponsor or the
    administrator. The client still has their own records through a subject-access copy; what art.
    18(2) allows goes on through its own doors: a concern about someone's safety, a disclosure the law
    requires, a break-glass grant to one note."""

    class Right(models.TextChoices):
        RESTRICTION = "restriction", "Restriction"
        OBJECTION = "objection", "Objection"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="processing_restrictions")
    right = models.CharField(max_length=12, choices=Right.choices)
    request_reference = models.CharField(max_length=20, help_text="The request it answers, e.g. SAR-1A2B3C4D.")
    reason = EncryptedTextField(key_from="client", help_text="Why processing is paused: the engagement shows it.")
    placed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    placed_at = models.DateTimeField(default=timezone.now)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    lifted_at = models.DateTimeField(null=True, blank=True)
    lift_reason = EncryptedTextField(key_from="client", null=True, blank=True)

    class Meta:
        ordering = ["-placed_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["client"], condition=models.Q(lifted_at__isnull=True), name="one_standing_restriction_a_client"
            )
        ]

    def __str__(self) -> str:
        return f"Restriction {self.request_reference}"


class PracticeCount(models.Model):
    """How many engagements there are in each state, and how many clients and organisations: the
    administrator's dashboard reads these rows, not the tables (a count of a million rows takes a
    fifth of a second on every view; issue 23). Database triggers keep them in the same transaction
    as every insert, change of state and delete, whoever makes it (a service, the retention sweep,
    the technical admin); a nightly task checks them against the tables (``engagements/counts.py``)."""

    kind = models.CharField(
        max_length=40, primary_key=True, help_text="'engagement:<state>', 'client' or 'organisation'."
    )
    n = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.kind}: {self.n}"
