"""The agreement's exact text: one rendering for the signing page, the hash and the PDF.

Signatures bind a SHA-256 of this text, so it is built in code, deterministically.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class TermText:
    category: str
    shared: bool
    lines: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class AgreementText:
    title: str
    sections: tuple[tuple[str, str], ...]
    terms: tuple[TermText, ...]

    def as_plain_text(self) -> str:
        out = [self.title, ""]
        for heading, body in self.sections[:1]:
            out += [heading, body, ""]
        out.append("What may be shared")
        for term in self.terms:
            if term.shared:
                out.append(f"- {term.category}: shared.")
                out += [f"    {label}: {value}" for label, value in term.lines]
            else:
                out.append(f"- {term.category}: not shared with anyone.")
        out.append("")
        for heading, body in self.sections[1:]:
            out += [heading, body, ""]
        return "\n".join(out).strip() + "\n"

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.as_plain_text().encode("utf-8")).hexdigest()


# A private client's agreement is between the client and the coach (policy 003: the payer is an
# "institution or individual"): no organisation is party to it, and none is reported to.
PRIVATE_CLIENT_TERMS = (
    "You pay for this coaching yourself, and its invoices come to you. No organisation is party to this "
    "agreement: no report about the coaching goes to anyone, and nothing is shared with anyone but you, "
    "except as this agreement says."
)


def agreement_text(agreement: Any) -> AgreementText:
    from consent.models import FeedbackAnonymity

    engagement = agreement.engagement
    terms = []
    for term in agreement.terms.select_related("category").order_by("category__position", "category__name"):
        lines = tuple(
            (label, value)
            for label, value in (
                ("With whom", term.with_whom),
                ("By whom", term.by_whom),
                ("When", term.when),
                ("In what form", term.form),
                ("Under what circumstances", term.circumstances),
            )
            if value
        )
        terms.append(TermText(term.category.name, term.shared, lines))
    reports: tuple[tuple[str, str], ...] = (
        ("The summary report to the organisation will include", agreement.sponsor_summary_includes or "-"),
        ("It will never include", agreement.sponsor_summary_excludes or "-"),
    )
    if engagement.is_private:
        reports = (("Who pays, and who is told", PRIVATE_CLIENT_TERMS),)
    sections = (
        ("About this agreement", agreement.introduction or "-"),
        *reports,
        ("Feedback from others will be reported", FeedbackAnonymity(agreement.feedback_anonymity).label),
        ("When confidentiality may be broken", agreement.exceptions),
        ("Guidelines that apply", agreement.guidelines or "None beyond this agreement."),
        *_named_since_issue_22(agreement),
    )
    title = (
        f"Confidentiality agreement, version {agreement.version}: {engagement.title} ({engagement.reference}), "
        f"{engagement.payer_name}"
    )
    return AgreementText(title=title, sections=sections, terms=tuple(terms))


def _named_since_issue_22(agreement: Any) -> tuple[tuple[str, str], ...]:
    """The sections an agreement has only when it says them: the sponsor's duty and the client's part
    (policy 003), the codes the coaches work under and the adviser (policies 003, 004). An agreement
    made before they existed says none of them, so its text, and the hash its signatures bind, is
    unchanged."""
    sections = []
    if agreement.sponsor_duty and not agreement.engagement.is_private:
        sections.append(("The organisation's duty of confidence", agreement.sponsor_duty))
    if agreement.client_feedback_response:
        sections.append(("When feedback is shared with the client", agreement.client_feedback_response))
    codes = [
        f"{named.coach.display_name or named.coach.email}: {named.code.name} ({named.code.body})"
        + (f", {named.code.link}" if named.code.link else "")
        + (f"\n{named.code.text}" if named.code.text else "")
        for named in agreement.coach_codes.select_related("coach", "code").order_by("coach__display_name", "coach_id")
    ]
    if codes:
        sections.append(("Professional codes the coaches work under", "\n".join(codes)))
    from consent.models import DangerParty, danger_parties

    parties = danger_parties(agreement.serious_danger_parties)
    if parties:
        sections.append(
            (
                "Who else may be told in serious danger",
                "Beyond the emergency services, the police, the regulator and the relevant government "
                "bodies: " + "; ".join(DangerParty(key).label for key in parties) + ".",
            )
        )
    if agreement.adviser_name:
        adviser = agreement.adviser_name + (f", {agreement.adviser_contact}" if agreement.adviser_contact else "")
        sections.append(("Adviser on questions of confidentiality", adviser))
    return tuple(sections)
