"""Forms of the disclosure register and the concern workflow: they validate shape; services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone

from confidentiality.dates import day
from consent.models import ConsentRecord
from disclosures.models import Concern, RecipientKind
from engagements.models import Document, Organisation


class _DocumentChoice(forms.ModelChoiceField):  # type: ignore[type-arg]  # Django's ModelChoiceField is generic only in django-stubs, not at runtime
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.original_name} ({day(timezone.localtime(obj.created_at))})"


class _ConsentChoice(forms.ModelChoiceField):  # type: ignore[type-arg]  # Django's ModelChoiceField is generic only in django-stubs, not at runtime
    def label_from_instance(self, obj: Any) -> str:
        return f"Consent to a disclosure given {day(timezone.localtime(obj.given_at))}"


class _PersonChoice(forms.ModelChoiceField):  # type: ignore[type-arg]  # Django's ModelChoiceField is generic only in django-stubs, not at runtime
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.display_name or obj.email)


class DisclosureForm(forms.Form):
    what = forms.CharField(
        label="What was disclosed (the specifics only)", widget=forms.Textarea(attrs={"rows": 3}), max_length=10_000
    )
    recipient_kind = forms.ChoiceField(label="Who receives it", choices=RecipientKind.choices)
    recipient = forms.CharField(label="To whom, by name or office", max_length=300)
    reason = forms.CharField(label="Why it is disclosed", widget=forms.Textarea(attrs={"rows": 3}), max_length=10_000)
    basis = forms.ChoiceField(label="On what basis", choices=())
    consent = _ConsentChoice(
        queryset=ConsentRecord.objects.none(), required=False, label="The client's written consent to this disclosure"
    )
    concerns_organisation = forms.BooleanField(
        required=False, label="The information concerns the organisation as well"
    )
    organisation_consent = _DocumentChoice(
        queryset=None,
        required=False,
        label="The organisation's written consent (a document of this engagement)",
        help_text="Needed as well as the client's when the information concerns the organisation (policy 001).",
    )

    def __init__(self, *args: Any, consents: Any, documents: Any, **kwargs: Any) -> None:
        from disclosures.services import DIRECT_BASES

        super().__init__(*args, **kwargs)
        # Any other basis is a disclosure without the client's consent: it is made through a concern.
        self.fields["basis"].choices = DIRECT_BASES  # type: ignore[attr-defined]
        self.fields["consent"].queryset = consents  # type: ignore[attr-defined]
        self.fields["organisation_consent"].queryset = documents  # type: ignore[attr-defined]


class ConcernStartForm(forms.Form):
    kind = forms.ChoiceField(label="What the concern is about", choices=Concern.Kind.choices)
    text = forms.CharField(
        label="The issue: what was said or seen, and what concerns you",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=10_000,
    )
    serious_danger = forms.BooleanField(
        required=False, label="There is compelling evidence of serious danger to the client or to others"
    )
    supervisor = _PersonChoice(
        queryset=None,
        required=False,
        label="Named supervisor",
        help_text="They read this concern and may give the second approval. Leave empty for the administrator.",
    )

    def __init__(self, *args: Any, supervisors: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["supervisor"].queryset = supervisors  # type: ignore[attr-defined]


class ConcernStepForm(forms.Form):
    """The fields of one step, from its definition in ``consent.concerns``."""

    def __init__(self, *args: Any, step: Any, consents: Any = None, documents: Any = None, **kwargs: Any) -> None:
        from disclosures.concerns import DECISION_BASES, DECISION_RECIPIENTS

        super().__init__(*args, **kwargs)
        if step.outcomes:
            self.fields["outcome"] = forms.ChoiceField(label=step.outcome_label, choices=step.outcomes)
        if step.key == "decision":
            blank = [("", "Choose (when disclosing)")]
            self.fields["recipient_kind"] = forms.ChoiceField(
                label="Recipient", choices=blank + DECISION_RECIPIENTS, required=False
            )
            self.fields["basis"] = forms.ChoiceField(label="Basis", choices=blank + DECISION_BASES, required=False)
        if step.detail_label:
            self.fields["detail"] = forms.CharField(label=step.detail_label, required=False, max_length=10_000)
        if step.text_label:
            self.fields["text"] = forms.CharField(
                label=step.text_label,
                widget=forms.Textarea(attrs={"rows": 4}),
                required=step.text_required,
                max_length=10_000,
            )
        if step.key == "disclosure":
            self.fields["consent"] = _ConsentChoice(
                queryset=consents, required=False, label="The client's written consent (when disclosing on it)"
            )
            self.fields["document"] = _DocumentChoice(
                queryset=documents, required=False, label="Evidence already uploaded (optional)"
            )


class SkipStepForm(forms.Form):
    reason = forms.CharField(
        label="Why this step is skipped (serious danger)", widget=forms.Textarea(attrs={"rows": 2}), max_length=10_000
    )


class WithdrawConcernForm(forms.Form):
    reason = forms.CharField(
        label="Why the concern is withdrawn", widget=forms.Textarea(attrs={"rows": 2}), max_length=10_000
    )


# --- sharing between organisations ------------------------------------------------------------


class _OrganisationChoice(forms.ModelChoiceField):  # type: ignore[type-arg]  # generic only in django-stubs
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


class SharingForm(forms.Form):
    organisation = _OrganisationChoice(
        label="Whose information it is", queryset=Organisation.objects.none(), empty_label="Choose the organisation"
    )
    to_organisation = _OrganisationChoice(
        label="Shared with an organisation of the practice",
        queryset=Organisation.objects.none(),
        required=False,
        empty_label="None: a body outside the practice (name it below)",
    )
    to_outside_body = forms.CharField(
        label="Or shared with a body outside the practice",
        max_length=200,
        required=False,
        help_text="Its name, e.g. 'The county's voluntary sector forum'. Leave empty when the receiving "
        "organisation is chosen above.",
    )
    also_concerns = forms.ModelMultipleChoiceField(
        label="Other organisations it concerns",
        queryset=Organisation.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Their written permission is needed too. The organisation whose information it is, and the "
        "receiving organisation of the practice, are asked in any case.",
    )
    what = forms.CharField(
        label="What is shared",
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=10_000,
        help_text="Encrypted; read by the administrator and the contacts of the organisations it concerns.",
    )
    why = forms.CharField(label="Why it is shared", widget=forms.Textarea(attrs={"rows": 4}), max_length=10_000)

    def __init__(self, *args: Any, organisations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("organisation", "to_organisation", "also_concerns"):
            field: Any = self.fields[name]
            field.queryset = organisations
        also: Any = self.fields["also_concerns"]
        also.label_from_instance = lambda organisation: organisation.name


class SharingDecisionForm(forms.Form):
    """A sponsor contact's decision on the wording shown above it."""

    decision = forms.ChoiceField(
        label="Your organisation's decision",
        choices=[("give", "I give this written permission"), ("refuse", "I refuse permission")],
        widget=forms.RadioSelect,
    )


class _EvidenceChoice(forms.ModelChoiceField):  # type: ignore[type-arg]  # generic only in django-stubs
    """A document named without its file name: the administrator reads documents' metadata, never what a
    coach or a client called them (the name may say what is in it)."""

    def label_from_instance(self, obj: Any) -> str:
        who = "its contact" if obj.supplied_by_organisation else "a coach"
        uploaded = day(timezone.localtime(obj.created_at))
        return f"Uploaded by {who} on {obj.engagement.reference}, {uploaded} ({str(obj.pk)[:8]})"


class SharingPermissionRecordForm(forms.Form):
    """The administrator records a permission received outside the portal, on the organisation's document."""

    organisation = _OrganisationChoice(label="The organisation", queryset=Organisation.objects.none())
    decision = forms.ChoiceField(
        label="Its decision", choices=[("give", "It gave written permission"), ("refuse", "It refused permission")]
    )
    evidence = _EvidenceChoice(
        label="Its document",
        queryset=Document.objects.none(),
        required=False,
        empty_label="None",
        help_text="The organisation's letter or e-mail, as a document on one of its engagements. Required for a "
        "permission.",
    )

    def __init__(self, *args: Any, organisations: Any, documents: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        organisation_field: Any = self.fields["organisation"]
        organisation_field.queryset = organisations
        evidence_field: Any = self.fields["evidence"]
        evidence_field.queryset = documents


class SharingSettleForm(forms.Form):
    """Mark shared, or withdraw: no fields; a refusal shows above the button."""
