"""Forms validate shape; the services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone

from confidentiality.forms import DateInput
from confidentiality.models import User
from confidentiality.roles import Role
from engagements.models import CoachingSession, Engagement, Organisation


class SessionForm(forms.Form):
    held_on = forms.DateField(label="Date held", widget=DateInput, initial=timezone.localdate)
    duration_minutes = forms.IntegerField(label="Length in minutes", min_value=5, max_value=600, initial=60)
    mode = forms.ChoiceField(label="How", choices=CoachingSession.Mode.choices)
    place = forms.CharField(
        label="Where it took place",
        max_length=200,
        required=False,
        help_text="For example the practice's meeting room, or a video call from your closed office. "
        "Without it the session shows as incomplete.",
    )
    setting_private = forms.BooleanField(
        label="The setting was private: no one could overhear or see the conversation", required=False
    )


SETTING_NOT_PRIVATE = (
    "Confirm that no one could overhear or see the conversation. If the setting was not private, "
    "talk it through with the adviser on confidentiality questions the agreement names."
)


class SessionSettingForm(forms.Form):
    """Completing where an incomplete session took place (policy 002)."""

    place = forms.CharField(
        label="Where it took place",
        max_length=200,
        error_messages={"required": "Say where the session took place (a room, a video call from home)."},
    )
    setting_private = forms.BooleanField(
        label="The setting was private: no one could overhear or see the conversation",
        error_messages={"required": SETTING_NOT_PRIVATE},
    )


class NoteForm(forms.Form):
    body = forms.CharField(label="Note", widget=forms.Textarea(attrs={"rows": 6}), max_length=50_000)
    shared_with_client = forms.BooleanField(
        label="Share this note with the client", required=False, help_text="Notes are private unless you tick this."
    )
    session = forms.ModelChoiceField(queryset=CoachingSession.objects.none(), required=False, label="Session")

    def __init__(self, *args: Any, sessions: Any = None, sessions_read: list[Any] | None = None, **kwargs: Any) -> None:
        """``sessions``: those a note may be filed under (what a submission is checked against);
        ``sessions_read``: the same, already read by the page, offered without a query of their own."""
        super().__init__(*args, **kwargs)
        field = self.fields["session"]
        if sessions is not None:
            field.queryset = sessions  # type: ignore[attr-defined]
        if sessions_read is not None:
            field.choices = [("", field.empty_label), *((s.pk, field.label_from_instance(s)) for s in sessions_read)]  # type: ignore[attr-defined]


class NoteEditForm(forms.Form):
    body = forms.CharField(label="Note", widget=forms.Textarea(attrs={"rows": 10}), max_length=50_000)
    version = forms.IntegerField(widget=forms.HiddenInput)


class NoteCorrectionForm(forms.Form):
    body = forms.CharField(
        label="Correction",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=5_000,
        help_text="What was wrong in the note, and what is right. The note itself stays as written.",
    )


class DocumentForm(forms.Form):
    file = forms.FileField(label="File", allow_empty_file=True, error_messages={"required": "Choose a file to upload."})
    shared_with_client = forms.BooleanField(label="Share with the client", required=False)
    supplied_by_organisation = forms.BooleanField(
        label="Supplied by the organisation (for your records: only the organisation's own uploads reach its contacts)",
        required=False,
    )


class HardCopyForm(forms.Form):
    description = forms.CharField(label="What it is", max_length=500)
    location = forms.CharField(label="Where it is kept", max_length=120)
    received_on = forms.DateField(label="Received on", widget=DateInput, initial=timezone.localdate)


class BreakGlassForm(forms.Form):
    reason = forms.CharField(
        label="Why you need to read this note",
        widget=forms.Textarea(attrs={"rows": 4}),
        min_length=20,
        max_length=2000,
        help_text=(
            "A sentence someone could act on: what happened and why this note must be read. "
            "The coach is told that you opened the note, and why. Access ends after a short time."
        ),
    )


class OrganisationForm(forms.Form):
    name = forms.CharField(label="Organisation name", max_length=200)
    address = forms.CharField(
        label="Postal address (for invoices)", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    keep_hard_copies = forms.BooleanField(
        label="The organisation lets us keep hard copies at contract end", required=False
    )
    sponsors_need_second_factor = forms.BooleanField(
        label="Its sponsor contacts must sign in with a second factor (an authenticator app or a security key)",
        required=False,
    )


class OrganisationSecondFactorForm(forms.Form):
    sponsors_need_second_factor = forms.BooleanField(
        label="Sponsor contacts must sign in with a second factor (an authenticator app or a security key)",
        required=False,
    )


class SponsorContactForm(forms.Form):
    email = forms.EmailField(label="Contact's e-mail")
    display_name = forms.CharField(label="Contact's name", max_length=150)
    job_title = forms.CharField(label="Job title", max_length=150, required=False)


class ClientForm(forms.Form):
    full_name = forms.CharField(label="Full name", max_length=200)
    contact_email = forms.EmailField(label="E-mail", required=False)
    phone = forms.CharField(label="Phone", max_length=40, required=False)
    postal_address = forms.CharField(
        label="Postal address",
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Where letters go, and a private client's invoices.",
    )
    portal_login = forms.BooleanField(
        label="Give the client a portal login (they are sent an invitation to choose a password)", required=False
    )
    basic_consent = forms.BooleanField(
        label="The client agreed that we hold their basic information",
        required=False,
        help_text="Without this consent no engagement can start (policy 002). The exact wording is recorded.",
    )


class EngagementForm(forms.Form):
    reference = forms.CharField(label="Reference", max_length=40, help_text="A code that names no one.")
    title = forms.CharField(label="Title", max_length=200, help_text="A neutral title, e.g. 'Leadership coaching'.")
    organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.order_by("name"),
        required=False,
        label="Organisation",
        empty_label="None: a private client, who pays for their own coaching",
        help_text="The organisation that pays. A private client's agreement is between the client and the coach, "
        "and their invoices go to them.",
    )
    client = forms.ChoiceField(label="Client")
    coaches = forms.ModelMultipleChoiceField(
        queryset=User.objects.none(), label="Coaches", help_text="Hold Ctrl (⌘ on a Mac) to choose more than one."
    )
    sponsors = forms.ModelMultipleChoiceField(
        queryset=User.objects.none(),
        label="Sponsor contacts",
        required=False,
        help_text="Contacts of the chosen organisation. Hold Ctrl (⌘ on a Mac) to choose more than one.",
    )
    starts_on = forms.DateField(label="Starts on", widget=DateInput)
    ends_on = forms.DateField(label="Ends on", widget=DateInput, required=False)

    def __init__(self, *args: Any, clients: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["client"].choices = clients  # type: ignore[attr-defined]
        self.fields["coaches"].queryset = User.objects.filter(groups__name=Role.COACH, is_active=True)  # type: ignore[attr-defined]
        self.fields["sponsors"].queryset = User.objects.filter(  # type: ignore[attr-defined]
            groups__name=Role.SPONSOR, is_active=True
        ).select_related("sponsor_contact__organisation")
        self.fields["sponsors"].label_from_instance = lambda u: f"{u} ({u.sponsor_contact.organisation})"  # type: ignore[attr-defined]


class EngagementEditForm(forms.Form):
    title = forms.CharField(label="Title", max_length=200)
    status = forms.ChoiceField(choices=[c for c in Engagement.Status.choices if c[0] != "closed"])
    starts_on = forms.DateField(label="Starts on", widget=DateInput)
    ends_on = forms.DateField(label="Ends on", widget=DateInput, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput)


class MemberAddForm(forms.Form):
    user = forms.ModelChoiceField(queryset=User.objects.none(), label="Person")
    kind = forms.ChoiceField(choices=[("coach", "Coach"), ("sponsor", "Sponsor contact")], label="As")

    def __init__(self, *args: Any, organisation: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["user"]
        field.queryset = (
            User.objects.filter(is_active=True, groups__name=Role.COACH)
            | User.objects.filter(
                is_active=True, sponsor_contact__organisation=organisation, sponsor_contact__active=True
            )
        ).distinct()
        field.label_from_instance = lambda user: f"{user.display_name or user.email} ({user.email})"
