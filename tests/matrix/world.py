"""One practice with something of every kind a URL takes, built through the services as people do.

Two sides, mirror images: side A belongs to the personas ``coach``, ``client`` and ``sponsor``;
side B to ``other_coach``, ``other_sponsor`` and a client who is not a persona. Every text field
carries a marker, ``QZ-<What>-<side>``, so a response can be searched for confidential text; which
persona may ever see which marker is in ``tests/matrix/table.py`` (``AUDIENCE``).

Three more people on side A's engagement are held at the door (``GATE_PERSONAS``): each signed in and
was shown to open the engagement before their access changed (``world.held`` keeps what they held).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils import timezone

from confidentiality.models import Notice, User
from confidentiality.roles import Role
from tests.factories import ClientFactory, EngagementFactory, OrganisationFactory, UserFactory

# The people each side's objects belong to.
SIDES: dict[str, dict[str, str]] = {
    "A": {"coach": "coach", "client": "client", "sponsor": "sponsor"},
    "B": {"coach": "other_coach", "client": "other_client", "sponsor": "other_sponsor"},
}


# With ``build(hostile=True)`` every marker is wrapped in markup that would run if a page printed it
# unescaped (``tests/hostile`` builds that world).
HOSTILE = '<script>alert("{marker}")</script><b onmouseover="alert(1)">'
_wrap: list[str] = []


def mark(what: str, side: str) -> str:
    marker = f"QZ-{what}-{side}"
    return _wrap[0].format(marker=marker) if _wrap else marker


@dataclass
class MatrixWorld:
    people: dict[str, User | None]
    objects: dict[str, Any] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)  # secrets only a link holder knows
    # What each persona held at the door (``GATE_PERSONAS`` in table.py) had when their access was still
    # whole: a signed-in session's key and an API token, both shown to work then (``_sign_in_and_check``).
    held: dict[str, tuple[str, str]] = field(default_factory=dict)
    gate_people: dict[str, User] = field(default_factory=dict)
    # The lapsed associate's contract ended at midnight: their requests are made a few minutes after it.
    after_contract: datetime.datetime | None = None

    def pk(self, key: str) -> Any:
        return self.objects[key].pk


def _people() -> tuple[dict[str, User | None], dict[str, Any]]:
    organisation = OrganisationFactory(name="Northwind Trading")
    other_organisation = OrganisationFactory(name="Harbour Health Trust")
    people: dict[str, User | None] = {
        "coach": UserFactory(role=Role.COACH, email="coach@example.org", display_name="Maya Coach"),
        "other_coach": UserFactory(role=Role.COACH, email="other.coach@example.org", display_name="Tom Coach"),
        "client": UserFactory(role=Role.CLIENT, email="client@example.org", display_name=mark("ClientName", "A")),
        "other_client": UserFactory(
            role=Role.CLIENT, email="other.client@example.org", display_name=mark("ClientName", "B")
        ),
        "sponsor": UserFactory(
            role=Role.SPONSOR, email="sponsor@example.org", organisation=organisation, display_name="Priya Sponsor"
        ),
        "other_sponsor": UserFactory(
            role=Role.SPONSOR,
            email="other.sponsor@example.org",
            organisation=other_organisation,
            display_name="Li Sponsor",
        ),
        "admin": UserFactory(role=Role.ADMIN, email="admin@example.org", display_name="Ada Admin"),
        "auditor": UserFactory(role=Role.AUDITOR, email="auditor@example.org", display_name="Ravi Auditor"),
        "superuser": User.objects.create_superuser("root@example.org", "a long test password 2026"),
        "anonymous": None,
    }
    return people, {"A": organisation, "B": other_organisation}


def build(*, hostile: bool = False) -> MatrixWorld:
    if hostile:
        _wrap.append(HOSTILE)
    try:
        return _build()
    finally:
        _wrap.clear()


def _build() -> MatrixWorld:
    from consent.defaults import install_current
    from consent.models import InformationCategory
    from engagements.models import Engagement

    install_current()  # a transactional test run before on this database flushed the migration's rows
    raw, organisations = _people()
    world = MatrixWorld(people=raw)
    o = world.objects
    for side, org in organisations.items():
        o[f"organisation{side}"] = org
    goals = InformationCategory.objects.get(key="goals")
    today = timezone.localdate()
    for side, roles in SIDES.items():
        coach, client_user, sponsor = (raw[roles["coach"]], raw[roles["client"]], raw[roles["sponsor"]])
        client = ClientFactory(full_name=mark("ClientName", side), user=client_user)
        o[f"client{side}"] = client
        o[f"engagement{side}"] = EngagementFactory(
            organisation=organisations[side],
            client=client,
            coaches=[coach],
            sponsors=[sponsor],
            title=f"Coaching {side}",
            reference=f"ENG-M-{side}",
        )
        _confidential_work(world, side, coach, today)
        _reports(world, side, coach, client_user, goals)
        _feedback(world, side, coach)
        _unsolicited_feedback(world, side, coach)
        _consent_and_disclosures(world, side, coach, client)
        _complaints_and_breaches(world, side, coach, client_user)
        _testimonials(world, side, client)
        _sharings(world, side)
        _money(world, side)
        _holds(world, side)
        _subject_access(world, side, client_user, sponsor)
        _agreements(world, side, coach)
        _tokens(world, side, coach)
    # An engagement of side A that has not started, so a draft agreement can be edited.
    o["engagementProposed"] = EngagementFactory(
        organisation=organisations["A"],
        client=o["clientA"],
        coaches=[raw["coach"]],
        sponsors=[raw["sponsor"]],
        status=Engagement.Status.PROPOSED,
        agreed=False,
        reference="ENG-M-P",
    )
    _shut_gates(world, organisations["A"], raw)
    _private_client(world, raw)
    _practice_wide(world, today)
    _people_and_policies(world, today)
    # As the worker does every ten minutes: the retention page reads this count (retention/forecast.py).
    from retention.forecast import forecast_count

    forecast_count()
    return world


def _private_client(world: MatrixWorld, raw: dict[str, User | None]) -> None:
    """A private client, who pays for their own coaching (no organisation), coached by side B's
    coach; no persona is them. Their invoice, part paid, is read by the administrator and the
    auditor alone: not by either organisation's contacts, nor by another client."""
    from finance import services

    o, admin = world.objects, raw["admin"]
    client_user = UserFactory(role=Role.CLIENT, email="private.client@example.org")
    o["engagementPrivate"] = engagement = EngagementFactory(
        organisation=None,
        client=ClientFactory(full_name=mark("PrivateClientName", "B"), user=client_user),
        coaches=[raw["other_coach"]],
        sponsors=[],
        reference="ENG-M-S",
    )
    line = services.LineInput(
        description=mark("PrivateInvoice", "B") + " coaching sessions",
        quantity=Decimal("1"),
        unit_price=Decimal("95.00"),
        tax_rate=Decimal("0"),
    )
    invoice = services.invoice_create(actor=admin, organisation=None, engagement=engagement, lines=[line])
    invoice = services.invoice_issue(actor=admin, invoice=invoice)
    services.payment_record(actor=admin, invoice=invoice, amount=Decimal("45.00"), received_on=timezone.localdate())
    invoice.refresh_from_db()
    o["invoicePrivate"] = invoice


def _shut_gates(world: MatrixWorld, organisation: Any, raw: dict[str, User | None]) -> None:
    """Two more engagements of side A's coach and sponsor whose gates are shut (``WORK_GATE_TABLE``):
    one paused because its client withdrew consent to the practice holding their information, one
    closed with the organisation's own document on it (which its contacts lose at closing)."""
    from consent.models import ConsentRecord
    from consent.services import consent_withdraw
    from engagements import services

    o, admin, sponsor = world.objects, raw["admin"], raw["sponsor"]
    assert admin is not None and sponsor is not None
    for key, reference in (("engagementPaused", "ENG-M-W"), ("engagementClosed", "ENG-M-C")):
        o[key] = EngagementFactory(
            organisation=organisation,
            client=ClientFactory(
                full_name=f"Client of {reference}", user=UserFactory(role=Role.CLIENT, email=f"{reference}@example.org")
            ),
            coaches=[raw["coach"]],
            sponsors=[sponsor],
            reference=reference,
        )
    paused = o["engagementPaused"]
    consent = ConsentRecord.objects.get(client=paused.client, kind=ConsentRecord.Kind.BASIC_INFORMATION)
    consent_withdraw(actor=admin, consent=consent)
    paused.refresh_from_db()
    assert paused.paused_for_consent, "withdrawing the consent pauses the engagement"
    o["documentsuppliedClosed"] = services.document_upload(
        actor=sponsor,
        engagement=o["engagementClosed"],
        name=mark("ClosedDocument", "A") + ".txt",
        content=mark("ClosedDocumentContent", "A").encode(),
    )
    o["engagementClosed"] = services.engagement_close(actor=admin, engagement=o["engagementClosed"])


def _confidential_work(world: MatrixWorld, side: str, coach: Any, today: datetime.date) -> None:
    from engagements import services

    o, engagement = world.objects, world.objects[f"engagement{side}"]
    # Recorded without where it took place: incomplete, for its coach to complete (policy 002).
    session = o[f"coachingsession{side}"] = services.session_record(
        actor=coach,
        engagement=engagement,
        held_on=today - datetime.timedelta(days=3),
        duration_minutes=60,
        mode="video",
    )
    o[f"noteprivate{side}"] = services.note_create(
        actor=coach, engagement=engagement, body=mark("PrivateNote", side) + " fears the merger.", session=session
    )
    o[f"noteshared{side}"] = services.note_create(
        actor=coach,
        engagement=engagement,
        body=mark("SharedNote", side) + " agreed to delegate planning.",
        shared_with_client=True,
    )
    o[f"documentprivate{side}"] = services.document_upload(
        actor=coach,
        engagement=engagement,
        name=mark("PrivateDocument", side) + ".txt",
        content=mark("PrivateDocumentContent", side).encode(),
    )
    o[f"documentshared{side}"] = services.document_upload(
        actor=coach,
        engagement=engagement,
        name=mark("SharedDocument", side) + ".txt",
        content=mark("SharedDocumentContent", side).encode(),
        shared_with_client=True,
    )
    # The organisation's own upload (its sponsor contact's): the one kind of document a sponsor sees.
    sponsor = world.people[SIDES[side]["sponsor"]]
    o[f"documentsupplied{side}"] = services.document_upload(
        actor=sponsor,
        engagement=engagement,
        name=mark("SuppliedDocument", side) + ".txt",
        content=mark("SuppliedDocumentContent", side).encode(),
    )
    # A coach's upload marked as the organisation's: still never shown to its contacts.
    o[f"documentticked{side}"] = services.document_upload(
        actor=coach,
        engagement=engagement,
        name=mark("PrivateDocument", side) + "-ticked.txt",
        content=mark("PrivateDocumentContent", side).encode(),
        supplied_by_organisation=True,
    )
    o[f"hardcopy{side}"] = services.hard_copy_record(
        actor=coach,
        engagement=engagement,
        description=mark("HardCopy", side) + " printed 360 pack",
        location="Cabinet B",
        received_on=today - datetime.timedelta(days=2),
    )


def _reports(world: MatrixWorld, side: str, coach: Any, client_user: Any, goals: Any) -> None:
    from reports import services as report_services

    o, engagement = world.objects, world.objects[f"engagement{side}"]
    released = report_services.report_create(
        actor=coach,
        engagement=engagement,
        title="Starting point",
        sections={goals.pk: mark("ReleasedReport", side) + " three goals agreed."},
    )
    report_services.report_submit(actor=coach, report=released, expected_version=1)
    report_services.report_approve(actor=client_user, report=released, version_number=1)
    o[f"reportreleased{side}"] = report_services.report_release(actor=coach, report=released, expected_version=1)
    review = report_services.report_create(
        actor=coach,
        engagement=engagement,
        title="Mid-point",
        sections={goals.pk: mark("ReviewReport", side) + " budget review is next."},
    )
    review = report_services.report_submit(actor=coach, report=review, expected_version=1)
    report_services.report_comment(
        actor=client_user, report=review, version_number=1, body=mark("ReportComment", side) + " leave out my leave."
    )
    o[f"reportreview{side}"] = review
    o[f"reportdraft{side}"] = report_services.report_create(
        actor=coach,
        engagement=engagement,
        title="Closing",
        sections={goals.pk: mark("DraftReport", side) + " slower than hoped."},
    )


def _feedback(world: MatrixWorld, side: str, coach: Any) -> None:
    from feedback import services as feedback_services

    o, engagement = world.objects, world.objects[f"engagement{side}"]
    shared, issued = feedback_services.feedback_request_create(
        actor=coach,
        engagement=engagement,
        kind="category",
        source_category="peer",
        prompt=mark("FeedbackPrompt", side) + " what helps the team?",
        sources=[
            feedback_services.NewSource(email=f"peer{n}.{side.lower()}@example.net", name=mark("FeedbackSource", side))
            for n in range(3)
        ],
    )
    for n, (_, token) in enumerate(issued):
        feedback_services.feedback_answer(token=token, answer=mark("FeedbackAnswer", side) + f" answer {n}")
    shared.refresh_from_db()
    o[f"feedbackshared{side}"] = feedback_services.feedback_share(
        actor=coach,
        request=shared,
        expected_version=shared.version,
        summary=mark("FeedbackSummary", side) + " generous with credit.",
        presentation="summary",
        share=True,
    )
    pending, issued = feedback_services.feedback_request_create(
        actor=coach,
        engagement=engagement,
        kind="named",
        source_category="line_manager",
        prompt=mark("FeedbackPendingPrompt", side) + " what changed?",
        sources=[
            feedback_services.NewSource(email=f"manager.{side.lower()}@example.net", name=mark("FeedbackManager", side))
        ],
    )
    o[f"feedbackpending{side}"] = pending
    world.tokens[f"feedback{side}"] = issued[0][1]


def _unsolicited_feedback(world: MatrixWorld, side: str, coach: Any) -> None:
    """Feedback nobody asked for: one shared with the client, one the coach has still to share."""
    from feedback import services as feedback_services

    o, engagement = world.objects, world.objects[f"engagement{side}"]
    shared = feedback_services.unsolicited_feedback_record(
        actor=coach,
        engagement=engagement,
        source_category="colleague",
        presentation="summary",
        text=mark("UnsolicitedShared", side) + " talks over people in meetings.",
        received_on=timezone.localdate(),
    )
    o[f"unsolicitedshared{side}"] = feedback_services.unsolicited_feedback_share(actor=coach, feedback=shared)
    o[f"unsolicitedpending{side}"] = feedback_services.unsolicited_feedback_record(
        actor=coach,
        engagement=engagement,
        source_category="direct_report",
        presentation="verbatim",
        text=mark("UnsolicitedPending", side) + " never answers my e-mails.",
        received_on=timezone.localdate(),
    )


def _consent_and_disclosures(world: MatrixWorld, side: str, coach: Any, client: Any) -> None:
    from consent.models import ConsentRecord
    from consent.services import consent_record
    from disclosures import concerns
    from disclosures import services as disclosure_services
    from tests.factories import disclosure_without_consent

    o, engagement = world.objects, world.objects[f"engagement{side}"]
    consent = consent_record(
        actor=client.user,  # signed in the portal: the written consent a disclosure rests on
        client=client,
        engagement=engagement,
        kind=ConsentRecord.Kind.DISCLOSURE,
        wording=mark("ConsentWording", side) + " tell the police about 3 March.",
        method=ConsentRecord.Method.PORTAL,
    )
    o[f"consent{side}"] = consent
    o[f"disclosuremade{side}"] = disclosure_services.disclosure_record(
        actor=coach,
        engagement=engagement,
        what=mark("DisclosureWhat", side) + " threats on 3 March.",
        recipient_kind="government_body",
        recipient="Detective Constable Farquharson",
        reason=mark("DisclosureReason", side) + " production order.",
        basis="client_consent",
        consent=consent,
    )
    o[f"disclosurepending{side}"] = disclosure_without_consent(
        coach,
        engagement,
        what=mark("PendingDisclosure", side) + " risk to a patient.",
        recipient_kind="regulator_ombudsman",
        recipient="The regulator",
        reason=mark("PendingDisclosure", side) + " serious danger.",
    )
    # The concern of serious danger that disclosure was made through, waiting for its second approval.
    o[f"concerndanger{side}"] = o[f"disclosurepending{side}"].concern
    o[f"concern{side}"] = concerns.concern_start(
        actor=coach,
        engagement=engagement,
        kind="breaking_confidentiality",
        text=mark("Concern", side) + " falsified safety records.",
    )


def _complaints_and_breaches(world: MatrixWorld, side: str, coach: Any, client_user: Any) -> None:
    from complaints import services as complaint_services

    o, admin = world.objects, world.people["admin"]
    complaint = complaint_services.complaint_lodge(
        actor=client_user,
        about="shared",
        engagement=o[f"engagement{side}"],
        body=mark("Complaint", side) + " my manager knew what I said.",
    )
    complaint_services.complaint_respond(
        actor=admin, complaint=complaint, message=mark("ComplaintResponse", side) + " we are looking into it."
    )
    o[f"complaint{side}"] = complaint
    # A complaint the administrator recorded for a client without a sign-in, and the response to post.
    by_post = complaint_services.complaint_record_on_behalf(
        actor=admin,
        client=ClientFactory(full_name=mark("PostedClientName", side), user=None),
        about="seen",
        body=mark("PostedComplaint", side) + " my file was left open at reception.",
        received_by="post",
        evidence="A signed letter.",
    )
    o[f"complaintonbehalf{side}"] = by_post
    o[f"complaintletter{side}"] = complaint_services.complaint_respond(
        actor=admin, complaint=by_post, message=mark("PostedComplaint", side) + " we are sorry."
    )
    o[f"breach{side}"] = complaint_services.breach_record(
        actor=coach,
        discovered_at=timezone.now() - datetime.timedelta(hours=5),
        what_happened=mark("Breach", side) + " summary e-mailed to the wrong person.",
        information_involved="One session summary.",
        people_affected="One client.",
        people_affected_count=1,
    )
    _breach_letters(world, side)


def _breach_letters(world: MatrixWorld, side: str) -> None:
    """A breach the administrator recorded that affects the side's client and organisation, the
    decision to tell them, and their letters produced: the client's and the sponsor's (through
    their logins) to read in the portal. The letter's words are the side's alone."""
    from complaints import letters
    from complaints import services as complaint_services

    o, admin = world.objects, world.people["admin"]
    assert admin is not None
    breach = complaint_services.breach_record(
        actor=admin,
        discovered_at=timezone.now() - datetime.timedelta(hours=4),
        what_happened=mark("AdminBreach", side) + " a bag of files left on a train.",
        information_involved="Session notes.",
        people_affected="The client and their organisation.",
    )
    client = letters.breach_affected_add(actor=admin, breach=breach, client=o[f"client{side}"])
    organisation = letters.breach_affected_add(actor=admin, breach=breach, organisation=o[f"organisation{side}"])
    letters.breach_communication_decide(
        actor=admin, breach=breach, expected_version=1, decision="tell", reason="Session notes: a high risk."
    )
    letters.breach_letter_write(
        actor=admin,
        breach=breach,
        expected_version=2,
        nature=mark("BreachLetter", side) + " your file was left on a train.",
        consequences="Someone may have read it.",
        measures="We recovered the bag.",
        advice="Tell us if anyone contacts you about it.",
    )
    letters.breach_letters_produce(actor=admin, breach=breach)
    o[f"breachletters{side}"] = breach
    o[f"breachletterclient{side}"] = client
    o[f"breachletterorg{side}"] = organisation


def _testimonials(world: MatrixWorld, side: str, client: Any) -> None:
    """A draft testimonial in the register, naming the client's consent to be quoted (given in the portal)."""
    from consent.models import ConsentRecord
    from consent.services import consent_record
    from testimonials.services import testimonial_create

    o = world.objects
    o[f"consenttestimonial{side}"] = consent_record(
        actor=client.user,
        client=client,
        kind=ConsentRecord.Kind.TESTIMONIAL,
        wording=mark("ConsentWording", side) + " quote me as a testimonial.",
        method=ConsentRecord.Method.PORTAL,
    )
    o[f"testimonial{side}"] = testimonial_create(
        actor=world.people["admin"],
        client=client,
        kind="testimonial",
        text=mark("Testimonial", side) + " the coaching changed how I lead.",
        used_in="The practice's website",
        consent=o[f"consenttestimonial{side}"],
    )


def _sharings(world: MatrixWorld, side: str) -> None:
    """A sharing of the side's organisation's information with a body outside the practice, proposed:
    its organisation's written permission not given yet."""
    from disclosures.sharing import sharing_propose

    world.objects[f"sharing{side}"] = sharing_propose(
        actor=world.people["admin"],
        organisation=world.objects[f"organisation{side}"],
        to_outside_body="The county's voluntary sector forum",
        what=mark("Sharing", side) + " the staff survey results.",
        why="To help the forum design its own survey.",
    )


def _money(world: MatrixWorld, side: str) -> None:
    from finance import services
    from tests.factories import vat_registered

    o, admin = world.objects, world.people["admin"]
    vat_registered()  # its invoices charge VAT

    def lines(what: str) -> list[Any]:
        return [
            services.LineInput(
                description=mark(what, side) + " coaching sessions",
                quantity=Decimal("2"),
                unit_price=Decimal("500.00"),
                tax_rate=Decimal("20"),
            )
        ]

    invoice = services.invoice_create(
        actor=admin, organisation=o[f"organisation{side}"], engagement=o[f"engagement{side}"], lines=lines("Invoice")
    )
    invoice = services.invoice_issue(actor=admin, invoice=invoice)
    o[f"payment{side}"] = services.payment_record(
        actor=admin,
        invoice=invoice,
        amount=Decimal("100.00"),
        received_on=timezone.localdate(),
        reference=mark("PaymentReference", side),
    )
    o[f"creditnote{side}"] = services.credit_note_issue(
        actor=admin, invoice=invoice, net=Decimal("50.00"), tax=Decimal("0.00"), reason=mark("CreditNote", side)
    )
    invoice.refresh_from_db()
    o[f"invoice{side}"] = invoice
    o[f"invoicedraft{side}"] = services.invoice_create(
        actor=admin, organisation=o[f"organisation{side}"], lines=lines("DraftInvoice")
    )


def _holds(world: MatrixWorld, side: str) -> None:
    from retention import services

    world.objects[f"hold{side}"] = services.hold_place(
        actor=world.people["admin"],
        target=world.objects[f"engagement{side}"],
        case_reference=f"CASE-{side}",
        reason=mark("LegalHold", side) + " employment tribunal.",
    )


def _subject_access(world: MatrixWorld, side: str, client_user: Any, sponsor: Any) -> None:
    """The client's request answered and released; the organisation's first request answered and
    released, its second still open."""
    from rights import services as sar

    o = world.objects

    def released(requester: Any) -> Any:
        admin = world.people["admin"]
        request = sar.subject_access_request_open(actor=requester)
        export = sar.subject_access_export_start(actor=admin, request=request)
        assert sar.export_build(export_id=export.pk)
        request.refresh_from_db()
        sar.copy_for_review(actor=admin, request=request)
        return sar.subject_access_release(actor=admin, request=request, reviewed=True)

    o[f"sarclient{side}"] = released(client_user)
    o[f"sarorganisationreleased{side}"] = released(sponsor)
    o[f"sarorganisation{side}"] = sar.subject_access_request_open(actor=sponsor)
    # The client's other rights: a correction still open, an objection answered (its letter ready).
    # (Not an erasure: answering one carries it out, and would delete the world's records.)
    o[f"sarcorrection{side}"] = sar.subject_access_request_open(
        actor=client_user, right="rectification", details=mark("RightDetails", side) + " my telephone is wrong."
    )
    objection = sar.subject_access_request_open(
        actor=client_user, right="objection", details=mark("RightDetails", side) + " stop using my feedback."
    )
    o[f"saranswered{side}"] = sar.right_answer(
        actor=world.people["admin"], request=objection, outcome=mark("RightOutcome", side) + " stopped as asked."
    )
    # A client without a sign-in, answered: their single-use download link sent (rights/links.py).
    from rights import links

    by_post = sar.subject_access_request_open(
        actor=world.people["admin"],
        client=ClientFactory(full_name=mark("PostedClientName", side), user=None),
        right="objection",
        details=mark("RightDetails", side) + " stop using my notes.",
        received_by="post",
        evidence="A signed letter.",
    )
    o[f"sarpost{side}"] = sar.right_answer(
        actor=world.people["admin"], request=by_post, outcome=mark("RightOutcome", side) + " stopped."
    )
    sent = links.answer_link_send(actor=world.people["admin"], request=o[f"sarpost{side}"])
    world.tokens[f"answerlink{side}"] = sent.token


def _agreements(world: MatrixWorld, side: str, coach: Any) -> None:
    from consent.services import current_agreement

    o = world.objects
    o[f"agreement{side}"] = current_agreement(o[f"engagement{side}"])


def _tokens(world: MatrixWorld, side: str, coach: Any) -> None:
    from confidentiality.services import api_token_issue
    from tests.conftest import ensure_second_factor

    ensure_second_factor(coach)
    token, _ = api_token_issue(actor=coach, user=coach, name=mark("TokenName", side))
    world.objects[f"token{side}"] = token


def _practice_wide(world: MatrixWorld, today: datetime.date) -> None:
    from complaints.services import breach_record
    from consent.defaults import install_current
    from consent.services import (
        agreement_send,
        agreement_start,
        agreement_template_create,
        professional_code_create,
    )
    from finance import services as finance

    o, admin, coach = world.objects, world.people["admin"], world.people["coach"]
    # A breach the administrator recorded: no coach reported it, so no coach reads it.
    assert admin is not None
    o["breachadmin"] = breach_record(
        actor=admin,
        discovered_at=timezone.now() - datetime.timedelta(hours=2),
        what_happened=mark("AdminBreach", "A") + " a laptop stolen from a car.",
        information_involved="Session notes.",
        people_affected="Two clients.",
        people_affected_count=2,
    )
    o["template"] = agreement_template_create(actor=admin, name="Practice copy", source=install_current())
    o["professionalcode"] = professional_code_create(
        actor=admin, name="Matrix Code of Ethics", body="Matrix Coaching Body", link="https://example.org/matrix"
    )
    # Side A's signed agreement being changed (a draft of version 2), and a new engagement's agreement
    # waiting for the client's and the sponsor's signatures.
    o["agreementdraft"] = agreement_start(actor=coach, engagement=o["engagementA"])
    o["agreementsent"] = agreement_send(
        actor=coach,
        agreement=agreement_start(actor=coach, engagement=o["engagementProposed"], template=install_current()),
    )
    # The records of processing: an activity and a processor no activity names (so it may be removed).
    from processing.services import activity_create, processor_create

    o["processor"] = processor_create(
        actor=admin, name="Matrix Hosting", service="Hosts the portal.", location="United Kingdom"
    )
    o["activity"] = activity_create(
        actor=admin,
        purpose="Providing coaching",
        lawful_basis="contract",
        data_subjects="Clients",
        data_categories="Names; session notes",
        retention_rule="engagement_files",
    )
    o["audit"] = finance.audit_open(
        actor=admin,
        auditor=world.people["auditor"],
        starts_on=today - datetime.timedelta(days=1),
        ends_on=today + datetime.timedelta(days=30),
        purpose=mark("AuditPurpose", "A") + " annual accounts",
    )


def _people_and_policies(world: MatrixWorld, today: datetime.date) -> None:
    """Staff who joined and left, sponsor contacts, and the policy every member of staff accepted,
    then its second version, accepted by all but one: with them, the three people held at the door
    (``GATE_PERSONAS`` in table.py), each on side A's engagement and signed in while it still opened."""
    from allauth.usersessions.models import UserSession

    from engagements.models import SponsorContact
    from engagements.services import engagement_member_add
    from people.services import person_offboard
    from retention.services import policy_record

    o, admin = world.objects, world.people["admin"]
    engagement = o["engagementA"]
    staff = [world.people[p] for p in ("coach", "other_coach", "admin", "auditor", "superuser")]
    first = policy_record(
        actor=admin, kind="confidentiality", text="We keep what clients say confidential.", reviewed_on=today
    )
    # A coach on side A who accepted the first version, not the second (recorded while they were signed in).
    pending = UserFactory(role=Role.COACH, email="pending.coach@example.org", display_name="Noor Pending")
    # A second coach on side A who has left: their offboarding record and the handover it opened.
    leaver = UserFactory(role=Role.COACH, email="leaver@example.org", display_name="Lee Leaver")
    for person in (pending, leaver):
        engagement_member_add(actor=admin, engagement=engagement, user=person, kind="coach")
    _accept(first, [*staff, pending, leaver])  # policy 002 binds staff
    world.held["pending_coach"] = _sign_in_and_check(pending, engagement)
    o["policy"] = policy_record(
        actor=admin,
        kind="confidentiality",
        text="We keep what clients say confidential, and tell them when the law says we may not.",
        reviewed_on=today,
    )
    _accept(o["policy"], [*staff, leaver])
    world.held["offboarded_coach"] = _sign_in_and_check(leaver, engagement)
    o["offboarding"] = person_offboard(actor=admin, user=leaver, reason="deactivated")
    o["handover"] = o["offboarding"].engagements.get()
    world.gate_people |= {"pending_coach": pending, "offboarded_coach": leaver}
    _lapsed_associate(world, engagement, today)
    for side, roles in SIDES.items():
        o[f"sponsorcontact{side}"] = SponsorContact.objects.get(user=world.people[roles["sponsor"]])
    # One of the coach's own notices, pointing at their engagement.
    o["noticeA"] = Notice.objects.create(
        user=world.people["coach"], text="A matrix notice.", link=f"/engagements/{engagement.pk}/"
    )
    # One of the coach's own signed-in sessions, as allauth records it.
    o["sessionA"] = UserSession.objects.create(
        user=world.people["coach"], ip="127.0.0.1", session_key="matrix-coach-session", user_agent="matrix"
    )
    # An e-mail the outbox could not deliver: the administrator's to see and send again.
    o["email"] = _failed_email(world.people["coach"])


def _failed_email(to: Any) -> Any:
    from django.core.mail import EmailMessage

    from confidentiality.models import OutgoingEmail
    from confidentiality.outbox import outbox_store

    email = outbox_store(message=EmailMessage("Coaching practice: a matrix message", "Sign in.", None, [to.email]))
    OutgoingEmail.objects.filter(pk=email.pk).update(
        status=OutgoingEmail.Status.FAILED, attempts=6, last_error="SMTPRecipientsRefused"
    )
    return email


def _accept(document: Any, people: list[Any]) -> None:
    from people.policies import policy_accept, text_hash

    for person in people:
        assert person is not None
        policy_accept(
            actor=person, document=document, shown_hash=text_hash(document.text), ip_address=None, user_agent=""
        )
        person.refresh_from_db()


def _sign_in_and_check(user: User, engagement: Any) -> tuple[str, str]:
    """A signed-in session (second factor passed) and an API token, each shown to open the engagement
    now: so when they are refused later, the change in the person's access is why, nothing else."""
    from django.test import Client as HttpClient

    from tests.conftest import issue_token, login

    browser = login(HttpClient(), user)
    session_key = browser.session.session_key
    assert session_key is not None
    key = issue_token(user, "matrix")
    api = HttpClient(headers={"Authorization": f"Bearer {key}"})
    page = browser.get(f"/engagements/{engagement.pk}/").status_code
    endpoint = api.get(f"/api/v1/engagements/{engagement.pk}/").status_code
    assert (page, endpoint) == (200, 200), f"{user.email} could not open the engagement before: {page}, {endpoint}"
    return session_key, key


def _lapsed_associate(world: MatrixWorld, engagement: Any, today: datetime.date) -> None:
    """An associate coach on side A whose contract's last day is today. They sign in at ten to midnight
    (frozen time, as tests/people/test_associates.py does); the gate pass asks as them at five
    past, within the session's idle timeout, so only the contract's end can refuse them."""
    import time_machine

    from engagements.services import engagement_member_add
    from people.services import staff_add

    admin = world.people["admin"]
    midnight = timezone.make_aware(datetime.datetime.combine(today + datetime.timedelta(days=1), datetime.time()))
    with time_machine.travel(midnight - datetime.timedelta(minutes=10), tick=False):
        associate = staff_add(
            actor=admin,
            email="jo.associate@example.org",
            role=Role.COACH,
            display_name="Jo Associate",
            is_associate=True,
            contract_ends_on=today,
        )
        engagement_member_add(actor=admin, engagement=engagement, user=associate, kind="coach")
        _accept(world.objects["policy"], [associate])
        world.held["lapsed_associate"] = _sign_in_and_check(associate, engagement)
    world.gate_people["lapsed_associate"] = associate
    world.after_contract = midnight + datetime.timedelta(minutes=5)
