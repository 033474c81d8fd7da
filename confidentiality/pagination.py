from typing import Any

from rest_framework.exceptions import ValidationError
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request


class CursorPage(CursorPagination):
    """Stable, index-friendly pages: the cost of page N does not grow with N."""

    ordering = "-created_at"
    page_size = 50
    max_page_size = 200
    page_size_query_param = "page_size"

    def get_page_size(self, request: Request) -> int | None:
        # DRF falls back to the default for a page size it cannot read; a caller who asked for
        # "ten" or "-5" is told instead (larger than the maximum still gives the maximum).
        raw = request.query_params.get(self.page_size_query_param)
        if raw is not None and not (raw.isascii() and raw.isdigit() and int(raw) > 0):
            raise ValidationError({self.page_size_query_param: [self._page_size_text()]})
        return super().get_page_size(request)

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"]["minimum"] = 1
                parameter["description"] = self._page_size_text()
        return parameters

    def _page_size_text(self) -> str:
        return f"The number of results per page: a whole number from 1 (at most {self.max_page_size} are given)."


class GivenAtCursorPage(CursorPage):
    ordering = "-given_at"
