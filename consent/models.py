"""Written three-way confidentiality agreements and consent records (policies 002, 003, 004)."""

from __future__ import annotations

import uuid
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone

from confidentiality.keptpdf import KeptPdf


class FeedbackAnonymity(models.TextChoices):
    UNIDENTIFIED = "unidentified", "Unidentified: no source is named or described"
    BY_CATEGORY = "by_category", "By category of person (work group, level)"
    BY_NAME = "by_name", "By name"


class DangerParty(models.TextChoices):
    """Who may be told in serious danger beyond the bodies policy 001 names (the regulator, a relevant
    government organisation, and so the emergency services and the police): only a party the
    agreement names, "where agreed with the consumer or other person/organisation"."""

    GP = "gp", "The client's GP"
    SAFEGUARDING = "safeguarding_lead", "A safeguarding lead"
    BOARD = "board_senior_staff", "The organisation's board or senior staff"
    SPONSOR = "sponsor", "The sponsoring organisation"


def danger_parties(value: str) -> list[str]:
    """The parties a comma-separated ``serious_danger_parties`` names, in the choices' order."""
    named = {part.strip() for part in (value or "").split(",") if part.strip()}
    return [key for key in DangerParty.values if key in named]


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
        blank=True, help_text="The partners' confidentiality guidelines the coaching works within (policy 003)."
    )
    # Policy 003: "the stakeholders should identify … an internal/external resource who can advise the
    # coaching partners regarding questions of confidentiality".
    adviser_name = models.CharField(max_length=150, blank=True)
    adviser_contact = models.CharField(max_length=200, blank=True)
    # Policy 003, in the default wording: the client's system keeps what it learns confidential; the
    # client responds to feedback without defending or retaliating.
    sponsor_duty = models.TextField(blank=True)
    client_feedback_response = models.TextField(blank=True)
    # Policy 001: in serious danger, anyone beyond the regulator and the relevant government bodies
    # only "where agreed": the parties named here (DangerParty keys, comma-separated).
    serious_danger_parties = models.CharField(max_length=200, blank=True)

    class Meta:
        abstract = True


class ProfessionalCode(models.Model):
    """A code of ethics a coach of the practice works under, from the practice's list (policy 004:
    "what are the requirements of the professional body you are a member of").

    A code is never edited, only retired: agreements name it in the text their signatures bind.
    """

    name = models.CharField(max_length=150, unique=True)
    body = models.CharField(max_length=150, help_text="The professional body that keeps it.")
    link = models.URLField(max_length=300, blank=True)
    text = models.TextField(blank=True, help_text="Its text, where there is no link to it.")
    active = models.BooleanField(default=True, help_text="Retired codes are kept for the agreements that name them.")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.body})"


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


class AgreementCoachCode(models.Model):
    """The professional code one coach on the engagement works under, as this version names it."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="coach_codes")
    coach = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    code = models.ForeignKey(ProfessionalCode, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["agreement", "coach"], name="one_code_per_coach_per_agreement")]

    def __str__(self) -> str:
        return f"{self.agreement}: {self.code}"


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


class AgreementPdf(KeptPdf):
    """An agreement's PDF, rendered once and kept encrypted (``confidentiality.keptpdf``), one for
    the sponsor (who is not shown the client's name) and one for everyone else; each download stamps
    the reader's watermark on it. Deleted with the agreement."""

    kept_for: ClassVar[str] = "agreement"

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = "kept PDF of an agreement"
        verbose_name_plural = "kept PDFs of agreements"
        constraints = [
            models.UniqueConstraint(fields=["agreement", "audience"], name="one_kept_pdf_per_agreement_audience")
        ]

    def __str__(self) -> str:
        return f"Kept PDF {str(self.id)[:8]}"
