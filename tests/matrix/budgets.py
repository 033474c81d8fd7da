"""Pages and lists over the query budget today (tests/matrix/test_matrix.py's QUERY_BUDGET, 15), by
matrix row, with the most queries any persona's answer took on the access matrix's world (the same on
PostgreSQL and SQLite). None may take more; a page leaves the list when it meets the budget. Measured
with MATRIX_QUERIES=file, which records every row's figure.

None is left (issue 23). The auditor's pages left it when they came to read their kept totals
(finance.totals); the engagement's page, the agreement, reports, concerns and the rest when a page's
audited reads came to be linked in one append when its view is done
(confidentiality.audit.request_reads_linked_together: each read cost three queries), the session came
to be read and its idle expiry pushed on in one statement (confidentiality.sessions: it was a read,
then a write of its own), and pages came to read their permissions, data keys and agreement once."""

from __future__ import annotations

OVER_BUDGET: dict[str, int] = {}
