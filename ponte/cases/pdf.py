"""Render a template to PDF bytes with WeasyPrint, offline.

Files are read from the static directories on disk (`base_url` points there, so a relative
`url(...)` in a stylesheet resolves to a file); any http(s) fetch is refused, so rendering never
reaches the network (a PDF of a person's plan must not leak a request to a third party, and
must not hang on a slow one). Fonts come from fontconfig (Debian's Noto packages).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import HttpRequest
from django.template.loader import render_to_string


class NetworkFetchRefused(ValueError):
    """Raised by the URL fetcher for anything that is not a file under a static directory."""


def _static_roots() -> list[Path]:
    roots = [Path(p).resolve() for p in getattr(settings, "STATICFILES_DIRS", [])]
    if getattr(settings, "STATIC_ROOT", None):
        roots.append(Path(settings.STATIC_ROOT).resolve())
    return roots


def offline_url_fetcher() -> Any:
    """WeasyPrint's fetcher, limited to data: URLs and files inside the static directories."""
    from weasyprint.urls import URLFetcher

    class OfflineFetcher(URLFetcher):  # type: ignore[misc]
        def fetch(self, url: str, headers: Any = None) -> Any:
            parsed = urlparse(url)
            if parsed.scheme == "file":
                path = Path(unquote(parsed.path)).resolve()
                if not any(path.is_relative_to(root) for root in _static_roots()):
                    raise NetworkFetchRefused("refused to read a file outside the static dirs")
            elif parsed.scheme != "data":
                raise NetworkFetchRefused(f"refused to fetch a {parsed.scheme}: URL for a PDF")
            return super().fetch(url, headers)

    return OfflineFetcher(allowed_protocols={"file", "data"}, allow_redirects=False)


def render_pdf(
    template_name: str,
    context: dict[str, Any],
    *,
    request: HttpRequest | None = None,
    stylesheets: list[str] | None = None,
) -> bytes:
    """The template as PDF. `stylesheets` are static paths (e.g. "ponte/plan_print.css"),
    found on disk by the staticfiles finders and applied directly, no URL involved."""
    from weasyprint import CSS, HTML

    html = render_to_string(template_name, context, request=request)
    roots = _static_roots()
    base_url = roots[0].as_uri() + "/" if roots else None
    fetcher = offline_url_fetcher()
    sheets = []
    for name in stylesheets or []:
        found = finders.find(name)
        if found:
            path = found[0] if isinstance(found, list) else found
            sheets.append(CSS(filename=str(path), url_fetcher=fetcher))
    document = HTML(string=html, base_url=base_url, url_fetcher=fetcher)
    return document.write_pdf(stylesheets=sheets)  # type: ignore[no-any-return]
