from __future__ import annotations

from typing import Any

from django import forms

from consent.models import AgreementTemplate, ConsentRecord, DangerParty, FeedbackAnonymity, ProfessionalCode


class StartAgreementForm(forms.Form):
    template = forms.ModelChoiceField(queryset=AgreementTemplate.objects.none(), label="Start from template")

    def __init__(self, *args: Any, templates: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["template"].queryset = templates  # type: ignore[attr-defined]


PRIVATE_CLIENT_OMITS = ("sponsor_summary_includes", "sponsor_summary_excludes", "sponsor_duty")


class AgreementDraftForm(forms.Form):
    introduction = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    sponsor_summary_includes = forms.CharField(
        label="The summary report to the organisation will include", widget=forms.Textarea(attrs={"rows": 3})
    )
    sponsor_summary_excludes = forms.CharField(label="It will never include", widget=forms.Textarea(attrs={"rows": 2}))
    feedback_anonymity = forms.ChoiceField(label="Feedback from others is reported", choices=FeedbackAnonymity.choices)
    exceptions = forms.CharField(
        label="When confidentiality may be broken (plain words)", widget=forms.Textarea(attrs={"rows": 4})
    )
    guidelines = forms.CharField(
        label="The partners' confidentiality guidelines the coaching works within",
        help_text="The client's and the organisation's guidelines, agreements and documents that apply. "
        "Needed before the agreement goes out for signing.",
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )
    adviser_name = forms.CharField(
        label="Adviser on questions of confidentiality",
        help_text="Someone inside or outside the organisation who can advise the partners (policy 003).",
        max_length=150,
        required=False,
    )
    adviser_contact = forms.CharField(label="How to reach the adviser", max_length=200, required=False)
    sponsor_duty = forms.CharField(
        label="The organisation's duty of confidence", widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    client_feedback_response = forms.CharField(
        label="What is asked of the client when feedback is shared",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )
    serious_danger_parties = forms.MultipleChoiceField(
        label="Who else may be told in serious danger",
        help_text="Beyond the emergency services, the police, the regulator and the relevant government bodies, "
        "which policy 001 names: only the parties ticked here.",
        choices=DangerParty.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    edit_version = forms.IntegerField(widget=forms.HiddenInput)

    def clean_serious_danger_parties(self) -> str:
        return ",".join(self.cleaned_data["serious_danger_parties"])

    def __init__(
        self,
        *args: Any,
        terms: list[Any],
        coaches: list[tuple[Any, Any]] | None = None,
        private: bool = False,
        **kwargs: Any,
    ) -> None:
        """``coaches``: for an agreement, each coach on the engagement with the code it names for them.
        ``private``: a private client's agreement, which no organisation is party to, so it asks nothing
        about the organisation's report or its duty (its text says the client pays, consent.text)."""
        super().__init__(*args, **kwargs)
        if private:
            for name in PRIVATE_CLIENT_OMITS:
                del self.fields[name]
        stored = self.initial.get("serious_danger_parties")
        if isinstance(stored, str):  # the model keeps them comma-separated
            self.initial["serious_danger_parties"] = [part for part in stored.split(",") if part]
        self.coach_ids = []
        codes = ProfessionalCode.objects.filter(active=True)
        for coach, code in coaches or []:
            name = f"coach_{coach.pk}"
            self.fields[name] = forms.ModelChoiceField(
                queryset=codes,
                required=False,
                initial=code.pk if code is not None and code.active else None,
                label=f"Professional code {coach.display_name or coach.email} works under",
                empty_label="Choose from the practice's list",
            )
            self.coach_ids.append(coach.pk)
        self.term_rows = []
        for term in terms:
            prefix = f"term_{term.category_id}_"
            fields = {
                "shared": forms.BooleanField(label="Shared", required=False, initial=term.shared),
                "with_whom": forms.CharField(label="With whom", required=False, initial=term.with_whom, max_length=300),
                "by_whom": forms.CharField(label="By whom", required=False, initial=term.by_whom, max_length=300),
                "when": forms.CharField(label="When", required=False, initial=term.when, max_length=300),
                "form": forms.CharField(label="In what form", required=False, initial=term.form, max_length=300),
                "circumstances": forms.CharField(
                    label="Under what circumstances", required=False, initial=term.circumstances, max_length=500
                ),
            }
            for name, field in fields.items():
                self.fields[prefix + name] = field
            self.term_rows.append((term, [self[prefix + name] for name in fields]))

    def term_values(self) -> dict[int, dict[str, Any]]:
        values: dict[int, dict[str, Any]] = {}
        for term, _ in self.term_rows:
            prefix = f"term_{term.category_id}_"
            values[term.category_id] = {
                name: self.cleaned_data[prefix + name]
                for name in ("shared", "with_whom", "by_whom", "when", "form", "circumstances")
            }
        return values

    def coach_codes(self) -> dict[int, Any]:
        return {coach_id: self.cleaned_data.get(f"coach_{coach_id}") for coach_id in self.coach_ids}


class ProfessionalCodeForm(forms.Form):
    name = forms.CharField(label="Name of the code", max_length=150)
    body = forms.CharField(label="Professional body that keeps it", max_length=150)
    link = forms.URLField(label="Link to it", max_length=300, required=False, assume_scheme="https")
    text = forms.CharField(
        label="Or its text",
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text="Where there is no link.",
    )


class SignForm(forms.Form):
    text_hash = forms.CharField(widget=forms.HiddenInput, max_length=64)
    confirm = forms.BooleanField(label="I have read this agreement and I agree to it.")


class ConsentForm(forms.Form):
    kind = forms.ChoiceField(choices=ConsentRecord.Kind.choices, label="Consent to")
    wording = forms.CharField(label="The exact words agreed to", widget=forms.Textarea(attrs={"rows": 3}))
    # The practice records paper or what it was told; only the client signs in the portal, themselves.
    method = forms.ChoiceField(
        choices=[(value, label) for value, label in ConsentRecord.Method.choices if value != "portal"],
        label="How it was given",
    )
    evidence = forms.FileField(label="Scanned form (for consent on paper)", required=False)


class CategoryForm(forms.Form):
    name = forms.CharField(label="Name", max_length=120)
    description = forms.CharField(label="What it covers", max_length=300, required=False)


class TemplateCopyForm(forms.Form):
    name = forms.CharField(label="New template's name", max_length=150)
    copy_from = forms.ModelChoiceField(queryset=AgreementTemplate.objects.none(), label="Start from")

    def __init__(self, *args: Any, templates: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["copy_from"].queryset = templates  # type: ignore[attr-defined]
