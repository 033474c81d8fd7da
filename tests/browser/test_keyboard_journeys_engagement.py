"""More journeys of JOURNEYS.md by keyboard alone, around an engagement: no click, no mouse. Tab
and Shift+Tab move the focus, Enter and Space act, the arrow keys choose in a closed <select>,
and text is typed into whatever has the focus.

- Client 1 "Agree" and Sponsor 1 "Sign the agreement": the client reads the agreement and signs
  it, then the sponsor signs it; the coach countersigns last, and only then writes a note; the
  sponsor downloads the signed PDF.
- Coach 2 "A report to the sponsor": a draft within the agreed categories, sent to the client.
- Coach 3 "Feedback from others" and the feedback giver's journey: the request to colleagues of
  the client, by category; each answers through the link in their e-mail, which then no longer
  works; the coach shares a summary with the answers word for word; the client sees them under
  "Peer" and no name, the sponsor no feedback at all.
- Sponsor 3 "See invoices": the organisation's invoices and what is outstanding, and nothing of
  another organisation.
- Client 3 "Know what is held": the client withdraws a consent and opens "Who has read my file".

Every element the focus lands on must show it (an outline or a box shadow, WCAG 2.4.7), and
what each person must not see is checked with what they do.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from confidentiality.roles import Role
from consent.defaults import install_current
from consent.models import Agreement, ConsentRecord, FeedbackAnonymity
from consent.services import agreement_send, agreement_start, consent_record
from engagements.models import Note
from engagements.services import audit_reads, note_create
from feedback.models import FeedbackRequest, FeedbackSource
from finance import services as finance
from reports.models import SponsorReport
from tests.browser.conftest import assert_accessible
from tests.browser.keyboard import PHONE, check_skip_link, pick, press_and_wait, sign_in, staff, tab_to, tick
from tests.factories import ClientFactory, EngagementFactory, OrganisationFactory, UserFactory, vat_registered

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_the_agreement(page: Any, reference: str, *, missing: str | None = None, axe: str | None = None) -> None:
    """From the dashboard: the engagement, its agreement, version 1, the box, the button. The
    engagement's page says ``missing`` (who must still sign), if given; axe-core checks the
    agreement before it is signed under the name ``axe``, if given."""
    tab_to(page, page.get_by_role("link", name=reference, exact=True))
    press_and_wait(page, "Enter")
    page.get_by_role("heading", level=1, name=re.compile(reference)).wait_for()
    if missing is not None:
        assert missing in page.content()
    tab_to(page, page.get_by_role("link", name="Read and sign the agreement"))
    press_and_wait(page, "Enter")
    tab_to(page, page.get_by_role("link", name=re.compile("Version 1")))
    press_and_wait(page, "Enter")
    page.get_by_role("heading", name=re.compile("When confidentiality may be broken")).wait_for()
    check_skip_link(page)
    if axe is not None:
        assert_accessible(page, axe)
    box = page.get_by_label("I have read this agreement and I agree to it.")
    tick(page, box)
    tab_to(page, page.get_by_role("button", name="Sign the agreement"))
    press_and_wait(page, "Enter")
    page.get_by_text("your signature is recorded").wait_for()


def test_the_client_and_the_sponsor_sign_then_the_coach_countersigns(
    live_server: Any, new_page: Callable[[], Any]
) -> None:
    organisation = OrganisationFactory(name="Northwind Trading")
    client = UserFactory(role=Role.CLIENT, email="client@example.org", display_name="Ines Client")
    sponsor = UserFactory(
        role=Role.SPONSOR, email="sponsor@example.org", organisation=organisation, display_name="Omar Sponsor"
    )
    coach, secret = staff(Role.COACH, email="coach@example.org", display_name="Cora Coach")
    engagement = EngagementFactory(
        organisation=organisation,
        client=ClientFactory(user=client, full_name="Ines Client"),
        coaches=[coach],
        sponsors=[sponsor],
        reference="ENG-KEYS-SIGN",
        agreed=False,
    )
    agreement = agreement_send(
        actor=coach, agreement=agreement_start(actor=coach, engagement=engagement, template=install_current())
    )
    # Another organisation's engagement: neither the client nor the sponsor may see it.
    harbour = OrganisationFactory(name="Harbour Health Trust")
    EngagementFactory(
        organisation=harbour,
        client=ClientFactory(user=UserFactory(role=Role.CLIENT)),
        coaches=[coach],
        sponsors=[UserFactory(role=Role.SPONSOR, organisation=harbour)],
        reference="ENG-KEYS-ELSEWHERE",
    )

    client_page = new_page()
    sign_in(client_page, live_server.url, client.email)
    client_page.get_by_role("heading", level=1, name="My coaching").wait_for()
    assert "ENG-KEYS-ELSEWHERE" not in client_page.content()
    sign_the_agreement(
        client_page,
        "ENG-KEYS-SIGN",
        missing="The client must sign the agreement.",
        axe="keyboard-agreement-client-signing",
    )
    assert "Client: Ines Client" in client_page.content()
    agreement.refresh_from_db()
    assert agreement.state == Agreement.State.OUT_FOR_SIGNATURE
    assert list(agreement.signatures.values_list("party", "user_id")) == [("client", client.pk)]

    sponsor_page = new_page()
    sign_in(sponsor_page, live_server.url, sponsor.email)
    sponsor_page.get_by_role("heading", level=1, name="Coaching for your organisation").wait_for()
    assert "ENG-KEYS-ELSEWHERE" not in sponsor_page.content()
    sign_the_agreement(sponsor_page, "ENG-KEYS-SIGN")
    content = sponsor_page.content()
    assert "Client: The client" in content and "Ines Client" not in content  # the sponsor is not told who
    assert "Sponsor: Omar Sponsor" in content
    assert sponsor_page.get_by_role("button", name="Sign the agreement").count() == 0  # signed once only

    agreement.refresh_from_db()
    assert agreement.state == Agreement.State.OUT_FOR_SIGNATURE  # the coach countersigns last
    assert sorted(agreement.signatures.values_list("party", "user_id")) == [
        ("client", client.pk),
        ("sponsor", sponsor.pk),
    ]
    assert_accessible(sponsor_page, "keyboard-agreement-sponsor-signed")

    # The coach countersigns last, with the second factor.
    coach_page = new_page()
    sign_in(coach_page, live_server.url, coach.email, secret)
    coach_page.get_by_role("heading", level=1, name="Your engagements").wait_for()
    sign_the_agreement(coach_page, "ENG-KEYS-SIGN")
    agreement.refresh_from_db()
    assert agreement.state == Agreement.State.SIGNED

    # The gate is open: back to the engagement by its breadcrumb, and the first note.
    tab_to(coach_page, coach_page.locator(".breadcrumb").get_by_role("link", name="ENG-KEYS-SIGN", exact=True))
    press_and_wait(coach_page, "Enter")
    coach_page.get_by_role("heading", level=1, name=re.compile("ENG-KEYS-SIGN")).wait_for()
    assert "Signed by everyone and in force." in coach_page.content()
    # With no notes yet, the "Write a note" panel is already open.
    tab_to(coach_page, coach_page.get_by_label("Note", exact=True))
    coach_page.keyboard.type("First note after contracting.")
    tab_to(coach_page, coach_page.get_by_role("button", name="Save note"))
    press_and_wait(coach_page, "Enter")
    coach_page.get_by_text("Private note saved.").wait_for()
    assert Note.objects.get(engagement=engagement).author_id == coach.pk

    # Each signatory can download the signed PDF: the sponsor, by keyboard.
    sponsor_page.goto(f"{live_server.url}/agreements/{agreement.pk}/")
    tab_to(sponsor_page, sponsor_page.get_by_role("link", name="Download as PDF"))
    with sponsor_page.expect_download() as download:
        sponsor_page.keyboard.press("Enter")
    assert download.value.suggested_filename == "agreement-ENG-KEYS-SIGN-v1.pdf"
    assert Path(download.value.path()).read_bytes().startswith(b"%PDF")


def test_a_coach_drafts_a_report_and_sends_it_to_the_client(live_server: Any, page: Any) -> None:
    coach, secret = staff(Role.COACH, email="coach@example.org", display_name="Maya Lindqvist")
    organisation = OrganisationFactory(name="Northwind Trading")
    engagement = EngagementFactory(
        organisation=organisation,
        client=ClientFactory(user=UserFactory(role=Role.CLIENT)),
        coaches=[coach],
        sponsors=[UserFactory(role=Role.SPONSOR, organisation=organisation)],
        reference="ENG-KEYS-REPORT",
    )
    # Another coach's engagement: not for this coach's eyes.
    EngagementFactory(
        organisation=organisation,
        client=ClientFactory(user=UserFactory(role=Role.CLIENT)),
        coaches=[UserFactory(role=Role.COACH)],
        reference="ENG-KEYS-NOT-MINE",
    )

    sign_in(page, live_server.url, coach.email, secret)
    page.get_by_role("heading", level=1, name="Your engagements").wait_for()
    assert "ENG-KEYS-NOT-MINE" not in page.content()
    nav = page.get_by_role("navigation", name="Main")
    for forbidden in ("Clients", "Finance", "Invoices"):
        assert nav.get_by_role("link", name=forbidden, exact=True).count() == 0
    tab_to(page, page.get_by_role("link", name="ENG-KEYS-REPORT", exact=True))
    press_and_wait(page, "Enter")
    tab_to(page, page.get_by_role("link", name="Reports to the sponsor"))
    press_and_wait(page, "Enter")
    page.get_by_role("heading", level=1, name="Reports to the sponsor").wait_for()
    check_skip_link(page)

    # Only the categories the signed agreement shares with the sponsor have a section.
    assert page.get_by_label("Job hunting and career aspirations").count() == 0
    assert page.get_by_label("Details of coaching discussions").count() == 0
    tab_to(page, page.get_by_label("Title"))
    page.keyboard.type("Mid-point summary")
    tab_to(page, page.get_by_label("Partnership goals"))
    page.keyboard.type("Ines has delegated the weekly planning.")
    tab_to(page, page.get_by_role("button", name="Save draft"))
    press_and_wait(page, "Enter")
    page.get_by_role("heading", level=1, name="Mid-point summary").wait_for()

    report = SponsorReport.objects.get(engagement=engagement)
    assert report.state == "draft"
    tab_to(page, page.get_by_role("button", name=re.compile("^Save and send to .* for review$")))
    press_and_wait(page, "Enter")
    page.get_by_text("Sent to the client for review.").wait_for()

    report.refresh_from_db()
    assert report.state == "with_client"
    assert report.title == "Mid-point summary"
    assert page.get_by_role("button", name=re.compile("^Save and send to .* for review$")).count() == 0
    assert_accessible(page, "keyboard-report-sent-to-client")


def test_a_coach_asks_colleagues_for_feedback_by_category_and_shares_a_summary(
    live_server: Any, page: Any, new_page: Callable[[], Any]
) -> None:
    coach, secret = staff(Role.COACH, email="coach@example.org", display_name="Cora Coach")
    organisation = OrganisationFactory(name="Northwind Trading")
    client = UserFactory(role=Role.CLIENT, email="client@example.org", display_name="Ines Client")
    sponsor = UserFactory(role=Role.SPONSOR, email="sponsor@example.org", organisation=organisation)
    engagement = EngagementFactory(
        organisation=organisation,
        client=ClientFactory(user=client, full_name="Ines Quarry"),
        coaches=[coach],
        sponsors=[sponsor],
        reference="ENG-KEYS-FEEDBACK",
    )
    Agreement.objects.filter(engagement=engagement).update(feedback_anonymity=FeedbackAnonymity.BY_CATEGORY)
    colleagues = [
        ("Ada Brightwater", "ada@example.net", "Generous with credit in team meetings."),
        ("Ben Okafor", "ben@example.net", "Interrupts less than a year ago."),
        ("Cy Lam", "cy@example.net", "Could delegate the quarterly forecast."),
    ]
    summary = "Colleagues value your generosity; delegate more."
    base = live_server.url

    sign_in(page, base, coach.email, secret)
    page.get_by_role("heading", level=1, name="Your engagements").wait_for()
    tab_to(page, page.get_by_role("link", name="ENG-KEYS-FEEDBACK", exact=True))
    press_and_wait(page, "Enter")
    tab_to(page, page.get_by_role("link", name="Feedback from others"))
    press_and_wait(page, "Enter")
    page.get_by_role("heading", level=1, name="Feedback from others").wait_for()
    check_skip_link(page)

    # Tab reaches the chosen radio of the group; Space keeps it chosen.
    by_kind = page.get_by_label("People of one kind")
    tick(page, by_kind)
    # The arrow keys choose in the closed <select>: line manager, senior leader, peer.
    category = page.get_by_label("Kind of person")
    tab_to(page, category)
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    assert category.input_value() == "peer"
    tab_to(page, page.get_by_label("What you ask them"))
    page.keyboard.type("What helps the team, and what could change?")
    for i, (name, email, _) in enumerate(colleagues, start=1):
        tab_to(page, page.get_by_label(f"Name {i}", exact=True))
        page.keyboard.type(name)
        tab_to(page, page.get_by_label(f"E-mail {i}", exact=True))
        page.keyboard.type(email)
    assert_accessible(page, "keyboard-feedback-ask")
    tab_to(page, page.get_by_role("button", name="Send the requests"))
    press_and_wait(page, "Enter")
    page.get_by_text("Asked 3 people.").wait_for()

    request = FeedbackRequest.objects.get(engagement=engagement)
    assert (request.kind, request.source_category) == ("category", "peer")
    assert request.prompt == "What helps the team, and what could change?"
    assert FeedbackSource.objects.filter(request=request).count() == 3
    found = [(m.to[0], re.search(r"http\S+(/feedback/give/\S+/)", str(m.body))) for m in mail.outbox]
    links = {to: match.group(1) for to, match in found if match}
    assert sorted(links) == sorted(email for _, email, _ in colleagues)  # each their own link
    assert "0 of 3 answered" in page.content()
    assert_accessible(page, "keyboard-feedback-asked")

    # Each colleague, without an account: the link from their e-mail, the terms, the answer, the
    # thanks; the link does not work a second time.
    for _name, email, answer in colleagues:
        giver = new_page()
        giver.goto(base + links[email])
        giver.get_by_role("heading", name="The terms of confidentiality you are under").wait_for()
        assert "described only as 'Peer', never by name" in giver.content().replace("&#x27;", "'")
        if email == colleagues[0][1]:
            check_skip_link(giver)
            assert_accessible(giver, "keyboard-feedback-give")
        tab_to(giver, giver.get_by_label("Your feedback"))
        giver.keyboard.type(answer)
        tick(giver, giver.get_by_label("I have read the terms above"))
        tab_to(giver, giver.get_by_role("button", name="Send my feedback"))
        press_and_wait(giver, "Enter")
        giver.get_by_role("heading", name="Thank you").wait_for()
        again = giver.goto(base + links[email])
        assert again is not None and again.status == 404
        giver.get_by_role("heading", name="This link does not work").wait_for()
        giver.close()
    assert FeedbackSource.objects.filter(request=request, answered_at__isnull=False).count() == 3

    # The coach reads the answers and shares a summary with them word for word (the arrow keys
    # choose in the radio group).
    page.reload()
    assert "3 of 3 answered" in page.content()
    tab_to(page, page.get_by_label("Your summary for the client"))
    page.keyboard.type(summary)
    pick(page, page.get_by_label(re.compile("word for word")))
    tab_to(page, page.get_by_role("button", name="Save and share with the client"))
    press_and_wait(page, "Enter")
    page.get_by_text("Shared with the client.").wait_for()
    request.refresh_from_db()
    assert (request.presentation, request.summary) == ("verbatim", summary)
    assert request.shared_at is not None

    # The client: the words under "Peer", and no name or address.
    client_page = new_page()
    sign_in(client_page, base, client.email)
    client_page.get_by_role("heading", level=1, name="My coaching").wait_for()
    tab_to(client_page, client_page.get_by_role("link", name="ENG-KEYS-FEEDBACK", exact=True))
    press_and_wait(client_page, "Enter")
    tab_to(client_page, client_page.get_by_role("link", name="Feedback from others"))
    press_and_wait(client_page, "Enter")
    tab_to(client_page, client_page.get_by_role("link", name="Feedback: Peer"))
    press_and_wait(client_page, "Enter")
    client_page.get_by_role("heading", level=1, name="Feedback: Peer").wait_for()
    content = client_page.content()
    assert summary in content
    for name, email, answer in colleagues:
        assert answer in content
        assert name not in content and email not in content
    assert_accessible(client_page, "keyboard-feedback-client")

    # The sponsor: no feedback at all.
    sponsor_page = new_page()
    sign_in(sponsor_page, base, sponsor.email)
    sponsor_page.get_by_role("heading", level=1, name="Coaching for your organisation").wait_for()
    tab_to(sponsor_page, sponsor_page.get_by_role("link", name="ENG-KEYS-FEEDBACK", exact=True))
    press_and_wait(sponsor_page, "Enter")
    sponsor_page.get_by_role("heading", level=1, name=re.compile("ENG-KEYS-FEEDBACK")).wait_for()
    assert "Feedback from others" not in sponsor_page.content()


def test_a_sponsor_sees_what_the_organisation_owes(live_server: Any, page: Any) -> None:
    admin = UserFactory(role=Role.ADMIN)
    vat_registered()
    organisation = OrganisationFactory(name="Northwind Trading")
    sponsor = UserFactory(
        role=Role.SPONSOR, email="sponsor@example.org", organisation=organisation, display_name="Omar Sponsor"
    )
    engagement = EngagementFactory(
        organisation=organisation,
        client=ClientFactory(user=UserFactory(role=Role.CLIENT)),
        coaches=[UserFactory(role=Role.COACH)],
        sponsors=[sponsor],
        reference="ENG-KEYS-INVOICE",
    )
    harbour = OrganisationFactory(name="Harbour Health Trust")

    def issue(org: Any, price: str, eng: Any = None) -> Any:
        draft = finance.invoice_create(
            actor=admin,
            organisation=org,
            engagement=eng,
            lines=[finance.LineInput("Coaching sessions", Decimal(2), Decimal(price), Decimal(20))],
        )
        return finance.invoice_issue(actor=admin, invoice=draft)

    today = timezone.localdate()
    # Ours: 1,200.00 of which 500.00 paid, and 600.00 paid in full; outstanding 700.00.
    owed = issue(organisation, "500.00", engagement)
    finance.payment_record(actor=admin, invoice=owed, amount=Decimal("500.00"), received_on=today)
    settled = issue(organisation, "250.00", engagement)
    finance.payment_record(actor=admin, invoice=settled, amount=Decimal("600.00"), received_on=today)
    theirs = issue(harbour, "999.00")  # another organisation's, unpaid: 2,397.60
    owed.refresh_from_db()
    settled.refresh_from_db()
    theirs.refresh_from_db()

    sign_in(page, live_server.url, sponsor.email)
    page.get_by_role("heading", level=1, name="Coaching for your organisation").wait_for()
    tab_to(page, page.get_by_role("navigation", name="Main").get_by_role("link", name="Invoices", exact=True))
    press_and_wait(page, "Enter")
    page.get_by_role("heading", level=1, name="Invoices").wait_for()
    check_skip_link(page)

    stats = page.get_by_role("list", name="Totals in GBP")
    assert "700.00 outstanding" in re.sub(r"\s+", " ", stats.inner_text())
    table = page.get_by_role("region", name="Issued invoices, newest first")
    assert owed.reference in table.inner_text()
    assert settled.reference in table.inner_text()
    # Every column reads at 1280 px: nothing is cut off, nothing needs scrolling sideways.
    assert page.viewport_size["width"] == 1280
    assert table.evaluate("(e) => e.scrollWidth <= e.clientWidth"), "the invoice list is wider than the page"
    assert table.get_by_role("columnheader", name="State").is_visible()

    # What is still owed: the state filter, chosen with the arrow keys, then Show.
    state = page.get_by_label("Invoice state")
    tab_to(page, state)
    page.keyboard.press("ArrowDown")
    assert state.input_value() == "open"
    assert page.get_by_label("Organisation", exact=True).count() == 0  # nothing to choose
    tab_to(page, page.get_by_role("button", name="Show"))
    press_and_wait(page, "Enter")
    assert "state=open" in page.url
    table = page.get_by_role("region", name="Issued invoices, newest first")
    rows = table.inner_text()
    assert owed.reference in rows
    assert settled.reference not in rows
    # The table region is reachable by Tab, to scroll it by keyboard on a narrow screen.
    tab_to(page, table)

    content = page.content()
    assert theirs.reference not in content
    assert "Harbour Health Trust" not in content
    assert "2,397.60" not in content
    assert_accessible(page, "keyboard-sponsor-invoices")


def test_a_client_withdraws_a_consent_and_sees_who_has_read_the_file(live_server: Any, page: Any) -> None:
    organisation = OrganisationFactory(name="Northwind Trading")
    client = UserFactory(role=Role.CLIENT, email="client@example.org", display_name="Ines Client")
    coach = UserFactory(role=Role.COACH, display_name="Maya Lindqvist")
    own = ClientFactory(user=client)
    engagement = EngagementFactory(
        organisation=organisation,
        client=own,
        coaches=[coach],
        sponsors=[UserFactory(role=Role.SPONSOR, organisation=organisation)],
        reference="ENG-KEYS-HELD",
    )
    marketing = consent_record(
        actor=client,
        client=own,
        kind=ConsentRecord.Kind.MARKETING,
        wording="I agree that the practice mentions me in its marketing.",
        method=ConsentRecord.Method.PORTAL,
    )
    # The coach reads a private note: the client sees that it was read, never its words.
    private = "Private: she may be moving to the Okonkwo team."
    note = note_create(actor=coach, engagement=engagement, body=private)
    audit_reads(actor=coach, action="note.read", engagement=engagement, objects=[note])
    # Someone else's consent: not for this client's eyes.
    other = ClientFactory(user=UserFactory(role=Role.CLIENT), full_name="Zed Otherclient")
    consent_record(
        actor=None,
        client=other,
        kind=ConsentRecord.Kind.TESTIMONIAL,
        wording="Zed agrees to be named as a testimonial.",
        method=ConsentRecord.Method.PORTAL,
    )

    page.set_viewport_size(PHONE)
    sign_in(page, live_server.url, client.email)
    page.get_by_role("heading", level=1, name="My coaching").wait_for()
    menu = page.get_by_role("button", name="Menu")
    tab_to(page, menu)
    page.keyboard.press("Enter")
    assert menu.get_attribute("aria-expanded") == "true"
    nav = page.get_by_role("navigation", name="Main")
    tab_to(page, nav.get_by_role("link", name="My consents", exact=True))
    press_and_wait(page, "Enter")
    page.get_by_role("heading", level=1, name="My consents").wait_for()
    check_skip_link(page)
    assert "Zed agrees to be named" not in page.content()

    tab_to(page, page.get_by_role("button", name="Withdraw consent: To be mentioned in marketing"))
    press_and_wait(page, "Enter")
    page.get_by_text("Consent withdrawn. It no longer applies, from now on.").wait_for()
    marketing.refresh_from_db()
    assert marketing.withdrawn_at is not None
    assert marketing.withdrawn_by_id == client.pk
    basic = ConsentRecord.objects.get(client=own, kind=ConsentRecord.Kind.BASIC_INFORMATION)
    assert basic.withdrawn_at is None  # only the one chosen
    assert page.get_by_role("button", name="Withdraw consent: To be mentioned in marketing").count() == 0
    card = page.locator("article.note-card", has_text="mentions me in its marketing")
    assert "withdrawn" in card.inner_text()
    assert_accessible(page, "keyboard-consent-withdrawn")

    menu = page.get_by_role("button", name="Menu")
    tab_to(page, menu)
    if menu.get_attribute("aria-expanded") != "true":
        page.keyboard.press("Enter")
    assert menu.get_attribute("aria-expanded") == "true"
    tab_to(page, nav.get_by_role("link", name="Who has read my file", exact=True))
    press_and_wait(page, "Enter")
    page.get_by_role("heading", level=1, name="Who has read my file").wait_for()
    # Nothing to act on in <main> here, so check_skip_link's last step does not apply: the skip
    # link is the first stop and puts the focus in <main>.
    page.evaluate("() => { document.activeElement?.blur(); window.scrollTo(0, 0); }")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Skip to main content"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    # The table's box has no tabindex, so it must fit the phone: nothing to scroll by keyboard.
    width, box = page.locator("main .table-wrap").evaluate("e => [e.scrollWidth, e.clientWidth]")
    assert width <= box, (width, box)
    readers = page.get_by_role("table").inner_text()
    assert "Maya Lindqvist" in readers
    assert "Notes" in readers
    assert private not in page.content()
    assert_accessible(page, "keyboard-who-has-read-my-file")
