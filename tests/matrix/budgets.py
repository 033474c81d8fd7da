"""Pages and lists over the query budget today (tests/matrix/test_matrix.py's QUERY_BUDGET, 15), by
matrix row, with the most queries any persona's answer took on the access matrix's world (the same on
PostgreSQL and SQLite). None may take more; a page leaves the list when it meets the budget. Measured
with MATRIX_QUERIES=file, which records every row's figure. Only the auditor's finance pages and a
released subject-access copy's download are left (issue 23): the engagement's page, the agreement,
reports, concerns and the rest left it when a page's audited reads came to be linked in one append
when its view is done (confidentiality.audit.request_reads_linked_together, where each read cost
three queries), the session's idle expiry came to be written once a minute rather than on every page
(confidentiality.sessions), and the pages came to read their permissions, data keys and agreement
once."""

from __future__ import annotations

OVER_BUDGET: dict[str, int] = {
    "GET finance/invoices/ -": 19,
    "GET finance/ -": 18,
    "GET finance/ /finance/?format=csv": 18,
    "GET subject-access/<uuid:pk>/download/ sarorganisationreleasedA": 16,
}
