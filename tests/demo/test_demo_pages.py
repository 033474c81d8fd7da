"""The demo practice as ``make run`` leaves it: each role's main pages answer, on the engine the
suite runs on (CI's SQLite pass included), with what that role came to see and nothing it must not."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client as HttpClient

from confidentiality.models import User
from demo.practice import PEOPLE, seed_demo
from tests.conftest import built_once, login


@pytest.fixture(scope="module")
def demo(django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The demo practice, seeded once for this module (each test runs in a savepoint of it): seeding
    takes seconds, and every test here reads the same practice."""
    with built_once(django_db_blocker, tmp_path_factory.mktemp("demo-media")) as build:
        yield build(seed_demo)


pytestmark = [pytest.mark.embedded, pytest.mark.django_db, pytest.mark.usefixtures("demo")]

# demo person -> (address, what the page must show, what it must not)
MAIN_PAGES: dict[str, list[tuple[str, str, str | None]]] = {
    "coach": [("/dashboard/", "Your engagements", None), ("/engagements/", "ENG-2026-001", "ENG-2026-002")],
    "client": [("/dashboard/", "Leadership coaching", "Career transition coaching")]
    + [("/privacy/", "Reports to the sponsoring organisation", None)],
    "sponsor": [("/dashboard/", "ENG-2026-001", "ENG-2026-002")],
    "admin": [("/dashboard/", "Practice dashboard", None), ("/retention/", "Retention: what is kept", None)]
    + [("/people/", "Jo Bell", None), ("/records-of-processing/", "UK International Data Transfer Agreement", None)],
    "auditor": [("/dashboard/", "Audit", "Sam Carter"), ("/finance/", "Finance", "Sam Carter")],
}


def test_each_role_finds_its_main_pages_in_the_demo_practice() -> None:
    emails = {person.key: person.email for person in PEOPLE}
    for role, pages in MAIN_PAGES.items():
        http = login(HttpClient(), User.objects.get(email=emails[role]))
        for address, shown, hidden in pages:
            response = http.get(address)
            body = response.content.decode()
            assert response.status_code == 200, f"{role} {address}: {response.status_code}"
            assert shown in body, f"{role} {address} does not show {shown!r}"
            if hidden:
                assert hidden not in body, f"{role} {address} shows {hidden!r}"


def test_the_demo_sponsor_sees_the_organisations_own_document_and_not_the_coachs() -> None:
    from engagements.models import Engagement

    engagement = Engagement.objects.get(reference="ENG-2026-001")
    page = login(HttpClient(), User.objects.get(email="priya@northwind.example")).get(f"/engagements/{engagement.pk}/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "Role profile - Northwind" in body and "Development plan - Sam" not in body


def test_the_demo_shows_the_gates_and_what_is_waiting() -> None:
    """A new practice meets each state in the demo: an engagement waiting for signatures, one paused
    because its client withdrew consent, one about to close itself; an invitation not yet accepted;
    a complaint the client replied to, and one about the service (issues 17 and 20)."""
    from complaints.models import Complaint, ComplaintResponse
    from confidentiality.models import Notice
    from engagements.models import Engagement

    states = dict(Engagement.objects.filter(reference__startswith="ENG-202").values_list("reference", "status"))
    assert states["ENG-2026-003"] == "proposed" and states["ENG-2026-005"] == "paused"
    assert states["ENG-2026-001"] == states["ENG-2026-002"] == "active"  # signed by everyone
    admin = login(HttpClient(), User.objects.get(email="admin@practice.example"))
    paused = Engagement.objects.get(reference="ENG-2026-005")
    assert "This engagement is paused." in admin.get(f"/engagements/{paused.pk}/").content.decode()
    waiting = Engagement.objects.get(reference="ENG-2026-003")
    assert 'id="work-waits"' in admin.get(f"/engagements/{waiting.pk}/").content.decode()
    assert "ENG-2025-011" in admin.get("/retention/").content.decode().split('id="closing-themselves"')[1]
    assert Notice.objects.filter(text__contains="ENG-2025-011 will close itself").exists()
    assert "Nia Osei" in admin.get("/people/").content.decode()
    assert ComplaintResponse.objects.filter(kind=ComplaintResponse.Kind.CLIENT_REPLY).exists()
    assert Complaint.objects.filter(about=Complaint.About.BILLING).exists()
    seed_demo()  # idempotent, as make run runs it on every start
    assert Engagement.objects.filter(reference__startswith="ENG-202").count() == len(states)


def test_the_demo_shows_a_corrected_a_withdrawn_and_a_serious_danger_concern() -> None:
    """Policy 004's path as a new practice meets it: the coach's concerns page lists an open
    concern with a corrected answer (the earlier one kept), a withdrawn one with its reason, and
    one of serious danger that opens with what to do now; the client sees none of the open ones."""
    from disclosures.models import Concern, ConcernStep
    from engagements.models import Engagement

    seed_demo()  # idempotent
    engagement = Engagement.objects.get(reference="ENG-2026-001")
    concerns = Concern.objects.filter(engagement=engagement)
    assert sorted(concerns.values_list("state", "serious_danger")) == [
        ("open", False),
        ("open", True),
        ("withdrawn", False),
    ]
    assert ConcernStep.objects.filter(concern__in=concerns, superseded_at__isnull=False).count() == 1
    coach = login(HttpClient(), User.objects.get(email="maya.coach@practice.example"))
    corrected = concerns.get(state="open", serious_danger=False)
    page = coach.get(f"/concerns/{corrected.pk}/").content.decode()
    assert "twice this month" in page and "last week" in page  # the answer and the earlier one
    danger = concerns.get(serious_danger=True)
    assert "call 999 first" in coach.get(f"/concerns/{danger.pk}/").content.decode()
    withdrawn = concerns.get(state="withdrawn")
    assert "misremembered" in coach.get(f"/concerns/{withdrawn.pk}/").content.decode()
    client = login(HttpClient(), User.objects.get(email="sam@client.example"))
    assert "night shift" not in client.get(f"/engagements/{engagement.pk}/").content.decode()


def test_the_demo_shows_the_codes_the_adviser_and_where_sessions_took_place() -> None:
    """Issue 22, items 5 to 7: the practice's list of professional codes; an agreement naming the code
    its coach works under, the organisation's guidelines, the adviser, the sponsor's duty and the
    client's part; sessions with their place and private setting, and one the coach is asked to complete."""
    from confidentiality.models import Notice
    from consent.services import current_agreement
    from engagements.models import CoachingSession, Engagement

    admin = login(HttpClient(), User.objects.get(email="admin@practice.example"))
    assert "ICF Code of Ethics" in admin.get("/agreements/codes/").content.decode()
    engagement = Engagement.objects.get(reference="ENG-2026-001")
    agreement = current_agreement(engagement)
    assert agreement is not None
    page = login(HttpClient(), User.objects.get(email="sam@client.example")).get(f"/agreements/{agreement.pk}/")
    body = page.content.decode()
    for shown in (
        "Maya Lindqvist: EMCC Global Code of Ethics",
        "Dr Helen Marsh",
        "Northwind Trading&#x27;s information security",
        "The organisation&#x27;s duty of confidence",
        "non-defensive",
    ):
        assert shown in body, shown
    sessions = CoachingSession.objects.filter(engagement=engagement)
    assert any(s.setting_complete for s in sessions)
    incomplete = [s for s in sessions if not s.setting_complete]
    assert incomplete
    assert Notice.objects.filter(about=f"session.setting:{incomplete[0].pk}", done_at__isnull=True).exists()
    coach = login(HttpClient(), User.objects.get(email="maya.coach@practice.example"))
    assert "Incomplete" in coach.get(f"/engagements/sessions/{incomplete[0].pk}/setting/").content.decode()
    seed_demo()  # idempotent
    assert CoachingSession.objects.filter(engagement=engagement).count() == sessions.count()


def test_the_demo_shows_a_disclosure_on_both_consents_and_the_parties_told_in_serious_danger() -> None:
    """Issue 22, item 4: Sam's agreement names who else may be told in serious danger, and the
    register holds a disclosure made on Sam's written consent and Northwind's as well."""
    from consent.services import current_agreement
    from disclosures.models import Disclosure
    from engagements.models import Engagement

    engagement = Engagement.objects.get(reference="ENG-2026-001")
    agreement = current_agreement(engagement)
    assert agreement is not None and agreement.serious_danger_parties == "gp,safeguarding_lead"
    sam = login(HttpClient(), User.objects.get(email="sam@client.example"))
    body = sam.get(f"/agreements/{agreement.pk}/").content.decode()
    assert "Who else may be told in serious danger" in body and "The client&#x27;s GP; A safeguarding lead" in body
    disclosure = Disclosure.objects.get(engagement=engagement, concerns_organisation=True)
    coach = login(HttpClient(), User.objects.get(email="maya.coach@practice.example"))
    page = coach.get(f"/disclosures/{disclosure.pk}/").content.decode()
    assert "The client's written consent, given" in page
    assert "Yes: the organisation's written consent was needed as well" in page


def test_the_demo_has_a_private_client_whose_agreement_the_client_and_coach_signed() -> None:
    """Issue 21: Ruth pays for her own coaching. ENG-2026-006 has no organisation; its agreement,
    signed by Ruth and Maya, says so; Maya's and Ruth's pages name her as the payer."""
    from consent.services import current_agreement
    from engagements.models import Engagement

    engagement = Engagement.objects.get(reference="ENG-2026-006")
    assert engagement.is_private and engagement.status == Engagement.Status.ACTIVE
    agreement = current_agreement(engagement)
    assert agreement is not None
    assert sorted(agreement.signatures.values_list("party", flat=True)) == ["client", "coach"]
    for email in ("ruth@client.example", "maya.coach@practice.example"):
        page = login(HttpClient(), User.objects.get(email=email)).get("/dashboard/").content.decode()
        assert "ENG-2026-006" in page and "Private client (self-funded)" in page, email
    sponsor = login(HttpClient(), User.objects.get(email="priya@northwind.example"))
    assert sponsor.get(f"/engagements/{engagement.pk}/").status_code == 404


def test_the_demo_register_holds_a_request_under_each_right_the_letters_answer() -> None:
    from rights import services as sar
    from rights.models import SubjectAccessRequest

    seed_demo()  # once only
    requests = {
        r.right: r for r in SubjectAccessRequest.objects.exclude(right="access").filter(requester__isnull=False)
    }
    assert set(requests) == {"rectification", "erasure", "restriction", "objection", "portability"}
    assert requests["portability"].state == "ready" and requests["portability"].export.state == "built"
    correction = requests["rectification"]
    assert correction.state == "completed" and correction.client.phone == "07700 900 471"
    assert [(label, value) for label, value, _ in sar.earlier_values_of(correction)] == [("Telephone", "07700 900 417")]
    assert requests["erasure"].is_open and requests["restriction"].is_open
    assert requests["objection"].state == "refused" and sar.has_letter(requests["objection"])
    admin = login(HttpClient(), User.objects.get(email="admin@practice.example"))
    register = admin.get("/subject-access/").content.decode()
    assert "Erasure" in register and "Restriction" in register
    ruth = login(HttpClient(), User.objects.get(email="ruth@client.example"))
    letter = ruth.get(f"/subject-access/{correction.pk}/letter/")
    assert letter.status_code == 200 and letter["Content-Type"] == "application/pdf"


def test_the_demo_has_a_restriction_in_force_and_a_client_without_a_sign_in() -> None:
    """Issue 21: Zoë's restriction pauses ENG-2026-002 (her coach reads why, and is refused new work);
    Walter, who has no sign-in, asked by post: Ada answers him by post or by a single-use link."""
    from engagements.models import Engagement
    from rights.models import SubjectAccessRequest

    seed_demo()  # once only
    paused = Engagement.objects.get(reference="ENG-2026-002")
    assert paused.restricted
    emails = {person.key: person.email for person in PEOPLE}
    tom = login(HttpClient(), User.objects.get(email=emails["other_coach"]))
    page = tom.get(f"/engagements/{paused.pk}/").content.decode()
    assert "Processing is paused" in page and "complaint about an invoice" in page
    assert tom.get(f"/engagements/{paused.pk}/notes/").status_code == 404
    (walter,) = SubjectAccessRequest.objects.filter(requester__isnull=True)
    assert walter.client.full_name == "Walter Pryce-Jones"
    assert walter.by_post and walter.received_by == "post" and walter.is_open
    admin = login(HttpClient(), User.objects.get(email="admin@practice.example"))
    assert "By post" in admin.get(f"/subject-access/{walter.pk}/").content.decode()


def test_the_demo_invoices_its_private_client_monthly() -> None:
    """Issue 21: Ruth's invoices go to her (no organisation), paid by card but the latest; she reads
    them from her dashboard, and the auditor sees who is billed."""
    from finance.models import CreditNote, Invoice, Payment

    ruths = Invoice.objects.filter(engagement__reference="ENG-2026-006").exclude(state="draft")
    assert ruths.count() >= 1 and all(i.organisation_id is None and i.billed_to == "Ruth Adeyemi" for i in ruths)
    assert Payment.objects.filter(invoice__in=ruths).count() == ruths.count() - 1
    assert not CreditNote.objects.filter(invoice__in=ruths).exists()
    ruth = login(HttpClient(), User.objects.get(email="ruth@client.example"))
    assert "Your invoices" in ruth.get("/dashboard/").content.decode()
    listed = ruth.get("/finance/invoices/").content.decode()
    assert all(i.reference in listed for i in ruths) and "Northwind" not in listed


def test_the_demo_client_is_told_of_a_breach_and_reads_the_letter() -> None:
    from complaints.models import BreachAffected
    from confidentiality.models import Notice

    seed_demo()  # once only
    emails = {person.key: person.email for person in PEOPLE}
    sam = User.objects.get(email=emails["client"])
    (letter,) = BreachAffected.objects.filter(client__user=sam)
    assert letter.sent_at is not None
    notice = Notice.objects.get(user=sam, link=f"/breach-letters/{letter.pk}/")
    assert "tablet" not in notice.text  # the notice says a letter is there, never what it says
    page = login(HttpClient(), sam).get(notice.link)
    assert page.status_code == 200 and "tablet" in page.content.decode()
    other = login(HttpClient(), User.objects.get(email=emails["other_client"]))
    assert other.get(notice.link).status_code == 404
