"""Written three-way confidentiality agreements and consent records (policies 002, 003, 004)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from confidentiality.crypto import EncryptedTextField


class FeedbackAnonymity(models.TextChoices):
    UNIDENTIFIED = "unidentified", "Unidentified: no source is named or described"
    BY_CATEGORY = "by_category", "By category of person (work group, level)"
    BY_NAME = "by_name", "By name"


class InformationCategory(models.Model):
    """A kind of information the agreement settles, e.g. 'assessment results' (policy 003)."""

    key = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=120)
    description = models.CharField(max_length=300, blank=True)
    builtin = models.BooleanField(default=False)
    position = models.PositiveSmallIntegerField(default=100)

    class Meta:
        ordering = ["position", "name"]
        verbose_name_plural = "information categories"

    def __str__(self) -> str:
        return self.name


class AgreementContent(models.Model):
    """What a template and an agreement both say, besides their terms."""

    introduction = models.TextField(blank=True)
    sponsor_summary_includes = models.TextField(
        help_text="What the summary report to the sponsor will include.", blank=True
    )
    sponsor_summary_excludes = models.TextField(help_text="What it will never include.", blank=True)
    feedback_anonymity = models.CharField(
        max_length=20, choices=FeedbackAnonymity.choices, default=FeedbackAnonymity.BY_CATEGORY
    )
    exceptions = models.TextField(help_text="When confidentiality may be broken, in plain words.")
    guidelines = models.TextField(
        blank=True, help_text="The organisation's and professional body's guidelines that apply."
    )

    class Meta:
        abstract = True


class TermContent(models.Model):
    """One information category: shared or not, with whom, by whom, when, how, when not."""

    category = models.ForeignKey(InformationCategory, on_delete=models.PROTECT, related_name="+")
    shared = models.BooleanField(default=False)
    with_whom = models.CharField(max_length=300, blank=True)
    by_whom = models.CharField(max_length=300, blank=True)
    when = models.CharField(max_length=300, blank=True)
    form = models.CharField(max_length=300, blank=True)
    circumstances = models.CharField(max_length=500, blank=True)

    class Meta:
        abstract = True


class AgreementTemplate(AgreementContent):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=150, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    edit_version = models.PositiveIntegerField(default=1, help_text="Bumped on every edit, to refuse stale ones.")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class TemplateTerm(TermContent):
    template = models.ForeignKey(AgreementTemplate, on_delete=models.CASCADE, related_name="terms")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["template", "category"], name="one_term_per_category_template")]

    def __str__(self) -> str:
        return f"{self.template}: {self.category}"


class Agreement(AgreementContent):
    """One version of an engagement's agreement. A signed version is never changed: a change
    makes a new version that needs signing again; old versions stay readable."""

    class State(models.TextChoices):
        DRAFT = "draft", "Draft"
        OUT_FOR_SIGNATURE = "out_for_signature", "Waiting for signatures"
        SIGNED = "signed", "Signed by everyone"
        SUPERSEDED = "superseded", "Replaced by a later version"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    engagement = models.ForeignKey("engagements.Engagement", on_delete=models.CASCADE, related_name="agreements")
    version = models.PositiveIntegerField()
    state = models.CharField(max_length=20, choices=State.choices, default=State.DRAFT)
    text_hash = models.CharField(max_length=64, blank=True, help_text="SHA-256 of the exact text put out for signing.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    signed_at = models.DateTimeField(null=True, blank=True)
    edit_version = models.PositiveIntegerField(default=1, help_text="Bumped on every draft edit.")

    class Meta:
        ordering = ["-version"]
        constraints = [models.UniqueConstraint(fields=["engagement", "version"], name="one_agreement_per_version")]

    def __str__(self) -> str:
        return f"Agreement v{self.version} for {self.engagement_id}"


class AgreementTerm(TermContent):
    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="terms")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["agreement", "category"], name="one_term_per_category")]

    def __str__(self) -> str:
        return f"{self.agreement}: {self.category}"


class Signature(models.Model):
    class Party(models.TextChoices):
        CLIENT = "client", "Client"
        SPONSOR = "sponsor", "Sponsor"
        COACH = "coach", "Coach"

    agreement = models.ForeignKey(Agreement, on_delete=models.PROTECT, related_name="signatures")
    party = models.CharField(max_length=10, choices=Party.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    signed_at = models.DateTimeField(default=timezone.now)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    text_hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["signed_at"]
        constraints = [models.UniqueConstraint(fields=["agreement", "user"], name="one_signature_per_person")]

    def __str__(self) -> str:
        return f"{self.party} signature on {self.agreement_id}"


class ConsentRecord(models.Model):
    """A client's consent, with its exact wording, how it was given, and its withdrawal."""

    class Kind(models.TextChoices):
        BASIC_INFORMATION = "basic_information", "To hold basic information (needed to provide a service)"
        DISCLOSURE = "disclosure", "To a specific disclosure"
        TESTIMONIAL = "testimonial", "To be named as a testimonial"
        MARKETING = "marketing", "To be mentioned in marketing"

    class Method(models.TextChoices):
        PORTAL = "portal", "In the portal"
        PAPER = "paper", "On paper (scanned evidence kept)"
        RECORDED_BY_COACH = "recorded_by_coach", "Told to the practice, who recorded it"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    client = models.ForeignKey("engagements.Client", on_delete=models.CASCADE, related_name="consents")
    engagement = models.ForeignKey(
        "engagements.Engagement", null=True, blank=True, on_delete=models.CASCADE, related_name="consents"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    wording = models.TextField(help_text="The exact words the client agreed to.")
    method = models.CharField(max_length=20, choices=Method.choices)
    evidence = models.ForeignKey(
        "engagements.Document", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    given_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Empty when recorded by the system (a management command).",
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-given_at"]
        indexes = [models.Index(fields=["client", "kind", "withdrawn_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} consent {str(self.id)[:8]}"

    @property
    def active(self) -> bool:
        return self.withdrawn_at is None


# --- disclosures and breaking-confidentiality concerns (policies 000, 001, 004) ---------


class RecipientKind(models.TextChoices):
    SPONSOR = "sponsor", "The sponsoring organisation"
    BOARD = "board_senior_staff", "The organisation's board or senior staff"
    REGULATOR = "regulator_ombudsman", "A regulator or ombudsman"
    GOVERNMENT = "government_body", "A government body"
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

    class State(models.TextChoices):
        AWAITING_APPROVAL = "awaiting_approval", "Waiting for a second approval"
        MADE = "made", "Made"
        DECLINED = "declined", "Not approved, so not made"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    engagement = models.ForeignKey("engagements.Engagement", on_delete=models.CASCADE, related_name="disclosures")
    client = models.ForeignKey("engagements.Client", on_delete=models.PROTECT, related_name="disclosures")
    concern = models.ForeignKey(
        "consent.Concern", null=True, blank=True, on_delete=models.PROTECT, related_name="disclosures"
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
    report = models.ForeignKey(
        "engagements.SponsorReport", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
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

    class Meta:
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


# The client's own written word (consent, or approval of the exact report) is the authority;
# every other basis is a decision made without it, so a second person must agree first.
NEEDS_SECOND_APPROVAL = frozenset(
    {
        Disclosure.Basis.ORGANISATION_CONSENT,
        Disclosure.Basis.LEGAL_REQUIREMENT,
        Disclosure.Basis.SERIOUS_DANGER,
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
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
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

    class Meta:
        ordering = ["recorded_at"]
        constraints = [models.UniqueConstraint(fields=["concern", "step"], name="one_record_per_concern_step")]

    def __str__(self) -> str:
        return f"{self.step} of {self.concern_id}"
