"""Forms of the disclosure register and the concern workflow: they validate shape; services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone

from confidentiality.dates import day
from consent.models import ConsentRecord
from disclosures.models import Concern, RecipientKind


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
