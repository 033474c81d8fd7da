"""Forms of subject access. They validate shape; retention.subject_access decides."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone

from confidentiality.forms import DateInput
from engagements.models import Organisation
from rights.models import ReceivedBy, Right
from rights.services import (
    DETAILS_MAX_CHARS,
    MAX_EXTENSION_MONTHS,
    OUTCOME_MAX_CHARS,
    REASON_MAX_CHARS,
    REFUSAL_MAX_CHARS,
)


def _right_field() -> forms.ChoiceField:
    # Not given: a copy (the request most made, and the form's first choice).
    return forms.ChoiceField(
        label="Which right?", choices=Right.choices, widget=forms.RadioSelect, initial=Right.ACCESS, required=False
    )


def _details_field() -> forms.CharField:
    return forms.CharField(
        label="What is it about?",
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=DETAILS_MAX_CHARS,
        help_text="For a correction, erasure, restriction or objection: which information, and why. "
        "Not needed for a copy or for portability.",
    )


class RightForm(forms.Form):
    """A client asks under one of their other rights (a copy has its own button)."""

    right = forms.ChoiceField(
        label="Which right?", choices=[c for c in Right.choices if c[0] != Right.ACCESS], widget=forms.RadioSelect
    )
    details = _details_field()


class OrganisationChoiceForm(forms.Form):
    """A sponsor contact of more than one organisation chooses which one the request is for."""

    organisation: forms.ModelChoiceField[Organisation] = forms.ModelChoiceField(
        label="For which organisation?", queryset=Organisation.objects.none()
    )

    def __init__(self, *args: Any, organisations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["organisation"]
        field.queryset = organisations


class OnBehalfForm(forms.Form):
    """The administrator records a request that arrived by letter, e-mail or telephone."""

    right = _right_field()
    details = _details_field()

    subject_kind = forms.ChoiceField(
        label="Whose information is asked for?",
        choices=[("client", "A client's"), ("organisation", "An organisation's")],
        widget=forms.RadioSelect,
        initial="client",
    )
    client_email = forms.EmailField(
        label="The client's portal sign-in e-mail",
        required=False,
        help_text="The copy is given to the client through their portal sign-in, never by e-mail. A client without "
        "one: open this form from the clients' list.",
    )
    client_id = forms.UUIDField(required=False, widget=forms.HiddenInput)
    organisation: forms.ModelChoiceField[Organisation] = forms.ModelChoiceField(
        label="The organisation", queryset=Organisation.objects.none(), required=False, empty_label="Choose…"
    )
    contact_email = forms.EmailField(
        label="E-mail of the organisation's contact who asked",
        required=False,
        help_text="They receive the copy through their portal sign-in.",
    )
    received_on = forms.DateField(
        label="Received on",
        widget=DateInput(),
        help_text="The day the request reached the practice: the one-month deadline counts from it.",
    )
    received_by = forms.ChoiceField(
        label="How it reached the practice",
        choices=[c for c in ReceivedBy.choices if c[0] != ReceivedBy.PORTAL],
        initial=ReceivedBy.POST,
        required=False,
    )
    evidence = forms.CharField(
        label="How you checked it is from them",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Needed for a client without a portal sign-in, who is answered by post: e.g. the letter's "
        "signature matched their agreement.",
    )

    def __init__(self, *args: Any, organisations: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"received_on": timezone.localdate()})
        super().__init__(*args, **kwargs)
        field: Any = self.fields["organisation"]
        field.queryset = organisations

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data["right"] = data.get("right") or Right.ACCESS
        data["received_by"] = data.get("received_by") or ReceivedBy.POST
        kind = data.get("subject_kind")
        if kind == "client" and not data.get("client_email") and not data.get("client_id"):
            self.add_error("client_email", "Give the client's sign-in e-mail.")
        if kind == "organisation":
            if not data.get("organisation"):
                self.add_error("organisation", "Choose the organisation.")
            if not data.get("contact_email"):
                self.add_error("contact_email", "Give the e-mail of the contact who asked.")
        return data


class ExtendForm(forms.Form):
    months = forms.TypedChoiceField(
        label="Extend the deadline by",
        choices=[(n, f"{n} month{'s' if n > 1 else ''}") for n in range(1, MAX_EXTENSION_MONTHS + 1)],
        coerce=int,
    )
    reason = forms.CharField(
        label="Why more time is needed",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=REASON_MAX_CHARS,
        help_text="The requester reads this. Say why in general terms (for example, the number of records); "
        "no one's confidential information.",
    )


class RefuseForm(forms.Form):
    reason = forms.CharField(
        label="Reason for refusing",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=REFUSAL_MAX_CHARS,
        help_text="The requester reads this, and is told they may complain about the refusal.",
    )


class CorrectionForm(forms.Form):
    """The client's details as they should be: the administrator corrects them for a correction request."""

    full_name = forms.CharField(label="Name", max_length=200)
    contact_email = forms.CharField(label="Contact e-mail", max_length=200, required=False)
    phone = forms.CharField(label="Telephone", max_length=200, required=False)
    postal_address = forms.CharField(
        label="Postal address", max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class RedactForm(forms.Form):
    phrase = forms.CharField(
        label="Words to withhold",
        max_length=200,
        help_text="A third party's name, address or other detail: withheld wherever it appears in the copy.",
    )
    reason = forms.CharField(
        label="Why the law allows withholding it",
        max_length=300,
        help_text="For example: information identifying another person, who has not consented (DPA 2018 sch. 2 "
        "para. 16). Kept with the request.",
    )


class WithholdFileForm(forms.Form):
    document = forms.UUIDField(widget=forms.HiddenInput)
    reason = forms.CharField(
        label="Why the law allows withholding this file",
        max_length=300,
        help_text="For example: it is mostly about another person, who has not consented (DPA 2018 sch. 2 "
        "para. 16), or it is legally privileged advice (sch. 2 para. 19). Kept with the request, and told to "
        "the client in the copy.",
    )


class AnswerForm(forms.Form):
    outcome = forms.CharField(
        label="What the practice did",
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=OUTCOME_MAX_CHARS,
        help_text="The requester reads this in the outcome letter, which also tells them of their right to "
        "complain to the regulator. Say what was done, what was not and why.",
    )


class RestrictForm(forms.Form):
    reason = forms.CharField(
        label="Why processing is paused",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
        help_text="The coaches and the client read this on the engagement's page; a sponsor reads only that it "
        "is paused.",
    )


class LiftForm(forms.Form):
    lift_reason = forms.CharField(
        label="Why processing may start again",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
        help_text="The client is told, with this reason.",
    )
