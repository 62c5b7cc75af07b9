"""Liveness and readiness for the load balancer and the monitoring (docs/operating.md).

`/healthz` answers without touching the database: the process is up. It is also the floor
of the load benchmarks (the cheapest request through the whole middleware stack).
`/readyz` checks the database too: take the instance out of rotation when it fails.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache

from ponte.common.access import access_rule


@access_rule("public", "liveness; no data")
@login_not_required
@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok\n", content_type="text/plain")


@access_rule("public", "readiness: the database answers; no data")
@login_not_required
@never_cache
def readyz(request: HttpRequest) -> HttpResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return HttpResponse("database unavailable\n", status=503, content_type="text/plain")
    return HttpResponse("ok\n", content_type="text/plain")
