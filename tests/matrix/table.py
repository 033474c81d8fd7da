# ruff: noqa: E501  (the table is read across; its rows are wider than code)
"""THE access matrix: who gets what from every URL pattern and every API operation.

One row per (method, URL pattern or API operation, object). The nine columns are the personas of
CONVENTIONS.md, in this order:

    co = the coach on side A's engagement        oc = another coach (side B's)
    cl = side A's client                         sp = side A's sponsor contact
    os = side B's sponsor contact (another org)  ad = the practice administrator
    au = an auditor with an audit open today     su = a superuser (no role)
    an = anonymous

Objects are named in ``tests/matrix/world.py``: a name ending in A is side A's (the coach, client and
sponsor's), in B side B's (the other coach's and other sponsor's). ``-`` is a URL without an object;
``missing`` an id that does not exist; ``engagementA:sponsor`` passes the sponsor's user id as well;
``reportreviewA:approve`` the action slug.

Codes: the HTTP status, or LOG for a redirect to the sign-in page. Denials are 404 (outside
need-to-know: the object's existence is not confirmed), 403 (may read, may not write), 401 (API,
no token), LOG (not signed in), 405 (method not allowed). Writes carry a well-formed body
(``payloads.py``), so a 404/403 there is the access decision, not a validation error.

Beyond the codes, every response is checked: it carries no marker of confidential text the
persona may not read (``AUDIENCE_A`` below; a row may add ``+Marker,...`` it may show to whoever
reaches it), a denied request changed nothing at all (every row of every table compared), no answer
is a server error, and an HTML page has no inline script or style and carries the CSP, frame,
sniffing and referrer headers.

A new URL pattern or API operation fails ``test_every_url_and_operation_has_a_row`` until it has
rows here: decide who may reach it, on an object of theirs and on one of someone else's.
"""

from __future__ import annotations

from dataclasses import dataclass

from tests.conftest import PERSONAS as PERSONA_ORDER

DENIED = frozenset({"401", "403", "404", "405", "LOG", "POL"})


@dataclass(frozen=True)
class Row:
    method: str
    target: str  # a Django route ("engagements/<uuid:pk>/") or an API path ("/api/v1/notes/{id}/")
    obj: str
    expected: dict[str, str]
    shows: frozenset[str]  # markers anyone who reaches this row may see (a link holder, their own copy)

    @property
    def what(self) -> str:
        return f"{self.method} {self.target}"

    @property
    def is_api_operation(self) -> bool:
        return self.target.startswith("/api/")

    @property
    def id(self) -> str:
        return f"{self.what} {self.obj}"


# Who may ever read each marker of side A. Side B's: the same with other_coach for coach and
# other_sponsor for sponsor (side B's client is not a persona).
AUDIENCE_A: dict[str, frozenset[str]] = {
    marker: frozenset(who.split())
    for marker, who in {
        "ClientName": "coach client sponsor admin",  # the sponsor signs the three-way agreement that names them
        "PrivateNote": "coach",
        "SharedNote": "coach client",
        "PrivateDocument": "coach",
        "PrivateDocumentContent": "coach",
        "SharedDocument": "coach client",
        "SharedDocumentContent": "coach client",
        "SuppliedDocument": "coach sponsor",
        "SuppliedDocumentContent": "coach sponsor",
        "ClosedDocument": "coach",  # the organisation's own upload, on an engagement since closed
        "ClosedDocumentContent": "coach",
        "HardCopy": "coach admin",
        "DraftReport": "coach",
        "ReviewReport": "coach client",
        "ReportComment": "coach client",
        "ReleasedReport": "coach client sponsor admin",
        "FeedbackPrompt": "coach",
        "FeedbackSource": "coach",
        "FeedbackAnswer": "coach",  # shared as the coach's summary only
        "FeedbackSummary": "coach client",
        "FeedbackPendingPrompt": "coach",
        "FeedbackManager": "coach",
        "UnsolicitedShared": "coach client",  # feedback nobody asked for, shared: never the sponsor
        "UnsolicitedPending": "coach",  # not shared yet
        "ConsentWording": "coach client admin",
        "DisclosureWhat": "coach client admin",
        "DisclosureReason": "coach client admin",
        "PendingDisclosure": "coach admin",  # not made yet: the client is told once it is
        "Concern": "coach client admin",
        "Complaint": "client admin",
        "Testimonial": "client admin",  # policies 001, 003: the register is the administrator's
        "Sharing": "sponsor admin",  # policy 000: the administrator's; the contacts of each organisation it concerns
        "ComplaintResponse": "client admin",
        "Breach": "coach admin",  # the coach who reported it
        "AdminBreach": "admin",  # recorded by the administrator, reported by no coach
        "BreachLetter": "client sponsor admin",  # art. 34: the letter to each client and organisation affected
        "Invoice": "sponsor admin auditor",
        "CreditNote": "sponsor admin auditor",
        "PaymentReference": "sponsor admin auditor",
        "DraftInvoice": "admin",
        "RightDetails": "client admin",  # what a client asked under a right other than access
        "RightOutcome": "client admin",  # what the practice answered
        "PrivateClientName": "coach admin auditor",  # a private client's: on their invoice (side B's coach)
        "PostedClientName": "admin",  # a client without a sign-in, with no engagement: the administrator alone
        "PostedComplaint": "admin",  # recorded for a client without a sign-in, answered by post
        "PrivateInvoice": "admin auditor",  # a private client's invoice: no persona is that client
        "LegalHold": "admin",
        "TokenName": "coach",  # the token's owner
        "AuditPurpose": "admin auditor",
        "Posted": " ".join(PERSONA_ORDER),  # what the matrix itself sent: echoed to its sender
    }.items()
}
_MIRROR = {"coach": "other_coach", "sponsor": "other_sponsor", "client": "", "other_coach": "", "other_sponsor": ""}


def audience(marker: str) -> frozenset[str]:
    """Who may read a marker such as "PrivateNote-B"."""
    name, side = marker.rsplit("-", 1)
    who = AUDIENCE_A[name]
    if side == "A" or name == "Posted":
        return who
    return frozenset(_MIRROR.get(p, p) for p in who) - {""}


def parse(text: str, personas: tuple[str, ...] = PERSONA_ORDER) -> list[Row]:
    rows = []
    for number, line in enumerate(text.splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        parts = line.split()
        shows: frozenset[str] = frozenset()
        if parts[-1].startswith("+"):
            shows = frozenset(parts.pop()[1:].split(","))
        if len(parts) != 3 + len(personas):
            raise ValueError(
                f"table line {number}: expected method, target, object and {len(personas)} codes: {line!r}"
            )
        method, target, obj, *codes = parts
        target = "" if target == '""' else target  # the home page's route is empty
        rows.append(Row(method, target, obj, dict(zip(personas, codes, strict=True)), shows))
    return rows


# The admin site's model pages (five per registered model) are one family: tried one by one, by
# everyone, against the model's first row; only a superuser gets in, and sees no confidential text.
ADMIN_FAMILY = {"coach": "302", "other_coach": "302", "client": "302", "sponsor": "302", "other_sponsor": "302",
                "admin": "302", "auditor": "302", "superuser": "ANY", "anonymous": "302"}  # fmt: skip

# Read-but-not-write answers 404, not the 403 the rule gives, in a few places (no leak: 404 says less).
# Recorded here as the product behaves; reported, not changed: the page views turn a service's
# PermissionDenied into 404 (client or sponsor writing sessions, notes, documents; a coach acting on
# a report as the client would; the reporting coach updating a breach), and the API does the same for
# sessions, documents and notes (the same personas), while its other writes answer 403.
TABLE = r"""
# method route-or-operation                                             object                 co    oc    cl    sp    os    ad    au    su    an

# --- the foundation: home, dashboard, your account, the audit log ----------------------------------------
GET      ""                                                             -                      302   302   302   302   302   302   302   302   LOG
GET      dashboard/                                                     -                      200   200   200   200   200   200   200   200   LOG
GET      notices/<int:pk>/                                              noticeA                302   404   404   404   404   404   404   404   LOG
GET      notices/<int:pk>/                                              missing                404   404   404   404   404   404   404   404   LOG
GET      account/                                                       -                      200   200   200   200   200   200   200   200   LOG
POST     account/                                                       -                      200   200   200   200   200   200   200   403   LOG
POST     account/tokens/<int:pk>/revoke/                                tokenA                 302   404   404   404   404   404   404   404   LOG
POST     account/tokens/<int:pk>/revoke/                                tokenB                 404   302   404   404   404   404   404   404   LOG
POST     account/sessions/<int:pk>/end/                                 sessionA               302   404   404   404   404   404   404   404   LOG
POST     account/sessions/<int:pk>/end/                                 missing                404   404   404   404   404   404   404   404   LOG
POST     account/sessions/end-others/                                   -                      302   302   302   302   302   302   302   302   LOG
GET      account/activity/                                              -                      200   200   200   200   200   200   200   200   LOG

# --- people: staff joining and leaving (the administrator's) ---------------------------------------------
GET      people/                                                        -                      404   404   404   404   404   200   404   404   LOG
POST     people/                                                        -                      404   404   404   404   404   200   404   404   LOG
GET      people/<int:pk>/                                               user:coach             404   404   404   404   404   200   404   404   LOG
GET      people/<int:pk>/                                               user:sponsor           404   404   404   404   404   404   404   404   LOG
POST     people/<int:pk>/contract/                                      user:coach             404   404   404   404   404   302   404   404   LOG
POST     people/<int:pk>/contract/                                      user:sponsor           404   404   404   404   404   404   404   404   LOG
POST     people/<int:pk>/offboard/                                      user:coach             404   404   404   404   404   400   404   404   LOG
POST     people/<int:pk>/offboard/                                      user:sponsor           404   404   404   404   404   404   404   404   LOG
POST     people/<int:pk>/reactivate/                                    user:coach             404   404   404   404   404   400   404   404   LOG
POST     people/<int:pk>/reactivate/                                    user:sponsor           404   404   404   404   404   404   404   404   LOG
POST     people/<int:pk>/invite/                                        user:coach             404   404   404   404   404   302   404   404   LOG
GET      people/offboarding/<uuid:pk>/                                  offboarding            404   404   404   404   404   200   404   404   LOG
GET      people/offboarding/<uuid:pk>/                                  missing                404   404   404   404   404   404   404   404   LOG
POST     people/handovers/<int:pk>/reassign/                            handover               404   404   404   404   404   302   404   404   LOG
POST     people/handovers/<int:pk>/reassign/                            missing                404   404   404   404   404   404   404   404   LOG
POST     people/handovers/<int:pk>/settle/                              handover               404   404   404   404   404   302   404   404   LOG
POST     people/handovers/<int:pk>/settle/                              missing                404   404   404   404   404   404   404   404   LOG
POST     people/sponsor-contacts/<int:pk>/remove/                       sponsorcontactA        404   404   404   404   404   302   404   404   LOG
POST     people/sponsor-contacts/<int:pk>/remove/                       sponsorcontactB        404   404   404   404   404   302   404   404   LOG

# --- practice policies: every staff member accepts the current ones --------------------------------------
GET      policies/                                                      -                      200   200   200   200   200   200   200   200   LOG
POST     policies/<uuid:pk>/accept/                                     policy                 302   302   302   302   302   302   302   302   LOG
POST     policies/<uuid:pk>/accept/                                     missing                404   404   404   404   404   404   404   404   LOG
GET      policies/status/                                               -                      404   404   404   404   404   200   404   404   LOG
GET      audit/                                                         -                      404   404   404   404   404   200   200   404   LOG
GET      outbox/                                                        -                      404   404   404   404   404   200   404   404   LOG
POST     outbox/<uuid:pk>/resend/                                       email                  404   404   404   404   404   302   404   404   LOG
POST     outbox/<uuid:pk>/resend/                                       missing                404   404   404   404   404   404   404   404   LOG
GET      practice/                                                      -                      404   404   404   404   404   200   404   404   LOG
POST     practice/                                                      -                      404   404   404   404   404   302   404   404   LOG

# --- records of processing (the administrator's) and the privacy notice (public: no personal data) -------
GET      records-of-processing/                                         -                      404   404   404   404   404   200   404   404   LOG
POST     records-of-processing/                                         -                      404   404   404   404   404   302   404   404   LOG
GET      records-of-processing/record.pdf                               -                      404   404   404   404   404   200   404   404   LOG
POST     records-of-processing/suggestions/                             -                      404   404   404   404   404   302   404   404   LOG
POST     records-of-processing/processors/                              -                      404   404   404   404   404   302   404   404   LOG
GET      records-of-processing/activities/<uuid:pk>/                    activity               404   404   404   404   404   200   404   404   LOG
GET      records-of-processing/activities/<uuid:pk>/                    missing                404   404   404   404   404   404   404   404   LOG
POST     records-of-processing/activities/<uuid:pk>/                    activity               404   404   404   404   404   302   404   404   LOG
POST     records-of-processing/activities/<uuid:pk>/remove/             activity               404   404   404   404   404   302   404   404   LOG
POST     records-of-processing/activities/<uuid:pk>/remove/             missing                404   404   404   404   404   404   404   404   LOG
GET      records-of-processing/processors/<uuid:pk>/                    processor              404   404   404   404   404   200   404   404   LOG
GET      records-of-processing/processors/<uuid:pk>/                    missing                404   404   404   404   404   404   404   404   LOG
POST     records-of-processing/processors/<uuid:pk>/                    processor              404   404   404   404   404   302   404   404   LOG
POST     records-of-processing/processors/<uuid:pk>/remove/             processor              404   404   404   404   404   302   404   404   LOG
POST     records-of-processing/processors/<uuid:pk>/remove/             missing                404   404   404   404   404   404   404   404   LOG
GET      privacy/                                                       -                      200   200   200   200   200   200   200   200   200
GET      privacy/notice.pdf                                             -                      200   200   200   200   200   200   200   200   200

# --- engagements: metadata, people, sessions, notes, documents, hard copies, reports, feedback -----------
GET      engagements/                                                   -                      200   200   200   200   200   200   200   200   LOG
GET      engagements/new/                                               -                      404   404   404   404   404   200   404   404   LOG
POST     engagements/new/                                               -                      404   404   404   404   404   200   404   404   LOG
GET      engagements/<uuid:pk>/                                         engagementA            200   404   200   200   404   200   404   404   LOG
GET      engagements/<uuid:pk>/                                         engagementB            404   200   404   404   200   200   404   404   LOG
GET      engagements/<uuid:pk>/edit/                                    engagementA            404   404   404   404   404   200   404   404   LOG
GET      engagements/<uuid:pk>/edit/                                    engagementB            404   404   404   404   404   200   404   404   LOG
POST     engagements/<uuid:pk>/edit/                                    engagementA            404   404   404   404   404   200   404   404   LOG
POST     engagements/<uuid:pk>/edit/                                    engagementB            404   404   404   404   404   200   404   404   LOG
POST     engagements/<uuid:pk>/close/                                   engagementA            404   404   404   404   404   302   404   404   LOG
POST     engagements/<uuid:pk>/close/                                   engagementB            404   404   404   404   404   302   404   404   LOG
POST     engagements/<uuid:pk>/people/                                  engagementA            404   404   404   404   404   302   404   404   LOG
POST     engagements/<uuid:pk>/people/                                  engagementB            404   404   404   404   404   302   404   404   LOG
POST     engagements/<uuid:pk>/people/<int:user_id>/remove/             engagementA:sponsor    404   404   404   404   404   302   404   404   LOG
POST     engagements/<uuid:pk>/people/<int:user_id>/remove/             engagementB:other_sponsor 404   404   404   404   404   302   404   404   LOG
POST     engagements/<uuid:pk>/sessions/                                engagementA            302   404   404   404   404   404   404   404   LOG
POST     engagements/<uuid:pk>/sessions/                                engagementB            404   302   404   404   404   404   404   404   LOG
# where a session took place and that the setting was private (policy 002): its coaches complete it
GET      engagements/sessions/<uuid:pk>/setting/                        coachingsessionA       200   404   404   404   404   404   404   404   LOG
GET      engagements/sessions/<uuid:pk>/setting/                        coachingsessionB       404   200   404   404   404   404   404   404   LOG
POST     engagements/sessions/<uuid:pk>/setting/                        coachingsessionA       302   404   404   404   404   404   404   404   LOG
POST     engagements/sessions/<uuid:pk>/setting/                        coachingsessionB       404   302   404   404   404   404   404   404   LOG
GET      engagements/<uuid:pk>/notes/                                   engagementA            200   404   200   404   404   404   404   404   LOG
GET      engagements/<uuid:pk>/notes/                                   engagementB            404   200   404   404   404   404   404   404   LOG
POST     engagements/<uuid:pk>/notes/new/                               engagementA            302   404   404   404   404   404   404   404   LOG
POST     engagements/<uuid:pk>/notes/new/                               engagementB            404   302   404   404   404   404   404   404   LOG
POST     engagements/<uuid:pk>/documents/                               engagementA            302   404   404   404   404   404   404   404   LOG
POST     engagements/<uuid:pk>/documents/                               engagementB            404   302   404   404   404   404   404   404   LOG
POST     engagements/<uuid:pk>/hard-copies/                             engagementA            302   404   404   404   404   302   404   404   LOG
POST     engagements/<uuid:pk>/hard-copies/                             engagementB            404   302   404   404   404   302   404   404   LOG
GET      engagements/notes/<uuid:pk>/                                   noteprivateA           200   404   404   404   404   404   404   404   LOG
GET      engagements/notes/<uuid:pk>/                                   notesharedA            200   404   200   404   404   404   404   404   LOG
GET      engagements/notes/<uuid:pk>/                                   noteprivateB           404   200   404   404   404   404   404   404   LOG
GET      engagements/notes/<uuid:pk>/edit/                              noteprivateA           200   404   404   404   404   404   404   404   LOG
GET      engagements/notes/<uuid:pk>/edit/                              notesharedA            302   404   404   404   404   404   404   404   LOG
GET      engagements/notes/<uuid:pk>/edit/                              noteprivateB           404   200   404   404   404   404   404   404   LOG
POST     engagements/notes/<uuid:pk>/edit/                              noteprivateA           302   404   404   404   404   404   404   404   LOG
POST     engagements/notes/<uuid:pk>/edit/                              notesharedA            200   404   404   404   404   404   404   404   LOG
POST     engagements/notes/<uuid:pk>/edit/                              noteprivateB           404   302   404   404   404   404   404   404   LOG
POST     engagements/notes/<uuid:pk>/correct/                           noteprivateA           400   404   404   404   404   404   404   404   LOG
POST     engagements/notes/<uuid:pk>/correct/                           notesharedA            400   404   404   404   404   404   404   404   LOG
POST     engagements/notes/<uuid:pk>/correct/                           noteprivateB           404   400   404   404   404   404   404   404   LOG
POST     engagements/notes/<uuid:pk>/share/                             noteprivateA           302   404   404   404   404   404   404   404   LOG
POST     engagements/notes/<uuid:pk>/share/                             notesharedA            302   404   404   404   404   404   404   404   LOG
POST     engagements/notes/<uuid:pk>/share/                             noteprivateB           404   302   404   404   404   404   404   404   LOG
GET      engagements/notes/<uuid:pk>/break-glass/                       noteprivateA           404   404   404   404   404   200   404   404   LOG
GET      engagements/notes/<uuid:pk>/break-glass/                       notesharedA            404   404   404   404   404   200   404   404   LOG
GET      engagements/notes/<uuid:pk>/break-glass/                       noteprivateB           404   404   404   404   404   200   404   404   LOG
POST     engagements/notes/<uuid:pk>/break-glass/                       noteprivateA           404   404   404   404   404   302   404   404   LOG
POST     engagements/notes/<uuid:pk>/break-glass/                       notesharedA            404   404   404   404   404   302   404   404   LOG
POST     engagements/notes/<uuid:pk>/break-glass/                       noteprivateB           404   404   404   404   404   302   404   404   LOG
GET      engagements/documents/<uuid:pk>/download/                      documentprivateA       200   404   404   404   404   404   404   404   LOG
GET      engagements/documents/<uuid:pk>/download/                      documentsharedA        200   404   200   404   404   404   404   404   LOG
GET      engagements/documents/<uuid:pk>/download/                      documentsuppliedA      200   404   404   200   404   404   404   404   LOG
GET      engagements/documents/<uuid:pk>/download/                      documenttickedA        200   404   404   404   404   404   404   404   LOG
GET      engagements/documents/<uuid:pk>/download/                      documentprivateB       404   200   404   404   404   404   404   404   LOG
POST     engagements/hard-copies/<uuid:pk>/returned/                    hardcopyA              302   404   404   404   404   302   404   404   LOG
POST     engagements/hard-copies/<uuid:pk>/returned/                    hardcopyB              404   302   404   404   404   302   404   404   LOG
GET      engagements/<uuid:pk>/reports/                                 engagementA            200   404   200   200   404   200   404   404   LOG
GET      engagements/<uuid:pk>/reports/                                 engagementB            404   200   404   404   200   200   404   404   LOG
POST     engagements/<uuid:pk>/reports/                                 engagementA            302   404   404   404   404   404   404   404   LOG
POST     engagements/<uuid:pk>/reports/                                 engagementB            404   302   404   404   404   404   404   404   LOG
GET      engagements/reports/<uuid:pk>/                                 reportdraftA           200   404   404   404   404   404   404   404   LOG
GET      engagements/reports/<uuid:pk>/                                 reportreviewA          200   404   200   404   404   404   404   404   LOG
GET      engagements/reports/<uuid:pk>/                                 reportreleasedA        200   404   200   200   404   200   404   404   LOG
GET      engagements/reports/<uuid:pk>/                                 reportreleasedB        404   200   404   404   200   200   404   404   LOG
GET      engagements/reports/<uuid:pk>/pdf/                             reportdraftA           404   404   404   404   404   404   404   404   LOG
GET      engagements/reports/<uuid:pk>/pdf/                             reportreviewA          404   404   404   404   404   404   404   404   LOG
GET      engagements/reports/<uuid:pk>/pdf/                             reportreleasedA        200   404   200   200   404   200   404   404   LOG
GET      engagements/reports/<uuid:pk>/pdf/                             reportreleasedB        404   200   404   404   200   200   404   404   LOG
POST     engagements/reports/<uuid:pk>/<slug:action>/                   reportdraftA:submit    302   404   404   404   404   404   404   404   LOG
POST     engagements/reports/<uuid:pk>/<slug:action>/                   reportdraftA:revise    200   404   404   404   404   404   404   404   LOG
POST     engagements/reports/<uuid:pk>/<slug:action>/                   reportreviewA:comment  404   404   302   404   404   404   404   404   LOG
POST     engagements/reports/<uuid:pk>/<slug:action>/                   reportreviewA:approve  404   404   302   404   404   404   404   404   LOG
POST     engagements/reports/<uuid:pk>/<slug:action>/                   reportreviewA:request-changes 404   404   302   404   404   404   404   404   LOG
POST     engagements/reports/<uuid:pk>/<slug:action>/                   reportreleasedA:release 200   404   404   404   404   404   404   404   LOG
POST     engagements/reports/<uuid:pk>/<slug:action>/                   reportdraftB:submit    404   302   404   404   404   404   404   404   LOG
POST     engagements/reports/<uuid:pk>/<slug:action>/                   reportreviewB:approve  404   404   404   404   404   404   404   404   LOG
GET      engagements/<uuid:pk>/feedback/                                engagementA            200   404   200   404   404   404   404   404   LOG
GET      engagements/<uuid:pk>/feedback/                                engagementB            404   200   404   404   404   404   404   404   LOG
POST     engagements/<uuid:pk>/feedback/                                engagementA            302   404   404   404   404   404   404   404   LOG
POST     engagements/<uuid:pk>/feedback/                                engagementB            404   302   404   404   404   404   404   404   LOG
GET      engagements/feedback/<uuid:pk>/                                feedbacksharedA        200   404   200   404   404   404   404   404   LOG
GET      engagements/feedback/<uuid:pk>/                                feedbackpendingA       200   404   404   404   404   404   404   404   LOG
GET      engagements/feedback/<uuid:pk>/                                feedbacksharedB        404   200   404   404   404   404   404   404   LOG
POST     engagements/feedback/<uuid:pk>/                                feedbacksharedA        302   404   404   404   404   404   404   404   LOG
POST     engagements/feedback/<uuid:pk>/                                feedbackpendingA       302   404   404   404   404   404   404   404   LOG
POST     engagements/feedback/<uuid:pk>/                                feedbacksharedB        404   302   404   404   404   404   404   404   LOG
POST     engagements/<uuid:pk>/feedback/unsolicited/                    engagementA            302   404   404   404   404   404   404   404   LOG
POST     engagements/<uuid:pk>/feedback/unsolicited/                    engagementB            404   302   404   404   404   404   404   404   LOG
GET      engagements/feedback/unsolicited/<uuid:pk>/                    unsolicitedsharedA     200   404   200   404   404   404   404   404   LOG
GET      engagements/feedback/unsolicited/<uuid:pk>/                    unsolicitedpendingA    200   404   404   404   404   404   404   404   LOG
GET      engagements/feedback/unsolicited/<uuid:pk>/                    unsolicitedsharedB     404   200   404   404   404   404   404   404   LOG
POST     engagements/feedback/unsolicited/<uuid:pk>/                    unsolicitedpendingA    302   404   404   404   404   404   404   404   LOG
POST     engagements/feedback/unsolicited/<uuid:pk>/                    unsolicitedsharedA     302   404   404   404   404   404   404   404   LOG
POST     engagements/feedback/unsolicited/<uuid:pk>/                    unsolicitedpendingB    404   302   404   404   404   404   404   404   LOG
GET      engagements/clients/                                           -                      404   404   404   404   404   200   404   404   LOG
GET      engagements/clients/new/                                       -                      404   404   404   404   404   200   404   404   LOG
POST     engagements/clients/new/                                       -                      404   404   404   404   404   200   404   404   LOG
POST     engagements/clients/<uuid:pk>/login/                           clientA                404   404   404   404   404   302   404   404   LOG
GET      engagements/organisations/                                     -                      404   404   404   404   404   200   404   404   LOG
GET      engagements/organisations/new/                                 -                      404   404   404   404   404   200   404   404   LOG
POST     engagements/organisations/new/                                 -                      404   404   404   404   404   200   404   404   LOG
GET      engagements/organisations/<uuid:pk>/                           organisationA          404   404   404   404   404   200   404   404   LOG
GET      engagements/organisations/<uuid:pk>/                           organisationB          404   404   404   404   404   200   404   404   LOG
POST     engagements/organisations/<uuid:pk>/                           organisationA          404   404   404   404   404   200   404   404   LOG
POST     engagements/organisations/<uuid:pk>/                           organisationB          404   404   404   404   404   200   404   404   LOG
GET      engagements/my-file/who-has-read-it/                           -                      404   404   200   404   404   404   404   404   LOG

# --- retention and legal holds: the administrator's ------------------------------------------------------
GET      retention/                                                     -                      404   404   404   404   404   200   404   404   LOG
POST     retention/forecast/recount/                                    -                      404   404   404   404   404   302   404   404   LOG
GET      retention/holds/new/<str:scope>/<uuid:pk>/                     engagementA:engagement 404   404   404   404   404   200   404   404   LOG
GET      retention/holds/new/<str:scope>/<uuid:pk>/                     clientA:client         404   404   404   404   404   200   404   404   LOG
GET      retention/holds/new/<str:scope>/<uuid:pk>/                     organisationB:organisation 404   404   404   404   404   200   404   404   LOG
GET      retention/holds/new/<str:scope>/<uuid:pk>/                     engagementA:client     404   404   404   404   404   404   404   404   LOG
GET      retention/holds/new/<str:scope>/<uuid:pk>/                     missing:engagement     404   404   404   404   404   404   404   404   LOG
POST     retention/holds/new/<str:scope>/<uuid:pk>/                     engagementA:engagement 404   404   404   404   404   302   404   404   LOG
POST     retention/holds/new/<str:scope>/<uuid:pk>/                     organisationB:organisation 404   404   404   404   404   302   404   404   LOG
POST     retention/holds/<uuid:pk>/release/                             holdA                  404   404   404   404   404   302   404   404   LOG
POST     retention/holds/<uuid:pk>/release/                             holdB                  404   404   404   404   404   302   404   404   LOG
GET      retention/withdraw/<str:kind>/<uuid:pk>/                       noteprivateA:note      200   404   404   404   404   404   404   404   LOG
GET      retention/withdraw/<str:kind>/<uuid:pk>/                       notesharedA:note       200   404   404   404   404   404   404   404   LOG
GET      retention/withdraw/<str:kind>/<uuid:pk>/                       noteprivateB:note      404   200   404   404   404   404   404   404   LOG
GET      retention/withdraw/<str:kind>/<uuid:pk>/                       documentprivateA:document 200   404   404   404   404   404   404   404   LOG
GET      retention/withdraw/<str:kind>/<uuid:pk>/                       documentsuppliedA:document 404   404   404   404   404   404   404   404   LOG
GET      retention/withdraw/<str:kind>/<uuid:pk>/                       coachingsessionA:session 200   404   404   404   404   404   404   404   LOG
GET      retention/withdraw/<str:kind>/<uuid:pk>/                       noteprivateA:session   404   404   404   404   404   404   404   404   LOG
POST     retention/withdraw/<str:kind>/<uuid:pk>/                       noteprivateA:note      400   404   404   404   404   404   404   404   LOG
POST     retention/withdraw/<str:kind>/<uuid:pk>/                       noteprivateB:note      404   400   404   404   404   404   404   404   LOG
POST     retention/withdraw/<str:kind>/<uuid:pk>/                       documentprivateA:document 400   404   404   404   404   404   404   404   LOG
POST     retention/withdraw/<str:kind>/<uuid:pk>/                       coachingsessionA:session 400   404   404   404   404   404   404   404   LOG
GET      retention/policies/                                            -                      404   404   404   404   404   200   404   404   LOG
POST     retention/policies/                                            -                      404   404   404   404   404   302   404   404   LOG

# --- subject access: a client's own copy, a sponsor's organisation's; the administrator runs them --------
GET      subject-access/                                                -                      404   404   200   200   200   200   404   404   LOG
GET      subject-access/portability-schema.json                         -                      200   200   200   200   200   200   200   200   200
GET      subject-access/new/                                            -                      404   404   302   302   302   200   404   404   LOG
POST     subject-access/new/                                            -                      404   404   302   302   302   200   404   404   LOG
GET      subject-access/<uuid:pk>/                                      sarclientA             404   404   200   404   404   200   404   404   LOG
GET      subject-access/<uuid:pk>/                                      sarorganisationA       404   404   404   200   404   200   404   404   LOG
GET      subject-access/<uuid:pk>/                                      sarclientB             404   404   404   404   404   200   404   404   LOG
GET      subject-access/<uuid:pk>/                                      sarorganisationreleasedA 404   404   404   200   404   200   404   404   LOG
GET      subject-access/<uuid:pk>/status/                               sarclientA             404   404   200   404   404   200   404   404   LOG
GET      subject-access/<uuid:pk>/status/                               sarorganisationA       404   404   404   200   404   200   404   404   LOG
GET      subject-access/<uuid:pk>/status/                               sarclientB             404   404   404   404   404   200   404   404   LOG
POST     subject-access/<uuid:pk>/start/                                sarclientA             404   404   404   404   404   302   404   404   LOG
POST     subject-access/<uuid:pk>/start/                                sarorganisationA       404   404   404   404   404   302   404   404   LOG
POST     subject-access/<uuid:pk>/start/                                sarclientB             404   404   404   404   404   302   404   404   LOG
POST     subject-access/<uuid:pk>/extend/                               sarclientA             404   404   404   404   404   400   404   404   LOG
POST     subject-access/<uuid:pk>/extend/                               sarorganisationA       404   404   404   404   404   400   404   404   LOG
POST     subject-access/<uuid:pk>/extend/                               sarclientB             404   404   404   404   404   400   404   404   LOG
POST     subject-access/<uuid:pk>/refuse/                               sarclientA             404   404   404   404   404   400   404   404   LOG
POST     subject-access/<uuid:pk>/refuse/                               sarorganisationA       404   404   404   404   404   400   404   404   LOG
POST     subject-access/<uuid:pk>/refuse/                               sarclientB             404   404   404   404   404   400   404   404   LOG
POST     subject-access/<uuid:pk>/release/                              sarclientA             404   404   404   404   404   302   404   404   LOG
POST     subject-access/<uuid:pk>/release/                              sarorganisationA       404   404   404   404   404   302   404   404   LOG
POST     subject-access/<uuid:pk>/release/                              sarclientB             404   404   404   404   404   302   404   404   LOG
GET      subject-access/<uuid:pk>/download/                             sarclientA             404   404   200   404   404   404   404   404   LOG   +PrivateNote,DraftReport
GET      subject-access/<uuid:pk>/download/                             sarorganisationA       404   404   404   409   404   404   404   404   LOG
GET      subject-access/<uuid:pk>/download/                             sarorganisationreleasedA 404   404   404   200   404   404   404   404   LOG
GET      subject-access/<uuid:pk>/download/                             sarclientB             404   404   404   404   404   404   404   404   LOG
GET      subject-access/<uuid:pk>/                                      sarcorrectionA         404   404   200   404   404   200   404   404   LOG
GET      subject-access/<uuid:pk>/                                      saransweredB            404   404   404   404   404   200   404   404   LOG
POST     subject-access/<uuid:pk>/correct/                              sarcorrectionA         404   404   404   404   404   400   404   404   LOG
POST     subject-access/<uuid:pk>/correct/                              sarcorrectionB         404   404   404   404   404   400   404   404   LOG
POST     subject-access/<uuid:pk>/answer/                               sarcorrectionA         404   404   404   404   404   400   404   404   LOG
POST     subject-access/<uuid:pk>/restrict/                             sarcorrectionA         404   404   404   404   404   400   404   404   LOG
POST     subject-access/<uuid:pk>/lift/                                 sarcorrectionA         404   404   404   404   404   400   404   404   LOG
POST     subject-access/<uuid:pk>/posted/                               sarcorrectionA         404   404   404   404   404   400   404   404   LOG
GET      subject-access/<uuid:pk>/copy/                                 sarclientA             404   404   404   404   404   404   404   404   LOG
GET      subject-access/<uuid:pk>/copy/                                 sarorganisationA       404   404   404   404   404   404   404   404   LOG
POST     subject-access/<uuid:pk>/redact/                               sarclientA             404   404   404   404   404   400   404   404   LOG
POST     subject-access/<uuid:pk>/redact/                               sarclientB             404   404   404   404   404   400   404   404   LOG
POST     subject-access/<uuid:pk>/withhold-file/                        sarclientA             404   404   404   404   404   400   404   404   LOG
POST     subject-access/<uuid:pk>/withhold-file/                        sarclientB             404   404   404   404   404   400   404   404   LOG
POST     subject-access/<uuid:pk>/answer/                               sarcorrectionB         404   404   404   404   404   400   404   404   LOG
POST     subject-access/<uuid:pk>/restrict/                             sarcorrectionB         404   404   404   404   404   400   404   404   LOG
POST     subject-access/<uuid:pk>/lift/                                 sarcorrectionB         404   404   404   404   404   400   404   404   LOG
GET      subject-access/<uuid:pk>/letter/                               saransweredA            404   404   200   404   404   200   404   404   LOG
GET      subject-access/<uuid:pk>/letter/                               saransweredB            404   404   404   404   404   200   404   404   LOG
GET      subject-access/<uuid:pk>/letter/                               sarcorrectionA         404   404   404   404   404   404   404   404   LOG
GET      subject-access/<uuid:pk>/letter/                               sarclientA             404   404   404   404   404   404   404   404   LOG
GET      subject-access/<uuid:pk>/                                      sarpostA               404   404   404   404   404   200   404   404   LOG
POST     subject-access/<uuid:pk>/send-link/                            sarpostA               404   404   404   404   404   200   404   404   LOG
POST     subject-access/<uuid:pk>/send-link/                            sarcorrectionA         404   404   404   404   404   400   404   404   LOG
GET      subject-access/collect/<str:token>/                            answerlinkA            302   302   302   302   302   302   302   302   302
GET      subject-access/collect/<str:token>/                            not-a-real-token       404   404   404   404   404   404   404   404   404
GET      subject-access/collect/                                        -                      404   404   404   404   404   404   404   404   404
POST     subject-access/collect/                                        -                      404   404   404   404   404   404   404   404   404

# --- the feedback link: whoever holds a valid link sees the client's name and the question ---------------
GET      feedback/give/<str:token>/                                     feedbackA              200   200   200   200   200   200   200   200   200   +ClientName,FeedbackPendingPrompt
GET      feedback/give/<str:token>/                                     feedbackB              200   200   200   200   200   200   200   200   200   +ClientName,FeedbackPendingPrompt
GET      feedback/give/<str:token>/                                     not-a-real-token       404   404   404   404   404   404   404   404   404
POST     feedback/give/<str:token>/                                     feedbackA              200   200   200   200   200   200   200   200   200   +ClientName,FeedbackPendingPrompt
POST     feedback/give/<str:token>/                                     feedbackB              200   200   200   200   200   200   200   200   200   +ClientName,FeedbackPendingPrompt
POST     feedback/give/<str:token>/                                     not-a-real-token       404   404   404   404   404   404   404   404   404

# --- agreements and consent ------------------------------------------------------------------------------
GET      engagements/<uuid:pk>/agreement/                               engagementA            200   404   200   200   404   200   404   404   LOG
GET      engagements/<uuid:pk>/agreement/                               engagementB            404   200   404   404   200   200   404   404   LOG
POST     engagements/<uuid:pk>/agreement/                               engagementA            200   404   404   404   404   200   404   404   LOG
POST     engagements/<uuid:pk>/agreement/                               engagementB            404   302   404   404   404   302   404   404   LOG
GET      engagements/<uuid:pk>/consents/new/                            engagementA            200   404   404   404   404   200   404   404   LOG
GET      engagements/<uuid:pk>/consents/new/                            engagementB            404   200   404   404   404   200   404   404   LOG
POST     engagements/<uuid:pk>/consents/new/                            engagementA            302   404   404   404   404   302   404   404   LOG
POST     engagements/<uuid:pk>/consents/new/                            engagementB            404   302   404   404   404   302   404   404   LOG
GET      agreements/<uuid:pk>/                                          agreementA             200   404   200   200   404   200   404   404   LOG
GET      agreements/<uuid:pk>/                                          agreementdraft         302   404   404   404   404   302   404   404   LOG
GET      agreements/<uuid:pk>/                                          agreementsent          200   404   200   200   404   200   404   404   LOG
GET      agreements/<uuid:pk>/                                          agreementB             404   200   404   404   200   200   404   404   LOG
POST     agreements/<uuid:pk>/                                          agreementA             404   404   404   404   404   404   404   404   LOG
POST     agreements/<uuid:pk>/                                          agreementdraft         302   404   404   404   404   302   404   404   LOG
POST     agreements/<uuid:pk>/                                          agreementsent          200   404   302   302   404   404   404   404   LOG
POST     agreements/<uuid:pk>/                                          agreementB             404   404   404   404   404   404   404   404   LOG
GET      agreements/<uuid:pk>/edit/                                     agreementA             404   404   404   404   404   404   404   404   LOG
GET      agreements/<uuid:pk>/edit/                                     agreementdraft         200   404   404   404   404   200   404   404   LOG
GET      agreements/<uuid:pk>/edit/                                     agreementsent          404   404   404   404   404   404   404   404   LOG
GET      agreements/<uuid:pk>/edit/                                     agreementB             404   404   404   404   404   404   404   404   LOG
POST     agreements/<uuid:pk>/edit/                                     agreementA             404   404   404   404   404   404   404   404   LOG
POST     agreements/<uuid:pk>/edit/                                     agreementdraft         200   404   404   404   404   200   404   404   LOG
POST     agreements/<uuid:pk>/edit/                                     agreementsent          404   404   404   404   404   404   404   404   LOG
POST     agreements/<uuid:pk>/edit/                                     agreementB             404   404   404   404   404   404   404   404   LOG
GET      agreements/<uuid:pk>/pdf/                                      agreementA             200   404   200   200   404   200   404   404   LOG
GET      agreements/<uuid:pk>/pdf/                                      agreementdraft         404   404   404   404   404   404   404   404   LOG
GET      agreements/<uuid:pk>/pdf/                                      agreementsent          200   404   200   200   404   200   404   404   LOG
GET      agreements/<uuid:pk>/pdf/                                      agreementB             404   200   404   404   200   200   404   404   LOG
GET      consents/                                                      -                      200   200   200   404   404   200   404   404   LOG
POST     consents/give/                                                 -                      404   404   302   404   404   404   404   404   LOG
GET      agreements/categories/                                         -                      404   404   404   404   404   200   404   404   LOG
POST     agreements/categories/                                         -                      404   404   404   404   404   200   404   404   LOG
GET      agreements/codes/                                              -                      404   404   404   404   404   200   404   404   LOG
POST     agreements/codes/                                              -                      404   404   404   404   404   200   404   404   LOG
POST     agreements/codes/<int:pk>/active/                              professionalcode       404   404   404   404   404   302   404   404   LOG
POST     agreements/codes/<int:pk>/active/                              missing                404   404   404   404   404   404   404   404   LOG
GET      agreements/templates/                                          -                      200   200   404   404   404   200   404   404   LOG
POST     agreements/templates/                                          -                      200   200   404   404   404   200   404   404   LOG
GET      agreements/templates/<uuid:pk>/                                template               200   200   404   404   404   200   404   404   LOG
POST     agreements/templates/<uuid:pk>/                                template               200   200   404   404   404   200   404   404   LOG
POST     consents/<uuid:pk>/withdraw/                                   consentA               302   404   302   404   404   302   404   404   LOG
POST     consents/<uuid:pk>/withdraw/                                   consentB               404   302   404   404   404   302   404   404   LOG

# --- disclosures and concerns ----------------------------------------------------------------------------
GET      engagements/<uuid:pk>/disclosures/                             engagementA            200   404   200   404   404   200   404   404   LOG
GET      engagements/<uuid:pk>/disclosures/                             engagementB            404   200   404   404   404   200   404   404   LOG
POST     engagements/<uuid:pk>/disclosures/                             engagementA            302   404   403   404   404   403   404   404   LOG
POST     engagements/<uuid:pk>/disclosures/                             engagementB            404   302   404   404   404   403   404   404   LOG
GET      engagements/<uuid:pk>/concerns/new/                            engagementA            200   404   404   404   404   404   404   404   LOG
GET      engagements/<uuid:pk>/concerns/new/                            engagementB            404   200   404   404   404   404   404   404   LOG
POST     engagements/<uuid:pk>/concerns/new/                            engagementA            302   404   404   404   404   404   404   404   LOG
POST     engagements/<uuid:pk>/concerns/new/                            engagementB            404   302   404   404   404   404   404   404   LOG
GET      disclosures/                                                   -                      404   404   404   404   404   200   404   404   LOG
GET      disclosures/<uuid:pk>/                                         disclosuremadeA        200   404   200   404   404   200   404   404   LOG
GET      disclosures/<uuid:pk>/                                         disclosurependingA     200   404   404   404   404   200   404   404   LOG
GET      disclosures/<uuid:pk>/                                         disclosuremadeB        404   200   404   404   404   200   404   404   LOG
POST     disclosures/<uuid:pk>/decide/                                  disclosuremadeA        302   404   302   404   404   302   404   404   LOG
POST     disclosures/<uuid:pk>/decide/                                  disclosurependingA     403   404   404   404   404   302   404   404   LOG
POST     disclosures/<uuid:pk>/decide/                                  disclosuremadeB        404   302   404   404   404   302   404   404   LOG
POST     disclosures/<uuid:pk>/letter-sent/                             disclosuremadeA        302   404   403   404   404   403   404   404   LOG
POST     disclosures/<uuid:pk>/letter-sent/                             disclosurependingA     302   404   404   404   404   403   404   404   LOG
POST     disclosures/<uuid:pk>/letter-sent/                             disclosuremadeB        404   302   404   404   404   403   404   404   LOG
GET      disclosures/<uuid:pk>/letter/                                  disclosuremadeA        200   404   200   404   404   200   404   404   LOG
GET      disclosures/<uuid:pk>/letter/                                  disclosurependingA     404   404   404   404   404   404   404   404   LOG
GET      disclosures/<uuid:pk>/letter/                                  disclosuremadeB        404   200   404   404   404   200   404   404   LOG
GET      concerns/                                                      -                      200   200   200   404   404   200   404   404   LOG
GET      concerns/<uuid:pk>/                                            concernA               200   404   200   404   404   200   404   404   LOG
GET      concerns/<uuid:pk>/                                            concernB               404   200   404   404   404   200   404   404   LOG
# a concern of serious danger stays the coach's and the approver's while it is open: the client is told once it is made
GET      concerns/<uuid:pk>/                                            concerndangerA         200   404   404   404   404   200   404   404   LOG
POST     concerns/<uuid:pk>/step/                                       concernA               302   404   403   404   404   403   404   404   LOG
POST     concerns/<uuid:pk>/step/                                       concernB               404   302   404   404   404   403   404   404   LOG
POST     concerns/<uuid:pk>/change/                                     concernA               302   404   403   404   404   403   404   404   LOG
POST     concerns/<uuid:pk>/change/                                     concernB               404   302   404   404   404   403   404   404   LOG
POST     concerns/<uuid:pk>/withdraw/                                   concernA               302   404   403   404   404   403   404   404   LOG
POST     concerns/<uuid:pk>/withdraw/                                   concernB               404   302   404   404   404   403   404   404   LOG

# --- complaints and breaches -----------------------------------------------------------------------------
GET      complaints/                                                    -                      404   404   200   404   404   302   404   404   LOG
GET      complaints/new/                                                -                      404   404   200   404   404   404   404   404   LOG
POST     complaints/new/                                                -                      404   404   302   404   404   404   404   404   LOG
GET      complaints/<uuid:pk>/                                          complaintA             404   404   200   404   404   200   404   404   LOG
GET      complaints/<uuid:pk>/                                          complaintB             404   404   404   404   404   200   404   404   LOG
GET      complaints/<uuid:pk>/                                          complaintonbehalfA     404   404   404   404   404   200   404   404   LOG
POST     complaints/<uuid:pk>/respond/                                  complaintA             404   404   404   404   404   302   404   404   LOG
POST     complaints/<uuid:pk>/respond/                                  complaintB             404   404   404   404   404   302   404   404   LOG
POST     complaints/<uuid:pk>/reply/                                    complaintA             404   404   302   404   404   404   404   404   LOG
POST     complaints/<uuid:pk>/reply/                                    complaintB             404   404   404   404   404   404   404   404   LOG
POST     complaints/<uuid:pk>/close/                                    complaintA             404   404   404   404   404   400   404   404   LOG
POST     complaints/<uuid:pk>/close/                                    complaintB             404   404   404   404   404   400   404   404   LOG
GET      complaints/record/                                             -                      404   404   404   404   404   200   404   404   LOG
POST     complaints/record/                                             -                      404   404   404   404   404   302   404   404   LOG
GET      complaints/letters/<uuid:pk>/pdf/                              complaintletterA       404   404   404   404   404   200   404   404   LOG
GET      complaints/letters/<uuid:pk>/pdf/                              complaintletterB       404   404   404   404   404   200   404   404   LOG
GET      complaints/letters/<uuid:pk>/pdf/                              complaintA             404   404   404   404   404   404   404   404   LOG
POST     complaints/letters/<uuid:pk>/posted/                           complaintletterA       404   404   404   404   404   302   404   404   LOG
POST     complaints/letters/<uuid:pk>/posted/                           complaintletterB       404   404   404   404   404   302   404   404   LOG
GET      register/                                                      -                      404   404   404   404   404   200   404   404   LOG
GET      breaches/                                                      -                      200   200   404   404   404   302   404   404   LOG
GET      breaches/new/                                                  -                      200   200   404   404   404   200   404   404   LOG
POST     breaches/new/                                                  -                      200   200   404   404   404   200   404   404   LOG
GET      breaches/<uuid:pk>/                                            breachA                200   404   404   404   404   200   404   404   LOG
GET      breaches/<uuid:pk>/                                            breachB                404   200   404   404   404   200   404   404   LOG
GET      breaches/<uuid:pk>/                                            breachadmin            404   404   404   404   404   200   404   404   LOG
POST     breaches/<uuid:pk>/                                            breachA                404   404   404   404   404   400   404   404   LOG
POST     breaches/<uuid:pk>/                                            breachB                404   404   404   404   404   400   404   404   LOG
POST     breaches/<uuid:pk>/confirm/                                    breachA                404   404   404   404   404   302   404   404   LOG
POST     breaches/<uuid:pk>/confirm/                                    breachB                404   404   404   404   404   302   404   404   LOG
POST     breaches/<uuid:pk>/close/                                      breachA                404   404   404   404   404   302   404   404   LOG
POST     breaches/<uuid:pk>/close/                                      breachB                404   404   404   404   404   302   404   404   LOG
# UK GDPR art. 34: the letters to the people a breach affects. The administrator manages them; the client
# reads their own, a sponsor contact their organisation's (side B's client is no persona); nobody else.
POST     breaches/<uuid:pk>/affected/                                   breachlettersA         404   404   404   404   404   302   404   404   LOG
POST     breaches/<uuid:pk>/affected/                                   breachlettersB         404   404   404   404   404   302   404   404   LOG
POST     breaches/<uuid:pk>/affected/                                   breachA                404   404   404   404   404   302   404   404   LOG
POST     breaches/affected/<uuid:pk>/remove/                            breachletterclientA    404   404   404   404   404   302   404   404   LOG
POST     breaches/affected/<uuid:pk>/remove/                            breachletterorgB       404   404   404   404   404   302   404   404   LOG
POST     breaches/<uuid:pk>/communication/                              breachlettersA         404   404   404   404   404   302   404   404   LOG
POST     breaches/<uuid:pk>/communication/                              breachlettersB         404   404   404   404   404   302   404   404   LOG
POST     breaches/<uuid:pk>/letter/                                     breachlettersA         404   404   404   404   404   400   404   404   LOG
POST     breaches/<uuid:pk>/letter/                                     breachlettersB         404   404   404   404   404   400   404   404   LOG
POST     breaches/<uuid:pk>/letters/produce/                            breachlettersA         404   404   404   404   404   302   404   404   LOG
POST     breaches/<uuid:pk>/letters/produce/                            breachlettersB         404   404   404   404   404   302   404   404   LOG
POST     breaches/affected/<uuid:pk>/posted/                            breachletterclientA    404   404   404   404   404   302   404   404   LOG
POST     breaches/affected/<uuid:pk>/posted/                            breachletterorgB       404   404   404   404   404   302   404   404   LOG
GET      breach-letters/<uuid:pk>/                                      breachletterclientA    404   404   200   404   404   200   404   404   LOG
GET      breach-letters/<uuid:pk>/                                      breachletterorgA       404   404   404   200   404   200   404   404   LOG
GET      breach-letters/<uuid:pk>/                                      breachletterclientB    404   404   404   404   404   200   404   404   LOG
GET      breach-letters/<uuid:pk>/                                      breachletterorgB       404   404   404   404   200   200   404   404   LOG
GET      breach-letters/<uuid:pk>/                                      missing                404   404   404   404   404   404   404   404   LOG
GET      breach-letters/<uuid:pk>/pdf/                                  breachletterclientA    404   404   200   404   404   200   404   404   LOG
GET      breach-letters/<uuid:pk>/pdf/                                  breachletterorgA       404   404   404   200   404   200   404   404   LOG
GET      breach-letters/<uuid:pk>/pdf/                                  breachletterclientB    404   404   404   404   404   200   404   404   LOG
GET      breach-letters/<uuid:pk>/pdf/                                  breachletterorgB       404   404   404   404   200   200   404   404   LOG

# --- the testimonials register (policies 001, 003): the administrator's; a client reads the items about them ---
GET      testimonials/                                                  -                      404   404   200   404   404   200   404   404   LOG
GET      testimonials/new/                                              -                      404   404   404   404   404   200   404   404   LOG
POST     testimonials/new/                                              -                      404   404   404   404   404   302   404   404   LOG
GET      testimonials/<uuid:pk>/                                        testimonialA           404   404   200   404   404   200   404   404   LOG
GET      testimonials/<uuid:pk>/                                        testimonialB           404   404   404   404   404   200   404   404   LOG
POST     testimonials/<uuid:pk>/publishable/                            testimonialA           404   404   404   404   404   302   404   404   LOG
POST     testimonials/<uuid:pk>/publishable/                            testimonialB           404   404   404   404   404   302   404   404   LOG
POST     testimonials/<uuid:pk>/removed/                                testimonialA           404   404   404   404   404   302   404   404   LOG
POST     testimonials/<uuid:pk>/removed/                                testimonialB           404   404   404   404   404   302   404   404   LOG

# --- sharing between organisations (policy 000): the administrator's; each concerned organisation's contacts read and decide ---
GET      sharings/                                                      -                      404   404   404   200   200   200   404   404   LOG
GET      sharings/new/                                                  -                      404   404   404   404   404   200   404   404   LOG
POST     sharings/new/                                                  -                      404   404   404   404   404   302   404   404   LOG
GET      sharings/<uuid:pk>/                                            sharingA               404   404   404   200   404   200   404   404   LOG
GET      sharings/<uuid:pk>/                                            sharingB               404   404   404   404   200   200   404   404   LOG
GET      sharings/<uuid:pk>/                                            missing                404   404   404   404   404   404   404   404   LOG
POST     sharings/<uuid:pk>/permission/                                 sharingA               404   404   404   302   404   403   404   404   LOG
POST     sharings/<uuid:pk>/permission/                                 sharingB               404   404   404   404   302   403   404   404   LOG
POST     sharings/<uuid:pk>/permission/record/                          sharingA               404   404   404   403   404   302   404   404   LOG
POST     sharings/<uuid:pk>/permission/record/                          sharingB               404   404   404   404   403   302   404   404   LOG
POST     sharings/<uuid:pk>/shared/                                     sharingA               404   404   404   403   404   400   404   404   LOG
POST     sharings/<uuid:pk>/shared/                                     sharingB               404   404   404   404   403   400   404   404   LOG
POST     sharings/<uuid:pk>/withdraw/                                   sharingA               404   404   404   403   404   302   404   404   LOG
POST     sharings/<uuid:pk>/withdraw/                                   sharingB               404   404   404   404   403   302   404   404   LOG

# --- finance: sponsors (own organisation) and auditors (in their window) read, 403 on writes; drafts are the administrator's ---
GET      finance/                                                       -                      404   404   404   200   200   200   200   404   LOG
# each list's CSV export (the object column names the path, with its query) has the list's readers
GET      finance/                                                       /finance/?format=csv   404   404   404   200   200   200   200   404   LOG
GET      finance/invoices/                                              -                      404   404   404   200   200   200   200   404   LOG
GET      finance/invoices/                                              /finance/invoices/?format=csv 404   404   404   200   200   200   200   404   LOG
GET      finance/invoices/new/                                          -                      404   404   404   403   403   200   403   404   LOG
POST     finance/invoices/new/                                          -                      404   404   404   403   403   200   403   404   LOG
GET      finance/invoices/<uuid:pk>/                                    invoiceA               404   404   404   200   404   200   200   404   LOG
GET      finance/invoices/<uuid:pk>/                                    invoicedraftA          404   404   404   404   404   200   404   404   LOG
GET      finance/invoices/<uuid:pk>/                                    invoiceB               404   404   404   404   200   200   200   404   LOG
GET      finance/invoices/<uuid:pk>/                                    invoicePrivate         404   404   404   404   404   200   200   404   LOG
GET      finance/invoices/<uuid:pk>/edit/                               invoiceA               404   404   404   403   404   302   403   404   LOG
GET      finance/invoices/<uuid:pk>/edit/                               invoicedraftA          404   404   404   404   404   200   404   404   LOG
GET      finance/invoices/<uuid:pk>/edit/                               invoiceB               404   404   404   404   403   302   403   404   LOG
POST     finance/invoices/<uuid:pk>/edit/                               invoiceA               404   404   404   403   404   302   403   404   LOG
POST     finance/invoices/<uuid:pk>/edit/                               invoicedraftA          404   404   404   404   404   200   404   404   LOG
POST     finance/invoices/<uuid:pk>/edit/                               invoiceB               404   404   404   404   403   302   403   404   LOG
POST     finance/invoices/<uuid:pk>/delete/                             invoiceA               404   404   404   403   404   302   403   404   LOG
POST     finance/invoices/<uuid:pk>/delete/                             invoicedraftA          404   404   404   404   404   302   404   404   LOG
POST     finance/invoices/<uuid:pk>/delete/                             invoiceB               404   404   404   404   403   302   403   404   LOG
POST     finance/invoices/<uuid:pk>/issue/                              invoiceA               404   404   404   403   404   302   403   404   LOG
POST     finance/invoices/<uuid:pk>/issue/                              invoicedraftA          404   404   404   404   404   302   404   404   LOG
POST     finance/invoices/<uuid:pk>/issue/                              invoiceB               404   404   404   404   403   302   403   404   LOG
GET      finance/invoices/<uuid:pk>/pdf/                                invoiceA               404   404   404   200   404   200   200   404   LOG
GET      finance/invoices/<uuid:pk>/pdf/                                invoicedraftA          404   404   404   404   404   404   404   404   LOG
GET      finance/invoices/<uuid:pk>/pdf/                                invoiceB               404   404   404   404   200   200   200   404   LOG
GET      finance/invoices/<uuid:pk>/pdf/                                invoicePrivate         404   404   404   404   404   200   200   404   LOG
GET      finance/invoices/<uuid:pk>/payments/new/                       invoiceA               404   404   404   403   404   200   403   404   LOG
GET      finance/invoices/<uuid:pk>/payments/new/                       invoicedraftA          404   404   404   404   404   200   404   404   LOG
GET      finance/invoices/<uuid:pk>/payments/new/                       invoiceB               404   404   404   404   403   200   403   404   LOG
POST     finance/invoices/<uuid:pk>/payments/new/                       invoiceA               404   404   404   403   404   200   403   404   LOG
POST     finance/invoices/<uuid:pk>/payments/new/                       invoicedraftA          404   404   404   404   404   200   404   404   LOG
POST     finance/invoices/<uuid:pk>/payments/new/                       invoiceB               404   404   404   404   403   200   403   404   LOG
POST     finance/invoices/<uuid:pk>/payments/new/                       invoicePrivate         404   404   404   404   404   200   403   404   LOG
GET      finance/invoices/<uuid:pk>/credit-notes/new/                   invoiceA               404   404   404   403   404   200   403   404   LOG
GET      finance/invoices/<uuid:pk>/credit-notes/new/                   invoicedraftA          404   404   404   404   404   200   404   404   LOG
GET      finance/invoices/<uuid:pk>/credit-notes/new/                   invoiceB               404   404   404   404   403   200   403   404   LOG
POST     finance/invoices/<uuid:pk>/credit-notes/new/                   invoiceA               404   404   404   403   404   200   403   404   LOG
POST     finance/invoices/<uuid:pk>/credit-notes/new/                   invoicedraftA          404   404   404   404   404   200   404   404   LOG
POST     finance/invoices/<uuid:pk>/credit-notes/new/                   invoiceB               404   404   404   404   403   200   403   404   LOG
GET      finance/payments/                                              -                      404   404   404   200   200   200   200   404   LOG
GET      finance/payments/                                              /finance/payments/?format=csv 404   404   404   200   200   200   200   404   LOG
GET      finance/credit-notes/                                          -                      404   404   404   200   200   200   200   404   LOG
GET      finance/credit-notes/                                          /finance/credit-notes/?format=csv 404   404   404   200   200   200   200   404   LOG
GET      finance/audits/                                                -                      404   404   404   404   404   200   404   404   LOG
POST     finance/audits/                                                -                      404   404   404   404   404   200   404   404   LOG
POST     finance/audits/<uuid:pk>/end/                                  audit                  404   404   404   404   404   302   404   404   LOG

# --- health, sign-in and the second factor (django-allauth) ----------------------------------------------
GET      healthz                                                        -                      200   200   200   200   200   200   200   200   200
GET      accounts/login/                                                -                      302   302   302   302   302   302   302   302   200
POST     accounts/login/                                                -                      302   302   302   302   302   302   302   302   200
GET      accounts/logout/                                               -                      200   200   200   200   200   200   200   200   LOG
POST     accounts/logout/                                               -                      LOG   LOG   LOG   LOG   LOG   LOG   LOG   LOG   LOG
GET      accounts/inactive/                                             -                      200   200   200   200   200   200   200   200   200
GET      accounts/signup/                                               -                      302   302   302   302   302   302   302   302   200
POST     accounts/signup/                                               -                      302   302   302   302   302   302   302   302   200
GET      accounts/reauthenticate/                                       -                      200   200   200   200   200   200   200   200   LOG
POST     accounts/reauthenticate/                                       -                      200   200   200   200   200   200   200   200   LOG
GET      accounts/email/                                                -                      200   200   200   200   200   200   200   200   LOG
POST     accounts/email/                                                -                      302   302   302   302   302   302   302   302   LOG
GET      accounts/confirm-email/                                        -                      200   200   200   200   200   200   200   200   200
GET      accounts/password/change/                                      -                      200   200   200   200   200   200   200   200   LOG
POST     accounts/password/change/                                      -                      200   200   200   200   200   200   200   200   LOG
GET      accounts/password/set/                                         -                      302   302   302   302   302   302   302   302   LOG
POST     accounts/password/set/                                         -                      302   302   302   302   302   302   302   302   LOG
GET      accounts/password/reset/                                       -                      200   200   200   200   200   200   200   200   200
POST     accounts/password/reset/                                       -                      200   200   200   200   200   200   200   200   200
GET      accounts/login/code/confirm/                                   -                      302   302   302   302   302   302   302   302   LOG
POST     accounts/login/code/confirm/                                   -                      302   302   302   302   302   302   302   302   LOG
GET      accounts/confirm-email/(?P<key>[-:\w]+)/$                      /accounts/confirm-email/not-a-key/ 200   200   200   200   200   200   200   200   200
POST     accounts/confirm-email/(?P<key>[-:\w]+)/$                      /accounts/confirm-email/not-a-key/ 404   404   404   404   404   404   404   404   404
GET      accounts/password/reset/key/done/                              -                      200   200   200   200   200   200   200   200   200
GET      accounts/password/reset/key/(?P<uidb36>[0-9A-Za-z]+)-(?P<key>.+)/$ /accounts/password/reset/key/1-not-a-key/ 200   200   200   200   200   200   200   200   200
POST     accounts/password/reset/key/(?P<uidb36>[0-9A-Za-z]+)-(?P<key>.+)/$ /accounts/password/reset/key/1-not-a-key/ 200   200   200   200   200   200   200   200   200
GET      accounts/password/reset/done/                                  -                      200   200   200   200   200   200   200   200   200
GET      accounts/2fa/                                                  -                      200   200   200   200   200   200   200   200   LOG
GET      accounts/2fa/authenticate/                                     -                      302   302   302   302   302   302   302   302   LOG
POST     accounts/2fa/authenticate/                                     -                      302   302   302   302   302   302   302   302   LOG
GET      accounts/2fa/reauthenticate/                                   -                      200   200   302   302   302   200   200   200   LOG
POST     accounts/2fa/reauthenticate/                                   -                      200   200   302   302   302   200   200   200   LOG
GET      accounts/2fa/totp/activate/                                    -                      302   302   302   302   302   302   302   302   LOG
POST     accounts/2fa/totp/activate/                                    -                      302   302   302   302   302   302   302   302   LOG
GET      accounts/2fa/totp/deactivate/                                  -                      302   302   404   404   404   302   302   302   LOG
POST     accounts/2fa/totp/deactivate/                                  -                      302   302   404   404   404   302   302   302   LOG
GET      accounts/2fa/recovery-codes/                                   -                      404   404   404   404   404   404   404   404   LOG
GET      accounts/2fa/recovery-codes/generate/                          -                      302   302   302   302   302   302   302   302   LOG
POST     accounts/2fa/recovery-codes/generate/                          -                      302   302   302   302   302   302   302   302   LOG
GET      accounts/2fa/recovery-codes/download/                          -                      404   404   404   404   404   404   404   404   LOG
GET      accounts/2fa/webauthn/                                         -                      200   200   200   200   200   200   200   200   LOG
GET      accounts/2fa/webauthn/add/                                     -                      302   302   302   302   302   302   302   302   LOG
POST     accounts/2fa/webauthn/add/                                     -                      302   302   302   302   302   302   302   302   LOG
GET      accounts/2fa/webauthn/reauthenticate/                          -                      302   302   302   302   302   302   302   302   LOG
POST     accounts/2fa/webauthn/reauthenticate/                          -                      302   302   302   302   302   302   302   302   LOG
GET      accounts/2fa/webauthn/keys/<int:pk>/remove/                    missing                302   302   302   302   302   302   302   302   LOG
POST     accounts/2fa/webauthn/keys/<int:pk>/remove/                    missing                302   302   302   302   302   302   302   302   LOG
DELETE   accounts/2fa/webauthn/keys/<int:pk>/remove/                    missing                302   302   302   302   302   302   302   302   LOG
GET      accounts/2fa/webauthn/keys/<int:pk>/edit/                      missing                302   302   302   302   302   302   302   302   LOG
POST     accounts/2fa/webauthn/keys/<int:pk>/edit/                      missing                302   302   302   302   302   302   302   302   LOG
GET      accounts/sessions/                                             -                      200   200   200   200   200   200   200   200   LOG
POST     accounts/sessions/                                             -                      302   302   302   302   302   302   302   302   LOG

# --- the technical admin site (its model pages: ADMIN_FAMILY below) --------------------------------------
GET      admin/                                                         -                      302   302   302   302   302   302   302   200   302
GET      admin/login/                                                   -                      200   200   200   200   200   200   200   302   LOG
POST     admin/login/                                                   -                      200   200   200   200   200   200   200   200   LOG
GET      admin/logout/                                                  -                      302   302   302   302   302   302   302   405   302
GET      admin/password_change/                                         -                      302   302   302   302   302   302   302   302   302
GET      admin/password_change/done/                                    -                      302   302   302   302   302   302   302   200   302
GET      admin/autocomplete/                                            -                      302   302   302   302   302   302   302   403   302
GET      admin/jsi18n/                                                  -                      302   302   302   302   302   302   302   200   302
GET      admin/r/<path:content_type_id>/<path:object_id>/               /admin/r/1/1/          302   302   302   302   302   302   302   404   302
GET      admin/(?P<app_label>axes|auth|django_celery_beat|usersessions|confidentiality)/$ /admin/confidentiality/ 302   302   302   302   302   302   302   200   302
GET      admin/(?P<url>.*)$                                             /admin/no-such-page/   302   302   302   302   302   302   302   404   302

# --- the API's schema and documentation; the API takes tokens only (no token: 401) -----------------------
GET      api/v1/engagements\.(?P<format>[a-z0-9]+)/?$                   -                      200   200   200   200   200   200   404   404   401
GET      api/v1/engagements/(?P<pk>[^/.]+)\.(?P<format>[a-z0-9]+)/?$    engagementA            200   404   200   200   404   200   404   404   401
GET      api/v1/engagements/(?P<pk>[^/.]+)\.(?P<format>[a-z0-9]+)/?$    engagementB            404   200   404   404   200   200   404   404   401
GET      api/schema/                                                    -                      200   200   200   200   200   200   200   200   200
GET      api/docs/                                                      -                      200   200   200   200   200   200   200   200   200
GET      /api/v1/agreement-templates/                                   -                      200   200   404   404   404   200   404   404   401
POST     /api/v1/agreement-templates/                                   template               201   201   404   404   404   201   404   404   401
GET      /api/v1/breaches/                                              -                      200   200   404   404   404   200   404   404   401
POST     /api/v1/breaches/                                              -                      201   201   404   404   404   201   404   404   401
GET      /api/v1/breaches/{id}/                                         breachA                200   404   404   404   404   200   404   404   401
GET      /api/v1/breaches/{id}/                                         breachB                404   200   404   404   404   200   404   404   401
GET      /api/v1/breaches/{id}/                                         breachadmin            404   404   404   404   404   200   404   404   401
PATCH    /api/v1/breaches/{id}/                                         breachA                404   404   404   404   404   200   404   404   401
PATCH    /api/v1/breaches/{id}/                                         breachB                404   404   404   404   404   200   404   404   401
POST     /api/v1/breaches/{id}/close/                                   breachA                404   404   404   404   404   400   404   404   401
POST     /api/v1/breaches/{id}/close/                                   breachB                404   404   404   404   404   400   404   404   401
POST     /api/v1/breaches/{id}/confirm/                                 breachA                404   404   404   404   404   200   404   404   401
POST     /api/v1/breaches/{id}/confirm/                                 breachB                404   404   404   404   404   200   404   404   401
GET      /api/v1/breaches/{id}/letters/                                 breachlettersA         404   404   404   404   404   200   404   404   401
GET      /api/v1/breaches/{id}/letters/                                 breachlettersB         404   404   404   404   404   200   404   404   401
GET      /api/v1/breaches/{id}/letters/                                 breachA                404   404   404   404   404   200   404   404   401
POST     /api/v1/breaches/{id}/letters/decision/                        breachlettersA         404   404   404   404   404   200   404   404   401
POST     /api/v1/breaches/{id}/letters/decision/                        breachlettersB         404   404   404   404   404   200   404   404   401
POST     /api/v1/breaches/{id}/letters/produce/                         breachlettersA         404   404   404   404   404   400   404   404   401
POST     /api/v1/breaches/{id}/letters/produce/                         breachlettersB         404   404   404   404   404   400   404   404   401
GET      /api/v1/clients/                                               -                      404   404   404   404   404   200   404   404   401
POST     /api/v1/clients/                                               -                      404   404   404   404   404   201   404   404   401
GET      /api/v1/complaints/                                            -                      404   404   200   404   404   200   404   404   401
POST     /api/v1/complaints/                                            -                      404   404   201   404   404   400   404   404   401
POST     /api/v1/complaints/                                            clientA                404   404   400   404   404   201   404   404   401
GET      /api/v1/complaints/{id}/                                       complaintA             404   404   200   404   404   200   404   404   401
GET      /api/v1/complaints/{id}/                                       complaintB             404   404   404   404   404   200   404   404   401
POST     /api/v1/complaints/{id}/responses/                             complaintA             404   404   404   404   404   201   404   404   401
POST     /api/v1/complaints/{id}/responses/                             complaintB             404   404   404   404   404   201   404   404   401
POST     /api/v1/complaints/letters/{id}/posted/                        complaintletterA       404   404   404   404   404   200   404   404   401
POST     /api/v1/complaints/letters/{id}/posted/                        complaintletterB       404   404   404   404   404   200   404   404   401
GET      /api/v1/testimonials/                                          -                      404   404   200   404   404   200   404   404   401
POST     /api/v1/testimonials/                                          -                      404   404   404   404   404   201   404   404   401
GET      /api/v1/testimonials/{id}/                                     testimonialA           404   404   200   404   404   200   404   404   401
GET      /api/v1/testimonials/{id}/                                     testimonialB           404   404   404   404   404   200   404   404   401
POST     /api/v1/testimonials/{id}/publishable/                         testimonialA           404   404   404   404   404   200   404   404   401
POST     /api/v1/testimonials/{id}/publishable/                         testimonialB           404   404   404   404   404   200   404   404   401
POST     /api/v1/testimonials/{id}/removed/                             testimonialA           404   404   404   404   404   200   404   404   401
POST     /api/v1/testimonials/{id}/removed/                             testimonialB           404   404   404   404   404   200   404   404   401
GET      /api/v1/sharings/                                              -                      404   404   404   200   200   200   404   404   401
POST     /api/v1/sharings/                                              -                      404   404   404   404   404   201   404   404   401
GET      /api/v1/sharings/{id}/                                         sharingA               404   404   404   200   404   200   404   404   401
GET      /api/v1/sharings/{id}/                                         sharingB               404   404   404   404   200   200   404   404   401
POST     /api/v1/sharings/{id}/permission/                              sharingA               404   404   404   200   404   403   404   404   401
POST     /api/v1/sharings/{id}/permission/                              sharingB               404   404   404   404   200   403   404   404   401
POST     /api/v1/sharings/{id}/permission/record/                       sharingA               404   404   404   403   404   200   404   404   401
POST     /api/v1/sharings/{id}/permission/record/                       sharingB               404   404   404   404   403   200   404   404   401
POST     /api/v1/sharings/{id}/shared/                                  sharingA               404   404   404   403   404   400   404   404   401
POST     /api/v1/sharings/{id}/shared/                                  sharingB               404   404   404   404   403   400   404   404   401
POST     /api/v1/sharings/{id}/withdraw/                                sharingA               404   404   404   403   404   200   404   404   401
POST     /api/v1/sharings/{id}/withdraw/                                sharingB               404   404   404   404   403   200   404   404   401
GET      /api/v1/concerns/                                              -                      200   200   200   404   404   200   404   404   401
POST     /api/v1/concerns/                                              engagementA            201   404   403   404   404   403   404   404   401
POST     /api/v1/concerns/                                              engagementB            404   201   404   404   404   403   404   404   401
GET      /api/v1/concerns/{id}/                                         concernA               200   404   200   404   404   200   404   404   401
GET      /api/v1/concerns/{id}/                                         concernB               404   200   404   404   404   200   404   404   401
GET      /api/v1/concerns/{id}/                                         concerndangerA         200   404   404   404   404   200   404   404   401
POST     /api/v1/concerns/{id}/approve/                                 concernA               400   404   400   404   404   400   404   404   401
POST     /api/v1/concerns/{id}/approve/                                 concernB               404   400   404   404   404   400   404   404   401
# its disclosure waits for a second approval: the administrator's (the coach who raised it may not approve it)
POST     /api/v1/concerns/{id}/approve/                                 concerndangerA         403   404   404   404   404   200   404   404   401
POST     /api/v1/concerns/{id}/step/                                    concernA               200   404   403   404   404   403   404   404   401
POST     /api/v1/concerns/{id}/step/                                    concernB               404   200   404   404   404   403   404   404   401
POST     /api/v1/concerns/{id}/change/                                  concernA               200   404   403   404   404   403   404   404   401
POST     /api/v1/concerns/{id}/change/                                  concernB               404   200   404   404   404   403   404   404   401
POST     /api/v1/concerns/{id}/withdraw/                                concernA               200   404   403   404   404   403   404   404   401
POST     /api/v1/concerns/{id}/withdraw/                                concernB               404   200   404   404   404   403   404   404   401
GET      /api/v1/consents/                                              -                      200   200   200   404   404   200   404   404   401
POST     /api/v1/consents/{id}/withdraw/                                consentA               200   404   200   404   404   200   404   404   401
POST     /api/v1/consents/{id}/withdraw/                                consentB               404   200   404   404   404   200   404   404   401
GET      /api/v1/credit-notes/                                          -                      404   404   404   200   200   200   200   404   401
POST     /api/v1/credit-notes/                                          invoiceA               404   404   404   403   403   201   403   404   401
POST     /api/v1/credit-notes/                                          invoiceB               404   404   404   403   403   201   403   404   401
GET      /api/v1/documents/{id}/download/                               documentprivateA       200   404   404   404   404   404   404   404   401
GET      /api/v1/documents/{id}/download/                               documentsharedA        200   404   200   404   404   404   404   404   401
GET      /api/v1/documents/{id}/download/                               documentsuppliedA      200   404   404   200   404   404   404   404   401
GET      /api/v1/documents/{id}/download/                               documenttickedA        200   404   404   404   404   404   404   404   401
GET      /api/v1/documents/{id}/download/                               documentprivateB       404   200   404   404   404   404   404   404   401
GET      /api/v1/engagements/                                           -                      200   200   200   200   200   200   404   404   401
GET      /api/v1/engagements/{id}/                                      engagementA            200   404   200   200   404   200   404   404   401
GET      /api/v1/engagements/{id}/                                      engagementB            404   200   404   404   200   200   404   404   401
GET      /api/v1/engagements/{id}/agreement/                            engagementA            200   404   200   200   404   200   404   404   401
GET      /api/v1/engagements/{id}/agreement/                            engagementB            404   200   404   404   200   200   404   404   401
POST     /api/v1/engagements/{id}/agreement/sign/                       engagementA            400   404   400   400   404   404   404   404   401
POST     /api/v1/engagements/{id}/agreement/sign/                       engagementProposed     400   404   201   201   404   404   404   404   401
POST     /api/v1/engagements/{id}/agreement/sign/                       engagementB            404   400   404   404   400   404   404   404   401
GET      /api/v1/engagements/{id}/disclosures/                          engagementA            200   404   200   404   404   200   404   404   401
GET      /api/v1/engagements/{id}/disclosures/                          engagementB            404   200   404   404   404   200   404   404   401
POST     /api/v1/engagements/{id}/disclosures/                          engagementA            201   404   403   404   404   403   404   404   401
POST     /api/v1/engagements/{id}/disclosures/                          engagementB            404   201   404   404   404   403   404   404   401
GET      /api/v1/engagements/{id}/documents/                            engagementA            200   404   200   200   404   404   404   404   401
GET      /api/v1/engagements/{id}/documents/                            engagementB            404   200   404   404   200   404   404   404   401
POST     /api/v1/engagements/{id}/documents/                            engagementA            201   404   404   404   404   404   404   404   401
POST     /api/v1/engagements/{id}/documents/                            engagementB            404   201   404   404   404   404   404   404   401
GET      /api/v1/engagements/{id}/feedback-requests/                    engagementA            200   404   200   404   404   404   404   404   401
GET      /api/v1/engagements/{id}/feedback-requests/                    engagementB            404   200   404   404   404   404   404   404   401
POST     /api/v1/engagements/{id}/feedback-requests/                    engagementA            201   404   403   404   404   404   404   404   401
POST     /api/v1/engagements/{id}/feedback-requests/                    engagementB            404   201   404   404   404   404   404   404   401
GET      /api/v1/engagements/{id}/notes/                                engagementA            200   404   200   404   404   404   404   404   401
GET      /api/v1/engagements/{id}/notes/                                engagementB            404   200   404   404   404   404   404   404   401
POST     /api/v1/engagements/{id}/notes/                                engagementA            201   404   403   404   404   404   404   404   401
POST     /api/v1/engagements/{id}/notes/                                engagementB            404   201   404   404   404   404   404   404   401
GET      /api/v1/engagements/{id}/reports/                              engagementA            200   404   200   200   404   200   404   404   401
GET      /api/v1/engagements/{id}/reports/                              engagementB            404   200   404   404   200   200   404   404   401
POST     /api/v1/engagements/{id}/reports/                              engagementA            201   404   403   403   404   403   404   404   401
POST     /api/v1/engagements/{id}/reports/                              engagementB            404   201   404   404   403   403   404   404   401
GET      /api/v1/engagements/{id}/sessions/                             engagementA            200   404   200   404   404   200   404   404   401
GET      /api/v1/engagements/{id}/sessions/                             engagementB            404   200   404   404   404   200   404   404   401
POST     /api/v1/engagements/{id}/sessions/                             engagementA            201   404   404   404   404   404   404   404   401
POST     /api/v1/engagements/{id}/sessions/                             engagementB            404   201   404   404   404   404   404   404   401
PATCH    /api/v1/sessions/{id}/                                         coachingsessionA       200   404   404   404   404   404   404   404   401
PATCH    /api/v1/sessions/{id}/                                         coachingsessionB       404   200   404   404   404   404   404   404   401
GET      /api/v1/feedback/{id}/                                         feedbacksharedA        200   404   200   404   404   404   404   404   401
GET      /api/v1/feedback/{id}/                                         feedbackpendingA       200   404   404   404   404   404   404   404   401
GET      /api/v1/feedback/{id}/                                         feedbacksharedB        404   200   404   404   404   404   404   404   401
PATCH    /api/v1/feedback/{id}/                                         feedbacksharedA        200   404   403   404   404   404   404   404   401
PATCH    /api/v1/feedback/{id}/                                         feedbackpendingA       400   404   404   404   404   404   404   404   401
PATCH    /api/v1/feedback/{id}/                                         feedbacksharedB        404   200   404   404   404   404   404   404   401
GET      /api/v1/engagements/{id}/unsolicited-feedback/                 engagementA            200   404   200   404   404   404   404   404   401
GET      /api/v1/engagements/{id}/unsolicited-feedback/                 engagementB            404   200   404   404   404   404   404   404   401
POST     /api/v1/engagements/{id}/unsolicited-feedback/                 engagementA            201   404   403   404   404   404   404   404   401
POST     /api/v1/engagements/{id}/unsolicited-feedback/                 engagementB            404   201   404   404   404   404   404   404   401
GET      /api/v1/unsolicited-feedback/{id}/                             unsolicitedsharedA     200   404   200   404   404   404   404   404   401
GET      /api/v1/unsolicited-feedback/{id}/                             unsolicitedpendingA    200   404   404   404   404   404   404   404   401
GET      /api/v1/unsolicited-feedback/{id}/                             unsolicitedsharedB     404   200   404   404   404   404   404   404   401
POST     /api/v1/unsolicited-feedback/{id}/share/                       unsolicitedpendingA    200   404   404   404   404   404   404   404   401
POST     /api/v1/unsolicited-feedback/{id}/share/                       unsolicitedsharedA     400   404   403   404   404   404   404   404   401
POST     /api/v1/unsolicited-feedback/{id}/share/                       unsolicitedpendingB    404   200   404   404   404   404   404   404   401
GET      /api/v1/finance/summary/                                       -                      404   404   404   200   200   200   200   404   401
GET      /api/v1/information-categories/                                -                      200   200   404   404   404   200   404   404   401
POST     /api/v1/information-categories/                                -                      404   404   404   404   404   201   404   404   401
GET      /api/v1/professional-codes/                                    -                      200   200   404   404   404   200   404   404   401
POST     /api/v1/professional-codes/                                    -                      404   404   404   404   404   201   404   404   401
GET      /api/v1/invoices/                                              -                      404   404   404   200   200   200   200   404   401
POST     /api/v1/invoices/                                              organisationA          404   404   404   403   403   201   403   404   401
POST     /api/v1/invoices/                                              organisationB          404   404   404   403   403   201   403   404   401
GET      /api/v1/invoices/{id}/                                         invoiceA               404   404   404   200   404   200   200   404   401
GET      /api/v1/invoices/{id}/                                         invoicedraftA          404   404   404   404   404   200   404   404   401
GET      /api/v1/invoices/{id}/                                         invoiceB               404   404   404   404   200   200   200   404   401
GET      /api/v1/invoices/{id}/                                         invoicePrivate         404   404   404   404   404   200   200   404   401
PATCH    /api/v1/invoices/{id}/                                         invoiceA               404   404   404   403   404   400   403   404   401
PATCH    /api/v1/invoices/{id}/                                         invoicedraftA          404   404   404   404   404   200   404   404   401
PATCH    /api/v1/invoices/{id}/                                         invoiceB               404   404   404   404   403   400   403   404   401
DELETE   /api/v1/invoices/{id}/                                         invoiceA               404   404   404   403   404   400   403   404   401
DELETE   /api/v1/invoices/{id}/                                         invoicedraftA          404   404   404   404   404   204   404   404   401
DELETE   /api/v1/invoices/{id}/                                         invoiceB               404   404   404   404   403   400   403   404   401
POST     /api/v1/invoices/{id}/issue/                                   invoiceA               404   404   404   403   404   400   403   404   401
POST     /api/v1/invoices/{id}/issue/                                   invoicedraftA          404   404   404   404   404   200   404   404   401
POST     /api/v1/invoices/{id}/issue/                                   invoiceB               404   404   404   404   403   400   403   404   401
GET      /api/v1/legal-holds/                                           -                      404   404   404   404   404   200   404   404   401
POST     /api/v1/legal-holds/                                           engagementA            404   404   404   404   404   201   404   404   401
POST     /api/v1/legal-holds/{id}/release/                              holdA                  404   404   404   404   404   200   404   404   401
POST     /api/v1/legal-holds/{id}/release/                              holdB                  404   404   404   404   404   200   404   404   401
GET      /api/v1/me/                                                    -                      200   200   200   200   200   200   200   200   401
GET      /api/v1/notes/{id}/                                            noteprivateA           200   404   404   404   404   404   404   404   401
GET      /api/v1/notes/{id}/                                            notesharedA            200   404   200   404   404   404   404   404   401
GET      /api/v1/notes/{id}/                                            noteprivateB           404   200   404   404   404   404   404   404   401
PATCH    /api/v1/notes/{id}/                                            noteprivateA           200   404   404   404   404   404   404   404   401
PATCH    /api/v1/notes/{id}/                                            notesharedA            400   404   404   404   404   404   404   404   401
PATCH    /api/v1/notes/{id}/                                            noteprivateB           404   200   404   404   404   404   404   404   401
GET      /api/v1/notes/{id}/corrections/                                noteprivateA           200   404   404   404   404   404   404   404   401
GET      /api/v1/notes/{id}/corrections/                                notesharedA            200   404   200   404   404   404   404   404   401
GET      /api/v1/notes/{id}/corrections/                                noteprivateB           404   200   404   404   404   404   404   404   401
POST     /api/v1/notes/{id}/corrections/                                notesharedA            201   404   404   404   404   404   404   404   401
POST     /api/v1/notes/{id}/corrections/                                noteprivateB           404   201   404   404   404   404   404   404   401
GET      /api/v1/organisations/                                         -                      200   200   200   200   200   200   200   200   401
POST     /api/v1/organisations/                                         -                      404   404   404   404   404   201   404   404   401
GET      /api/v1/payments/                                              -                      404   404   404   200   200   200   200   404   401
POST     /api/v1/payments/                                              invoiceA               404   404   404   403   403   201   403   404   401
POST     /api/v1/payments/                                              invoiceB               404   404   404   403   403   201   403   404   401
GET      /api/v1/reports/{id}/                                          reportdraftA           200   404   404   404   404   404   404   404   401
GET      /api/v1/reports/{id}/                                          reportreviewA          200   404   200   404   404   404   404   404   401
GET      /api/v1/reports/{id}/                                          reportreleasedA        200   404   200   200   404   200   404   404   401
GET      /api/v1/reports/{id}/                                          reportreleasedB        404   200   404   404   200   200   404   404   401
PATCH    /api/v1/reports/{id}/                                          reportdraftA           200   404   404   404   404   404   404   404   401
PATCH    /api/v1/reports/{id}/                                          reportreviewA          400   404   403   404   404   404   404   404   401
PATCH    /api/v1/reports/{id}/                                          reportreleasedA        400   404   403   403   404   403   404   404   401
PATCH    /api/v1/reports/{id}/                                          reportreleasedB        404   400   404   404   403   403   404   404   401
POST     /api/v1/reports/{id}/approve/                                  reportdraftA           403   404   404   404   404   404   404   404   401
POST     /api/v1/reports/{id}/approve/                                  reportreviewA          403   404   200   404   404   404   404   404   401
POST     /api/v1/reports/{id}/approve/                                  reportreleasedA        403   404   400   403   404   403   404   404   401
POST     /api/v1/reports/{id}/approve/                                  reportreleasedB        404   403   404   404   403   403   404   404   401
POST     /api/v1/reports/{id}/release/                                  reportdraftA           400   404   404   404   404   404   404   404   401
POST     /api/v1/reports/{id}/release/                                  reportreviewA          400   404   403   404   404   404   404   404   401
POST     /api/v1/reports/{id}/release/                                  reportreleasedA        400   404   403   403   404   403   404   404   401
POST     /api/v1/reports/{id}/release/                                  reportreleasedB        404   400   404   404   403   403   404   404   401
POST     /api/v1/reports/{id}/request-changes/                          reportdraftA           403   404   404   404   404   404   404   404   401
POST     /api/v1/reports/{id}/request-changes/                          reportreviewA          403   404   200   404   404   404   404   404   401
POST     /api/v1/reports/{id}/request-changes/                          reportreleasedA        403   404   400   403   404   403   404   404   401
POST     /api/v1/reports/{id}/request-changes/                          reportreleasedB        404   403   404   404   403   403   404   404   401
POST     /api/v1/reports/{id}/submit/                                   reportdraftA           200   404   404   404   404   404   404   404   401
POST     /api/v1/reports/{id}/submit/                                   reportreviewA          400   404   403   404   404   404   404   404   401
POST     /api/v1/reports/{id}/submit/                                   reportreleasedA        400   404   403   403   404   403   404   404   401
POST     /api/v1/reports/{id}/submit/                                   reportreleasedB        404   400   404   404   403   403   404   404   401
GET      /api/v1/retention/preview/                                     -                      404   404   404   404   404   200   404   404   401
GET      /api/v1/subject-access-requests/                               -                      404   404   200   200   200   200   404   404   401
POST     /api/v1/subject-access-requests/                               -                      404   404   201   400   400   400   404   404   401
POST     /api/v1/subject-access-requests/                               clientA                404   404   201   404   404   201   404   404   401
POST     /api/v1/subject-access-requests/                               clientB                404   404   404   404   404   201   404   404   401
GET      /api/v1/subject-access-requests/{id}/                          sarclientA             404   404   200   404   404   200   404   404   401
GET      /api/v1/subject-access-requests/{id}/                          sarorganisationA       404   404   404   200   404   200   404   404   401
GET      /api/v1/subject-access-requests/{id}/                          sarclientB             404   404   404   404   404   200   404   404   401
GET      /api/v1/subject-access-requests/{id}/                          sarorganisationreleasedA 404   404   404   200   404   200   404   404   401
GET      /api/v1/subject-access-requests/{id}/                          saransweredA            404   404   200   404   404   200   404   404   401
GET      /api/v1/subject-access-requests/{id}/                          sarcorrectionB         404   404   404   404   404   200   404   404   401
POST     /api/v1/subject-access-requests/{id}/answer/                   sarcorrectionA         404   404   404   404   404   400   404   404   401
POST     /api/v1/subject-access-requests/{id}/restrict/                 sarcorrectionA         404   404   404   404   404   400   404   404   401
POST     /api/v1/subject-access-requests/{id}/lift/                     sarcorrectionA         404   404   404   404   404   400   404   404   401
POST     /api/v1/subject-access-requests/{id}/answer/                   sarcorrectionB         404   404   404   404   404   400   404   404   401
POST     /api/v1/subject-access-requests/{id}/send-link/                sarpostA               404   404   404   404   404   201   404   404   401
POST     /api/v1/subject-access-requests/{id}/send-link/                sarcorrectionA         404   404   404   404   404   400   404   404   401
POST     /api/v1/subject-access-requests/{id}/posted/                   sarpostA               404   404   404   404   404   200   404   404   401
POST     /api/v1/subject-access-requests/{id}/posted/                   sarcorrectionA         404   404   404   404   404   400   404   404   401
POST     /api/v1/subject-access-requests/{id}/restrict/                 sarcorrectionB         404   404   404   404   404   400   404   404   401
POST     /api/v1/subject-access-requests/{id}/lift/                     sarcorrectionB         404   404   404   404   404   400   404   404   401
POST     /api/v1/subject-access-requests/{id}/correct/                  sarcorrectionA         404   404   404   404   404   400   404   404   401
POST     /api/v1/subject-access-requests/{id}/correct/                  sarcorrectionB         404   404   404   404   404   400   404   404   401
GET      /api/v1/subject-access-requests/{id}/export/                   sarclientA             404   404   200   404   404   404   404   404   401   +PrivateNote,DraftReport
GET      /api/v1/subject-access-requests/{id}/export/                   sarorganisationA       404   404   404   409   404   404   404   404   401
GET      /api/v1/subject-access-requests/{id}/export/                   sarorganisationreleasedA 404   404   404   200   404   404   404   404   401
GET      /api/v1/subject-access-requests/{id}/export/                   sarclientB             404   404   404   404   404   404   404   404   401
POST     /api/v1/subject-access-requests/{id}/export/                   sarclientA             404   404   404   404   404   409   404   404   401
POST     /api/v1/subject-access-requests/{id}/export/                   sarorganisationA       404   404   404   404   404   202   404   404   401
POST     /api/v1/subject-access-requests/{id}/export/                   sarclientB             404   404   404   404   404   409   404   404   401
"""

ROWS = parse(TABLE)


# --- held at the door: people whose access is not, or no longer, whole ------------------------------------
#
# Three more personas, each on side A's engagement and signed in (session and API token, both shown
# to open the engagement: ``world._sign_in_and_check``) while their access was still whole:
#
#     pc = pending_coach      a coach who accepted the confidentiality policy's first version, not the
#                             second, recorded while they were signed in (confidentiality/policies.py)
#     ob = offboarded_coach   a coach who accepted everything, then was offboarded by the administrator
#                             (people.person_offboard); asks with the session and token held before
#     la = lapsed_associate   an associate coach whose contract's last day was yesterday; asks five
#                             minutes after midnight with what they held at ten to
#
# They should be refused everything, so one object per URL pattern or operation suffices: side A's,
# which the coach would otherwise reach. POL is a redirect to the page where staff accept the policies.
#
# The rules (checked by TestTheDoorTable): the pending coach gets POL from every page outside the
# middleware's exempt list (``_POLICY_EXEMPT``: sign-in and out, their own account, the policies, the
# feedback link) and 403 with a message from every API operation except those in ``GATE_OPEN_API``.
# The offboarded coach and the lapsed associate are refused (LOG, 401, 403, 404, 405), or get what
# anonymous gets from the same row of the main table (the sign-in page, a feedback link, the schema).
# Every response is checked as in the main table: no confidential marker, a refusal changed nothing.
GATE_PERSONAS = ("pending_coach", "offboarded_coach", "lapsed_associate")

# API operations that answer before the policies are accepted, and why.
GATE_OPEN_API = {
    "GET /api/v1/me/": "says who the token is for and which policies are still to accept",
    "GET api/schema/": "the API's description, public (anonymous gets it)",
    "GET api/docs/": "the API's documentation page, public (anonymous gets it)",
}

# The admin site's model pages, by everyone held at the door (302: the admin site's own sign-in page).
GATE_ADMIN_FAMILY = {"pending_coach": "POL", "offboarded_coach": "302", "lapsed_associate": "LOG"}

# Rows that open when they must not: a hole in the app, reported and expected to fail until fixed
# (``pytest.mark.xfail(strict=True)``, so the fix turns the row red until its entry here is removed).
KNOWN_HOLES: dict[str, str] = {}

GATE_TABLE = r"""
# method route-or-operation                                             object                 pc    ob    la

# --- the foundation: home, dashboard, your account, the audit log ----------------------------------------
GET      ""                                                             -                      POL   LOG   LOG
GET      dashboard/                                                     -                      POL   LOG   LOG
GET      notices/<int:pk>/                                              noticeA                POL   LOG   LOG
GET      account/                                                       -                      200   LOG   LOG
POST     account/                                                       -                      200   LOG   LOG
POST     account/tokens/<int:pk>/revoke/                                tokenA                 404   LOG   LOG
POST     account/sessions/<int:pk>/end/                                 sessionA               404   LOG   LOG
POST     account/sessions/end-others/                                   -                      302   LOG   LOG
GET      account/activity/                                              -                      200   LOG   LOG

# --- people: staff joining and leaving (the administrator's) ---------------------------------------------
GET      people/                                                        -                      POL   LOG   LOG
POST     people/                                                        -                      POL   LOG   LOG
GET      people/<int:pk>/                                               user:coach             POL   LOG   LOG
POST     people/<int:pk>/contract/                                      user:coach             POL   LOG   LOG
POST     people/<int:pk>/offboard/                                      user:coach             POL   LOG   LOG
POST     people/<int:pk>/reactivate/                                    user:coach             POL   LOG   LOG
POST     people/<int:pk>/invite/                                        user:coach             POL   LOG   LOG
GET      people/offboarding/<uuid:pk>/                                  offboarding            POL   LOG   LOG
POST     people/handovers/<int:pk>/reassign/                            handover               POL   LOG   LOG
POST     people/handovers/<int:pk>/settle/                              handover               POL   LOG   LOG
POST     people/sponsor-contacts/<int:pk>/remove/                       sponsorcontactA        POL   LOG   LOG

# --- practice policies: every staff member accepts the current ones --------------------------------------
GET      policies/                                                      -                      200   LOG   LOG
# an empty form: the accept page's own answer is to send them back to read and tick the box
POST     policies/<uuid:pk>/accept/                                     policy                 POL   LOG   LOG
GET      policies/status/                                               -                      404   LOG   LOG
GET      audit/                                                         -                      POL   LOG   LOG
GET      outbox/                                                        -                      POL   LOG   LOG
POST     outbox/<uuid:pk>/resend/                                       email                  POL   LOG   LOG
GET      practice/                                                      -                      POL   LOG   LOG
POST     practice/                                                      -                      POL   LOG   LOG

# --- records of processing (the administrator's) and the privacy notice (public: no personal data) -------
GET      records-of-processing/                                         -                      POL   LOG   LOG
POST     records-of-processing/                                         -                      POL   LOG   LOG
GET      records-of-processing/record.pdf                               -                      POL   LOG   LOG
POST     records-of-processing/suggestions/                             -                      POL   LOG   LOG
POST     records-of-processing/processors/                              -                      POL   LOG   LOG
GET      records-of-processing/activities/<uuid:pk>/                    activity               POL   LOG   LOG
POST     records-of-processing/activities/<uuid:pk>/                    activity               POL   LOG   LOG
POST     records-of-processing/activities/<uuid:pk>/remove/             activity               POL   LOG   LOG
GET      records-of-processing/processors/<uuid:pk>/                    processor              POL   LOG   LOG
POST     records-of-processing/processors/<uuid:pk>/                    processor              POL   LOG   LOG
POST     records-of-processing/processors/<uuid:pk>/remove/             processor              POL   LOG   LOG
GET      privacy/                                                       -                      POL   200   LOG
GET      privacy/notice.pdf                                             -                      POL   200   LOG

# --- engagements: metadata, people, sessions, notes, documents, hard copies, reports, feedback -----------
GET      engagements/                                                   -                      POL   LOG   LOG
GET      engagements/new/                                               -                      POL   LOG   LOG
POST     engagements/new/                                               -                      POL   LOG   LOG
GET      engagements/<uuid:pk>/                                         engagementA            POL   LOG   LOG
GET      engagements/<uuid:pk>/edit/                                    engagementA            POL   LOG   LOG
POST     engagements/<uuid:pk>/edit/                                    engagementA            POL   LOG   LOG
POST     engagements/<uuid:pk>/close/                                   engagementA            POL   LOG   LOG
POST     engagements/<uuid:pk>/people/                                  engagementA            POL   LOG   LOG
POST     engagements/<uuid:pk>/people/<int:user_id>/remove/             engagementA:sponsor    POL   LOG   LOG
POST     engagements/<uuid:pk>/sessions/                                engagementA            POL   LOG   LOG
GET      engagements/sessions/<uuid:pk>/setting/                        coachingsessionA       POL   LOG   LOG
POST     engagements/sessions/<uuid:pk>/setting/                        coachingsessionA       POL   LOG   LOG
GET      engagements/<uuid:pk>/notes/                                   engagementA            POL   LOG   LOG
POST     engagements/<uuid:pk>/notes/new/                               engagementA            POL   LOG   LOG
POST     engagements/<uuid:pk>/documents/                               engagementA            POL   LOG   LOG
POST     engagements/<uuid:pk>/hard-copies/                             engagementA            POL   LOG   LOG
GET      engagements/notes/<uuid:pk>/                                   noteprivateA           POL   LOG   LOG
GET      engagements/notes/<uuid:pk>/edit/                              noteprivateA           POL   LOG   LOG
POST     engagements/notes/<uuid:pk>/edit/                              noteprivateA           POL   LOG   LOG
POST     engagements/notes/<uuid:pk>/correct/                           noteprivateA           POL   LOG   LOG
POST     engagements/notes/<uuid:pk>/share/                             noteprivateA           POL   LOG   LOG
GET      engagements/notes/<uuid:pk>/break-glass/                       noteprivateA           POL   LOG   LOG
POST     engagements/notes/<uuid:pk>/break-glass/                       noteprivateA           POL   LOG   LOG
GET      engagements/documents/<uuid:pk>/download/                      documentprivateA       POL   LOG   LOG
POST     engagements/hard-copies/<uuid:pk>/returned/                    hardcopyA              POL   LOG   LOG
GET      engagements/<uuid:pk>/reports/                                 engagementA            POL   LOG   LOG
POST     engagements/<uuid:pk>/reports/                                 engagementA            POL   LOG   LOG
GET      engagements/reports/<uuid:pk>/                                 reportdraftA           POL   LOG   LOG
GET      engagements/reports/<uuid:pk>/pdf/                             reportdraftA           POL   LOG   LOG
POST     engagements/reports/<uuid:pk>/<slug:action>/                   reportdraftA:submit    POL   LOG   LOG
GET      engagements/<uuid:pk>/feedback/                                engagementA            POL   LOG   LOG
POST     engagements/<uuid:pk>/feedback/                                engagementA            POL   LOG   LOG
GET      engagements/feedback/<uuid:pk>/                                feedbacksharedA        POL   LOG   LOG
POST     engagements/feedback/<uuid:pk>/                                feedbacksharedA        POL   LOG   LOG
POST     engagements/<uuid:pk>/feedback/unsolicited/                    engagementA            POL   LOG   LOG
GET      engagements/feedback/unsolicited/<uuid:pk>/                    unsolicitedsharedA     POL   LOG   LOG
POST     engagements/feedback/unsolicited/<uuid:pk>/                    unsolicitedpendingA    POL   LOG   LOG
GET      engagements/clients/                                           -                      POL   LOG   LOG
GET      engagements/clients/new/                                       -                      POL   LOG   LOG
POST     engagements/clients/new/                                       -                      POL   LOG   LOG
POST     engagements/clients/<uuid:pk>/login/                           clientA                POL   LOG   LOG
GET      engagements/organisations/                                     -                      POL   LOG   LOG
GET      engagements/organisations/new/                                 -                      POL   LOG   LOG
POST     engagements/organisations/new/                                 -                      POL   LOG   LOG
GET      engagements/organisations/<uuid:pk>/                           organisationA          POL   LOG   LOG
POST     engagements/organisations/<uuid:pk>/                           organisationA          POL   LOG   LOG
GET      engagements/my-file/who-has-read-it/                           -                      POL   LOG   LOG

# --- retention and legal holds: the administrator's ------------------------------------------------------
GET      retention/                                                     -                      POL   LOG   LOG
POST     retention/forecast/recount/                                    -                      POL   LOG   LOG
GET      retention/withdraw/<str:kind>/<uuid:pk>/                       noteprivateA:note      POL   LOG   LOG
POST     retention/withdraw/<str:kind>/<uuid:pk>/                       noteprivateA:note      POL   LOG   LOG
GET      retention/holds/new/<str:scope>/<uuid:pk>/                     engagementA:engagement POL   LOG   LOG
POST     retention/holds/new/<str:scope>/<uuid:pk>/                     engagementA:engagement POL   LOG   LOG
POST     retention/holds/<uuid:pk>/release/                             holdA                  POL   LOG   LOG
GET      retention/policies/                                            -                      POL   LOG   LOG
POST     retention/policies/                                            -                      POL   LOG   LOG

# --- subject access: a client's own copy, a sponsor's organisation's; the administrator runs them --------
GET      subject-access/                                                -                      POL   LOG   LOG
GET      subject-access/portability-schema.json                         -                      POL   200   LOG
GET      subject-access/new/                                            -                      POL   LOG   LOG
POST     subject-access/new/                                            -                      POL   LOG   LOG
GET      subject-access/<uuid:pk>/                                      sarclientA             POL   LOG   LOG
GET      subject-access/<uuid:pk>/status/                               sarclientA             POL   LOG   LOG
POST     subject-access/<uuid:pk>/start/                                sarclientA             POL   LOG   LOG
POST     subject-access/<uuid:pk>/extend/                               sarclientA             POL   LOG   LOG
POST     subject-access/<uuid:pk>/refuse/                               sarclientA             POL   LOG   LOG
POST     subject-access/<uuid:pk>/release/                              sarclientA             POL   LOG   LOG
GET      subject-access/<uuid:pk>/download/                             sarclientA             POL   LOG   LOG   +DraftReport,PrivateNote
POST     subject-access/<uuid:pk>/correct/                              sarcorrectionA         POL   LOG   LOG
POST     subject-access/<uuid:pk>/answer/                               sarcorrectionA         POL   LOG   LOG
POST     subject-access/<uuid:pk>/restrict/                             sarcorrectionA         POL   LOG   LOG
POST     subject-access/<uuid:pk>/lift/                                 sarcorrectionA         POL   LOG   LOG
POST     subject-access/<uuid:pk>/posted/                               sarcorrectionA         POL   LOG   LOG
GET      subject-access/<uuid:pk>/copy/                                 sarclientA             POL   LOG   LOG
POST     subject-access/<uuid:pk>/redact/                               sarclientA             POL   LOG   LOG
POST     subject-access/<uuid:pk>/withhold-file/                        sarclientA             POL   LOG   LOG
GET      subject-access/<uuid:pk>/letter/                               saransweredA            POL   LOG   LOG
POST     subject-access/<uuid:pk>/send-link/                            sarpostA               POL   LOG   LOG
GET      subject-access/collect/<str:token>/                            answerlinkA            302   302   LOG
GET      subject-access/collect/                                        -                      404   404   LOG
POST     subject-access/collect/                                        -                      404   404   LOG

# --- the feedback link: whoever holds a valid link sees the client's name and the question ---------------
GET      feedback/give/<str:token>/                                     feedbackA              200   200   LOG   +ClientName,FeedbackPendingPrompt
POST     feedback/give/<str:token>/                                     feedbackA              200   200   LOG   +ClientName,FeedbackPendingPrompt

# --- agreements and consent ------------------------------------------------------------------------------
GET      engagements/<uuid:pk>/agreement/                               engagementA            POL   LOG   LOG
POST     engagements/<uuid:pk>/agreement/                               engagementA            POL   LOG   LOG
GET      engagements/<uuid:pk>/consents/new/                            engagementA            POL   LOG   LOG
POST     engagements/<uuid:pk>/consents/new/                            engagementA            POL   LOG   LOG
GET      agreements/<uuid:pk>/                                          agreementA             POL   LOG   LOG
POST     agreements/<uuid:pk>/                                          agreementA             POL   LOG   LOG
GET      agreements/<uuid:pk>/edit/                                     agreementA             POL   LOG   LOG
POST     agreements/<uuid:pk>/edit/                                     agreementA             POL   LOG   LOG
GET      agreements/<uuid:pk>/pdf/                                      agreementA             POL   LOG   LOG
GET      consents/                                                      -                      POL   LOG   LOG
POST     consents/give/                                                 -                      POL   LOG   LOG
GET      agreements/categories/                                         -                      POL   LOG   LOG
POST     agreements/categories/                                         -                      POL   LOG   LOG
GET      agreements/codes/                                              -                      POL   LOG   LOG
POST     agreements/codes/                                              -                      POL   LOG   LOG
POST     agreements/codes/<int:pk>/active/                              professionalcode       POL   LOG   LOG
GET      agreements/templates/                                          -                      POL   LOG   LOG
POST     agreements/templates/                                          -                      POL   LOG   LOG
GET      agreements/templates/<uuid:pk>/                                template               POL   LOG   LOG
POST     agreements/templates/<uuid:pk>/                                template               POL   LOG   LOG
POST     consents/<uuid:pk>/withdraw/                                   consentA               POL   LOG   LOG

# --- disclosures and concerns ----------------------------------------------------------------------------
GET      engagements/<uuid:pk>/disclosures/                             engagementA            POL   LOG   LOG
POST     engagements/<uuid:pk>/disclosures/                             engagementA            POL   LOG   LOG
GET      engagements/<uuid:pk>/concerns/new/                            engagementA            POL   LOG   LOG
POST     engagements/<uuid:pk>/concerns/new/                            engagementA            POL   LOG   LOG
GET      disclosures/                                                   -                      POL   LOG   LOG
GET      disclosures/<uuid:pk>/                                         disclosuremadeA        POL   LOG   LOG
POST     disclosures/<uuid:pk>/decide/                                  disclosuremadeA        POL   LOG   LOG
POST     disclosures/<uuid:pk>/letter-sent/                             disclosuremadeA        POL   LOG   LOG
GET      disclosures/<uuid:pk>/letter/                                  disclosuremadeA        POL   LOG   LOG
GET      concerns/                                                      -                      POL   LOG   LOG
GET      concerns/<uuid:pk>/                                            concernA               POL   LOG   LOG
POST     concerns/<uuid:pk>/step/                                       concernA               POL   LOG   LOG
POST     concerns/<uuid:pk>/change/                                     concernA               POL   LOG   LOG
POST     concerns/<uuid:pk>/withdraw/                                   concernA               POL   LOG   LOG

# --- complaints and breaches -----------------------------------------------------------------------------
GET      complaints/                                                    -                      POL   LOG   LOG
GET      complaints/new/                                                -                      POL   LOG   LOG
POST     complaints/new/                                                -                      POL   LOG   LOG
GET      complaints/<uuid:pk>/                                          complaintA             POL   LOG   LOG
POST     complaints/<uuid:pk>/respond/                                  complaintA             POL   LOG   LOG
POST     complaints/<uuid:pk>/reply/                                    complaintA             POL   LOG   LOG
POST     complaints/<uuid:pk>/close/                                    complaintA             POL   LOG   LOG
GET      complaints/record/                                             -                      POL   LOG   LOG
POST     complaints/record/                                             -                      POL   LOG   LOG
GET      complaints/letters/<uuid:pk>/pdf/                              complaintletterA       POL   LOG   LOG
POST     complaints/letters/<uuid:pk>/posted/                           complaintletterA       POL   LOG   LOG
GET      register/                                                      -                      POL   LOG   LOG
GET      breaches/                                                      -                      POL   LOG   LOG
GET      breaches/new/                                                  -                      POL   LOG   LOG
POST     breaches/new/                                                  -                      POL   LOG   LOG
GET      breaches/<uuid:pk>/                                            breachA                POL   LOG   LOG
POST     breaches/<uuid:pk>/                                            breachA                POL   LOG   LOG
POST     breaches/<uuid:pk>/confirm/                                    breachA                POL   LOG   LOG
POST     breaches/<uuid:pk>/close/                                      breachA                POL   LOG   LOG
POST     breaches/<uuid:pk>/affected/                                   breachlettersA         POL   LOG   LOG
POST     breaches/affected/<uuid:pk>/remove/                            breachletterclientA    POL   LOG   LOG
POST     breaches/<uuid:pk>/communication/                              breachlettersA         POL   LOG   LOG
POST     breaches/<uuid:pk>/letter/                                     breachlettersA         POL   LOG   LOG
POST     breaches/<uuid:pk>/letters/produce/                            breachlettersA         POL   LOG   LOG
POST     breaches/affected/<uuid:pk>/posted/                            breachletterclientA    POL   LOG   LOG
GET      breach-letters/<uuid:pk>/                                      breachletterclientA    POL   LOG   LOG
GET      breach-letters/<uuid:pk>/pdf/                                  breachletterclientA    POL   LOG   LOG

# --- the testimonials register (policies 001, 003) -------------------------------------------------------
GET      testimonials/                                                  -                      POL   LOG   LOG
GET      testimonials/new/                                              -                      POL   LOG   LOG
POST     testimonials/new/                                              -                      POL   LOG   LOG
GET      testimonials/<uuid:pk>/                                        testimonialA           POL   LOG   LOG
POST     testimonials/<uuid:pk>/publishable/                            testimonialA           POL   LOG   LOG
POST     testimonials/<uuid:pk>/removed/                                testimonialA           POL   LOG   LOG

# --- sharing between organisations (policy 000) ----------------------------------------------------------
GET      sharings/                                                      -                      POL   LOG   LOG
GET      sharings/new/                                                  -                      POL   LOG   LOG
POST     sharings/new/                                                  -                      POL   LOG   LOG
GET      sharings/<uuid:pk>/                                            sharingA               POL   LOG   LOG
POST     sharings/<uuid:pk>/permission/                                 sharingA               POL   LOG   LOG
POST     sharings/<uuid:pk>/permission/record/                          sharingA               POL   LOG   LOG
POST     sharings/<uuid:pk>/shared/                                     sharingA               POL   LOG   LOG
POST     sharings/<uuid:pk>/withdraw/                                   sharingA               POL   LOG   LOG

# --- finance: sponsors (own organisation) and auditors (in their window) read, 403 on writes; drafts are the administrator's ---
GET      finance/                                                       -                      POL   LOG   LOG
GET      finance/invoices/                                              -                      POL   LOG   LOG
GET      finance/invoices/new/                                          -                      POL   LOG   LOG
POST     finance/invoices/new/                                          -                      POL   LOG   LOG
GET      finance/invoices/<uuid:pk>/                                    invoiceA               POL   LOG   LOG
GET      finance/invoices/<uuid:pk>/edit/                               invoiceA               POL   LOG   LOG
POST     finance/invoices/<uuid:pk>/edit/                               invoiceA               POL   LOG   LOG
POST     finance/invoices/<uuid:pk>/delete/                             invoiceA               POL   LOG   LOG
POST     finance/invoices/<uuid:pk>/issue/                              invoiceA               POL   LOG   LOG
GET      finance/invoices/<uuid:pk>/pdf/                                invoiceA               POL   LOG   LOG
GET      finance/invoices/<uuid:pk>/payments/new/                       invoiceA               POL   LOG   LOG
POST     finance/invoices/<uuid:pk>/payments/new/                       invoiceA               POL   LOG   LOG
GET      finance/invoices/<uuid:pk>/credit-notes/new/                   invoiceA               POL   LOG   LOG
POST     finance/invoices/<uuid:pk>/credit-notes/new/                   invoiceA               POL   LOG   LOG
GET      finance/payments/                                              -                      POL   LOG   LOG
GET      finance/credit-notes/                                          -                      POL   LOG   LOG
GET      finance/audits/                                                -                      POL   LOG   LOG
POST     finance/audits/                                                -                      POL   LOG   LOG
POST     finance/audits/<uuid:pk>/end/                                  audit                  POL   LOG   LOG

# --- health, sign-in and the second factor (django-allauth) ----------------------------------------------
GET      healthz                                                        -                      200   200   LOG
GET      accounts/login/                                                -                      302   200   LOG
POST     accounts/login/                                                -                      302   200   LOG
GET      accounts/logout/                                               -                      200   LOG   LOG
POST     accounts/logout/                                               -                      LOG   LOG   LOG
GET      accounts/inactive/                                             -                      200   200   LOG
GET      accounts/signup/                                               -                      302   200   LOG
POST     accounts/signup/                                               -                      302   200   LOG
GET      accounts/reauthenticate/                                       -                      200   LOG   LOG
POST     accounts/reauthenticate/                                       -                      200   LOG   LOG
GET      accounts/email/                                                -                      200   LOG   LOG
POST     accounts/email/                                                -                      302   LOG   LOG
GET      accounts/confirm-email/                                        -                      200   200   LOG
GET      accounts/password/change/                                      -                      200   LOG   LOG
POST     accounts/password/change/                                      -                      200   LOG   LOG
GET      accounts/password/set/                                         -                      302   LOG   LOG
POST     accounts/password/set/                                         -                      302   LOG   LOG
GET      accounts/password/reset/                                       -                      200   200   LOG
POST     accounts/password/reset/                                       -                      200   200   LOG
GET      accounts/login/code/confirm/                                   -                      302   LOG   LOG
POST     accounts/login/code/confirm/                                   -                      302   LOG   LOG
GET      accounts/confirm-email/(?P<key>[-:\w]+)/$                      /accounts/confirm-email/not-a-key/ 200   200   LOG
POST     accounts/confirm-email/(?P<key>[-:\w]+)/$                      /accounts/confirm-email/not-a-key/ 404   404   LOG
GET      accounts/password/reset/key/done/                              -                      200   200   LOG
GET      accounts/password/reset/key/(?P<uidb36>[0-9A-Za-z]+)-(?P<key>.+)/$ /accounts/password/reset/key/1-not-a-key/ 200   200   LOG
POST     accounts/password/reset/key/(?P<uidb36>[0-9A-Za-z]+)-(?P<key>.+)/$ /accounts/password/reset/key/1-not-a-key/ 200   200   LOG
GET      accounts/password/reset/done/                                  -                      200   200   LOG
GET      accounts/2fa/                                                  -                      200   LOG   LOG
GET      accounts/2fa/authenticate/                                     -                      302   LOG   LOG
POST     accounts/2fa/authenticate/                                     -                      302   LOG   LOG
GET      accounts/2fa/reauthenticate/                                   -                      200   LOG   LOG
POST     accounts/2fa/reauthenticate/                                   -                      200   LOG   LOG
GET      accounts/2fa/totp/activate/                                    -                      302   LOG   LOG
POST     accounts/2fa/totp/activate/                                    -                      302   LOG   LOG
GET      accounts/2fa/totp/deactivate/                                  -                      302   LOG   LOG
POST     accounts/2fa/totp/deactivate/                                  -                      302   LOG   LOG
GET      accounts/2fa/recovery-codes/                                   -                      404   LOG   LOG
GET      accounts/2fa/recovery-codes/generate/                          -                      302   LOG   LOG
POST     accounts/2fa/recovery-codes/generate/                          -                      302   LOG   LOG
GET      accounts/2fa/recovery-codes/download/                          -                      404   LOG   LOG
GET      accounts/2fa/webauthn/                                         -                      200   LOG   LOG
GET      accounts/2fa/webauthn/add/                                     -                      302   LOG   LOG
POST     accounts/2fa/webauthn/add/                                     -                      302   LOG   LOG
GET      accounts/2fa/webauthn/reauthenticate/                          -                      302   LOG   LOG
POST     accounts/2fa/webauthn/reauthenticate/                          -                      302   LOG   LOG
GET      accounts/2fa/webauthn/keys/<int:pk>/remove/                    missing                302   LOG   LOG
POST     accounts/2fa/webauthn/keys/<int:pk>/remove/                    missing                302   LOG   LOG
DELETE   accounts/2fa/webauthn/keys/<int:pk>/remove/                    missing                302   LOG   LOG
GET      accounts/2fa/webauthn/keys/<int:pk>/edit/                      missing                302   LOG   LOG
POST     accounts/2fa/webauthn/keys/<int:pk>/edit/                      missing                302   LOG   LOG
GET      accounts/sessions/                                             -                      200   LOG   LOG
POST     accounts/sessions/                                             -                      302   LOG   LOG

# --- the technical admin site (its model pages: ADMIN_FAMILY below) --------------------------------------
GET      admin/                                                         -                      POL   302   LOG
GET      admin/login/                                                   -                      POL   LOG   LOG
POST     admin/login/                                                   -                      POL   LOG   LOG
GET      admin/logout/                                                  -                      POL   302   LOG
GET      admin/password_change/                                         -                      POL   302   LOG
GET      admin/password_change/done/                                    -                      POL   302   LOG
GET      admin/autocomplete/                                            -                      POL   302   LOG
GET      admin/jsi18n/                                                  -                      POL   302   LOG
GET      admin/r/<path:content_type_id>/<path:object_id>/               /admin/r/1/1/          POL   302   LOG
GET      admin/(?P<app_label>axes|auth|django_celery_beat|usersessions|confidentiality)/$ /admin/confidentiality/ POL   302   LOG
GET      admin/(?P<url>.*)$                                             /admin/no-such-page/   POL   302   LOG

# --- the API's schema and documentation; the API takes tokens only (no token: 401) -----------------------
GET      api/v1/engagements\.(?P<format>[a-z0-9]+)/?$                   -                      403   401   401
GET      api/v1/engagements/(?P<pk>[^/.]+)\.(?P<format>[a-z0-9]+)/?$    engagementA            403   401   401
GET      api/schema/                                                    -                      200   200   200
GET      api/docs/                                                      -                      200   200   200
GET      /api/v1/agreement-templates/                                   -                      403   401   401
POST     /api/v1/agreement-templates/                                   template               403   401   401
GET      /api/v1/breaches/                                              -                      403   401   401
POST     /api/v1/breaches/                                              -                      403   401   401
GET      /api/v1/breaches/{id}/                                         breachA                403   401   401
PATCH    /api/v1/breaches/{id}/                                         breachA                403   401   401
POST     /api/v1/breaches/{id}/close/                                   breachA                403   401   401
POST     /api/v1/breaches/{id}/confirm/                                 breachA                403   401   401
GET      /api/v1/breaches/{id}/letters/                                 breachlettersA         403   401   401
POST     /api/v1/breaches/{id}/letters/decision/                        breachlettersA         403   401   401
POST     /api/v1/breaches/{id}/letters/produce/                         breachlettersA         403   401   401
GET      /api/v1/clients/                                               -                      403   401   401
POST     /api/v1/clients/                                               -                      403   401   401
GET      /api/v1/complaints/                                            -                      403   401   401
POST     /api/v1/complaints/                                            -                      403   401   401
GET      /api/v1/complaints/{id}/                                       complaintA             403   401   401
POST     /api/v1/complaints/{id}/responses/                             complaintA             403   401   401
POST     /api/v1/complaints/letters/{id}/posted/                        complaintletterA       403   401   401
GET      /api/v1/testimonials/                                          -                      403   401   401
POST     /api/v1/testimonials/                                          -                      403   401   401
GET      /api/v1/testimonials/{id}/                                     testimonialA           403   401   401
POST     /api/v1/testimonials/{id}/publishable/                         testimonialA           403   401   401
POST     /api/v1/testimonials/{id}/removed/                             testimonialA           403   401   401
GET      /api/v1/sharings/                                              -                      403   401   401
POST     /api/v1/sharings/                                              -                      403   401   401
GET      /api/v1/sharings/{id}/                                         sharingA               403   401   401
POST     /api/v1/sharings/{id}/permission/                              sharingA               403   401   401
POST     /api/v1/sharings/{id}/permission/record/                       sharingA               403   401   401
POST     /api/v1/sharings/{id}/shared/                                  sharingA               403   401   401
POST     /api/v1/sharings/{id}/withdraw/                                sharingA               403   401   401
GET      /api/v1/concerns/                                              -                      403   401   401
POST     /api/v1/concerns/                                              engagementA            403   401   401
GET      /api/v1/concerns/{id}/                                         concernA               403   401   401
POST     /api/v1/concerns/{id}/approve/                                 concernA               403   401   401
POST     /api/v1/concerns/{id}/step/                                    concernA               403   401   401
POST     /api/v1/concerns/{id}/change/                                  concernA               403   401   401
POST     /api/v1/concerns/{id}/withdraw/                                concernA               403   401   401
GET      /api/v1/consents/                                              -                      403   401   401
POST     /api/v1/consents/{id}/withdraw/                                consentA               403   401   401
GET      /api/v1/credit-notes/                                          -                      403   401   401
POST     /api/v1/credit-notes/                                          invoiceA               403   401   401
GET      /api/v1/documents/{id}/download/                               documentprivateA       403   401   401
GET      /api/v1/engagements/                                           -                      403   401   401
GET      /api/v1/engagements/{id}/                                      engagementA            403   401   401
GET      /api/v1/engagements/{id}/agreement/                            engagementA            403   401   401
POST     /api/v1/engagements/{id}/agreement/sign/                       engagementA            403   401   401
GET      /api/v1/engagements/{id}/disclosures/                          engagementA            403   401   401
POST     /api/v1/engagements/{id}/disclosures/                          engagementA            403   401   401
GET      /api/v1/engagements/{id}/documents/                            engagementA            403   401   401
POST     /api/v1/engagements/{id}/documents/                            engagementA            403   401   401
GET      /api/v1/engagements/{id}/feedback-requests/                    engagementA            403   401   401
POST     /api/v1/engagements/{id}/feedback-requests/                    engagementA            403   401   401
GET      /api/v1/engagements/{id}/notes/                                engagementA            403   401   401
POST     /api/v1/engagements/{id}/notes/                                engagementA            403   401   401
GET      /api/v1/engagements/{id}/reports/                              engagementA            403   401   401
POST     /api/v1/engagements/{id}/reports/                              engagementA            403   401   401
GET      /api/v1/engagements/{id}/sessions/                             engagementA            403   401   401
POST     /api/v1/engagements/{id}/sessions/                             engagementA            403   401   401
PATCH    /api/v1/sessions/{id}/                                         coachingsessionA       403   401   401
GET      /api/v1/feedback/{id}/                                         feedbacksharedA        403   401   401
PATCH    /api/v1/feedback/{id}/                                         feedbacksharedA        403   401   401
GET      /api/v1/engagements/{id}/unsolicited-feedback/                 engagementA            403   401   401
POST     /api/v1/engagements/{id}/unsolicited-feedback/                 engagementA            403   401   401
GET      /api/v1/unsolicited-feedback/{id}/                             unsolicitedsharedA     403   401   401
POST     /api/v1/unsolicited-feedback/{id}/share/                       unsolicitedpendingA    403   401   401
GET      /api/v1/finance/summary/                                       -                      403   401   401
GET      /api/v1/information-categories/                                -                      403   401   401
POST     /api/v1/information-categories/                                -                      403   401   401
GET      /api/v1/professional-codes/                                    -                      403   401   401
POST     /api/v1/professional-codes/                                    -                      403   401   401
GET      /api/v1/invoices/                                              -                      403   401   401
POST     /api/v1/invoices/                                              organisationA          403   401   401
GET      /api/v1/invoices/{id}/                                         invoiceA               403   401   401
PATCH    /api/v1/invoices/{id}/                                         invoiceA               403   401   401
DELETE   /api/v1/invoices/{id}/                                         invoiceA               403   401   401
POST     /api/v1/invoices/{id}/issue/                                   invoiceA               403   401   401
GET      /api/v1/legal-holds/                                           -                      403   401   401
POST     /api/v1/legal-holds/                                           engagementA            403   401   401
POST     /api/v1/legal-holds/{id}/release/                              holdA                  403   401   401
GET      /api/v1/me/                                                    -                      200   401   401
GET      /api/v1/notes/{id}/                                            noteprivateA           403   401   401
PATCH    /api/v1/notes/{id}/                                            noteprivateA           403   401   401
GET      /api/v1/notes/{id}/corrections/                                noteprivateA           403   401   401
POST     /api/v1/notes/{id}/corrections/                                notesharedA            403   401   401
GET      /api/v1/organisations/                                         -                      403   401   401
POST     /api/v1/organisations/                                         -                      403   401   401
GET      /api/v1/payments/                                              -                      403   401   401
POST     /api/v1/payments/                                              invoiceA               403   401   401
GET      /api/v1/reports/{id}/                                          reportdraftA           403   401   401
PATCH    /api/v1/reports/{id}/                                          reportdraftA           403   401   401
POST     /api/v1/reports/{id}/approve/                                  reportdraftA           403   401   401
POST     /api/v1/reports/{id}/release/                                  reportdraftA           403   401   401
POST     /api/v1/reports/{id}/request-changes/                          reportdraftA           403   401   401
POST     /api/v1/reports/{id}/submit/                                   reportdraftA           403   401   401
GET      /api/v1/retention/preview/                                     -                      403   401   401
GET      /api/v1/subject-access-requests/                               -                      403   401   401
POST     /api/v1/subject-access-requests/                               -                      403   401   401
GET      /api/v1/subject-access-requests/{id}/                          sarclientA             403   401   401
GET      /api/v1/subject-access-requests/{id}/export/                   sarclientA             403   401   401   +DraftReport,PrivateNote
POST     /api/v1/subject-access-requests/{id}/export/                   sarclientA             403   401   401
POST     /api/v1/subject-access-requests/{id}/answer/                   sarcorrectionA         403   401   401
POST     /api/v1/subject-access-requests/{id}/restrict/                 sarcorrectionA         403   401   401
POST     /api/v1/subject-access-requests/{id}/lift/                     sarcorrectionA         403   401   401
POST     /api/v1/subject-access-requests/{id}/correct/                  sarcorrectionA         403   401   401
POST     /api/v1/subject-access-requests/{id}/send-link/                sarpostA               403   401   401
POST     /api/v1/subject-access-requests/{id}/posted/                   sarpostA               403   401   401
"""

GATE_ROWS = parse(GATE_TABLE, GATE_PERSONAS)

# The gates in front of the work (issue 20): side A's coach and sponsor on an engagement waiting for
# signatures (``engagementProposed``), one paused because its client withdrew consent to the practice
# holding their information (``engagementPaused``) and one closed (``engagementClosed``). Every row is
# tried by everyone, and no write may change anything but the audit log's record of a read: a write
# the gate refuses is shown again with the reason (200 for a page, 400 for the API), or refused
# outright. The organisation's document on the closed engagement carries markers only its coach may
# read (``ClosedDocument``): its sponsor contact lost it at closing.
WORK_GATE_TABLE = r"""
# method route-or-operation                                             object                 co    oc    cl    sp    os    ad    au    su    an

# --- waiting for signatures: no session, note, document, report or feedback request --------------------
POST     engagements/<uuid:pk>/sessions/                                engagementProposed     200   404   404   404   404   404   404   404   LOG
POST     engagements/<uuid:pk>/notes/new/                               engagementProposed     200   404   404   404   404   404   404   404   LOG
POST     engagements/<uuid:pk>/documents/                               engagementProposed     200   404   404   404   404   404   404   404   LOG
POST     engagements/<uuid:pk>/reports/                                 engagementProposed     200   404   404   404   404   404   404   404   LOG
POST     engagements/<uuid:pk>/feedback/                                engagementProposed     200   404   404   404   404   404   404   404   LOG
POST     engagements/<uuid:pk>/feedback/unsolicited/                    engagementProposed     200   404   404   404   404   404   404   404   LOG
POST     /api/v1/engagements/{id}/sessions/                             engagementProposed     400   404   404   404   404   404   404   404   401
POST     /api/v1/engagements/{id}/notes/                                engagementProposed     400   404   403   404   404   404   404   404   401
POST     /api/v1/engagements/{id}/documents/                            engagementProposed     400   404   404   404   404   404   404   404   401
POST     /api/v1/engagements/{id}/reports/                              engagementProposed     400   404   403   403   404   403   404   404   401
POST     /api/v1/engagements/{id}/feedback-requests/                    engagementProposed     400   404   403   404   404   404   404   404   401
POST     /api/v1/engagements/{id}/unsolicited-feedback/                 engagementProposed     400   404   403   404   404   404   404   404   401

# --- paused: the client withdrew consent to the practice holding their information ----------------------
GET      engagements/<uuid:pk>/                                         engagementPaused       200   404   404   200   404   200   404   404   LOG
POST     engagements/<uuid:pk>/sessions/                                engagementPaused       200   404   404   404   404   404   404   404   LOG
POST     engagements/<uuid:pk>/notes/new/                               engagementPaused       200   404   404   404   404   404   404   404   LOG
POST     engagements/<uuid:pk>/documents/                               engagementPaused       200   404   404   404   404   404   404   404   LOG
POST     engagements/<uuid:pk>/reports/                                 engagementPaused       200   404   404   404   404   404   404   404   LOG
POST     engagements/<uuid:pk>/feedback/                                engagementPaused       200   404   404   404   404   404   404   404   LOG
POST     engagements/<uuid:pk>/feedback/unsolicited/                    engagementPaused       200   404   404   404   404   404   404   404   LOG
POST     /api/v1/engagements/{id}/sessions/                             engagementPaused       400   404   404   404   404   404   404   404   401
POST     /api/v1/engagements/{id}/notes/                                engagementPaused       400   404   404   404   404   404   404   404   401
POST     /api/v1/engagements/{id}/documents/                            engagementPaused       400   404   404   404   404   404   404   404   401
POST     /api/v1/engagements/{id}/reports/                              engagementPaused       400   404   404   403   404   403   404   404   401
POST     /api/v1/engagements/{id}/feedback-requests/                    engagementPaused       400   404   404   404   404   404   404   404   401
POST     /api/v1/engagements/{id}/unsolicited-feedback/                 engagementPaused       400   404   404   404   404   404   404   404   401

# --- closed: no new work, and the sponsor no longer has the organisation's document --------------------
GET      engagements/<uuid:pk>/                                         engagementClosed       200   404   404   200   404   200   404   404   LOG
POST     engagements/<uuid:pk>/sessions/                                engagementClosed       404   404   404   404   404   404   404   404   LOG
POST     engagements/<uuid:pk>/notes/new/                               engagementClosed       404   404   404   404   404   404   404   404   LOG
POST     engagements/<uuid:pk>/documents/                               engagementClosed       404   404   404   404   404   404   404   404   LOG
POST     engagements/<uuid:pk>/reports/                                 engagementClosed       404   404   404   404   404   404   404   404   LOG
POST     /api/v1/engagements/{id}/notes/                                engagementClosed       400   404   404   404   404   404   404   404   401
GET      /api/v1/engagements/{id}/documents/                            engagementClosed       200   404   404   200   404   404   404   404   401
GET      engagements/documents/<uuid:pk>/download/                      documentsuppliedClosed 200   404   404   404   404   404   404   404   LOG
GET      /api/v1/documents/{id}/download/                               documentsuppliedClosed 200   404   404   404   404   404   404   404   401
"""

WORK_GATE_ROWS = parse(WORK_GATE_TABLE)
