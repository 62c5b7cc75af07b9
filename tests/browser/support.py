"""What the browser tests share: Chromium's settings, sizes, and a kit of contexts and tabs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.test import Client
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page

from ponte.accounts.models import User

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
VIEWPORTS = {"desktop": DESKTOP, "phone": PHONE}
SCREENSHOT_DIR = Path(settings.BASE_DIR) / "var" / "screenshots"

# Records what the page itself reports about Content Security Policy violations; init
# scripts run through the DevTools protocol, so the policy does not block this one.
CSP_LISTENER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__cspViolations.push(e.violatedDirective + " blocked " + (e.blockedURI || "inline")
    + " at " + (e.sourceFile || "?") + ":" + (e.lineNumber || "?"));
});
"""


@dataclass
class Tab:
    """A page plus what it logged: console messages and CSP violations."""

    page: Page
    console: list[ConsoleMessage] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def csp_problems(self) -> list[str]:
        from_console = [m.text for m in self.console if "content security policy" in m.text.lower()]
        try:
            from_page = self.page.evaluate("window.__cspViolations || []")
        except Exception:  # a page that is navigating away has no list to read
            from_page = []
        return from_console + list(from_page)


@dataclass
class BrowserKit:
    browser: Browser
    base_url: str
    client_for: Callable[[User], Client]
    contexts: list[BrowserContext] = field(default_factory=list)

    def url(self, path: str) -> str:
        return self.base_url + path

    def context(
        self,
        user: User | None = None,
        *,
        viewport: dict[str, int] = DESKTOP,
        locale: str = "it-IT",
        verified: bool = True,
        **options: Any,
    ) -> BrowserContext:
        """A new context; with a user, it carries that user's session cookie.

        Italian is the default language: the context's locale sets Accept-Language,
        which Django's LocaleMiddleware follows.
        """
        context = self.browser.new_context(
            viewport=viewport,
            locale=locale,
            is_mobile=viewport is PHONE,
            has_touch=viewport is PHONE,
            **options,
        )
        context.set_default_timeout(10_000)
        context.add_init_script(CSP_LISTENER)
        self.contexts.append(context)
        if user is not None:
            client = self.client_for(user) if verified else _unverified_client(user)
            context.add_cookies(
                [
                    {
                        "name": settings.SESSION_COOKIE_NAME,
                        "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                        "url": self.base_url,
                    }
                ]
            )
        return context

    def tab(self, context: BrowserContext) -> Tab:
        page = context.new_page()
        tab = Tab(page)
        page.on("console", lambda message: tab.console.append(message))
        page.on("pageerror", lambda exc: tab.errors.append(str(exc)))
        return tab

    def close(self) -> None:
        for context in self.contexts:
            context.close()
        self.contexts.clear()


def _unverified_client(user: User) -> Client:
    """Past the password, not yet past the second factor."""
    client = Client()
    client.force_login(user)
    return client
