"""The demo practice: believable people and engagements, built through the services.

Idempotent: people are found by e-mail and engagements by reference, so running it again
adds only what is missing. It grows with every feature so the demo shows all the product does.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any, cast

from allauth.mfa import app_settings
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from confidentiality.adapters import MFA_SECRET_PURPOSE
from confidentiality.crypto import open_with_kek
from confidentiality.models import User
from confidentiality.roles import STAFF_ROLES, Role
from confidentiality.services import api_token_issue, user_create
from people.models import Offboarding

DEMO_PASSWORD = "demo-practice-2026"  # embedded demo only; seed_demo refuses to run in production


@dataclass(frozen=True)
class DemoPerson:
    key: str
    email: str
    name: str
    role: Role
    organisation: str | None = None


PEOPLE = (
    DemoPerson("admin", "admin@practice.example", "Ada Okafor", Role.ADMIN),
    DemoPerson("auditor", "auditor@audit.example", "Ravi Menon", Role.AUDITOR),
    DemoPerson("coach", "maya.coach@practice.example", "Maya Lindqvist", Role.COACH),
    DemoPerson("other_coach", "tom.coach@practice.example", "Tom Achebe", Role.COACH),
    DemoPerson("sponsor", "priya@northwind.example", "Priya Shah", Role.SPONSOR, "Northwind Trading"),
    DemoPerson("other_sponsor", "li@harbour.example", "Li Wei", Role.SPONSOR, "Harbour Health Trust"),
    DemoPerson("client", "sam@client.example", "Sam Carter", Role.CLIENT),
    DemoPerson("other_client", "zoe@client.example", "Zoë Ñúñez-Øyen", Role.CLIENT),
    # A client who withdrew consent to the practice holding their information: ENG-2026-005 is paused.
    DemoPerson("paused_client", "alex@client.example", "Alex Morgan", Role.CLIENT),
    # A private client, who pays for their own coaching: ENG-2026-006 has no organisation.
    DemoPerson("private_client", "ruth@client.example", "Ruth Adeyemi", Role.CLIENT),
    # An associate coach (external contractor) on ENG-2026-003 until their contract ends, who has
    # not accepted the practice's policies yet: signing in shows the page to read and accept them.
    DemoPerson("associate", "jo.associate@practice.example", "Jo Bell", Role.COACH),
)
ASSOCIATE_CONTRACT_DAYS = 90

# (reference, title, organisation (None: a private client, who pays), client key, coach key, months
# ago it started, days to its end).
# Each starts as proposed and becomes active when everyone has signed its agreement
# (_seed_agreements). ENG-2025-011 ended 70 days ago and nobody closed it: it closes itself in 30
# days, and its coach and the administrator have been told.
ENGAGEMENTS = (
    ("ENG-2026-001", "Leadership coaching", "Northwind Trading", "client", "coach", 2, 180),
    ("ENG-2026-002", "Career transition coaching", "Harbour Health Trust", "other_client", "other_coach", 1, 180),
    ("ENG-2026-003", "New manager programme", "Northwind Trading", "client", "other_coach", 0, 180),
    ("ENG-2026-005", "Leadership coaching", "Harbour Health Trust", "paused_client", "other_coach", 1, 180),
    ("ENG-2025-011", "Executive coaching", "Northwind Trading", "client", "coach", 8, -70),
    ("ENG-2026-006", "Career coaching", None, "private_client", "coach", 1, 120),
)


def _person(spec: DemoPerson) -> User:
    user = User.objects.filter(email=spec.email).first()
    if user is None:
        user = user_create(actor=None, email=spec.email, role=spec.role, display_name=spec.name, password=DEMO_PASSWORD)
    if spec.role in STAFF_ROLES and not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(user, generate_totp_secret())
    return user


def totp_secret(user: User) -> str | None:
    authenticator = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    if authenticator is None:
        return None
    return open_with_kek(authenticator.data["secret"], purpose=MFA_SECRET_PURPOSE)


def current_totp_code(email: str) -> str | None:
    user = User.objects.filter(email__iexact=email.strip(), email__endswith=".example").first()
    secret = totp_secret(user) if user else None
    if secret is None:
        return None
    return totp_code(secret)


def totp_code(secret: str, *, steps_back: int = 0) -> str:
    """The code an authenticator app shows now for ``secret`` (or ``steps_back`` periods ago)."""
    counter = int(timezone.now().timestamp()) // app_settings.TOTP_PERIOD - steps_back
    return cast(str, format_hotp_value(hotp_value(secret, counter)))  # allauth's helpers are unannotated


DEMO_ADDRESSES = {
    "Northwind Trading": "Northwind Trading Ltd\n12 Wharf Street\nLeeds LS1 4AB",
    "Harbour Health Trust": "Harbour Health Trust\nHarbour House, 3 Quay Road\nBristol BS1 5TT",
}


def _demo_practice() -> None:
    """The practice's own details, as an administrator would record them on day one."""
    from confidentiality.models import Practice
    from confidentiality.practice import forget_practice_name

    forget_practice_name()
    Practice.objects.get_or_create(
        pk=1,
        defaults={
            "name": settings.PRACTICE_NAME,
            "address": "2 Chapel Walk\nSheffield S1 2PD",
            "email": "office@practice.example",
            "phone": "0114 496 0000",
            "company_number": "12345678",
            "vat_number": "GB123456789",
            "payment_details": "Bank transfer to Coaching Practice Ltd, sort code 20-00-00, account 12345678",
            "data_protection_contact": "Alex Admin",
            "data_protection_email": "privacy@practice.example",
            "regulator_registration": "ZA000000",
        },
    )


@transaction.atomic
def seed_demo(*, scale: int = 0, issue_tokens: bool = False) -> dict[str, Any]:
    from engagements.models import Client, Engagement, Organisation, SponsorContact
    from engagements.services import close_lapsed, engagement_create, organisation_create, sponsor_contact_add

    if not settings.DEMO_TOOLS_ENABLED:
        raise RuntimeError("seed_demo builds demo accounts with a known password; it does not run in production.")
    _demo_practice()
    people = {spec.key: _person(spec) for spec in PEOPLE}
    organisations: dict[str, Organisation] = {}
    for spec in PEOPLE:
        if spec.organisation is None:
            continue
        organisation = Organisation.objects.filter(name=spec.organisation).first() or organisation_create(
            actor=None,
            name=spec.organisation,
            address=DEMO_ADDRESSES.get(spec.organisation, ""),
            keep_hard_copies=spec.organisation.startswith("Harbour"),
        )
        organisations[spec.organisation] = organisation
        if not SponsorContact.objects.filter(user=people[spec.key]).exists():
            sponsor_contact_add(
                actor=None, organisation=organisation, user=people[spec.key], job_title="Head of People"
            )
    clients: dict[str, Client] = {}
    for key in ("client", "other_client", "paused_client", "private_client"):
        user = people[key]
        clients[key] = Client.objects.filter(user=user).first() or _consented_client(
            full_name=user.display_name, contact_email=user.email, user=user
        )
    sponsors_of = {spec.organisation: people[spec.key] for spec in PEOPLE if spec.organisation}
    today = timezone.localdate()
    engagements: dict[str, Engagement] = {}
    for reference, title, org_name, client_key, coach_key, months_ago, days_to_end in ENGAGEMENTS:
        engagement = Engagement.objects.filter(reference=reference).first() or engagement_create(
            actor=None,
            reference=reference,
            title=title,
            organisation=organisations[org_name] if org_name else None,
            client=clients[client_key],
            coaches=[people[coach_key]],
            sponsors=[sponsors_of[org_name]] if org_name else [],
            starts_on=today - datetime.timedelta(days=30 * months_ago),
            ends_on=today + datetime.timedelta(days=days_to_end),
        )
        engagements[reference] = engagement
    _seed_professional_codes(people["admin"])
    _seed_agreements(engagements, people)
    _seed_paused(engagements["ENG-2026-005"], clients["paused_client"])
    close_lapsed(today)  # as the nightly task does: ENG-2025-011's people are told it closes soon
    _seed_policies(people, today)
    _seed_associate(people["associate"], engagements["ENG-2026-003"], today)
    _seed_invited(people["admin"])
    _seed_leaver(
        organisations["Harbour Health Trust"], clients["other_client"], sponsors_of["Harbour Health Trust"], today
    )
    _seed_daily_work(engagements, people, today)
    _seed_reports(engagements, people)
    _seed_disclosures(engagements, people)
    _seed_concerns(engagements["ENG-2026-001"], people)
    _seed_feedback(engagements, people)
    _seed_unsolicited_feedback(engagements, people, today)
    _seed_complaints(engagements, people)
    _seed_testimonials(clients["client"], people["admin"])
    _seed_sharing(organisations, people)
    _seed_rights(clients, people)
    from processing.services import processing_suggestions_install

    # The records of processing and privacy notice (UK GDPR articles 30, 13 and 14): the suggested
    # activities, and three processors, one in the UK and two transfers with their safeguards.
    processing_suggestions_install(actor=people["admin"], with_demo_processors=True)
    from finance.demo import seed_finance

    seed_finance(people=people, organisations=organisations, engagements=engagements)
    _seed_scale(scale, people, organisations, sponsors_of, today)
    result: dict[str, Any] = {
        "password": DEMO_PASSWORD,
        "people": [],
        "organisations": {name: str(org.id) for name, org in organisations.items()},
        "clients": {key: str(client.id) for key, client in clients.items()},
        "engagements": {ref: str(e.id) for ref, e in engagements.items()},
    }
    for spec in PEOPLE:
        user = people[spec.key]
        entry: dict[str, Any] = {"persona": spec.key, "role": spec.role.value, "login": spec.email, "name": spec.name}
        secret = totp_secret(user)
        if secret:
            entry["totp_secret"] = secret
        if issue_tokens:
            entry["api_token"] = api_token_issue(actor=None, user=user, name="demo")[1]
        result["people"].append(entry)
    return result


DEMO_POLICIES = {
    "confidentiality": (
        "Confidentiality policy\n\n"
        "Why we have it: to protect the interests of our clients and the organisations that commission our "
        "coaching, so that they can trust us, and to comply with data protection law.\n\n"
        "What it means for you:\n"
        "- Everything a client tells us is confidential. Staff, associates and volunteers receiving personal "
        "information about clients treat it as confidential.\n"
        "- Under no circumstances do you share personal information with your own partners, family or friends.\n"
        "- Information is collected only when it is necessary for the work, held securely, and reachable only "
        "by those who need to know it.\n"
        "- Reports to an organisation contain only what was agreed in writing beforehand, and only after the "
        "client has approved their content.\n"
        "- Information is disclosed only with written consent, when the law requires it, or when there is "
        "compelling evidence of serious danger; the client is told in writing, with the reason.\n"
        "- Confidentiality does not stop when the coaching ends: it lasts for ever.\n"
        "- Breaches of confidentiality are dealt with through the practice's disciplinary procedures.\n"
    ),
    "data_protection": (
        "Data protection policy\n\n"
        "- We store a client's basic information only with their consent, and they may withdraw it.\n"
        "- Everyone whose data we hold may see it and ask for a copy; we answer within one month.\n"
        "- Associates hold any information gathered from organisations securely, on the practice's system "
        "only.\n"
        "- Electronic files of our work with an organisation are deleted two years after the work ends; "
        "financial records are kept five years and are open to auditors.\n"
        "- Hard copies are returned to the organisation at the end of the contract unless it asks us to keep "
        "them.\n"
        "- Nothing confidential is sent by e-mail: messages carry a link behind sign-in.\n"
        "- A suspected breach is reported at once to the practice administrator, who decides within 72 hours "
        "whether the regulator must be told.\n"
    ),
}


def _seed_policies(people: dict[str, User], today: Any) -> None:
    """The practice's confidentiality and data protection policies, version 1, accepted by every demo
    member of staff except the associate (who is asked at their first sign-in)."""
    from people.models import PolicyDocument
    from people.policies import policy_accept, text_hash
    from retention.services import policy_record

    for kind, text in DEMO_POLICIES.items():
        latest = PolicyDocument.objects.filter(kind=kind).order_by("-version").first()
        if latest is not None and latest.version > 1:
            continue  # a newer version was recorded in the demo: everyone is asked again, as in life
        document = latest or policy_record(actor=people["admin"], kind=kind, text=text, reviewed_on=today)
        for key in ("admin", "auditor", "coach", "other_coach"):
            policy_accept(
                actor=people[key],
                document=document,
                shown_hash=text_hash(document.text),
                ip_address=None,
                user_agent="seed_demo",
            )


def _seed_associate(user: User, engagement: Any, today: Any) -> None:
    from engagements.models import EngagementMember
    from engagements.services import engagement_member_add

    if not user.is_associate:
        user.is_associate = True
        user.contract_ends_on = today + datetime.timedelta(days=ASSOCIATE_CONTRACT_DAYS)
        user.save(update_fields=["is_associate", "contract_ends_on"])
    if user.is_active and not EngagementMember.objects.filter(engagement=engagement, user=user).exists():
        engagement_member_add(actor=None, engagement=engagement, user=user, kind=EngagementMember.Kind.COACH)


INVITED = DemoPerson("invited", "nia.coach@practice.example", "Nia Osei", Role.COACH)


def _seed_invited(admin: User) -> None:
    """A coach the administrator added this morning, who has not chosen a password yet: People shows
    her invitation waiting, and can send it again. Not a demo login: she has no password."""
    from people.services import staff_add

    if not User.objects.filter(email=INVITED.email).exists():
        staff_add(actor=admin, email=INVITED.email, role=INVITED.role, display_name=INVITED.name)


LEAVER = DemoPerson("leaver", "ben.associate@practice.example", "Ben Okonjo", Role.COACH)


def _seed_leaver(organisation: Any, client: Any, sponsor: User, today: Any) -> None:
    """An associate whose contract ended yesterday and who was offboarded then, leaving ENG-2026-004
    without a coach: the People page shows its handover waiting for the administrator. Not a demo
    login: a leaver cannot sign in."""
    from engagements.models import Engagement
    from engagements.services import engagement_create
    from people.services import person_offboard

    if User.objects.filter(email=LEAVER.email).exists():
        return
    leaver = _person(LEAVER)
    if not Engagement.objects.filter(reference="ENG-2026-004").exists():
        engagement = engagement_create(
            actor=None,
            reference="ENG-2026-004",
            title="Resilience coaching",
            organisation=organisation,
            client=client,
            coaches=[leaver],
            sponsors=[sponsor],
            starts_on=today - datetime.timedelta(days=90),
            ends_on=today + datetime.timedelta(days=90),
        )
        _agree(engagement, leaver, [client.user, sponsor, leaver])
    leaver.is_associate = True
    leaver.contract_ends_on = today - datetime.timedelta(days=1)
    leaver.save(update_fields=["is_associate", "contract_ends_on"])
    person_offboard(actor=None, user=leaver, reason=Offboarding.Reason.CONTRACT_ENDED)


BASIC_CONSENT = "I agree that the practice holds my basic contact information so that it can provide coaching."


def _consented_client(**fields: Any) -> Any:
    from consent.models import ConsentRecord
    from consent.services import consent_record
    from engagements.services import client_create

    client = client_create(actor=None, **fields)
    consent_record(
        actor=None,
        client=client,
        kind=ConsentRecord.Kind.BASIC_INFORMATION,
        wording=BASIC_CONSENT,
        method=ConsentRecord.Method.PORTAL,
    )
    return client


def _seed_agreements(engagements: dict[str, Any], people: dict[str, User]) -> None:
    """ENG-2026-001, 002, 005 and 006 signed by everyone (so they are active; 006 is a private
    client's, signed by the client and the coach); ENG-2026-003 waiting for
    the client and sponsor (so it is proposed, and its page says what is missing)."""
    plan = {
        "ENG-2026-001": ("coach", ["client", "sponsor", "coach"]),
        "ENG-2026-002": ("other_coach", ["other_client", "other_sponsor", "other_coach"]),
        "ENG-2026-003": ("other_coach", []),
        "ENG-2026-005": ("other_coach", ["paused_client", "other_sponsor", "other_coach"]),
        "ENG-2025-011": ("coach", ["client", "sponsor", "coach"]),
        "ENG-2026-006": ("coach", ["private_client", "coach"]),
    }
    for reference, (coach_key, signers) in plan.items():
        _agree(engagements[reference], people[coach_key], [people[key] for key in signers])


# The practice's list of professional codes (policy 004), and the one each demo coach works under
# (by e-mail; anyone else works under the first).
DEMO_CODES = (
    ("EMCC Global Code of Ethics", "EMCC Global", "https://www.globalcodeofethics.org/", ""),
    (
        "ICF Code of Ethics",
        "International Coaching Federation",
        "https://coachingfederation.org/ethics/code-of-ethics",
        "",
    ),
    (
        "Practice supervision agreement",
        "Lindqvist & Achebe Coaching",
        "",
        "Every coach of the practice takes their confidentiality questions to supervision at least monthly, "
        "and to the adviser the agreement names in between.",
    ),
)
DEMO_CODE_OF = {"tom.coach@practice.example": "ICF Code of Ethics"}
# Policy 003: "an internal/external resource who can advise the coaching partners regarding questions
# of confidentiality".
DEMO_ADVISER = ("Dr Helen Marsh, the practice's external supervisor", "helen.marsh@supervision.example, 020 7946 0123")
# Policy 001: in serious danger, beyond the bodies it names, only a party "agreed with the consumer";
# Sam's agreement names two.
DEMO_DANGER_PARTIES = {"ENG-2026-001": "gp,safeguarding_lead"}


def _seed_professional_codes(admin: User) -> None:
    from consent.models import ProfessionalCode
    from consent.services import professional_code_create

    for name, body, link, text in DEMO_CODES:
        if not ProfessionalCode.objects.filter(name=name).exists():
            professional_code_create(actor=admin, name=name, body=body, link=link, text=text)


def _agree(engagement: Any, coach: User, signers: list[User]) -> None:
    """The standard agreement put out for signing by ``coach`` and signed by ``signers``, in order:
    naming the organisation's guidelines, the adviser and the code each coach works under."""
    from consent.defaults import install_current
    from consent.models import ProfessionalCode
    from consent.services import (
        agreement_send,
        agreement_sign,
        agreement_start,
        agreement_update_draft,
        current_agreement,
        engagement_coaches,
        latest_draft,
    )

    if current_agreement(engagement) is not None:
        return
    draft = latest_draft(engagement) or agreement_start(actor=coach, engagement=engagement, template=install_current())
    draft = agreement_update_draft(
        actor=coach,
        agreement=draft,
        expected_edit_version=draft.edit_version,
        content={
            "guidelines": f"{engagement.organisation.name}'s information security and data protection policies."
            if engagement.organisation
            else "The practice's confidentiality and data protection policies.",
            "adviser_name": DEMO_ADVISER[0],
            "adviser_contact": DEMO_ADVISER[1],
            "serious_danger_parties": DEMO_DANGER_PARTIES.get(engagement.reference, ""),
        },
        terms={},
        coach_codes={
            member.pk: ProfessionalCode.objects.get(name=DEMO_CODE_OF.get(member.email, DEMO_CODES[0][0]))
            for member in engagement_coaches(engagement)
        },
    )
    sent = agreement_send(actor=coach, agreement=draft)
    for signer in signers:
        agreement_sign(actor=signer, agreement=sent, shown_hash=sent.text_hash)


def _seed_paused(engagement: Any, client: Any) -> None:
    """Alex withdrew consent to the practice holding their information, in the portal: ENG-2026-005
    is paused, its page says why, and its coach and the administrator were told."""
    from consent.models import ConsentRecord
    from consent.services import consent_withdraw

    for consent in client.consents.filter(kind=ConsentRecord.Kind.BASIC_INFORMATION, withdrawn_at__isnull=True):
        consent_withdraw(actor=client.user, consent=consent)


DEMO_NOTES = (
    # (engagement, coach, text, shared with the client)
    (
        "ENG-2026-001",
        "coach",
        "Sam wants to delegate more to the two team leads. Agreed experiment: hand over the weekly "
        "planning meeting for a month and notice what feels uncomfortable.",
        True,
    ),
    (
        "ENG-2026-001",
        "coach",
        "Private: Sam mentioned tension with the finance director over the budget cut. Explore next "
        "time whether this is about trust or about workload.",
        False,
    ),
    (
        "ENG-2026-002",
        "other_coach",
        "Zoë is weighing a move into policy work. Mapped what she would keep and what she would leave.",
        False,
    ),
    (
        "ENG-2026-006",
        "coach",
        "Ruth wants to move from teaching into learning design. First step: talk to two people who made "
        "that move, and notice what excites her and what worries her.",
        True,
    ),
)


def _seed_daily_work(engagements: dict[str, Any], people: dict[str, User], today: Any) -> None:
    """Sessions, notes private and shared, documents (the coach's, and one the organisation supplied)
    and a hard copy: what a coach keeps."""
    from engagements.models import Note
    from engagements.services import document_upload, hard_copy_record, note_create, session_record

    for reference, coach_key, text, shared in DEMO_NOTES:
        engagement = engagements[reference]
        coach = people[coach_key]
        if Note.objects.filter(engagement=engagement).count() >= sum(1 for n in DEMO_NOTES if n[0] == reference):
            continue
        session = engagement.sessions.first() or session_record(
            actor=coach,
            engagement=engagement,
            held_on=today - datetime.timedelta(days=7),
            duration_minutes=60,
            mode="video",
            place="Video call: the coach in the practice's closed office, the client in a booked meeting room",
            setting_private=True,
        )
        note_create(actor=coach, engagement=engagement, body=text, session=session, shared_with_client=shared)
    first = engagements["ENG-2026-001"]
    if first.sessions.count() < 2:
        # A phone session Maya has not yet said where it took place: incomplete, and on her dashboard
        # until she does (policy 002).
        session_record(
            actor=people["coach"],
            engagement=first,
            held_on=today - datetime.timedelta(days=2),
            duration_minutes=30,
            mode="phone",
        )
    if not first.documents.exists():
        document_upload(
            actor=people["coach"],
            engagement=first,
            name="Development plan - Sam.txt",
            content=b"Development plan\n\n1. Delegate weekly planning.\n2. Monthly check-in with sponsor.\n",
            shared_with_client=True,
        )
    if not first.documents.filter(uploaded_by=people["sponsor"]).exists():
        # The organisation's own upload: the one kind of document its sponsor contact sees.
        document_upload(
            actor=people["sponsor"],
            engagement=first,
            name="Role profile - Northwind.txt",
            content=b"Role profile\n\nHead of operations: leads three regional teams.\n",
        )
    if not first.hard_copies.exists():
        hard_copy_record(
            actor=people["coach"],
            engagement=first,
            description="Organisation chart and 360 feedback summary (paper, 6 pages)",
            location="Locked cabinet B, practice office",
            received_on=today - datetime.timedelta(days=20),
        )


def _seed_reports(engagements: dict[str, Any], people: dict[str, User]) -> None:
    """A released report, one waiting for the client's review, and a draft."""
    from consent.models import InformationCategory
    from reports import services as report_services

    goals = InformationCategory.objects.get(key="goals")
    first, second = engagements["ENG-2026-001"], engagements["ENG-2026-002"]
    if not first.reports.exists():
        coach, client = people["coach"], people["client"]
        report = report_services.report_create(
            actor=coach,
            engagement=first,
            title="Starting point",
            sections={
                goals.pk: "Sam and I agreed three goals: delegate weekly planning, lead the budget review, "
                "and prepare for a larger team."
            },
        )
        report_services.report_submit(actor=coach, report=report, expected_version=1)
        report_services.report_approve(actor=client, report=report, version_number=1)
        report_services.report_release(actor=coach, report=report, expected_version=1)
        review = report_services.report_create(
            actor=coach,
            engagement=first,
            title="Mid-point summary",
            sections={goals.pk: "Weekly planning is now delegated. The budget review is next."},
        )
        report_services.report_submit(actor=coach, report=review, expected_version=1)
    if not second.reports.exists():
        report_services.report_create(
            actor=people["other_coach"],
            engagement=second,
            title="Starting point",
            sections={goals.pk: "Zoë's goals: decide on a move into policy work by the spring."},
        )


def _seed_feedback(engagements: dict[str, Any], people: dict[str, User]) -> None:
    """Three peers answered and the coach shared their words; the line manager has not answered yet
    (their link is in the e-mail printed by the console backend)."""
    from feedback import services as feedback_services

    first = engagements["ENG-2026-001"]
    if first.feedback_requests.exists():
        return
    coach = people["coach"]
    peers, tokens = feedback_services.feedback_request_create(
        actor=coach,
        engagement=first,
        kind="category",
        source_category="peer",
        prompt="What does Sam do that helps the team, and what could Sam do differently?",
        sources=[
            feedback_services.NewSource(email="ada.peer@example.org", name="Ada Brightwater"),
            feedback_services.NewSource(email="ben.peer@example.org", name="Ben Okafor"),
            feedback_services.NewSource(email="cy.peer@example.org", name="Cy Lam"),
        ],
    )
    answers = [
        "Sam credits the team generously in meetings.",
        "Sam could hand over the quarterly forecast.",
        "Sam is easier to approach than a year ago.",
    ]
    for (_, token), answer in zip(tokens, answers, strict=True):
        feedback_services.feedback_answer(token=token, answer=answer)
    peers.refresh_from_db()
    feedback_services.feedback_share(
        actor=coach,
        request=peers,
        expected_version=peers.version,
        summary="Your peers value how you credit the team and find you more approachable; one suggests "
        "handing over the quarterly forecast.",
        presentation="verbatim",
        share=True,
    )
    feedback_services.feedback_request_create(
        actor=coach,
        engagement=first,
        kind="named",
        source_category="line_manager",
        prompt="What change have you seen in Sam since the coaching began?",
        sources=[feedback_services.NewSource(email="line.manager@example.org", name="Dana Whitfield")],
    )


def _seed_unsolicited_feedback(engagements: dict[str, Any], people: dict[str, User], today: Any) -> None:
    """Feedback nobody asked for (policy 003): one item the coach shared in summary, and one from a
    direct report still on the coach's dashboard, due to Sam within the practice's days."""
    import datetime

    from feedback import services as feedback_services

    first = engagements["ENG-2026-001"]
    if first.unsolicited_feedback.exists():
        return
    coach = people["coach"]
    shared = feedback_services.unsolicited_feedback_record(
        actor=coach,
        engagement=first,
        source_category="colleague",
        presentation="summary",
        text="A colleague told me Sam's updates at the leadership meeting have become clearer and shorter, "
        "and that people now wait for them.",
        received_on=today - datetime.timedelta(days=6),
    )
    feedback_services.unsolicited_feedback_share(actor=coach, feedback=shared)
    feedback_services.unsolicited_feedback_record(
        actor=coach,
        engagement=first,
        source_category="direct_report",
        presentation="verbatim",
        text="I would like Sam to tell us about changes before they are announced to the whole department.",
        received_on=today - datetime.timedelta(days=1),
    )


def _seed_complaints(engagements: dict[str, Any], people: dict[str, User]) -> None:
    """A complaint from Sam, acknowledged, with Sam's reply; one from Zoë about an invoice (the
    service, not her information); and a breach a coach reported, waiting to be assessed."""
    from complaints import services as complaint_services
    from complaints.models import Breach, Complaint

    client = people["client"]
    if not Complaint.objects.filter(lodged_by=client).exists():
        complaint = complaint_services.complaint_lodge(
            actor=client,
            about=Complaint.About.SHARED,
            engagement=engagements["ENG-2026-001"],
            body="My line manager mentioned something I had only said in a coaching session. "
            "I would like to know how it reached her.",
        )
        complaint_services.complaint_respond(
            actor=people["admin"],
            complaint=complaint,
            message="Thank you for telling us. We are looking into how this happened and will reply in full "
            "by the date shown.",
        )
        complaint_services.complaint_reply(
            actor=client,
            complaint=complaint,
            message="Thank you. It was at the team meeting on Tuesday; I can tell you who else was there.",
        )
    other_client = people["other_client"]
    if not Complaint.objects.filter(lodged_by=other_client).exists():
        # About the service, not about information: the register lists it apart from the breaches.
        complaint_services.complaint_lodge(
            actor=other_client,
            about=Complaint.About.BILLING,
            engagement=engagements["ENG-2026-002"],
            body="The March invoice lists four sessions; we had three.",
        )
    coach = people["other_coach"]
    if not Breach.objects.filter(reported_by=coach).exists():
        complaint_services.breach_record(
            actor=coach,
            discovered_at=timezone.now() - datetime.timedelta(hours=5),
            what_happened="A session summary was e-mailed to a colleague of the client with a similar name.",
            information_involved="One session summary: goals and next steps.",
            people_affected="One client.",
            people_affected_count=1,
        )
    admin = people["admin"]
    if not Breach.objects.filter(reported_by=admin).exists():
        # Closed last month: a member of staff caused it, so it closed with the disciplinary
        # follow-up recorded (policy 002).
        breach = complaint_services.breach_record(
            actor=admin,
            discovered_at=timezone.now() - datetime.timedelta(days=40),
            what_happened="A printed session plan was left on the office printer overnight.",
            information_involved="One session plan: a client's first name and goals.",
            people_affected="One client.",
            people_affected_count=1,
        )
        complaint_services.breach_update(
            actor=admin,
            breach=breach,
            expected_version=1,
            changes={
                "containment": "The plan was found by the office manager the next morning and shredded.",
                "notification": Breach.Notification.NOT_REQUIRED,
                "notification_reason": "Nobody outside the practice entered the office: no risk to the client.",
                "cause": Breach.Cause.STAFF,
                "outcome": "Printing now needs the person's card at the printer.",
                "disciplinary_follow_up": "Discussed with the coach under the staff procedure; a note on file.",
            },
        )
        complaint_services.breach_close(actor=admin, breach=breach, expected_version=2)
    _seed_breach_letter(engagements["ENG-2026-001"].client, admin)


def _seed_breach_letter(client: Any, admin: User) -> None:
    """An open breach that affects Sam, the decision to tell him (UK GDPR art. 34), and his letter:
    sent to his portal, where he reads and downloads it."""
    from complaints import letters
    from complaints import services as complaint_services
    from complaints.models import BreachAffected

    if BreachAffected.objects.filter(client=client).exists():
        return
    breach = complaint_services.breach_record(
        actor=admin,
        discovered_at=timezone.now() - datetime.timedelta(hours=30),
        what_happened="A coach's unlocked tablet was left in a café for an hour; the notes app was open.",
        information_involved="Session notes of one client: goals and what was said about a change of role.",
        people_affected="One client.",
        people_affected_count=1,
        containment="The tablet was recovered; its sign-in was changed and the notes app now locks itself.",
    )
    letters.breach_affected_add(actor=admin, breach=breach, client=client)
    letters.breach_communication_decide(
        actor=admin,
        breach=breach,
        expected_version=1,
        decision="tell",
        reason="Session notes about a change of role could harm the client if read by someone who knows them.",
    )
    letters.breach_letter_write(
        actor=admin,
        breach=breach,
        expected_version=2,
        nature="On a weekday morning a coach's tablet was left unlocked in a café for about an hour, with the "
        "notes of your sessions open on it.",
        consequences="We have no sign that anyone read them, but someone may have seen what you said about a "
        "possible change of role.",
        measures="We recovered the tablet the same day, changed its sign-in, and made the notes lock themselves "
        "after a minute. We have reminded every coach of how to keep devices locked.",
        advice="If anyone mentions what you discussed in coaching, please tell us at once. You do not need to do "
        "anything else.",
    )
    letters.breach_letters_produce(actor=admin, breach=breach)


def _seed_testimonials(client: Any, admin: User) -> None:
    """Sam's consent to be quoted, given in the portal, and the testimonial the register rests on it
    (issue 22, item 2: policies 001 and 003, no testimony without written permission)."""
    from consent.defaults import PORTAL_CONSENT_WORDING
    from consent.models import ConsentRecord
    from consent.services import consent_record
    from testimonials import services as testimonial_services
    from testimonials.models import Testimonial

    if Testimonial.objects.filter(client=client).exists():
        return
    consent = consent_record(
        actor=client.user,
        client=client,
        kind=ConsentRecord.Kind.TESTIMONIAL,
        wording=PORTAL_CONSENT_WORDING["testimonial"],
        method=ConsentRecord.Method.PORTAL,
    )
    item = testimonial_services.testimonial_create(
        actor=admin,
        client=client,
        kind=Testimonial.Kind.TESTIMONIAL,
        text="Six sessions gave me a way to prepare for the conversations I used to avoid. - Sam C.",
        used_in="The practice's website, About page",
        consent=consent,
    )
    testimonial_services.testimonial_mark_publishable(actor=admin, item=item)


def _seed_rights(clients: dict[str, Any], people: dict[str, User]) -> None:
    """A request under each right beyond a copy (issue 21): Ruth's correction, her telephone corrected
    (the earlier value kept) and answered; her portability file made, to check and release; Sam's
    erasure and Zoë's restriction still open, on the clock, her restriction in force; Walter's correction,
    by post (he has no sign-in); Alex's objection refused, with its letter."""
    from rights import services as sar
    from rights.models import Right, SubjectAccessRequest

    if SubjectAccessRequest.objects.exclude(right=Right.ACCESS).exists():
        return
    admin = people["admin"]
    ruth = clients["private_client"]
    ruth.phone = "07700 900 417"
    ruth.save(update_fields=["phone"])
    correction = sar.subject_access_request_open(
        actor=people["private_client"],
        right=Right.RECTIFICATION,
        details="My telephone number is wrong: it is 07700 900 471, not 07700 900 417.",
    )
    sar.rectification_apply(
        actor=admin,
        request=correction,
        corrected={"full_name": ruth.full_name, "contact_email": ruth.contact_email, "phone": "07700 900 471"},
    )
    sar.right_answer(
        actor=admin,
        request=correction,
        outcome="We corrected your telephone number to 07700 900 471. Your coach's notes do not record it.",
    )
    # Ruth's information as a machine-readable file: made, for Ada to check and release.
    portable = sar.subject_access_request_open(actor=people["private_client"], right=Right.PORTABILITY)
    sar.export_build(export_id=sar.subject_access_export_start(actor=admin, request=portable).pk)
    sar.subject_access_request_open(
        actor=people["client"],
        right=Right.ERASURE,
        details="Please delete the feedback my colleagues gave last spring; I no longer want it kept.",
    )
    restriction = sar.subject_access_request_open(
        actor=people["other_client"],
        right=Right.RESTRICTION,
        details="Please keep my notes but do not use them while my complaint is looked at.",
    )
    # In force while the complaint is looked at: ENG-2026-002 is kept and not used until Ada lifts it.
    sar.restriction_place(
        actor=admin,
        request=restriction,
        reason="Zoë asked for her records to be kept but not used while her complaint about an invoice is "
        "looked at (art. 18(1)).",
    )
    # Walter has no portal sign-in: his correction came by post, his identity checked by his
    # signature. Ada answers it, then posts the letter or e-mails him a single-use download link.
    walter = _consented_client(
        full_name="Walter Pryce-Jones",
        contact_email="walter@home.example",
        postal_address="3 Mill Row\nHebden Bridge\nHX7 8AA",
    )
    sar.subject_access_request_open(
        actor=admin,
        client=walter,
        right=Right.RECTIFICATION,
        details="My address has changed: it is now 3 Mill Row, Hebden Bridge, HX7 8AA.",
        received_by="post",
        evidence="Signed letter of 1 December; the signature matches his coaching agreement of 2025.",
    )
    objection = sar.subject_access_request_open(
        actor=people["paused_client"],
        right=Right.OBJECTION,
        details="I object to my information being used to send me the practice's newsletter.",
    )
    sar.subject_access_refuse(
        actor=admin,
        request=objection,
        reason="The practice sends no newsletter and uses your information for nothing but your coaching.",
    )


def _seed_sharing(organisations: dict[str, Any], people: dict[str, User]) -> None:
    """Northwind's survey findings shared with Harbour Health, each organisation's written permission
    given in the portal by its contact first (issue 22, item 3; policy 000: "only shared by agreement
    with the organisations involved")."""
    from disclosures import sharing as sharing_services
    from disclosures.models import OrganisationSharing

    northwind, harbour = organisations["Northwind Trading"], organisations["Harbour Health Trust"]
    if OrganisationSharing.objects.filter(organisation=northwind, to_organisation=harbour).exists():
        return
    sharing = sharing_services.sharing_propose(
        actor=people["admin"],
        organisation=northwind,
        to_organisation=harbour,
        what="The questions and the overall findings of Northwind's 2026 staff wellbeing survey (no one's "
        "answers, no team smaller than ten).",
        why="Harbour Health are designing a similar survey for their staff and asked to learn from Northwind's.",
    )
    for contact in ("sponsor", "other_sponsor"):
        sharing_services.sharing_permission_decide(actor=people[contact], sharing=sharing, give=True)
    sharing_services.sharing_mark_shared(actor=people["admin"], sharing=sharing)


def _seed_disclosures(engagements: dict[str, Any], people: dict[str, User]) -> None:
    """The released report is in the disclosure register (its release records it); a demo seeded
    before the register existed gets its entry here. And one disclosure on Sam's written consent of
    information that concerns Northwind too, so made with Northwind's written consent as well
    (policy 001)."""
    from consent.models import ConsentRecord
    from consent.services import consent_record
    from disclosures.models import Disclosure, RecipientKind
    from disclosures.services import disclosure_record, disclosure_record_for_report
    from engagements.services import document_upload

    first = engagements["ENG-2026-001"]
    for report in first.reports.filter(state="released").select_related("created_by"):
        if not Disclosure.objects.filter(report=report).exists():
            disclosure_record_for_report(actor=report.created_by, report=report)
    if Disclosure.objects.filter(engagement=first, concerns_organisation=True).exists():
        return
    consent = consent_record(
        actor=people["client"],
        client=first.client,
        engagement=first,
        kind=ConsentRecord.Kind.DISCLOSURE,
        wording="I agree that my coach tells the Health and Safety Executive's adviser what I said about the "
        "loading-bay safety checks, and nothing else from our sessions.",
        method=ConsentRecord.Method.PORTAL,
    )
    letter = document_upload(
        actor=people["sponsor"],
        engagement=first,
        name="Northwind consent to disclose - letter.txt",
        content=b"Northwind Trading agrees that the coach tells the Health and Safety Executive's adviser "
        b"how the loading-bay safety checks are signed off at the Leeds depot.\n",
    )
    disclosure_record(
        actor=people["coach"],
        engagement=first,
        what="How the loading-bay safety checks are signed off at the Leeds depot, as Sam described it.",
        recipient_kind=RecipientKind.REGULATOR,
        recipient="The Health and Safety Executive's adviser for Yorkshire",
        reason="Sam and Northwind both asked for independent advice on the checks.",
        basis=Disclosure.Basis.CLIENT_CONSENT,
        consent=consent,
        concerns_organisation=True,
        organisation_consent=letter,
    )


def _seed_concerns(engagement: Any, people: dict[str, User]) -> None:
    """Maya's concerns on ENG-2026-001, so the demo shows what policy 004 asks: one open, whose
    second answer she corrected (the first is kept, superseded); one she withdrew, with her reason;
    and one of serious danger, which opens with "call 999 first" and asks for the decision next."""
    from disclosures.concerns import concern_change_step, concern_record_step, concern_start, concern_withdraw
    from disclosures.models import Concern

    if Concern.objects.filter(engagement=engagement).exists():
        return
    coach, kind = people["coach"], Concern.Kind.BREAKING_CONFIDENTIALITY
    concern = concern_start(
        actor=coach,
        engagement=engagement,
        kind=kind,
        supervisor=people["other_coach"],
        text="Sam said a colleague signs off the loading-bay safety checks without doing them.",
    )
    concern_record_step(actor=coach, concern=concern, step="verify", text="Sam confirmed it was last week.")
    concern_change_step(actor=coach, concern=concern, step="verify")
    concern_record_step(
        actor=coach,
        concern=concern,
        step="verify",
        text="Sam confirmed it happened twice this month, the last time on Friday.",
    )
    mistaken = concern_start(
        actor=coach, engagement=engagement, kind=kind, text="Sam mentioned a shortfall in the petty cash."
    )
    concern_withdraw(
        actor=coach,
        concern=mistaken,
        reason="Sam had misremembered: the shortfall was found and corrected by the finance team.",
    )
    concern_start(
        actor=coach,
        engagement=engagement,
        kind=kind,
        serious_danger=True,
        text="Sam said a driver on the night shift is working while unfit to drive.",
    )


def _seed_scale(
    scale: int, people: dict[str, User], organisations: dict[str, Any], sponsors_of: dict[str, User], today: Any
) -> None:
    """Extra engagements (``--scale N``): N more, spread over both coaches and organisations."""
    from engagements.models import Engagement
    from engagements.services import engagement_create

    existing = Engagement.objects.filter(reference__startswith="ENG-DEMO-").count()
    org_names = sorted(organisations)
    coaches = [people["coach"], people["other_coach"]]
    for index in range(existing, scale):
        org_name = org_names[index % len(org_names)]
        client = _consented_client(full_name=f"Demo client {index + 1:05d}")
        engagement_create(
            actor=None,
            reference=f"ENG-DEMO-{index + 1:05d}",
            title="Coaching programme",
            organisation=organisations[org_name],
            client=client,
            coaches=[coaches[index % 2]],
            sponsors=[sponsors_of[org_name]],
            starts_on=today - datetime.timedelta(days=index % 365),
        )
