from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

from config.api import api
from config.health import healthz, readyz
from ponte.common.access import access_rule
from ponte.network.views.home import home


def _api_urls() -> tuple:  # type: ignore[type-arg]
    """The API authenticates each call with its bearer token, not with the session."""
    patterns, app_name, namespace = api.urls
    for pattern in patterns:
        view: Any = pattern.callback
        view.login_required = False
        if str(pattern.pattern) == "openapi.json":
            access_rule("public", "the API's description; no data")(view)
        elif str(pattern.pattern).startswith("hsds/"):
            # Open Referral read API: public services to anyone, the rest and writes by token.
            access_rule("public", "HSDS reads of public services; token for the rest")(view)
        else:
            access_rule("api_token", "deny by default; scoped by the token's organisation")(view)
    return patterns, app_name, namespace


urlpatterns = [
    path("", home, name="home"),
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("accounts/", include("ponte.accounts.urls")),
    path("network/", include("ponte.network.urls")),
    path("catalog/", include("ponte.catalog.urls")),
    path("outreach/", include("ponte.outreach.urls")),
    path("people/", include("ponte.people.urls")),
    path("cases/", include("ponte.cases.urls")),
    path("referrals/", include("ponte.referrals.urls")),
    path("monitoring/", include("ponte.monitoring.urls")),
    path(
        "i18n/setlang/",
        access_rule("public")(login_not_required(set_language)),
        name="set_language",
    ),
    path("guida/", include("ponte.catalog.public_urls")),
    path("api/v1/", _api_urls()),
]
