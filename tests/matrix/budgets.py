"""Pages and lists over the query budget today (tests/matrix/test_matrix.py's QUERY_BUDGET, 15), by
matrix row, with the most queries any persona's answer took on the access matrix's world (the same on
PostgreSQL and SQLite). None may take more; a page leaves the list when it meets the budget. Measured
with MATRIX_QUERIES=file, which records every row's figure. Of the 251 read pages that answer
someone, those over it are here: the engagement's page, the agreement, reports and concerns most (the retention
page left it when it began to read its kept forecast, retention/forecast.py); an audited read costs
three queries (issue 23). A PDF's first download keeps its rendered copy (confidentiality.keptpdf): the
look-up and the INSERT are counted here, the first download being the one that costs most; every later
one reads the copy (one query, the report's page saving another) where it rendered for 40 ms or more."""

from __future__ import annotations

OVER_BUDGET: dict[str, int] = {
    "GET engagements/<uuid:pk>/ engagementA": 31,
    "GET engagements/<uuid:pk>/ engagementB": 31,
    "GET /api/v1/engagements/{id}/agreement/ engagementA": 27,
    "GET /api/v1/engagements/{id}/agreement/ engagementB": 27,
    "GET engagements/reports/<uuid:pk>/ reportdraftA": 24,
    "GET engagements/reports/<uuid:pk>/ reportreleasedA": 24,
    "GET engagements/reports/<uuid:pk>/ reportreleasedB": 24,
    "GET engagements/reports/<uuid:pk>/ reportreviewA": 24,
    "GET agreements/<uuid:pk>/pdf/ agreementA": 26,
    "GET agreements/<uuid:pk>/pdf/ agreementB": 26,
    "GET concerns/<uuid:pk>/ concerndangerA": 21,
    "GET agreements/<uuid:pk>/ agreementA": 20,
    "GET agreements/<uuid:pk>/ agreementB": 20,
    "GET agreements/<uuid:pk>/pdf/ agreementsent": 22,
    "GET concerns/<uuid:pk>/ concernA": 19,
    "GET concerns/<uuid:pk>/ concernB": 19,
    "GET engagements/<uuid:pk>/disclosures/ engagementA": 19,
    "GET engagements/<uuid:pk>/disclosures/ engagementB": 19,
    "GET agreements/<uuid:pk>/ agreementsent": 17,
    "GET agreements/<uuid:pk>/edit/ agreementdraft": 17,
    "GET engagements/<uuid:pk>/notes/ engagementA": 17,
    "GET engagements/<uuid:pk>/notes/ engagementB": 17,
    "GET engagements/reports/<uuid:pk>/pdf/ reportreleasedA": 18,
    "GET engagements/reports/<uuid:pk>/pdf/ reportreleasedB": 18,
    "GET disclosures/<uuid:pk>/ disclosuremadeA": 16,
    "GET disclosures/<uuid:pk>/ disclosuremadeB": 16,
    "GET engagements/<uuid:pk>/feedback/ engagementA": 16,
    "GET engagements/<uuid:pk>/feedback/ engagementB": 16,
    "GET engagements/documents/<uuid:pk>/download/ documentprivateA": 16,
    "GET engagements/documents/<uuid:pk>/download/ documentprivateB": 16,
    "GET engagements/documents/<uuid:pk>/download/ documentsharedA": 16,
    "GET engagements/documents/<uuid:pk>/download/ documentsuppliedA": 16,
    "GET engagements/documents/<uuid:pk>/download/ documenttickedA": 16,
    "GET engagements/feedback/<uuid:pk>/ feedbackpendingA": 16,
    "GET engagements/feedback/<uuid:pk>/ feedbacksharedA": 16,
    "GET engagements/feedback/<uuid:pk>/ feedbacksharedB": 16,
}
