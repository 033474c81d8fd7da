"""Forms of complaints and breaches. They validate shape; confidentiality.complaints decides."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone

from complaints.models import Breach, BreachCommunication, Complaint
from complaints.services import (
    BREACH_TEXT_MAX_CHARS,
    COMPLAINT_MAX_CHARS,
    EVIDENCE_MAX_CHARS,
    MAX_BACKDATE_DAYS,
    REFERENCE_MAX_CHARS,
)
from confidentiality.forms import DateInput
from confidentiality.models import ReceivedBy


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


def _now_to_the_minute() -> Any:
    return timezone.localtime().replace(second=0, microsecond=0)


def _textarea(rows: int = 4) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


class ComplaintForm(forms.Form):
    about = forms.ChoiceField(label="What is your complaint about?", choices=Complaint.About.choices)
    engagement = forms.ModelChoiceField(
        label="Which coaching engagement does it concern?",
        queryset=Complaint.objects.none(),
        required=False,
        empty_label="None in particular",
    )
    body = forms.CharField(
        label="Your complaint",
        widget=_textarea(8),
        max_length=COMPLAINT_MAX_CHARS,
        help_text="Say what happened and what you would like the practice to do. Only the practice "
        "administrator reads it.",
    )

    def __init__(self, *args: Any, engagements: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["engagement"]
        field.queryset = engagements
        field.label_from_instance = lambda e: f"{e.reference} {e.title}"


class ComplaintOnBehalfForm(forms.Form):
    """The administrator records a complaint that arrived by post, telephone, in person or e-mail."""

    client = forms.ChoiceField(label="Whose complaint is it?")
    received_on = forms.DateField(
        label="Received on",
        widget=DateInput(),
        help_text=f"The day it reached the practice, within the last {MAX_BACKDATE_DAYS} days: the deadlines to "
        "acknowledge and to respond count from it.",
    )
    received_by = forms.ChoiceField(
        label="How it reached the practice",
        choices=[c for c in ReceivedBy.choices if c[0] != ReceivedBy.PORTAL],
        initial=ReceivedBy.POST,
    )
    evidence = forms.CharField(
        label="How you checked it is from them",
        required=False,
        max_length=EVIDENCE_MAX_CHARS,
        widget=_textarea(2),
        help_text="Needed for a client without a portal sign-in, who is answered by post: e.g. they called from "
        "the number on file and confirmed their date of birth. Kept encrypted.",
    )
    about = forms.ChoiceField(label="What is the complaint about?", choices=[("", "Choose…"), *Complaint.About.choices])
    body = forms.CharField(
        label="The complaint",
        widget=_textarea(8),
        max_length=COMPLAINT_MAX_CHARS,
        help_text="What they said happened and what they would like the practice to do, in their words where you can.",
    )

    def __init__(self, *args: Any, clients: list[tuple[str, str]], **kwargs: Any) -> None:
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("received_on", timezone.localdate())
        super().__init__(*args, **kwargs)
        field: Any = self.fields["client"]
        field.choices = [("", "Choose…"), *clients]
        if not clients:
            field.help_text = "The practice has too many clients to list here: open this form from the Clients page."


class ComplaintResponseForm(forms.Form):
    message = forms.CharField(
        label="Response to the client",
        widget=_textarea(5),
        max_length=COMPLAINT_MAX_CHARS,
        help_text="The client reads this in their portal. The first response acknowledges the complaint.",
    )


class ComplaintReplyForm(forms.Form):
    message = forms.CharField(
        label="Your reply to the practice",
        widget=_textarea(5),
        max_length=COMPLAINT_MAX_CHARS,
        help_text="Only the practice administrator reads it. If the complaint was closed, your reply opens it again.",
    )


class ComplaintCloseForm(forms.Form):
    outcome = forms.ChoiceField(label="Outcome", choices=[("", "Choose the outcome"), *Complaint.Outcome.choices])
    message = forms.CharField(
        label="Final response to the client",
        widget=_textarea(5),
        max_length=COMPLAINT_MAX_CHARS,
        help_text="Explain the outcome and what was done. The client is told it is ready to read.",
    )


class BreachReportForm(forms.Form):
    discovered_at = forms.DateTimeField(
        label="When it was discovered",
        widget=DateTimeInput(),
        initial=_now_to_the_minute,
        help_text="The 72-hour clock for notifying the regulator starts here.",
    )
    what_happened = forms.CharField(label="What happened", widget=_textarea(), max_length=BREACH_TEXT_MAX_CHARS)
    information_involved = forms.CharField(
        label="What information was involved", widget=_textarea(3), max_length=BREACH_TEXT_MAX_CHARS
    )
    people_affected = forms.CharField(label="Who was affected", widget=_textarea(3), max_length=BREACH_TEXT_MAX_CHARS)
    people_affected_count = forms.IntegerField(
        label="How many people were affected (if known)", min_value=0, max_value=10_000_000, required=False
    )
    containment = forms.CharField(
        label="What has been done to contain it",
        widget=_textarea(3),
        max_length=BREACH_TEXT_MAX_CHARS,
        required=False,
    )


class BreachUpdateForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    discovered_at = forms.DateTimeField(label="When it was discovered", widget=DateTimeInput())
    what_happened = forms.CharField(label="What happened", widget=_textarea(), max_length=BREACH_TEXT_MAX_CHARS)
    information_involved = forms.CharField(
        label="What information was involved", widget=_textarea(3), max_length=BREACH_TEXT_MAX_CHARS
    )
    people_affected = forms.CharField(label="Who was affected", widget=_textarea(3), max_length=BREACH_TEXT_MAX_CHARS)
    people_affected_count = forms.IntegerField(
        label="How many people were affected (if known)", min_value=0, max_value=10_000_000, required=False
    )
    containment = forms.CharField(
        label="Containment: what was done to stop it and limit the harm",
        widget=_textarea(3),
        max_length=BREACH_TEXT_MAX_CHARS,
        required=False,
    )
    notification = forms.ChoiceField(label="Must it be notified to the regulator?", choices=Breach.Notification.choices)
    notification_reason = forms.CharField(
        label="Why (required when it need not be notified)",
        widget=_textarea(3),
        max_length=BREACH_TEXT_MAX_CHARS,
        required=False,
    )
    regulator_notified_at = forms.DateTimeField(
        label="When the regulator was notified", widget=DateTimeInput(), required=False
    )
    regulator_reference = forms.CharField(
        label="The regulator's reference", max_length=REFERENCE_MAX_CHARS, required=False
    )
    outcome = forms.CharField(label="Outcome", widget=_textarea(3), max_length=BREACH_TEXT_MAX_CHARS, required=False)
    cause = forms.ChoiceField(label="What caused it", choices=Breach.Cause.choices)
    disciplinary_follow_up = forms.CharField(
        label="Disciplinary follow-up (policy 002: required when a member of staff caused it)",
        widget=_textarea(3),
        max_length=BREACH_TEXT_MAX_CHARS,
        required=False,
    )


def breach_initial(breach: Breach) -> dict[str, Any]:
    """The update form filled with the breach as it stands (its text decrypted: an audited read)."""
    fields = [name for name in BreachUpdateForm.base_fields if name != "version"]
    initial: dict[str, Any] = {name: getattr(breach, name) for name in fields}
    for name in ("discovered_at", "regulator_notified_at"):
        if initial[name] is not None:
            initial[name] = timezone.localtime(initial[name])
    return initial | {"version": breach.version}


class VersionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)


# --- breach letters (UK GDPR art. 34) ---------------------------------------------------------


class BreachAffectedForm(forms.Form):
    kind = forms.ChoiceField(
        label="Who is affected?",
        choices=[("client", "A client"), ("organisation", "An organisation")],
        widget=forms.RadioSelect,
        initial="client",
    )
    client = forms.ChoiceField(label="The client", required=False)
    engagement = forms.CharField(
        label="Or the reference of one of their engagements",
        required=False,
        max_length=40,
        help_text="For example ENG-2026-001: its client is named.",
    )
    organisation = forms.ModelChoiceField(
        label="The organisation", queryset=Complaint.objects.none(), required=False, empty_label="Choose…"
    )

    def __init__(self, *args: Any, clients: list[tuple[str, str]] | None, organisations: Any, **kwargs: Any) -> None:
        """``clients``: the practice's clients by name, or None where they are too many to list:
        the client is then named by the reference of one of their engagements."""
        super().__init__(*args, **kwargs)
        if clients is None:
            del self.fields["client"]
            engagement: Any = self.fields["engagement"]
            engagement.label = "The reference of one of the client's engagements"
        else:
            field: Any = self.fields["client"]
            field.choices = [("", "Choose…"), *clients]
        organisation: Any = self.fields["organisation"]
        organisation.queryset = organisations

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("kind") == "client" and not data.get("client") and not data.get("engagement", "").strip():
            self.add_error(
                "client" if "client" in self.fields else "engagement",
                "Choose the client affected, or give the reference of one of their engagements.",
            )
        if data.get("kind") == "organisation" and not data.get("organisation"):
            self.add_error("organisation", "Choose the organisation affected.")
        return data


class BreachCommunicationForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    decision = forms.ChoiceField(
        label="Are the people affected told? (UK GDPR article 34)",
        choices=BreachCommunication.Decision.choices,
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label="Why",
        widget=_textarea(3),
        max_length=BREACH_TEXT_MAX_CHARS,
        required=False,
        help_text="Required once decided: the reasoning is kept whatever the decision.",
    )
    public_communication = forms.CharField(
        label="The public communication made instead (when, where, what it said)",
        widget=_textarea(3),
        max_length=BREACH_TEXT_MAX_CHARS,
        required=False,
    )


class BreachLetterForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    nature = forms.CharField(
        label="What happened, in plain words", widget=_textarea(4), max_length=BREACH_TEXT_MAX_CHARS, required=False
    )
    consequences = forms.CharField(
        label="What it is likely to mean for them",
        widget=_textarea(3),
        max_length=BREACH_TEXT_MAX_CHARS,
        required=False,
    )
    measures = forms.CharField(
        label="What the practice has done and will do",
        widget=_textarea(3),
        max_length=BREACH_TEXT_MAX_CHARS,
        required=False,
    )
    advice = forms.CharField(
        label="What they can do to protect themselves",
        widget=_textarea(3),
        max_length=BREACH_TEXT_MAX_CHARS,
        required=False,
        help_text="Each letter also gives the practice's and its data-protection contact's details, and their "
        "right to complain to the practice and to the regulator.",
    )


def communication_initial(communication: BreachCommunication | None) -> tuple[dict[str, Any], dict[str, Any]]:
    """The decision form's and the letter form's values as recorded (texts decrypted: keys loaded)."""
    if communication is None:
        return {"version": 1, "decision": BreachCommunication.Decision.UNDECIDED}, {"version": 1}
    decision = {name: getattr(communication, name) for name in ("decision", "reason", "public_communication")}
    letter = {name: getattr(communication, name) for name in ("nature", "consequences", "measures", "advice")}
    return decision | {"version": communication.version}, letter | {"version": communication.version}
