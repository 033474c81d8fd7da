"""The disclosure register and breaking-confidentiality concerns (policies 001, 004, 000).

The tables keep the names and labels they had in the consent app (``record_label``): the
ciphertexts bind the label in, and the audit chain names it."""

from __future__ import annotations

import uuid
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone

from confidentiality.crypto import EncryptedTextField
from consent.models import ConsentRecord


class RecipientKind(models.TextChoices):
    SPONSOR = "sponsor", "The sponsoring organisation"
    BOARD = "board_senior_staff", "The organisation's board or senior staff"
    REGULATOR = "regulator_ombudsman", "A regulator or ombudsman"
    GOVERNMENT = "government_body", "A government body"
    # Serious danger (policy 004): whoever can act on it now.
    EMERGENCY = "emergency_services", "The emergency services (999)"
    POLICE = "police", "The police"
    GP = "gp", "The client's GP"
    SAFEGUARDING = "safeguarding_lead", "A safeguarding lead"
    OTHER = "other", "Someone else (named)"


class Disclosure(models.Model):
    """Information about a client that left the practice: what, to whom, why, on what basis, on
    whose authority, and the evidence. Encrypted under the engagement's data key.

    Policy 001: information is shared only "when the consumer gives permission, preferably in
    writing; or as required by a relevant government organisation", and the coach "writes to the
    consumer to confirm the details and includes the reason". Policy 004 adds compelling evidence
    of serious danger. Without the client's own consent a second person approves before it is made.
    """

    class Basis(models.TextChoices):
        CLIENT_CONSENT = "client_consent", "The client's written consent"
        CLIENT_APPROVAL = "client_approval", "The client's approval of the report"
        ORGANISATION_CONSENT = "organisation_consent", "The organisation's written consent"
        LEGAL_REQUIREMENT = "legal_requirement", "A legal requirement"
        SERIOUS_DANGER = "serious_danger", "Compelling evidence of serious danger"
        ORGANISATION_CONDUCT = (
            "organisation_conduct",
            "A concern about the organisation's legality or ethical conduct, escalated (policy 000)",
        )

    class State(models.TextChoices):
        AWAITING_APPROVAL = "awaiting_approval", "Waiting for a second approval"
        MADE = "made", "Made"
        DECLINED = "declined", "Not approved, so not made"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    engagement = models.ForeignKey("engagements.Engagement", on_delete=models.CASCADE, related_name="disclosures")
    client = models.ForeignKey("engagements.Client", on_delete=models.PROTECT, related_name="disclosures")
    concern = models.ForeignKey(
        "disclosures.Concern", null=True, blank=True, on_delete=models.PROTECT, related_name="disclosures"
    )
    what = EncryptedTextField(key_from="engagement")
    recipient_kind = models.CharField(max_length=30, choices=RecipientKind.choices)
    recipient = EncryptedTextField(key_from="engagement")
    reason = EncryptedTextField(key_from="engagement")
    basis = models.CharField(max_length=30, choices=Basis.choices)
    state = models.CharField(max_length=20, choices=State.choices)
    authorised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    consent = models.ForeignKey(ConsentRecord, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    document = models.ForeignKey(
        "engagements.Document", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Policy 001: agreed "with the consumer in writing, and other person/organisation involved, in
    # writing". Information that concerns the organisation too needs its written consent as well.
    concerns_organisation = models.BooleanField(default=False)
    organisation_consent = models.ForeignKey(
        "engagements.Document",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The organisation's written consent, as a document of the engagement.",
    )
    report = models.ForeignKey(
        "reports.SponsorReport", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The named supervisor who may approve it; the administrator always may.",
    )
    second_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    second_decision_at = models.DateTimeField(null=True, blank=True)
    made_at = models.DateTimeField(null=True, blank=True)
    confirmation_sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    # Its label before it moved app: ciphertexts and the audit chain hold it.
    record_label: ClassVar[str] = "consent.disclosure"

    class Meta:
        db_table = "consent_disclosure"
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["engagement", "created_at"]),
            models.Index(fields=["client", "created_at"]),
            models.Index(fields=["state", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"Disclosure {str(self.id)[:8]}"

    @property
    def needs_second_approval(self) -> bool:
        return self.basis in NEEDS_SECOND_APPROVAL

    @property
    def confirmed_to_organisation(self) -> bool:
        """An escalation of the organisation's conduct is confirmed to the organisation, by a letter the
        coach posts; every other disclosure to the client."""
        return self.basis == self.Basis.ORGANISATION_CONDUCT


# The client's own written word (consent, or approval of the exact report) is the authority;
# every other basis is a decision made without it, so a second person must agree first.
NEEDS_SECOND_APPROVAL = frozenset(
    {
        Disclosure.Basis.ORGANISATION_CONSENT,
        Disclosure.Basis.LEGAL_REQUIREMENT,
        Disclosure.Basis.SERIOUS_DANGER,
        Disclosure.Basis.ORGANISATION_CONDUCT,
    }
)


class Concern(models.Model):
    """A concern a coach raises from an engagement, worked through the steps of its policy."""

    class Kind(models.TextChoices):
        BREAKING_CONFIDENTIALITY = (
            "breaking_confidentiality",
            "Something said in a session may have to be disclosed (policy 004)",
        )
        ORGANISATION_CONDUCT = "organisation_conduct", "The organisation's legality or ethical conduct (policy 000)"

    class State(models.TextChoices):
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"
        WITHDRAWN = "withdrawn", "Withdrawn"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    engagement = models.ForeignKey("engagements.Engagement", on_delete=models.CASCADE, related_name="concerns")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    state = models.CharField(max_length=10, choices=State.choices, default=State.OPEN)
    serious_danger = models.BooleanField(
        default=False, help_text="Compelling evidence of serious danger: some steps may be skipped, with a reason."
    )
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The named supervisor, who reads the concern and may give the second approval.",
    )
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True, help_text="When it was closed or withdrawn.")
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    withdrawal_reason = EncryptedTextField(key_from="engagement", null=True, blank=True)
    reminded_at = models.DateTimeField(
        null=True, blank=True, help_text="When its coach and supervisor were last reminded that it waits for a step."
    )

    # Its label before it moved app: ciphertexts and the audit chain hold it.
    record_label: ClassVar[str] = "consent.concern"

    class Meta:
        db_table = "consent_concern"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["engagement", "created_at"]), models.Index(fields=["state", "created_at"])]

    def __str__(self) -> str:
        return f"Concern {str(self.id)[:8]}"


class ConcernStep(models.Model):
    """One step of a concern as it was taken (or skipped, with the reason): who, when, what."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    concern = models.ForeignKey(Concern, on_delete=models.CASCADE, related_name="steps")
    engagement = models.ForeignKey("engagements.Engagement", on_delete=models.CASCADE, related_name="+")
    step = models.CharField(max_length=30)
    skipped = models.BooleanField(default=False)
    text = EncryptedTextField(key_from="engagement", blank=True, help_text="What was recorded, or why it was skipped.")
    detail = EncryptedTextField(
        key_from="engagement", blank=True, help_text="The agreement clauses pointed to, or the recipient named."
    )
    outcome = models.CharField(max_length=30, blank=True)
    recipient_kind = models.CharField(max_length=30, choices=RecipientKind.choices, blank=True)
    basis = models.CharField(max_length=30, choices=Disclosure.Basis.choices, blank=True)
    disclosure = models.ForeignKey(Disclosure, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)
    # An answer changed before the disclosure is made is kept, marked superseded, and a new record
    # takes its place (as do the steps after it, which were taken on its strength).
    superseded_at = models.DateTimeField(null=True, blank=True)

    # Its label before it moved app: ciphertexts and the audit chain hold it.
    record_label: ClassVar[str] = "consent.concernstep"

    class Meta:
        db_table = "consent_concernstep"
        ordering = ["recorded_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["concern", "step"],
                condition=models.Q(superseded_at__isnull=True),
                name="one_standing_record_per_concern_step",
            )
        ]

    def __str__(self) -> str:
        return f"{self.step} of {self.concern_id}"


def _sharing_reference() -> str:
    # Names no one and says nothing: notices, e-mails and audit details carry it instead of the text.
    return f"SHR-{uuid.uuid4().hex[:8].upper()}"


class OrganisationSharing(models.Model):
    """Information of one organisation shared with another, or with a named outside body.

    Policy 000: "We encourage sharing of experience and information for the mutual benefit of
    organisations but information will only be shared by agreement with the organisations involved."
    So a sharing is a record (what, from whom, to whom, why) and it is marked shared only once each
    organisation it concerns has given its written permission (``SharingPermission``, one per
    organisation: the organisation whose information it is, the receiving one when it is an
    organisation of the practice, and any other the administrator names).

    Each sharing has a data key of its own: it belongs to no engagement or client, and is kept on its
    own schedule, so no engagement's or client's key fits it.
    """

    class State(models.TextChoices):
        PROPOSED = "proposed", "Proposed: waiting for the organisations' permission"
        SHARED = "shared", "Shared"
        WITHDRAWN = "withdrawn", "Withdrawn: not shared"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    reference = models.CharField(max_length=20, unique=True, default=_sharing_reference, editable=False)
    data_key = models.ForeignKey("confidentiality.DataKey", on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(
        "engagements.Organisation",
        on_delete=models.PROTECT,
        related_name="sharings_of_its_information",
        help_text="The organisation whose information it is.",
    )
    to_organisation = models.ForeignKey(
        "engagements.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="sharings_received",
        help_text="The receiving organisation, when it is one of the practice's.",
    )
    to_outside_body = models.CharField(
        max_length=200, blank=True, help_text="The receiving body, named, when it is not one of the practice's."
    )
    what = EncryptedTextField(key_from="self")
    why = EncryptedTextField(key_from="self")
    state = models.CharField(max_length=12, choices=State.choices, default=State.PROPOSED)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    shared_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    # When it was shared or withdrawn: the retention clock runs from here.
    settled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["state", "-created_at"]), models.Index(fields=["settled_at"])]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(to_organisation__isnull=False) & models.Q(to_outside_body=""))
                | (models.Q(to_organisation__isnull=True) & ~models.Q(to_outside_body="")),
                name="sharing_has_exactly_one_recipient",
            )
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def recipient_name(self) -> str:
        return self.to_organisation.name if self.to_organisation is not None else self.to_outside_body


class SharingPermission(models.Model):
    """One organisation's written permission for a sharing that concerns it, or its refusal.

    Written either way: one of its sponsor contacts gave it in the portal, signed in (the exact wording
    they were shown is kept, under the sharing's key), or the administrator recorded it with a document
    of the organisation's as evidence (its letter, on one of its engagements)."""

    class State(models.TextChoices):
        AWAITING = "awaiting", "Waiting for the organisation's permission"
        GIVEN = "given", "Given in writing"
        REFUSED = "refused", "Refused"

    class Method(models.TextChoices):
        PORTAL = "portal", "Given by its contact in the portal"
        DOCUMENT = "document", "Recorded by the administrator, with the organisation's document"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    sharing = models.ForeignKey(OrganisationSharing, on_delete=models.CASCADE, related_name="permissions")
    organisation = models.ForeignKey(
        "engagements.Organisation", on_delete=models.PROTECT, related_name="sharing_permissions"
    )
    state = models.CharField(max_length=10, choices=State.choices, default=State.AWAITING)
    method = models.CharField(max_length=10, choices=Method.choices, blank=True)
    wording = EncryptedTextField(key_from="sharing", blank=True, help_text="The exact wording given or refused.")
    # When the letter's engagement's files are deleted, the permission stays: it still says it was
    # recorded on the organisation's document (``method``), without the document.
    evidence = models.ForeignKey(
        "engagements.Document", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["organisation__name"]
        constraints = [
            models.UniqueConstraint(fields=["sharing", "organisation"], name="one_permission_per_organisation")
        ]
        indexes = [models.Index(fields=["organisation", "sharing"])]

    def __str__(self) -> str:
        return f"Permission of {self.organisation_id} for {self.sharing_id}"
