"""Forms check shape only; ``feedback.services`` decides (CONVENTIONS.md)."""

from __future__ import annotations

from django import forms

from feedback import services as feedback_services
from feedback.models import UnsolicitedFeedback, UnsolicitedSourceCategory


class UnsolicitedFeedbackForm(forms.Form):
    source_category = forms.ChoiceField(label="Who it came from", choices=UnsolicitedSourceCategory.choices)
    source_name = forms.CharField(
        label="Their name (only if they agreed to be named)",
        required=False,
        max_length=feedback_services.SOURCE_NAME_MAX_CHARS,
    )
    presentation = forms.ChoiceField(
        label="What you record", choices=UnsolicitedFeedback.Presentation.choices, widget=forms.RadioSelect
    )
    text = forms.CharField(
        label="The feedback", max_length=feedback_services.UNSOLICITED_MAX_CHARS, strip=False, widget=forms.Textarea
    )
    received_on = forms.DateField(label="The day it reached you")
