from rest_framework.pagination import CursorPagination


class CursorPage(CursorPagination):
    """Stable, index-friendly pages: the cost of page N does not grow with N."""

    ordering = "-created_at"
    page_size = 50
    max_page_size = 200
    page_size_query_param = "page_size"


class GivenAtCursorPage(CursorPage):
    ordering = "-given_at"
