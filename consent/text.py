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
    sections = (
        ("About this agreement", agreement.introduction or "-"),
        ("The summary report to the organisation will include", agreement.sponsor_summary_includes or "-"),
        ("It will never include", agreement.sponsor_summary_excludes or "-"),
        ("Feedback from others will be reported", FeedbackAnonymity(agreement.feedback_anonymity).label),
        ("When confidentiality may be broken", agreement.exceptions),
        ("Guidelines that apply", agreement.guidelines or "None beyond this agreement."),
    )
    title = (
        f"Confidentiality agreement, version {agreement.version}: {engagement.title} ({engagement.reference}), "
        f"{engagement.organisation.name}"
    )
    return AgreementText(title=title, sections=sections, terms=tuple(terms))
