"""The office journeys by keyboard alone (JOURNEYS.md): no click, no mouse. Tab and Shift+Tab
move the focus, Enter and Space act, the arrow keys choose in a <select>, and text is typed into
whatever has the focus.

- Administrator 1: set up an engagement (organisation, sponsor contact, client with consent to
  hold basic information, the engagement joining them with a coach), never seeing a note's text.
- Administrator 4: record a breach, see the 72-hour clock, record containment and the decision
  to notify, close it with the outcome.
- Administrator 2: open a client's subject-access request, start the copy, let it build, check
  its contents page and release it; the client downloads it, their private notes included.
- Auditor 1: choose last year, check the totals reconcile, see income by month as a chart, export
  the view as CSV; filter the invoices by period and export them; nothing outside finance and
  nothing to change.

Every element the focus lands on must show it (an outline or a box shadow, WCAG 2.4.7).
"""

from __future__ import annotations

import csv
import datetime
import io
import json
import re
import zipfile
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from complaints.models import Breach
from confidentiality.roles import Role
from engagements.models import Engagement
from engagements.services import note_create
from finance import services as finance
from rights import services as sar
from rights.models import SubjectAccessRequest
from rights.tasks import subject_access_export_task
from tests.browser.conftest import assert_accessible
from tests.browser.keyboard import check_skip_link, choose, press_and_wait, sign_in, staff, tab_to, tick
from tests.factories import ClientFactory, EngagementFactory, OrganisationFactory, UserFactory, vat_registered

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def nav(page: Any) -> Any:
    return page.get_by_role("navigation", name="Main")


def test_the_administrator_sets_up_an_engagement_without_seeing_any_note(live_server: Any, page: Any) -> None:
    admin, secret = staff(Role.ADMIN, email="admin@example.org", display_name="Ada Okafor")
    coach = UserFactory(role=Role.COACH, email="coach@example.org", display_name="Maya Lindqvist")
    other_org = OrganisationFactory(name="Other Org")
    elsewhere = EngagementFactory(
        coaches=[coach],
        reference="ENG-KEYS-OTHER",
        organisation=other_org,
        client=ClientFactory(user=UserFactory(role=Role.CLIENT)),
        sponsors=[UserFactory(role=Role.SPONSOR, organisation=other_org)],
    )
    note_text = "Private: thinking of leaving before the Okonkwo merger."
    note_create(actor=coach, engagement=elsewhere, body=note_text)
    seen: list[str] = []

    def look() -> None:
        seen.append(page.url)
        assert note_text not in page.content(), f"the note's text is shown to the administrator on {page.url}"

    # Every page sent to the administrator, redirects included, is checked for the note's text.
    documents: list[str] = []
    leaks: list[str] = []

    def on_response(response: Any) -> None:
        # An exception raised in an event handler is lost, so findings are kept for the end.
        if response.request.resource_type == "document" and response.ok:
            documents.append(response.url)
            if note_text in response.text():
                leaks.append(response.url)

    page.on("response", on_response)

    sign_in(page, live_server.url, admin.email, secret)
    page.get_by_role("heading", level=1, name="Practice dashboard").wait_for()
    look()

    # 1. An organisation.
    tab_to(page, nav(page).get_by_role("link", name="Organisations"))
    press_and_wait(page, "Enter")
    page.get_by_role("heading", level=1, name="Organisations").wait_for()
    look()
    check_skip_link(page)
    tab_to(page, page.get_by_role("link", name="Add an organisation"))
    press_and_wait(page, "Enter")
    page.get_by_role("heading", level=1, name="Add an organisation").wait_for()
    look()
    tab_to(page, page.get_by_label("Organisation name", exact=True))
    page.keyboard.type("Fjordline Logistics")
    press_and_wait(page, "Enter")  # Enter in a text field submits its form
    page.get_by_role("heading", level=1, name="Fjordline Logistics").wait_for()
    look()

    # 2. Its sponsor contact.
    tab_to(page, page.get_by_label("Contact's e-mail", exact=True))
    page.keyboard.type("hr.lead@fjordline.example")
    tab_to(page, page.get_by_label("Contact's name", exact=True))
    page.keyboard.type("Henrik Solberg")
    tab_to(page, page.get_by_label("Job title", exact=True))
    page.keyboard.type("Head of People")
    tab_to(page, page.get_by_role("button", name="Add contact"))
    press_and_wait(page, "Enter")
    page.get_by_text("Contact added.").wait_for()
    assert page.get_by_role("listitem").filter(has_text="Henrik Solberg (hr.lead@fjordline.example)").count() == 1
    look()

    # 3. A client with a portal login and their consent to hold basic information: Space ticks.
    tab_to(page, nav(page).get_by_role("link", name="Dashboard"), key="Shift+Tab")
    press_and_wait(page, "Enter")
    page.get_by_role("heading", level=1, name="Practice dashboard").wait_for()
    look()
    tab_to(page, page.get_by_role("link", name="Add a client"))
    press_and_wait(page, "Enter")
    page.get_by_role("heading", level=1, name="Add a client").wait_for()
    look()
    tab_to(page, page.get_by_label("Full name", exact=True))
    page.keyboard.type("Tomasz Wiśniewski")
    tab_to(page, page.get_by_label("E-mail", exact=True))
    page.keyboard.type("tomasz@example.org")
    for label in ("portal login", "agreed that we hold their basic information"):
        box = page.get_by_label(re.compile(label, re.I))
        tick(page, box)
    tab_to(page, page.get_by_role("button", name="Save"))
    press_and_wait(page, "Enter")

    # 4. The engagement joining them: arrow keys in the <select>s, the date typed (en-US order).
    page.get_by_role("heading", level=1, name="Create an engagement").wait_for()
    page.get_by_text("Client added.").wait_for()
    look()
    check_skip_link(page)
    assert_accessible(page, "keyboard-admin-engagement-create")
    tab_to(page, page.get_by_label("Reference", exact=True))
    page.keyboard.type("ENG-FJORD-001")
    tab_to(page, page.get_by_label("Title", exact=True))
    page.keyboard.type("Leadership coaching")
    choose(page, page.get_by_label("Organisation", exact=True), "Fjordline Logistics")
    choose(page, page.get_by_label("Client", exact=True), "Tomasz Wiśniewski")
    choose(page, page.get_by_label("Coaches", exact=True), "Maya Lindqvist")
    choose(page, page.get_by_label("Sponsor contacts", exact=True), "Henrik Solberg (Fjordline Logistics)")
    starts_on = page.get_by_label("Starts on", exact=True)
    tab_to(page, starts_on)
    today = timezone.localdate()
    page.keyboard.type(today.strftime("%m%d%Y"))
    assert starts_on.input_value() == today.isoformat()
    tab_to(page, page.get_by_role("button", name="Save"))
    press_and_wait(page, "Enter")

    page.get_by_role("heading", level=1, name=re.compile("ENG-FJORD-001")).wait_for()
    page.get_by_text("Engagement created.").wait_for()
    look()
    people = page.get_by_role("region", name="People on this engagement").inner_text()
    assert "Maya Lindqvist" in people
    assert "Henrik Solberg" in people
    assert page.get_by_text("Tomasz Wiśniewski").count() >= 1

    created = Engagement.objects.get(reference="ENG-FJORD-001")
    assert created.title == "Leadership coaching"
    assert created.organisation.name == "Fjordline Logistics"
    assert created.client.full_name == "Tomasz Wiśniewski"
    assert created.client.user is not None and created.client.user.email == "tomasz@example.org"
    assert created.starts_on == today
    assert created.status == "proposed"  # it starts when everyone has signed its agreement
    assert page.get_by_text("It starts when everyone has signed its agreement").count() == 1
    members = {(m.kind, m.user.email) for m in created.members.select_related("user")}
    assert members == {
        ("coach", "coach@example.org"),
        ("sponsor", "hr.lead@fjordline.example"),
        ("client", "tomasz@example.org"),
    }

    # The engagement holding the note: its existence is shown, never what the note says.
    tab_to(page, nav(page).get_by_role("link", name="Engagements"), key="Shift+Tab")
    press_and_wait(page, "Enter")
    page.get_by_role("heading", level=1, name="Engagements").wait_for()
    look()
    tab_to(page, page.get_by_role("link", name="ENG-KEYS-OTHER", exact=True))
    press_and_wait(page, "Enter")
    page.get_by_role("heading", level=1, name=re.compile("ENG-KEYS-OTHER")).wait_for()
    look()
    assert page.get_by_role("link", name=re.compile("Request break-glass access")).count() == 1
    assert len(seen) >= 10
    assert len(documents) >= len(seen)
    assert not leaks, f"the note's text was sent to the administrator by {leaks}"
    assert_accessible(page, "keyboard-admin-engagement-set-up")


def test_the_administrator_handles_a_breach_report(live_server: Any, page: Any) -> None:
    admin, secret = staff(Role.ADMIN, email="admin@example.org", display_name="Ada Okafor")

    sign_in(page, live_server.url, admin.email, secret)
    page.get_by_role("heading", level=1, name="Practice dashboard").wait_for()
    tab_to(page, nav(page).get_by_role("link", name="Complaints & breaches", exact=True))
    press_and_wait(page, "Enter")
    check_skip_link(page)
    tab_to(page, page.get_by_role("link", name="Record a breach"))
    press_and_wait(page, "Enter")
    page.get_by_role("heading", level=1, name="Record a breach of confidentiality").wait_for()

    # The discovery time defaults to now; the text fields are <textarea>s, where Enter is a newline.
    tab_to(page, page.get_by_label("What happened", exact=True))
    page.keyboard.type("A session summary went to the wrong person at the sponsor.")
    tab_to(page, page.get_by_label("What information was involved"))
    page.keyboard.type("One session summary.")
    tab_to(page, page.get_by_label("Who was affected"))
    page.keyboard.type("One client.")
    tab_to(page, page.get_by_role("button", name="Record the breach"))
    press_and_wait(page, "Enter")
    page.get_by_text("The notification clock is running").wait_for()
    breach = Breach.objects.get()
    assert (breach.status, breach.reported_by_id, breach.notification) == ("open", admin.pk, "undecided")
    callout = page.locator(".clock-callout")
    assert re.search(r"7[12]h \d\dm left", callout.inner_text()), callout.inner_text()
    assert_accessible(page, "keyboard-breach-detail")

    tab_to(page, page.get_by_label(re.compile("^Containment")))
    page.keyboard.type("The recipient confirmed deletion in writing.")
    notification = page.get_by_label("Must it be notified to the regulator?")
    choose(page, notification, "Need not be notified")
    assert notification.input_value() == "not_required"
    tab_to(page, page.get_by_label(re.compile("^Why")))
    page.keyboard.type("Deleted unread; no risk to the client's rights.")
    tab_to(page, page.get_by_label("Outcome", exact=True))
    page.keyboard.type("Addresses are now checked before sending.")
    cause = page.get_by_label("What caused it")
    choose(page, cause, "A member of staff, an associate or a volunteer")
    assert cause.input_value() == "staff"
    tab_to(page, page.get_by_role("button", name="Save", exact=True))
    press_and_wait(page, "Enter")
    page.get_by_text("The breach record is saved.").wait_for()
    assert page.locator(".clock-callout").count() == 0  # the decision is recorded: no clock
    breach.refresh_from_db()
    assert breach.notification == "not_required"
    assert breach.containment == "The recipient confirmed deletion in writing."
    assert breach.status == "open"

    # A member of staff caused it: policy 002's disciplinary procedures come first.
    tab_to(page, page.get_by_role("button", name="Close the breach"))
    press_and_wait(page, "Enter")
    page.get_by_text("record the follow-up before closing").wait_for()
    breach.refresh_from_db()
    assert breach.status == "open"
    tab_to(page, page.get_by_label(re.compile("^Disciplinary follow-up")))
    page.keyboard.type("Retrained on checking addresses; noted on file.")
    tab_to(page, page.get_by_role("button", name="Save", exact=True))
    press_and_wait(page, "Enter")
    page.get_by_text("The breach record is saved.").wait_for()
    tab_to(page, page.get_by_role("button", name="Close the breach"))
    press_and_wait(page, "Enter")
    page.get_by_text("The breach is closed.").wait_for()
    breach.refresh_from_db()
    assert breach.status == Breach.Status.CLOSED
    assert breach.outcome == "Addresses are now checked before sending."
    assert page.get_by_role("button", name="Close the breach").count() == 0
    assert_accessible(page, "keyboard-breach-closed")


def test_the_administrator_answers_a_subject_access_request_and_the_client_downloads_it(
    live_server: Any, page: Any, new_page: Callable[[], Any], monkeypatch: Any, media_dir: Any, tmp_path: Any
) -> None:
    admin, secret = staff(Role.ADMIN, email="admin@example.org", display_name="Ada Okafor")
    organisation = OrganisationFactory(name="Northwind Trading")
    client = UserFactory(role=Role.CLIENT, email="client@example.org", display_name="Ines Client")
    coach = UserFactory(role=Role.COACH)
    own = ClientFactory(full_name="Ines Quartermaine", user=client)
    engagement = EngagementFactory(
        organisation=organisation,
        client=own,
        coaches=[coach],
        sponsors=[UserFactory(role=Role.SPONSOR, organisation=organisation)],
        reference="ENG-KEYS-SAR",
    )
    private = "Private reflection: worried the Okonkwo merger will cost her the team."
    note_create(actor=coach, engagement=engagement, body=private)
    request = sar.subject_access_request_open(actor=client, client=own)
    # The worker is this test: the message the page would send to the broker is kept here.
    queued: list[str] = []
    monkeypatch.setattr(subject_access_export_task, "delay", lambda export_id: queued.append(export_id))

    sign_in(page, live_server.url, admin.email, secret)
    page.get_by_role("heading", level=1, name="Practice dashboard").wait_for()
    tab_to(page, nav(page).get_by_role("link", name="Data-protection requests"))
    press_and_wait(page, "Enter")
    check_skip_link(page)
    assert "Ines Quartermaine" in page.content()
    assert_accessible(page, "keyboard-subject-access-register")
    tab_to(page, page.get_by_role("link", name=request.reference, exact=True))
    press_and_wait(page, "Enter")
    page.get_by_role("heading", level=1, name=re.compile(request.reference)).wait_for()
    facts = page.locator("dl.facts")
    due = facts.locator("dt:text-is('Answer due by') + dd").inner_text()
    assert due.startswith(f"{request.deadline_on.day} {request.deadline_on:%b %Y}"), due
    assert facts.locator("dt:text-is('State') + dd").inner_text() == "Received"

    tab_to(page, page.get_by_role("button", name="Start making the copy"))
    press_and_wait(page, "Enter")
    page.get_by_role("progressbar", name="Progress of the copy").wait_for()
    assert_accessible(page, "keyboard-subject-access-progress")
    assert len(queued) == 1

    # The worker builds the copy while the page follows it; the page reloads when it is built.
    assert sar.export_build(export_id=queued[0]) is True
    page.get_by_role("heading", name="Contents of the copy").wait_for(timeout=20000)
    assert private not in page.content()  # counts on the request's page
    assert_accessible(page, "keyboard-subject-access-contents")
    # The administrator reads the copy itself before releasing it (issue 21), and confirms it.
    tab_to(page, page.get_by_role("link", name="Read the copy, withhold what the law allows, and release it"))
    press_and_wait(page, "Enter")
    page.get_by_role("heading", level=1, name="Read the copy before releasing it").wait_for()
    assert private in page.content()
    assert_accessible(page, "keyboard-subject-access-read-the-copy")
    tab_to(page, page.get_by_role("checkbox", name="I have read the copy and withheld what the law allows"))
    page.keyboard.press("Space")
    tab_to(page, page.get_by_role("button", name="Release the copy to the requester"))
    press_and_wait(page, "Enter")
    page.get_by_text("The copy is released.").wait_for()

    assert facts.locator("dt:text-is('State') + dd").inner_text() == "Completed: the copy was released"
    assert facts.locator("dt:text-is('Copy released') + dd").count() == 1
    request.refresh_from_db()
    assert request.state == SubjectAccessRequest.State.COMPLETED
    assert request.released_at is not None
    assert request.export.state == "built" and request.export.expires_at is not None
    assert_accessible(page, "keyboard-subject-access-released")

    # The client downloads the copy from their request's page: their private notes are in it.
    client_page = new_page()
    sign_in(client_page, live_server.url, client.email)
    client_page.get_by_role("heading", level=1, name="My coaching").wait_for()
    tab_to(client_page, nav(client_page).get_by_role("link", name="My information and my rights", exact=True))
    press_and_wait(client_page, "Enter")
    tab_to(client_page, client_page.get_by_role("link", name=request.reference, exact=True))
    press_and_wait(client_page, "Enter")
    client_page.get_by_role("heading", level=1, name=f"Request {request.reference}").wait_for()
    check_skip_link(client_page)
    assert_accessible(client_page, "keyboard-subject-access-client-download")
    tab_to(client_page, client_page.get_by_role("link", name=re.compile("Download the copy")))
    with client_page.expect_download() as download:
        client_page.keyboard.press("Enter")
    assert download.value.suggested_filename == f"information-{request.reference}.zip"
    saved = tmp_path / "copy.zip"
    download.value.save_as(saved)
    with zipfile.ZipFile(saved) as archive:
        data = json.loads(archive.read("information.json"))
        assert {"README.txt", "information.json", "information.pdf"} <= set(archive.namelist())
    assert [n["text"] for n in data["notes"]] == [private]
    assert data["identity"][0]["full_name"] == "Ines Quartermaine"


def invoice(admin: Any, organisation: Any, price: str, issued_on: datetime.date, engagement: Any = None) -> Any:
    draft = finance.invoice_create(
        actor=admin,
        organisation=organisation,
        engagement=engagement,
        lines=[finance.LineInput("Coaching sessions", Decimal(2), Decimal(price), Decimal(20))],
    )
    return finance.invoice_issue(actor=admin, invoice=draft, issued_on=issued_on)


def test_the_auditor_reviews_a_year_and_exports_it(live_server: Any, page: Any) -> None:
    admin = UserFactory(role=Role.ADMIN, email="admin@example.org")
    vat_registered()
    auditor, secret = staff(Role.AUDITOR, email="auditor@example.org", display_name="Ravi Auditor")
    northwind = OrganisationFactory(name="Northwind Trading")
    harbour = OrganisationFactory(name="Harbour Health Trust")
    engagement = EngagementFactory(
        organisation=northwind,
        reference="ENG-KEYS-AUDIT",
        client=ClientFactory(full_name="Samira Quentin-Marsh", user=UserFactory(role=Role.CLIENT)),
        sponsors=[UserFactory(role=Role.SPONSOR, organisation=northwind)],
    )
    today = timezone.localdate()
    year = today.year - 1
    # Last year: 1,200.00 + 600.00 + 2,400.00 invoiced; 1,200.00 + 300.00 paid; 100.00 credited.
    january = invoice(admin, northwind, "500.00", datetime.date(year, 1, 10), engagement)
    march = invoice(admin, harbour, "250.00", datetime.date(year, 3, 5))
    invoice(admin, northwind, "1000.00", datetime.date(year, 11, 20), engagement)
    finance.payment_record(actor=admin, invoice=january, amount="1200.00", received_on=datetime.date(year, 2, 8))
    finance.payment_record(actor=admin, invoice=march, amount="300.00", received_on=datetime.date(year, 4, 2))
    finance.credit_note_issue(
        actor=admin,
        invoice=march,
        net="100.00",
        tax="0.00",
        reason="Session cancelled",
        issued_on=datetime.date(year, 4, 3),
    )
    this_year = invoice(admin, harbour, "999.00", today)  # outside the period
    finance.audit_open(
        actor=admin,
        auditor=auditor,
        starts_on=today,
        ends_on=today + datetime.timedelta(days=30),
        purpose=f"Annual accounts {year}",
    )
    base = live_server.url

    sign_in(page, base, auditor.email, secret)
    page.get_by_text("Your audit is open until").wait_for()
    tab_to(page, nav(page).get_by_role("link", name="Finance"))
    press_and_wait(page, "Enter")
    page.get_by_role("heading", level=1, name="Finance").wait_for()
    check_skip_link(page)

    # 1. Last year, chosen with the arrow keys in the closed <select>, then Show.
    choose(page, page.get_by_label("Year", exact=True), str(year))
    tab_to(page, page.get_by_role("button", name="Show"))
    press_and_wait(page, "Enter")
    page.get_by_text(f"Period: 1 Jan {year} to 31 Dec {year}").wait_for()
    # The totals reconcile.
    totals = {
        name: page.locator(f'[data-total="{name}"]').inner_text()
        for name in ("invoiced", "paid", "credited", "outstanding")
    }
    assert totals == {"invoiced": "4,200.00", "paid": "1,500.00", "credited": "100.00", "outstanding": "2,600.00"}
    assert "Outstanding = invoiced − paid − credited: 4,200.00 − 1,500.00 − 100.00 = 2,600.00" in page.content()
    # Income by month as a chart, and every figure in the table beside it.
    chart = page.get_by_role("img", name=re.compile("Income by month"))
    chart.wait_for()
    assert chart.is_visible()
    assert page.locator("figure.chart rect.bar").count() == 12
    february = page.get_by_role("row", name=re.compile(f"February {year}"))
    assert "1,200.00" in february.inner_text()
    assert "Samira Quentin-Marsh" not in page.content()  # nothing outside finance
    assert page.get_by_role("link", name="New invoice").count() == 0  # nothing to change
    assert_accessible(page, "keyboard-auditor-finance-overview")

    tab_to(page, page.get_by_role("link", name="Export this view as CSV"))
    with page.expect_download() as download:
        page.keyboard.press("Enter")
    rows = list(csv.reader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8"))))
    assert ["Totals", "GBP", f"1 Jan {year} to 31 Dec {year}", "3", "4200.00", "1500.00", "100.00", "2600.00"] in rows

    # 2. The invoices of that year, from the records' own navigation.
    tab_to(page, page.get_by_role("link", name="Invoices", exact=True).last, key="Shift+Tab")
    press_and_wait(page, "Enter")
    page.get_by_role("heading", name="Issued invoices").wait_for()
    listed = page.get_by_role("table").inner_text()
    assert "INV-000001" in listed and "INV-000003" in listed
    assert this_year.reference not in listed
    assert_accessible(page, "keyboard-auditor-invoice-list")

    # 3. The same period as typed dates (en-US order), after clearing the year.
    tab_to(page, page.get_by_role("link", name="Clear the filters"))
    press_and_wait(page, "Enter")
    page.get_by_role("heading", name="Issued invoices").wait_for()
    assert this_year.reference in page.get_by_role("table").inner_text()
    date_from = page.get_by_label("From", exact=True)
    tab_to(page, date_from)
    page.keyboard.type(f"0101{year}")
    date_to = page.get_by_label("To", exact=True)
    tab_to(page, date_to)
    page.keyboard.type(f"1231{year}")
    assert (date_from.input_value(), date_to.input_value()) == (f"{year}-01-01", f"{year}-12-31")
    tab_to(page, page.get_by_role("button", name="Show"))
    press_and_wait(page, "Enter")
    page.get_by_role("heading", name="Issued invoices").wait_for()
    listed = page.get_by_role("table").inner_text()
    assert "INV-000001" in listed and "INV-000003" in listed
    assert this_year.reference not in listed
    assert page.get_by_role("link", name="New invoice").count() == 0  # nothing to change
    assert nav(page).get_by_role("link", name="Engagements").count() == 0  # nothing outside finance

    tab_to(page, page.get_by_role("link", name="Export as CSV"))
    with page.expect_download() as download:
        page.keyboard.press("Enter")
    assert download.value.suggested_filename == f"invoices-from-{year}-01-01-to-{year}-12-31.csv"
    rows = list(csv.reader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8"))))
    assert [row[0] for row in rows[1:]] == ["INV-000003", "INV-000002", "INV-000001"]
    assert_accessible(page, "keyboard-auditor-invoices")

    # Nothing outside finance, and nothing to change, even at its address.
    response = page.goto(f"{base}/engagements/{engagement.pk}/")
    assert response is not None and response.status == 404
    response = page.goto(f"{base}/finance/invoices/{january.pk}/payments/new/")
    assert response is not None and response.status == 403
