"""The legal-hold form: it validates shape; the retention service decides."""

from __future__ import annotations

from django import forms


class HoldForm(forms.Form):
    case_reference = forms.CharField(
        label="Case or matter", max_length=80, help_text="For example: Tribunal claim 2026/114."
    )
    reason = forms.CharField(label="Why the records must be kept (no client content)", max_length=300)
