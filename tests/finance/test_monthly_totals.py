"""The monthly totals equal the records they sum, and the overview answers the same from them as
from the records; the nightly reconciliation finds a total that does not."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from confidentiality.models import Notice
from finance import retention, selectors, services, totals
from finance.models import CreditNote, Invoice, MonthlyTotal, OpenDebt, Payment
from finance.selectors import FinanceFilter
from tests.conftest import World
from tests.finance.conftest import make_invoice

# Also run on SQLite: the delete triggers and the months are SQL of each engine.
pytestmark = pytest.mark.embedded


def month_back(months: int, day: int = 1) -> datetime.date:
    """A day ``months`` months before this one (the books are dated in the past, as issued)."""
    first = timezone.localdate().replace(day=1)
    for _ in range(months):
        first = (first - datetime.timedelta(days=1)).replace(day=1)
    return first.replace(day=day)


def last_day(month: datetime.date) -> datetime.date:
    return (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1) - datetime.timedelta(days=1)


@dataclass
class Books:
    invoices: list[Invoice]


def make_books(world: World) -> Books:
    """Five invoices over four months, two organisations, two currencies; payments and credit
    notes in the month of their invoice and in later months."""
    admin = world.people["admin"]
    a, b = world.organisation, world.other_organisation

    def issue(organisation: Any, currency: str, months: int, day: int, price: str) -> Invoice:
        return make_invoice(
            admin,
            organisation,
            currency=currency,
            unit_price=price,
            quantity="1",
            tax_rate="0",
            issued_on=month_back(months, day),
        )

    first = issue(a, "GBP", 5, 10, "1200.00")
    second = issue(b, "EUR", 5, 25, "800.00")
    third = issue(a, "EUR", 4, 3, "300.00")
    fourth = issue(b, "GBP", 3, 28, "450.50")
    fifth = issue(a, "GBP", 2, 2, "99.99")

    def pay(invoice: Invoice, amount: str, months: int, day: int) -> None:
        services.payment_record(
            actor=admin, invoice=invoice, amount=Decimal(amount), received_on=month_back(months, day)
        )

    def credit(invoice: Invoice, amount: str, months: int, day: int) -> None:
        services.credit_note_issue(
            actor=admin,
            invoice=invoice,
            net=Decimal(amount),
            tax=Decimal("0"),
            reason="Session cancelled",
            issued_on=month_back(months, day),
        )

    pay(first, "500.00", 5, 20)  # the month of the invoice
    credit(first, "100.00", 4, 1)  # a later month
    credit(third, "50.00", 4, 3)
    pay(second, "800.00", 4, 10)
    pay(first, "200.00", 3, 1)
    pay(fourth, "100.25", 2, 1)
    credit(fifth, "99.99", 1, 15)
    make_invoice(admin, a, issue=False)  # a draft is in no total
    services.audit_open(
        actor=admin,
        auditor=world.people["auditor"],
        starts_on=timezone.localdate(),
        ends_on=timezone.localdate() + datetime.timedelta(days=10),
        purpose="Annual accounts",
    )
    return Books([first, second, third, fourth, fifth])


@pytest.fixture
def books(world: World) -> Books:
    return make_books(world)


def recomputed() -> dict[Any, dict[str, int]]:
    return totals.recompute(Invoice, Payment, CreditNote)


@pytest.mark.django_db
class TestTheTotals:
    def test_it_equals_a_recomputation_from_the_records(self, books: Books) -> None:
        assert totals.stored() == recomputed()
        assert totals.differences() == []

    def test_it_holds_each_month_organisation_and_currency(self, world: World, books: Books) -> None:
        first_month = month_back(5)
        row = MonthlyTotal.objects.get(month=first_month, organisation=world.organisation, currency="GBP")
        # Issued 1,200.00; 500.00 paid that month and 200.00 later; 100.00 credited later.
        assert (row.invoice_count, row.invoiced_pence, row.paid_pence, row.credited_pence) == (1, 120000, 70000, 10000)
        assert (row.received_pence, row.credit_notes_pence) == (50000, 0)
        later = MonthlyTotal.objects.get(month=month_back(4), organisation=world.organisation, currency="GBP")
        assert (later.invoice_count, later.paid_pence, later.credit_notes_pence) == (0, 0, 10000)
        assert MonthlyTotal.objects.filter(currency="EUR").count() == 3
        assert MonthlyTotal.objects.values("month").distinct().count() == 5

    def test_a_refused_payment_adds_nothing(self, world: World, books: Books) -> None:
        before = totals.stored()
        with pytest.raises(ValidationError):  # more than is outstanding
            services.payment_record(
                actor=world.people["admin"], invoice=books.invoices[3], amount="100000", received_on=month_back(1)
            )
        assert totals.stored() == before

    def test_deleting_records_takes_them_out_of_the_totals(self, books: Books) -> None:
        """As the retention sweep does, in its order: credit notes and payments, then the invoice."""
        first = books.invoices[0]
        CreditNote.objects.filter(invoice=first).delete()
        Payment.objects.filter(invoice=first).delete()
        first.lines.all().delete()
        Invoice.objects.filter(pk=first.pk).delete()
        assert totals.differences() == []
        emptied = MonthlyTotal.objects.get(month=month_back(5), organisation=first.organisation, currency="GBP")
        assert [getattr(emptied, name) for name in MonthlyTotal.COUNTERS] == [0] * 6

    def test_the_retention_sweep_keeps_them_equal_and_removes_the_empty_rows(self, books: Books) -> None:
        from retention.sweep import run_sweep

        # Everything is past five years ten years on.
        run_sweep(as_of=timezone.localdate().replace(year=timezone.localdate().year + 10))
        assert not Invoice.objects.exclude(state=Invoice.State.DRAFT).exists()
        assert totals.differences() == []
        assert not MonthlyTotal.objects.exists()
        assert retention.due_for_deletion(timezone.localdate())["invoices"].count() == 0


@pytest.mark.django_db
class TestTheOpenDebt:
    def test_it_equals_a_recomputation_from_the_records(self, books: Books) -> None:
        kept = totals.stored_open_debt()
        assert kept == totals.recompute_open_debt(Invoice, Payment, CreditNote)
        # Open: the first (1,200.00 GBP, 700.00 paid, 100.00 credited), the third (300.00 EUR, 50.00
        # credited) and the fourth (450.50 GBP, 100.25 paid).
        first, third, fourth = books.invoices[0], books.invoices[2], books.invoices[3]
        assert kept == {
            (totals.month_of(first.issued_on), first.due_on, "GBP"): {"open_count": 1, "outstanding_pence": 40000},
            (totals.month_of(third.issued_on), third.due_on, "EUR"): {"open_count": 1, "outstanding_pence": 25000},
            (totals.month_of(fourth.issued_on), fourth.due_on, "GBP"): {"open_count": 1, "outstanding_pence": 35025},
        }

    def test_a_payment_that_settles_an_invoice_takes_it_out(self, world: World, books: Books) -> None:
        fourth = books.invoices[3]
        services.payment_record(
            actor=world.people["admin"], invoice=fourth, amount=Decimal("350.25"), received_on=month_back(1)
        )
        assert not OpenDebt.objects.filter(due_on=fourth.due_on, currency="GBP").exists()
        assert totals.differences() == []

    def test_deleting_records_takes_them_out_of_the_open_debt(self, books: Books) -> None:
        """As the retention sweep does, in its order, for an open invoice: its payment, then it."""
        fourth = books.invoices[3]
        Payment.objects.filter(invoice=fourth).delete()
        row = OpenDebt.objects.get(due_on=fourth.due_on, currency="GBP")
        assert (row.open_count, row.outstanding_pence) == (1, 45050)  # owed again, as the records say
        assert totals.differences() == []
        fourth.lines.all().delete()
        Invoice.objects.filter(pk=fourth.pk).delete()
        row.refresh_from_db()
        assert (row.open_count, row.outstanding_pence) == (0, 0)
        assert totals.differences() == []

    def test_the_reconciliation_finds_a_tampered_row(self, world: World, books: Books) -> None:
        fourth = books.invoices[3]
        OpenDebt.objects.filter(due_on=fourth.due_on).update(outstanding_pence=F("outstanding_pence") + 7)
        (difference,) = services.monthly_totals_reconcile()
        assert (difference.counter, difference.due_on, difference.kept - difference.recomputed) == (
            "outstanding_pence",
            fourth.due_on,
            7,
        )

    @pytest.mark.parametrize("persona", ["admin", "auditor"])
    def test_the_overview_reads_no_record_when_the_kept_rows_answer(
        self, world: World, books: Books, persona: str
    ) -> None:
        """Issue 23: the aged debt read every open invoice's balance (two subqueries each), so the
        overview grew with the open invoices; the kept rows answer it in a few thousand rows at most."""
        user = world.people[persona]
        selectors.summary_for(user=user, filters=FinanceFilter())  # the audit's cache warmed
        for filters in (FinanceFilter(), FinanceFilter(date_from=month_back(5), date_to=last_day(month_back(2)))):
            with CaptureQueriesContext(connection) as read:
                selectors.summary_for(user=user, filters=filters)
            tables = " ".join(query["sql"] for query in read.captured_queries)
            assert "finance_invoice" not in tables and "finance_payment" not in tables, filters
            assert "finance_creditnote" not in tables, filters


def filters_to_compare(world: World) -> list[FinanceFilter]:
    months = [month_back(n) for n in range(6, -1, -1)]
    periods: list[tuple[datetime.date | None, datetime.date | None]] = [(None, None)]
    periods += [(month, last_day(month)) for month in months]  # each whole month
    periods += [(months[1], last_day(months[3])), (months[0], None), (None, last_day(months[2]))]
    periods += [(months[1].replace(day=15), last_day(months[2])), (months[1], months[3].replace(day=9))]  # partial
    periods += [(months[2], months[2].replace(day=2)), (datetime.date(2000, 1, 1), datetime.date(2000, 1, 31))]
    found = []
    for date_from, date_to in periods:
        for organisation in (None, world.organisation.pk, world.other_organisation.pk):
            for state in ("", "open", "paid"):
                found.append(
                    FinanceFilter(date_from=date_from, date_to=date_to, organisation_id=organisation, state=state)
                )
    return found


@pytest.mark.django_db
class TestTheSummary:
    @pytest.mark.parametrize("persona", ["admin", "auditor"])
    def test_it_answers_the_same_from_the_totals_as_from_the_records(
        self, world: World, books: Books, persona: str
    ) -> None:
        user = world.people[persona]
        compared = 0
        for filters in filters_to_compare(world):
            kept = selectors.summary_for(user=user, filters=filters)
            live = selectors.summary_for(user=user, filters=filters, kept_totals=False)
            assert kept == live, filters
            compared += selectors._kept_totals_answer(user, filters)
        assert compared >= 30  # most of them answered from the totals

    def test_it_reads_the_totals_when_they_can_answer(self, world: World, books: Books) -> None:
        admin = world.people["admin"]
        MonthlyTotal.objects.filter(month=month_back(5), currency="GBP").update(paid_pence=F("paid_pence") + 1)
        whole = FinanceFilter(date_from=month_back(5), date_to=last_day(month_back(5)))
        partial = FinanceFilter(date_from=month_back(5, 2), date_to=last_day(month_back(5)))
        gbp = {e.currency: e for e in selectors.summary_for(user=admin, filters=whole).currencies}["GBP"]
        assert gbp.paid == Decimal("700.01")
        gbp = {e.currency: e for e in selectors.summary_for(user=admin, filters=partial).currencies}["GBP"]
        assert gbp.paid == Decimal("700.00")

    def test_a_sponsor_reads_their_own_records(self, world: World, books: Books) -> None:
        sponsor = world.people["sponsor"]
        (eur, gbp) = selectors.summary_for(user=sponsor, filters=FinanceFilter()).currencies
        assert (eur.currency, eur.invoice_count, eur.paid, eur.credited) == (
            "EUR",
            1,
            Decimal("0.00"),
            Decimal("50.00"),
        )
        assert (gbp.invoice_count, gbp.invoiced) == (2, Decimal("1299.99"))

    def test_it_costs_the_same_few_queries_whatever_the_period(
        self, world: World, books: Books, django_assert_max_num_queries: Any
    ) -> None:
        auditor = world.people["auditor"]
        selectors.summary_for(user=auditor, filters=FinanceFilter())  # the audit's cache warmed
        with django_assert_max_num_queries(4):
            selectors.summary_for(user=auditor, filters=FinanceFilter())


@pytest.mark.django_db
class TestTheReconciliation:
    def test_it_finds_nothing_when_the_totals_equal_the_records(self, world: World, books: Books) -> None:
        assert services.monthly_totals_reconcile() == []
        assert not Notice.objects.filter(user=world.people["admin"]).exists()

    def test_it_finds_a_tampered_total_and_tells_the_administrators(self, world: World, books: Books) -> None:
        MonthlyTotal.objects.filter(month=month_back(4), organisation=world.organisation, currency="EUR").update(
            credited_pence=F("credited_pence") + 5
        )
        (difference,) = services.monthly_totals_reconcile()
        assert (difference.counter, difference.kept - difference.recomputed) == ("credited_pence", 5)
        notice = Notice.objects.get(user=world.people["admin"])
        assert "differ from the records in 1 place" in notice.text

    def test_it_finds_a_record_written_around_the_services(self, world: World, books: Books) -> None:
        invoice = books.invoices[3]
        Payment.objects.create(
            invoice=invoice,
            organisation_id=invoice.organisation_id,
            currency=invoice.currency,
            amount=Decimal("1.00"),
            received_on=month_back(1),
            recorded_by=world.people["admin"],
        )
        found = {d.counter for d in services.monthly_totals_reconcile()}
        # The invoice is open: what it still owes is kept too.
        assert found == {"paid_pence", "received_pence", "outstanding_pence"}

    def test_it_finds_a_missing_row(self, world: World, books: Books) -> None:
        MonthlyTotal.objects.filter(month=month_back(2)).delete()
        assert {d.month for d in services.monthly_totals_reconcile()} == {month_back(2)}

    def test_the_nightly_task_runs_it(self, world: World, books: Books) -> None:
        from confidentiality.schedules import SCHEDULES
        from finance.tasks import monthly_totals_reconcile_task

        assert "finance.tasks.monthly_totals_reconcile_task" in {s.task for s in SCHEDULES}
        MonthlyTotal.objects.update(invoice_count=F("invoice_count") + 1)
        monthly_totals_reconcile_task()
        assert Notice.objects.filter(user=world.people["admin"]).count() == 1


@pytest.mark.django_db
class TestTheDataMigration:
    def test_it_fills_the_totals_from_the_records(self, books: Books) -> None:
        expected = totals.stored()
        MonthlyTotal.objects.all().delete()
        totals.fill(MonthlyTotal, Invoice, Payment, CreditNote)
        assert totals.stored() == {key: counters for key, counters in expected.items() if any(counters.values())}

    def test_it_fills_the_open_debt_from_the_records(self, books: Books) -> None:
        expected = totals.stored_open_debt()
        OpenDebt.objects.all().delete()
        totals.fill_open_debt(OpenDebt, Invoice, Payment, CreditNote)
        assert totals.stored_open_debt() == expected
