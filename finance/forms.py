"""Forms validate shape; the services decide."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django import forms
from django.conf import settings
from django.utils import timezone

from confidentiality.forms import DateInput
from confidentiality.models import User
from engagements.models import Engagement, Organisation
from finance.models import Currency, Payment
from finance.selectors import STATE_CHOICES, FinanceFilter
from finance.services import LineInput


def year_choices() -> list[tuple[str, str]]:
    """This year back to the oldest year the records are kept for (older ones are swept)."""
    this_year = timezone.localdate().year
    years = [str(year) for year in range(this_year, this_year - settings.FINANCE_RETENTION_YEARS - 1, -1)]
    return [("", "Any year"), *((year, year) for year in years)]


class FinanceFilterForm(forms.Form):
    """The filters of every financial list and of the summary; read from the query string."""

    year = forms.ChoiceField(label="Year", required=False)
    date_from = forms.DateField(label="From", required=False, widget=DateInput)
    date_to = forms.DateField(label="To", required=False, widget=DateInput)
    organisation = forms.ModelChoiceField(
        label="Organisation", queryset=Organisation.objects.none(), required=False, empty_label="Any organisation"
    )
    state = forms.ChoiceField(label="Invoice state", choices=STATE_CHOICES, required=False)

    def __init__(self, *args: Any, organisations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = year_choices()  # type: ignore[attr-defined]
        self.fields["organisation"].queryset = organisations  # type: ignore[attr-defined]
        if organisations.query.is_empty():  # .none(): known without a query
            # A sponsor sees only their own organisation's records: nothing to choose.
            del self.fields["organisation"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("year") and (data.get("date_from") or data.get("date_to")):
            raise forms.ValidationError("Choose a year or a range of dates, not both.")
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise forms.ValidationError("The start of the period is after its end.")
        return data

    def to_filter(self) -> FinanceFilter:
        data = self.cleaned_data
        date_from, date_to = data.get("date_from"), data.get("date_to")
        if data.get("year"):
            year = int(data["year"])
            date_from, date_to = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
        organisation = data.get("organisation")
        return FinanceFilter(
            date_from=date_from,
            date_to=date_to,
            organisation_id=organisation.pk if organisation else None,
            state=data.get("state") or "",
        )


class InvoiceForm(forms.Form):
    organisation = forms.ModelChoiceField(
        label="Organisation invoiced",
        queryset=Organisation.objects.none(),
        required=False,
        empty_label="None: a private client, who pays for their own coaching",
        help_text="For a private client, choose no organisation and their engagement: the invoice goes to them.",
    )
    engagement = forms.ModelChoiceField(
        label="Engagement (if the invoice is for one)",
        queryset=Engagement.objects.none(),
        required=False,
        empty_label="None",
        help_text="Only its reference appears on an organisation's invoice; the client is never named there. "
        "A private client's invoice is addressed to the client.",
    )
    currency = forms.ChoiceField(label="Currency", choices=Currency.choices, initial=Currency.GBP)
    payment_terms_days = forms.IntegerField(
        label="Payment terms (days)", min_value=0, max_value=365, initial=30, help_text="Days from issue until due."
    )

    def __init__(self, *args: Any, organisations: Any, engagements: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations  # type: ignore[attr-defined]
        self.fields["engagement"].queryset = engagements  # type: ignore[attr-defined]
        self.fields["engagement"].label_from_instance = (  # type: ignore[attr-defined]
            lambda e: f"{e.reference}: {e.title}{' (private client)' if e.organisation_id is None else ''}"
        )


class InvoiceLineForm(forms.Form):
    description = forms.CharField(label="Description", max_length=200, required=False)
    quantity = forms.DecimalField(
        label="Quantity", min_value=Decimal("0.01"), required=False, max_digits=8, decimal_places=2
    )
    unit_price = forms.DecimalField(
        label="Unit price", min_value=Decimal(0), required=False, max_digits=12, decimal_places=2
    )
    tax_rate = forms.DecimalField(
        label="Tax rate (%)",
        min_value=Decimal(0),
        max_value=Decimal(100),
        required=False,
        max_digits=5,
        decimal_places=2,
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        given = [name for name in ("description", "quantity", "unit_price") if data.get(name) not in (None, "")]
        if given and len(given) < 3:
            raise forms.ValidationError("Give this line a description, a quantity and a unit price, or leave it empty.")
        return data

    def to_line(self) -> LineInput | None:
        data = self.cleaned_data
        if not data.get("description"):
            return None
        return LineInput(
            description=data["description"],
            quantity=data["quantity"],
            unit_price=data["unit_price"],
            tax_rate=data["tax_rate"] if data.get("tax_rate") is not None else Decimal(20),
        )


LineFormSet = forms.formset_factory(InvoiceLineForm, extra=0, max_num=50, absolute_max=50)


class IssueForm(forms.Form):
    issued_on = forms.DateField(label="Issue date", widget=DateInput, initial=timezone.localdate)


class PaymentForm(forms.Form):
    amount = forms.DecimalField(label="Amount received", min_value=Decimal("0.01"), max_digits=12, decimal_places=2)
    received_on = forms.DateField(label="Received on", widget=DateInput, initial=timezone.localdate)
    method = forms.ChoiceField(label="How it was paid", choices=Payment.Method.choices)
    reference = forms.CharField(label="Payer's reference", max_length=80, required=False)


class CreditNoteForm(forms.Form):
    net = forms.DecimalField(label="Net amount credited", min_value=Decimal(0), max_digits=12, decimal_places=2)
    tax = forms.DecimalField(
        label="Tax credited", min_value=Decimal(0), initial=Decimal("0.00"), max_digits=12, decimal_places=2
    )
    reason = forms.CharField(
        label="Reason", max_length=200, help_text="e.g. 'Session cancelled by the practice'. Name no client."
    )
    issued_on = forms.DateField(label="Date", widget=DateInput, initial=timezone.localdate)


class AuditForm(forms.Form):
    auditor = forms.ModelChoiceField(label="Auditor", queryset=User.objects.none())
    purpose = forms.CharField(
        label="Purpose", max_length=120, help_text="e.g. 'Annual accounts, year to 31 March 2026'."
    )
    starts_on = forms.DateField(label="First day", widget=DateInput, initial=timezone.localdate)
    ends_on = forms.DateField(label="Last day", widget=DateInput)

    def __init__(self, *args: Any, auditors: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["auditor"].queryset = auditors  # type: ignore[attr-defined]
        self.fields["auditor"].label_from_instance = lambda u: u.display_name or u.email  # type: ignore[attr-defined]
