"""The records a coaching practice starts from, drawn from its policies (shared/seeds): the
administrator loads them once, on an empty register, then changes them to fit.

Policy 000: coaching is confidential; reports to the organisation carry the client's agreement to
their content; electronic files go two years after the work, financial records are kept five years
and open to auditors. Policy 001: information is disclosed only with written consent or where the
law or serious danger requires it. Policy 002: consent to hold basic information; the right of
access. Policy 003: feedback from others at the anonymity agreed in advance; no client lists or
testimonials without permission.
"""

from __future__ import annotations

from typing import Any

from processing.models import LawfulBasis, SpecialCategoryCondition

SUGGESTED_ACTIVITIES: list[dict[str, Any]] = [
    {
        "purpose": "Providing coaching",
        "description": "Arranging and holding coaching sessions, and keeping the coach's notes securely so "
        "that the work can continue. Notes are private to the coach unless the coach shares one with the client.",
        "lawful_basis": LawfulBasis.CONTRACT,
        "special_category_condition": SpecialCategoryCondition.EXPLICIT_CONSENT,
        "data_subjects": "Clients (the people coached)",
        "data_categories": "Name and contact details; the engagement's dates and coach; session records, "
        "notes and documents; anything about health or wellbeing a client chooses to share in a session",
        "recipients": "The client's coach. Nobody else without the client's written agreement.",
        "retention_rule": "engagement_files",
    },
    {
        "purpose": "Agreeing confidentiality before coaching starts",
        "description": "A written agreement between the client, the coach and the organisation paying for "
        "the coaching, on what will be shared, with whom, when and how.",
        "lawful_basis": LawfulBasis.CONTRACT,
        "data_subjects": "Clients; the sponsoring organisation's contacts",
        "data_categories": "Names and signatures; the terms agreed for each kind of information",
        "recipients": "The parties to the agreement",
        "retention_rule": "engagement_files",
    },
    {
        "purpose": "Reports to the sponsoring organisation",
        "description": "A report on the coaching, only within what was agreed in writing beforehand, and "
        "only once the client has read and approved its content.",
        "lawful_basis": LawfulBasis.CONSENT,
        "data_subjects": "Clients",
        "data_categories": "The report's content, as approved by the client",
        "recipients": "The contacts of the organisation paying for the coaching, after the client's approval",
        "retention_rule": "engagement_files",
    },
    {
        "purpose": "Feedback from others about the client",
        "description": "Asking colleagues of the client for feedback, shared with the client at the anonymity "
        "agreed in advance: unidentified, by category of person, or by name.",
        "lawful_basis": LawfulBasis.CONSENT,
        "data_subjects": "Clients; the people giving feedback",
        "data_categories": "Feedback answers; the names and roles of those asked",
        "recipients": "The coach; the client, at the anonymity agreed",
        "retention_rule": "engagement_files",
    },
    {
        "purpose": "Keeping a client's basic information",
        "description": "The client's details and the consents they gave or withdrew, so that the practice "
        "can work with them and show what they agreed to.",
        "lawful_basis": LawfulBasis.CONSENT,
        "data_subjects": "Clients",
        "data_categories": "Name, contact details, consents given and withdrawn",
        "recipients": "",
        "retention_rule": "client_record",
    },
    {
        "purpose": "Invoicing and financial records",
        "description": "Invoices, payments and credit notes, kept for five years as tax law requires and "
        "open to the practice's auditors.",
        "lawful_basis": LawfulBasis.LEGAL_OBLIGATION,
        "data_subjects": "Sponsoring organisations' contacts; clients who pay for their own coaching",
        "data_categories": "Names, postal addresses, invoices, payments and credit notes",
        "recipients": "The practice's auditors; HM Revenue & Customs when it asks",
        "retention_rule": "financial_records",
    },
    {
        "purpose": "Disclosures the law requires",
        "description": "Telling a court, regulator or other authority what the law requires the practice to "
        "tell; the client is told in writing what was disclosed and why, unless the law forbids it.",
        "lawful_basis": LawfulBasis.LEGAL_OBLIGATION,
        "special_category_condition": SpecialCategoryCondition.SUBSTANTIAL_PUBLIC_INTEREST,
        "data_subjects": "Clients; other people a disclosure concerns",
        "data_categories": "What was disclosed, to whom, why, on what basis and who authorised it",
        "recipients": "The court, regulator or authority the law names",
        "retention_rule": "engagement_files",
    },
    {
        "purpose": "Disclosures to protect someone in serious danger",
        "description": "Where there is compelling evidence of serious danger to the client or someone else, "
        "telling those who can help; the client is told in writing afterwards, with the reason.",
        "lawful_basis": LawfulBasis.VITAL_INTERESTS,
        "special_category_condition": SpecialCategoryCondition.VITAL_INTERESTS,
        "data_subjects": "Clients; other people at risk",
        "data_categories": "What was disclosed, to whom, why and who authorised it",
        "recipients": "Emergency services, a doctor, or others able to help",
        "retention_rule": "engagement_files",
    },
    {
        "purpose": "Complaints",
        "description": "Handling a complaint about the practice or about how it used someone's information, "
        "and replying to it.",
        "lawful_basis": LawfulBasis.LEGITIMATE_INTERESTS,
        "data_subjects": "Clients; sponsoring organisations' contacts",
        "data_categories": "The complaint, the practice's response and the replies",
        "recipients": "",
        "retention_rule": "client_record",
    },
    {
        "purpose": "Data-protection requests",
        "description": "Answering requests to see, correct, erase, restrict or move information, or objecting "
        "to its use, within the time the law sets.",
        "lawful_basis": LawfulBasis.LEGAL_OBLIGATION,
        "data_subjects": "Clients; sponsoring organisations' contacts",
        "data_categories": "The request, the practice's answer, copies made for the requester",
        "recipients": "The person who asked",
        "retention_rule": "client_record",
    },
    {
        "purpose": "Recording personal-data breaches",
        "description": "The breach register the law requires: what happened, its effects and what was done.",
        "lawful_basis": LawfulBasis.LEGAL_OBLIGATION,
        "data_subjects": "Anyone whose information a breach affected",
        "data_categories": "What happened, the information involved, who was told",
        "recipients": "The regulator, where a breach must be reported",
        "retention_rule": "breaches",
    },
    {
        "purpose": "Keeping the portal secure",
        "description": "Records of signing in, kept to detect and stop attempts to break into accounts.",
        "lawful_basis": LawfulBasis.LEGITIMATE_INTERESTS,
        "data_subjects": "Everyone with a login to the portal",
        "data_categories": "Sign-in times, addresses (IP) and browsers, successful and failed",
        "recipients": "",
        "retention_rule": "sign_in_records",
    },
]

# The demo practice's processors (a real practice records its own): name → fields and the
# activities that use it.
DEMO_PROCESSORS: list[dict[str, Any]] = [
    {
        "name": "Northern Hosting Ltd",
        "service": "Hosts the portal, its database and its encrypted backups.",
        "location": "United Kingdom",
        "outside_uk": False,
        "transfer_safeguard": "",
        "used_by": "*",
    },
    {
        "name": "Relay Mail Services",
        "service": "Delivers the practice's e-mails, which carry links and never confidential content.",
        "location": "Ireland (European Economic Area)",
        "outside_uk": True,
        "transfer_safeguard": "UK adequacy regulations (European Economic Area)",
        "used_by": ["Providing coaching", "Reports to the sponsoring organisation", "Complaints"],
    },
    {
        "name": "Ledgerly Accounting",
        "service": "Keeps the practice's accounts: invoices and payments.",
        "location": "United States",
        "outside_uk": True,
        "transfer_safeguard": "UK International Data Transfer Agreement (IDTA)",
        "used_by": ["Invoicing and financial records"],
    },
]
