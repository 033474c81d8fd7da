from __future__ import annotations

from typing import Any

from django import forms

from consent.models import AgreementTemplate, ConsentRecord, FeedbackAnonymity
from disclosures.models import Concern, RecipientKind


class StartAgreementForm(forms.Form):
    template = forms.ModelChoiceField(queryset=AgreementTemplate.objects.none(), label="Start from template")

    def __init__(self, *args: Any, templates: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["template"].queryset = templates  # type: ignore[attr-defined]


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
        label="Organisation's and professional body's guidelines",
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )
    edit_version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, terms: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
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


class SignForm(forms.Form):
    text_hash = forms.CharField(widget=forms.HiddenInput, max_length=64)
    confirm = forms.BooleanField(label="I have read this agreement and I agree to it.")


class ConsentForm(forms.Form):
    kind = forms.ChoiceField(choices=ConsentRecord.Kind.choices, label="Consent to")
    wording = forms.CharField(label="The exact words agreed to", widget=forms.Textarea(attrs={"rows": 3}))
    method = forms.ChoiceField(choices=ConsentRecord.Method.choices, label="How it was given")
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


# --- disclosures and concerns --------------------------------------------------------------


class _DocumentChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.original_name} ({obj.created_at:%d %b %Y})"


class _ConsentChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"Consent to a disclosure given {obj.given_at:%d %b %Y}"


class _PersonChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.display_name or obj.email)


SUPERVISOR_HELP = "Leave empty to ask the practice administrator. Only needed without the client's consent."


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
    document = _DocumentChoice(queryset=None, required=False, label="Evidence already uploaded")
    evidence = forms.FileField(
        required=False, label="Or upload the evidence (the organisation's written consent, a legal order)"
    )
    supervisor = _PersonChoice(
        queryset=None, required=False, label="Named supervisor for the second approval", help_text=SUPERVISOR_HELP
    )

    def __init__(self, *args: Any, consents: Any, documents: Any, supervisors: Any, **kwargs: Any) -> None:
        from disclosures.services import CHOOSABLE_BASES

        super().__init__(*args, **kwargs)
        self.fields["basis"].choices = CHOOSABLE_BASES  # type: ignore[attr-defined]
        self.fields["consent"].queryset = consents  # type: ignore[attr-defined]
        self.fields["document"].queryset = documents  # type: ignore[attr-defined]
        self.fields["supervisor"].queryset = supervisors  # type: ignore[attr-defined]


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
