"""The Django side of the load benchmark, run by `benchmarks/load.py` with the production
settings and the same environment as gunicorn (the session hashes depend on SECRET_KEY).

    prepare.py plan --out PLAN.json --sessions outreach_worker=4,case_manager=6,... [--read-only]
    prepare.py profile --plan PLAN.json --out PROFILE.json
    prepare.py cleanup --plan PLAN.json

- `plan` picks synthetic users of each kind, gives each a server-side session already past the
  second factor (as `conftest.verified_client` does: the synthetic accounts have unusable
  passwords, so nobody can log in through the form), and writes the cookies and the ids each
  session may open (its cases, outings, referrals; published services for the guide).
- `profile` renders every page once per session kind in-process, inside a transaction that
  is rolled back (nothing it does stays, audit rows included), and reports the server time and
  the queries: the "why" next to a page that misses its goal.
- `cleanup` deletes the sessions and the OTP devices `plan` created.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path[:0] = [str(ROOT), str(HERE)]

from pages import (  # noqa: E402 (the path above comes first)
    ANONYMOUS,
    CASE_MANAGER,
    COORDINATOR,
    FLOOR_NAME,
    FLOOR_PATH,
    GET_PAGES,
    OUTREACH,
    PARTNER,
    Entry,
)

DEVICE_NAME = "load benchmark"
IDS_PER_SESSION = 60  # how many cases, outings or referrals a session picks its pages from
PROFILE_RUNS = 5  # per page: the first warms the caches, the median of the rest is reported


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


# ---- plan -------------------------------------------------------------------------------------


def _session_for(user: Any) -> dict[str, Any]:
    """A session as after password + second factor (accounts.views._complete_second_factor)."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH
    from django.utils.crypto import get_random_string
    from django_otp import DEVICE_ID_SESSION_KEY

    from ponte.accounts.middleware import AUTH_AT_KEY
    from ponte.accounts.models import BackupCodeDevice
    from ponte.accounts.views import VERIFIED_AT_KEY

    device = BackupCodeDevice.objects.create(user=user, name=DEVICE_NAME)
    now = int(time.time())
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store[AUTH_AT_KEY] = now
    store[DEVICE_ID_SESSION_KEY] = device.persistent_id
    store[VERIFIED_AT_KEY] = now
    store.create()
    return {
        "user_id": user.pk,
        "session_key": store.session_key,
        "device_id": device.pk,
        # The CSRF cookie holds the unmasked secret; the same value is a valid token.
        "csrf": get_random_string(CSRF_SECRET_LENGTH, CSRF_ALLOWED_CHARS),
    }


def _members(role: str) -> Any:
    from ponte.accounts.models import User

    return (
        User.objects.filter(
            is_active=True,
            memberships__role=role,
            memberships__is_active=True,
            memberships__accepted_at__isnull=False,
        )
        .distinct()
        .order_by("pk")
    )


def _ids(queryset: Any) -> list[str]:
    return [str(value) for value in queryset.values_list("public_id", flat=True)[:IDS_PER_SESSION]]


def outreach_workers(count: int) -> list[Entry]:
    from ponte.network.models import AccessPoint
    from ponte.network.roles import Cap, Role, organizations_with_cap
    from ponte.outreach.models import Outing

    entries: list[Entry] = []
    for user in _members(Role.OUTREACH_WORKER).iterator():
        points = AccessPoint.objects.filter(
            is_active=True,
            lead_organization_id__in=organizations_with_cap(user, Cap.RECORD_OUTREACH),
        ).order_by("pk")
        outings = _ids(Outing.objects.visible_to(user).order_by("-date", "pk"))
        if outings and points.exists():
            entries.append({"user": user, "outings": outings, "access_points": _ids(points)[:1]})
        if len(entries) == count:
            break
    return entries


def case_managers(count: int) -> list[Entry]:
    """The case managers with the largest open caseloads: the heaviest "my work" and lists."""
    from django.db.models import Count

    from ponte.accounts.models import User
    from ponte.cases.models import Case

    busiest = (
        Case.objects.open()
        .filter(case_manager__isnull=False)
        .values("case_manager")
        .annotate(n=Count("id"))
        .order_by("-n", "case_manager")
    )
    entries: list[Entry] = []
    for row in busiest[: count * 3]:
        user = User.objects.get(pk=row["case_manager"])
        mine = Case.objects.visible_to(user).filter(case_manager=user).open().order_by("pk")
        cases = _ids(mine)
        with_plan = _ids(mine.filter(plans__isnull=False).distinct())
        names = mine.values_list("person__name_search", flat=True)[:IDS_PER_SESSION]
        words = sorted({n.split()[0] for n in names if n})
        if cases and with_plan and words:
            entries.append(
                {"user": user, "cases": cases, "cases_with_plan": with_plan, "search": words}
            )
        if len(entries) == count:
            break
    return entries


def partner_operators(count: int) -> list[Entry]:
    """Operators of the partner organisations that receive the most open referrals, one per
    organisation so that two users never answer the same referral."""
    from django.db.models import Count, Exists, OuterRef

    from ponte.network.models import Membership
    from ponte.network.roles import Role
    from ponte.referrals.models import OPEN_STATUSES, Referral, Status

    operators_there = Membership.objects.active().filter(
        organization=OuterRef("receiver"), role=Role.PARTNER_OPERATOR
    )
    receivers = (
        Referral.objects.filter(Exists(operators_there), status__in=OPEN_STATUSES)
        .values("receiver")
        .annotate(n=Count("id"))
        .order_by("-n", "receiver")
    )
    entries: list[Entry] = []
    for row in receivers[: count * 10]:
        operators = _members(Role.PARTNER_OPERATOR).filter(
            memberships__organization_id=row["receiver"]
        )
        for user in operators[:1]:
            inbox = Referral.objects.inbox_of(user).filter(status__in=OPEN_STATUSES)
            referrals = _ids(inbox.order_by("pk"))
            to_accept = _ids(inbox.filter(status__in=[Status.SENT, Status.RECEIVED]).order_by("pk"))
            if referrals:
                entries.append({"user": user, "referrals": referrals, "to_accept": to_accept})
        if len(entries) == count:
            break
    return entries


def coordinators(count: int) -> list[Entry]:
    from ponte.network.roles import Role

    return [{"user": user} for user in _members(Role.COORDINATOR)[:count]]


def guide_visitor() -> Entry:
    from ponte.catalog.public_views import guide_languages, place_datalist, published
    from ponte.catalog.taxonomy import Area

    services = list(published().order_by("pk").values_list("public_id", flat=True))
    rng = random.Random(1)  # noqa: S311 (a reproducible sample, not a secret)
    return {
        "languages": guide_languages(),
        "areas": list(Area.values),
        "places": place_datalist()[:40],
        "services": [str(s) for s in rng.sample(services, min(300, len(services)))],
    }


PICKERS = {
    OUTREACH: outreach_workers,
    CASE_MANAGER: case_managers,
    PARTNER: partner_operators,
    COORDINATOR: coordinators,
}


def dataset() -> dict[str, int]:
    from ponte.accounts.models import User
    from ponte.audit.models import AuditEvent
    from ponte.cases.models import Case, CaseEvent
    from ponte.catalog.models import Service
    from ponte.network.models import Organization
    from ponte.outreach.models import Contact, Outing
    from ponte.people.models import Person
    from ponte.referrals.models import Referral

    models = {
        "organisations": Organization,
        "users": User,
        "services": Service,
        "people": Person,
        "cases": Case,
        "case events": CaseEvent,
        "referrals": Referral,
        "outings": Outing,
        "outreach contacts": Contact,
        "audit events": AuditEvent,
    }
    return {label: model._default_manager.count() for label, model in models.items()}


def make_plan(sessions: dict[str, int], read_only: bool) -> dict[str, Any]:
    from django.conf import settings
    from django.db import transaction

    plan: dict[str, Any] = {
        "read_only": read_only,
        "cookies": {"session": settings.SESSION_COOKIE_NAME, "csrf": settings.CSRF_COOKIE_NAME},
        "dataset": dataset(),
        "sessions": {},
    }
    with transaction.atomic():
        for kind, count in sessions.items():
            if kind == ANONYMOUS:
                plan["sessions"][kind] = [guide_visitor()]
                continue
            entries = PICKERS[kind](count)
            if len(entries) < count:
                raise SystemExit(f"only {len(entries)} {kind} users fit, {count} wanted")
            for entry in entries:
                entry.update(_session_for(entry.pop("user")))
            plan["sessions"][kind] = entries
    return plan


# ---- profile ----------------------------------------------------------------------------------


def _profile_page(client: Any, path: str) -> dict[str, Any]:
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    totals: list[float] = []
    sql: list[float] = []
    counts: list[int] = []
    slowest: tuple[float, str] = (0.0, "")
    status = 0
    for _ in range(PROFILE_RUNS):
        with transaction.atomic():
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                response = client.get(path, secure=True)
                totals.append((time.perf_counter() - started) * 1000)
            transaction.set_rollback(True)  # audited reads and session saves do not stay
        status = response.status_code
        # The rolled-back wrapper turns the request's own transaction into savepoints.
        queries = [q for q in captured.captured_queries if "SAVEPOINT" not in q["sql"]]
        counts.append(len(queries))
        sql.append(sum(float(q["time"]) for q in queries) * 1000)
        top = max(queries, key=lambda q: float(q["time"]), default=None)
        if top is not None and float(top["time"]) * 1000 > slowest[0]:
            slowest = (float(top["time"]) * 1000, top["sql"][:300])
    return {
        "status": status,
        "queries": counts[-1],
        "queries_vary": len(set(counts[1:])) > 1,
        "server_ms": statistics.median(totals[1:]),
        "sql_ms": statistics.median(sql[1:]),
        "slowest_ms": slowest[0],
        "slowest_sql": slowest[1],
    }


def _shape(path: str) -> str:
    """The path with its ids replaced, for the report (no id of a record in the results)."""
    parts = [
        "<id>" if len(part) == 36 and part.count("-") == 4 else part for part in path.split("/")
    ]
    return "/".join(parts)


def profile(plan: dict[str, Any]) -> dict[str, Any]:
    from django.test import Client

    anonymous = Client(HTTP_HOST="127.0.0.1")
    results: dict[str, Any] = {
        FLOOR_NAME: {"path": FLOOR_PATH, **_profile_page(anonymous, FLOOR_PATH)}
    }
    for page in GET_PAGES:
        entries = plan["sessions"].get(page.kind) or []
        if not entries:
            continue
        entry = entries[0]
        client = Client(HTTP_HOST="127.0.0.1")
        if "session_key" in entry:
            client.cookies[plan["cookies"]["session"]] = entry["session_key"]
        path = page.path(entry, random.Random(1))  # noqa: S311 (a fixed pick, not a secret)
        results[page.name] = {"path": _shape(path), **_profile_page(client, path)}
    return results


# ---- cleanup ----------------------------------------------------------------------------------


def cleanup(plan: dict[str, Any]) -> int:
    from django.contrib.sessions.models import Session

    from ponte.accounts.models import BackupCodeDevice

    entries = [e for kind in plan["sessions"].values() for e in kind if "session_key" in e]
    Session.objects.filter(session_key__in=[e["session_key"] for e in entries]).delete()
    BackupCodeDevice.objects.filter(
        pk__in=[e["device_id"] for e in entries], name=DEVICE_NAME
    ).delete()
    return len(entries)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("command", choices=["plan", "profile", "cleanup"])
    parser.add_argument("--out", type=Path)
    parser.add_argument("--plan", type=Path)
    parser.add_argument("--sessions", default="", help="kind=count,… (plan)")
    parser.add_argument("--read-only", action="store_true")
    args = parser.parse_args()
    setup_django()
    if args.command == "plan":
        sessions = {k: int(v) for k, v in (p.split("=") for p in args.sessions.split(",") if p)}
        args.out.write_text(json.dumps(make_plan(sessions, args.read_only), indent=1))
        return
    plan = json.loads(args.plan.read_text())
    if args.command == "profile":
        args.out.write_text(json.dumps(profile(plan), indent=1))
    else:
        print(f"removed {cleanup(plan)} benchmark sessions")


if __name__ == "__main__":
    main()
