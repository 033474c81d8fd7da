"""The legal-hold form: it validates shape; the retention service decides."""

from __future__ import annotations

from typing import Any

from django import forms


class HoldForm(forms.Form):
    case_reference = forms.CharField(
        label="Case or matter", max_length=80, help_text="For example: Tribunal claim 2026/114."
    )
    reason = forms.CharField(label="Why the records must be kept (no client content)", max_length=300)


class WithdrawForm(forms.Form):
    """Withdrawing a record filed on the wrong engagement: why, and (optionally) where it belonged."""

    reason = forms.CharField(
        label="Why it is withdrawn",
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="For example: written about another client. It goes to the practice's records, not to the client.",
    )
    belongs_to: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label="The engagement it belonged on (its client is told)",
        queryset=None,
        required=False,
        empty_label="Not one of mine, or I would rather not say",
    )

    def __init__(self, *args: Any, engagements: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["belongs_to"]
        field.queryset = engagements
        field.label_from_instance = lambda engagement: f"{engagement.reference} {engagement.title}"
