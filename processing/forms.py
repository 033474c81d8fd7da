"""The register's forms: they validate shape; the services decide."""

from __future__ import annotations

from typing import Any

from django import forms

from processing.models import ProcessingActivity, Processor
from processing.periods import retention_choices


class ProcessorForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = Processor
        fields = ["name", "service", "location", "outside_uk", "transfer_safeguard"]
        widgets = {"service": forms.Textarea(attrs={"rows": 2})}


class ActivityForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = ProcessingActivity
        fields = [
            "purpose",
            "description",
            "lawful_basis",
            "special_category_condition",
            "data_subjects",
            "data_categories",
            "recipients",
            "processors",
            "retention_rule",
            "in_privacy_notice",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "data_subjects": forms.Textarea(attrs={"rows": 2}),
            "data_categories": forms.Textarea(attrs={"rows": 2}),
            "recipients": forms.Textarea(attrs={"rows": 2}),
            "processors": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The schedule's rules, read when the form is made: a rule added to the schedule is offered at once.
        rule = self.fields["retention_rule"]
        self.fields["retention_rule"] = forms.ChoiceField(
            label=rule.label,
            help_text=rule.help_text,
            choices=[("", "Choose a rule"), *retention_choices()],
        )
