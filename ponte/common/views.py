"""Small helpers shared by list pages: pagination and htmx partial rendering."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

PAGE_SIZE = 25


def paginate(request: HttpRequest, queryset: QuerySet[Any], per_page: int = PAGE_SIZE) -> Page[Any]:
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))


def render_list(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    """Full page normally; only the results partial when htmx asks for it."""
    if getattr(request, "htmx", False) and not request.htmx.boosted:  # type: ignore[attr-defined]
        return render(request, f"{template}#results", context)
    return render(request, template, context)


def querystring_without_page(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


def remembered_search(request: HttpRequest, key: str) -> tuple[str, HttpResponse | None]:
    """Search text that may be a person's name never travels in a URL (server logs, browser
    history, Referer): it comes by POST, is kept in the session for this list, and the page
    redirects to itself (the other filters stay in the query string). Returns the text and,
    after a POST, the redirect to send."""
    session_key = f"ponte.search.{key}"
    if request.method == "POST":
        text = (request.POST.get("q") or "").strip()[:100]
        if text and "clear" not in request.POST:
            request.session[session_key] = text
        else:
            request.session.pop(session_key, None)
        return text, redirect(request.get_full_path())
    return str(request.session.get(session_key, "")), None
