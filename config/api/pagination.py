from rest_framework.pagination import CursorPagination


class DefaultCursorPagination(CursorPagination):
    """Stable pages however many rows are added meanwhile (no OFFSET drift)."""

    page_size = 50
    max_page_size = 500
    page_size_query_param = "page_size"
    ordering = "-created_at"
