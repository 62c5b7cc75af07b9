"""Server time of the monitoring dashboards and the yearly report, against a SQL floor.

    PONTE_DEV=1 .venv/bin/python benchmarks/monitoring.py --setup

The scope is a regional coordinator's: every PUA whose Ambiti lie in Lombardy, over the 12
months up to the newest case opening. Each dashboard section is timed as the page computes it
(`indicators.compute`), with no breakdown and by PUA; then every indicator is timed against
its floor, one hand-written SQL query computing the same aggregates, interleaved in the same
run, and the floor's numbers are checked against the indicator's table. The year's report
(every section, by PUA) and the rendered dashboard page (Django's test client) are timed too.

--setup creates the database named in BENCH_DATABASE_URL (default below) if it is missing, and
migrates it, fills it with `generate_data --scale national --seed 1` and ANALYZEs it when it
has no people yet (about 20 minutes). Results go to benchmarks/results/monitoring.md.
"""

# The floor queries are assembled from this file's own SQL fragments (the group column, shared
# joins); every value in them is a bound parameter.
# ruff: noqa: S608

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlparse

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.catalog_search import (  # noqa: E402 - needs ROOT on the path first
    admin_connection,
    analyze,
    create_database,
    load_average,
    machine,
    percentile,
    setup_django,
    time_interleaved,
)

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/ponte_national"
RESULTS = ROOT / "benchmarks" / "results" / "monitoring.md"
REGION_CODE, REGION_NAME = "03", "Lombardia"  # ISTAT code of Lombardy
TARGET_PAGE_MS = 1000.0  # a regional dashboard page, p95
TARGET_REPORT_MS = 10000.0  # a year's report, every run
BREAKDOWNS = ("", "access_point")
TZ = "Europe/Rome"  # settings.TIME_ZONE: the indicators' days are local days

Key = Any  # a row's key: "" (the total), a PUA id, a code, a label or a pair of names
Values = list[Any]
# A floor's rows by key; a list of pairs where two rows may share a key (two organisations
# with the same name make two pairs with the same names in the referral graph).
Rows = dict[Key, Values] | list[tuple[Key, Values]]


def database_url() -> str:
    import os

    return os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)


# ---- setup ---------------------------------------------------------------------------------


def people_count() -> int | None:
    """How many people the database holds; None before the first migration."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('people_person') IS NOT NULL")
        if not cursor.fetchone()[0]:
            return None
        cursor.execute("SELECT count(*) FROM people_person")
        return int(cursor.fetchone()[0])


def others_at_work(url: str) -> int:
    """Sessions busy in the database: a generation may be running (in one transaction, so
    the tables still look empty from here), and a second one must not start beside it."""
    name = urlparse(url).path.lstrip("/")
    with admin_connection(url) as connection:
        row = connection.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()"
            " AND state <> 'idle'",
            [name],
        ).fetchone()
    return int(row[0])


def setup(url: str, scale: str) -> None:
    from django.core.management import call_command

    if people_count():
        return
    if others_at_work(url):
        raise SystemExit(
            "The database has no people yet but other sessions are busy in it (a generation "
            "running?). Wait for them, or point BENCH_DATABASE_URL elsewhere."
        )
    call_command("migrate", verbosity=0)
    print(f"Generating the {scale} data (seed 1): this takes a while…", flush=True)
    call_command("generate_data", f"--scale={scale}", "--seed=1", "--no-progress")
    analyze()


# ---- the scope -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Query:
    """What a floor query needs: the scope, in plain values."""

    aps: list[int]
    since: dt.date
    until: dt.date
    start: dt.datetime  # the first day's start, local time
    end: dt.datetime  # the day after the last one, local time
    by_ap: bool

    def group(self, alias: str) -> str:
        """The group column: the PUA of `alias`'s row, or one group "" for the total."""
        return f"{alias}.access_point_id" if self.by_ap else "''::text"

    def params(self, **more: Any) -> dict[str, Any]:
        return {
            "aps": self.aps,
            "since": self.since,
            "until": self.until,
            "start": self.start,
            "end": self.end,
            "tz": TZ,
            "path": PATH,
            **more,
        }


def regional_access_points() -> list[int]:
    from django.db.models import Q

    from ponte.network.models import AccessPoint

    region = Q(ambiti__parent__parent__level="region") & (
        Q(ambiti__parent__parent__code=REGION_CODE) | Q(ambiti__parent__parent__name=REGION_NAME)
    )
    return sorted(set(AccessPoint.objects.filter(region).values_list("pk", flat=True)))


def regional_scope() -> Any:
    """Lombardy's PUAs over the 12 months up to the newest case opening (or today)."""
    from django.db.models import Max
    from django.utils import timezone

    from ponte.cases.models import Case
    from ponte.monitoring.scope import Scope

    aps = regional_access_points()
    if not aps:
        raise SystemExit(f"No PUA in the region {REGION_NAME}: is the database filled?")
    until = Case.objects.aggregate(last=Max("opened_on"))["last"] or timezone.localdate()
    since = until.replace(year=until.year - 1) + dt.timedelta(days=1)
    return Scope(frozenset(aps), since, until)


def query_of(scope: Any) -> Query:
    return Query(
        aps=sorted(scope.access_point_ids),
        since=scope.since,
        until=scope.until,
        start=start_of(scope.since),
        end=start_of(scope.until + dt.timedelta(days=1)),
        by_ap=scope.breakdown == "access_point",
    )


def start_of(day: dt.date) -> dt.datetime:
    from django.utils import timezone

    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


# ---- the floor: one hand-written query per indicator -----------------------------------------

# The open phases in path order (closing excluded, as in funnel.phases_from): a step is reached
# when the furthest phase of the timeline, or the current phase, is at or past its position.
PATH = ["contatto", "engagement", "analisi", "patto", "attuazione", "follow_up"]
ENGAGEMENT, ANALYSIS, PLAN = 2, 3, 4  # 1-based positions in PATH

# The scope's cases, without people whose processing is restricted. An anti-join: it reads the
# few restricted people, where a join on "NOT processing_restricted" reads every person.
# `fetch` gives every query the `restricted` people once (a CTE), however many parts use it.
CASES = "cases_case c"
ON_CASES = (
    "c.access_point_id = ANY(%(aps)s::bigint[])"
    " AND NOT EXISTS (SELECT 1 FROM restricted r WHERE r.id = c.person_id)"
)
RESTRICTED = "restricted AS (SELECT id FROM people_person WHERE processing_restricted)"
SENT_OUT = (
    "r.direction = 'outbound' AND r.sent_at IS NOT NULL AND r.status <> 'draft'"
    " AND r.sent_at >= %(start)s AND r.sent_at < %(end)s"
)


def with_restricted(sql: str) -> str:
    """The query with the `restricted` CTE in front, if it uses it."""
    body = sql.strip()
    if "restricted r" not in body:
        return body
    if body.startswith("WITH"):
        return f"WITH {RESTRICTED}, {body[4:]}"
    return f"WITH {RESTRICTED} {body}"


def fetch(sql: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(with_restricted(sql), params)
        return list(cursor.fetchall())


def _f(value: Any) -> float | None:
    return None if value is None else float(value)


def _med(value: Any) -> float | None:
    return None if value is None else round(float(value), 1)


def _cents(value: Any) -> Decimal:
    return Decimal(value or 0).quantize(Decimal("0.01"))


def floor_reach(q: Query) -> Rows:
    rows = fetch(
        f"""
        WITH met AS (
            SELECT {q.group("k")} AS grp, k.access_point_id AS ap, k.alias_key, k.engaged_at,
                   k.case_ref
            FROM outreach_contact k
            WHERE k.access_point_id = ANY(%(aps)s::bigint[])
              AND k.met_at >= %(start)s AND k.met_at < %(end)s
        ), individual AS (
            SELECT grp, count(*) AS contacts,
                   count(DISTINCT alias_key) FILTER (WHERE alias_key <> '') AS recognised,
                   count(*) FILTER (WHERE engaged_at IS NOT NULL) AS engaged,
                   count(*) FILTER (WHERE case_ref IS NOT NULL) AS became_case
            FROM met GROUP BY grp
        ), came_back AS (
            SELECT grp, count(*) AS people
            FROM (SELECT grp FROM met WHERE alias_key <> ''
                  GROUP BY grp, ap, alias_key HAVING count(*) > 1) AS repeated
            GROUP BY grp
        ), in_groups AS (
            SELECT grp, sum(n) AS people
            FROM (SELECT {q.group("o")} AS grp, m.count AS n
                  FROM outreach_peoplemet m JOIN outreach_outing o ON o.id = m.outing_id
                  WHERE o.access_point_id = ANY(%(aps)s::bigint[])
                    AND o.date BETWEEN %(since)s AND %(until)s) AS met_in_groups
            GROUP BY grp
        )
        SELECT coalesce(i.grp, g.grp), i.contacts, g.people, i.recognised, b.people, i.engaged,
               i.became_case
        FROM individual i FULL JOIN in_groups g ON g.grp = i.grp
        LEFT JOIN came_back b ON b.grp = i.grp
        """,
        q.params(),
    )
    any_in_groups = any(r[2] is not None for r in rows)
    return {
        grp: [
            contacts or 0,
            (int(in_groups or 0) if any_in_groups else None),
            recognised or 0,
            back or 0,
            engaged or 0,
            became or 0,
        ]
        for grp, contacts, in_groups, recognised, back, engaged, became in rows
    }


def _cohort(q: Query, *columns: str) -> str:
    """The cases opened in the period, and the furthest step each one's timeline reached (a
    lateral aggregate: one index lookup per case, not a pass over every event)."""
    extra = "".join(f", c.{name}" for name in columns)
    return f"""
        cohort AS (
            SELECT c.id, {q.group("c")} AS grp, c.phase, f.step{extra}
            FROM {CASES}
            LEFT JOIN LATERAL (
                SELECT max(array_position(%(path)s::text[], e.to_phase::text)) AS step
                FROM cases_caseevent e WHERE e.case_id = c.id
            ) AS f ON true
            WHERE {ON_CASES} AND c.opened_on BETWEEN %(since)s AND %(until)s
        )"""


def _reached(position: int) -> str:
    return (
        "count(*) FILTER (WHERE greatest(c.step, array_position(%(path)s::text[], "
        f"c.phase::text)) >= {position})"
    )


def floor_funnel(q: Query) -> Rows:
    from ponte.monitoring.tables import percent

    rows = fetch(
        f"""
        WITH {_cohort(q, "closure_outcome")}
        SELECT c.grp, count(*), {_reached(ENGAGEMENT)}, {_reached(ANALYSIS)}, {_reached(PLAN)},
               count(*) FILTER (WHERE c.phase = 'chiuso' AND c.closure_outcome = 'positive')
        FROM cohort c
        GROUP BY c.grp
        """,
        q.params(),
    )
    return {
        grp: [opened, engaged, analysis, plan, positive, percent(positive, opened)]
        for grp, opened, engaged, analysis, plan, positive in rows
    }


def _median_of(expression: str) -> str:
    return f"percentile_cont(0.5) WITHIN GROUP (ORDER BY {expression})"


def _days(start: str, end: str) -> str:
    """Fractional days between two moments, as Python's timedelta.total_seconds() / 86400."""
    return f"extract(epoch FROM {end} - {start})::float8 / 86400"


def _local_day(moment: str) -> str:
    return f"({moment} AT TIME ZONE %(tz)s)::date"


def floor_waits(q: Query) -> Rows:
    rows = fetch(
        f"""
        WITH cohort AS (
            SELECT {q.group("c")} AS grp, c.opened_on, c.closed_on, c.closure_outcome,
                   f.engagement, f.analysis, f.plan
            FROM {CASES}
            LEFT JOIN LATERAL (
                SELECT min(e.at) FILTER (WHERE array_position(%(path)s::text[], e.to_phase::text)
                                         >= {ENGAGEMENT}) AS engagement,
                       min(e.at) FILTER (WHERE array_position(%(path)s::text[], e.to_phase::text)
                                         >= {ANALYSIS}) AS analysis,
                       min(e.at) FILTER (WHERE array_position(%(path)s::text[], e.to_phase::text)
                                         >= {PLAN}) AS plan
                FROM cases_caseevent e WHERE e.case_id = c.id
            ) AS f ON true
            WHERE {ON_CASES} AND c.opened_on BETWEEN %(since)s AND %(until)s
        )
        SELECT c.grp, count(*),
               {_median_of(_local_day("c.engagement") + " - c.opened_on")},
               {_median_of(_days("c.engagement", "c.analysis"))},
               {_median_of(_days("c.analysis", "c.plan"))},
               {_median_of("c.closed_on - " + _local_day("c.plan"))}
                   FILTER (WHERE c.closure_outcome = 'positive')
        FROM cohort c
        GROUP BY c.grp
        """,
        q.params(),
    )
    return {grp: [n, _med(a), _med(b), _med(c), _med(d)] for grp, n, a, b, c, d in rows}


def floor_where_now(q: Query) -> Rows:
    from django.utils import timezone

    from ponte.monitoring.indicators.funnel import LONG_WAIT_DAYS

    found = {
        phase: [n, _med(days), long]
        for phase, n, days, long in fetch(
            f"""
            SELECT c.phase, count(*), {_median_of(_days("c.phase_since", "%(now)s"))},
                   count(*) FILTER (WHERE {_days("c.phase_since", "%(now)s")} > %(long)s)
            FROM {CASES}
            WHERE {ON_CASES} AND c.phase <> 'chiuso'
            GROUP BY c.phase
            """,
            q.params(now=timezone.now(), long=LONG_WAIT_DAYS),
        )
    }
    return {phase: found.get(phase, [0, None, 0]) for phase in [*PATH, "sospeso"]}


def _below_cases(table: str, alias: str) -> str:
    return f"{table} {alias} JOIN cases_case c ON c.id = {alias}.case_id"


def floor_trust(q: Query) -> Rows:
    from ponte.monitoring.tables import percent

    rows = fetch(
        f"""
        SELECT {q.group("c")} AS grp, count(*), avg(f.trust), count(*) FILTER (WHERE f.trust >= 4)
        FROM {_below_cases("cases_followup", "f")}
        WHERE {ON_CASES} AND f.status = 'done' AND f.trust IS NOT NULL
          AND f.done_on BETWEEN %(since)s AND %(until)s
        GROUP BY grp
        """,
        q.params(),
    )
    return {grp: [n, _med(average), percent(high, n)] for grp, n, average, high in rows}


WELLBEING = ("wellbeing_general", "wellbeing_work", "wellbeing_housing", "wellbeing_safety")


def floor_wellbeing(q: Query) -> Rows:
    from ponte.monitoring.tables import percent

    answered = " OR ".join(f"f.{item} IS NOT NULL" for item in WELLBEING)
    total = " + ".join(f"coalesce(f.{item}, 0)" for item in WELLBEING)
    how_many = ", ".join(f"f.{item}" for item in WELLBEING)
    rows = fetch(
        f"""
        WITH scored AS (
            SELECT {q.group("c")} AS grp, f.case_id, f.done_on, f.id,
                   ({total})::float8 / num_nonnulls({how_many}) AS score
            FROM {_below_cases("cases_followup", "f")}
            WHERE {ON_CASES} AND f.status = 'done' AND f.done_on <= %(until)s AND ({answered})
        ), trajectories AS (
            SELECT grp, count(*) AS points, max(done_on) AS latest_on,
                   (array_agg(score ORDER BY done_on, id))[1] AS first,
                   (array_agg(score ORDER BY done_on DESC, id DESC))[1] AS latest
            FROM scored GROUP BY grp, case_id
        )
        SELECT grp, count(*), avg(first), avg(latest), count(*) FILTER (WHERE latest > first)
        FROM trajectories
        WHERE points >= 2 AND latest_on >= %(since)s
        GROUP BY grp
        """,
        q.params(),
    )
    return {
        grp: [n, _med(first), _med(latest), percent(improved, n)]
        for grp, n, first, latest, improved in rows
    }


def floor_access_to_services(q: Query) -> Rows:
    from ponte.monitoring.tables import percent

    rows = fetch(
        f"""
        SELECT {q.group("c")} AS grp, count(DISTINCT r.case_id), count(*),
               count(*) FILTER (WHERE r.answered_at IS NOT NULL AND r.status <> 'declined'),
               count(*) FILTER (WHERE r.status = 'completed')
        FROM {_below_cases("referrals_referral", "r")}
        WHERE {ON_CASES} AND {SENT_OUT}
        GROUP BY grp
        """,
        q.params(),
    )
    return {
        grp: [
            people,
            sent,
            accepted,
            completed,
            round(sent / people, 1) if people else None,
            percent(completed, accepted),
        ]
        for grp, people, sent, accepted, completed in rows
    }


def floor_continuity(q: Query) -> Rows:
    from ponte.monitoring.indicators.process import ON_TIME_DAYS
    from ponte.monitoring.tables import percent

    rows = fetch(
        f"""
        WITH followed AS (
            SELECT {q.group("c")} AS grp, count(*) AS n,
                   {_median_of("least(coalesce(c.closed_on, %(until)s), %(until)s) - c.opened_on")}
                       AS days
            FROM {CASES}
            WHERE {ON_CASES} AND c.opened_on <= %(until)s
              AND (c.closed_on IS NULL OR c.closed_on >= %(since)s)
            GROUP BY grp
        ), due AS (
            SELECT {q.group("c")} AS grp, count(*) AS n,
                   count(*) FILTER (WHERE f.status = 'done') AS done,
                   count(*) FILTER (WHERE f.status = 'done' AND f.done_on IS NOT NULL
                                    AND f.done_on - f.due_on <= %(on_time)s) AS on_time,
                   count(*) FILTER (WHERE f.status = 'missed') AS missed
            FROM {_below_cases("cases_followup", "f")}
            WHERE {ON_CASES} AND f.due_on BETWEEN %(since)s AND %(until)s AND NOT f.after_closure
            GROUP BY grp
        )
        SELECT coalesce(a.grp, b.grp), a.n, a.days, b.n, b.done, b.on_time, b.missed
        FROM followed a FULL JOIN due b ON b.grp = a.grp
        """,
        q.params(on_time=ON_TIME_DAYS),
    )
    return {
        grp: [
            cases or 0,
            _med(days),
            due or 0,
            done or 0,
            on_time or 0,
            missed or 0,
            percent(on_time or 0, due or 0),
        ]
        for grp, cases, days, due, done, on_time, missed in rows
    }


def floor_outputs(q: Query) -> Rows:
    rows = fetch(
        f"""
        WITH parts AS (
            SELECT {q.group("c")} AS grp, count(*) AS opened,
                   count(*) FILTER (WHERE c.phase = ANY(%(from_analysis)s::text[])
                                    OR EXISTS (SELECT 1 FROM cases_caseevent e
                                               WHERE e.case_id = c.id
                                                 AND e.to_phase = ANY(%(from_analysis)s::text[])))
                       AS in_charge,
                   0 AS activities, 0 AS minutes, 0 AS referrals, 0 AS measures,
                   0::numeric AS spent
            FROM {CASES}
            WHERE {ON_CASES} AND c.opened_on BETWEEN %(since)s AND %(until)s
            GROUP BY 1
            UNION ALL
            SELECT {q.group("c")}, 0, 0, count(*), coalesce(sum(a.minutes), 0), 0, 0, 0
            FROM {_below_cases("cases_activity", "a")}
            WHERE {ON_CASES} AND a.done_on BETWEEN %(since)s AND %(until)s
            GROUP BY 1
            UNION ALL
            SELECT {q.group("c")}, 0, 0, 0, 0, count(*), 0, 0
            FROM {_below_cases("referrals_referral", "r")}
            WHERE {ON_CASES} AND {SENT_OUT}
            GROUP BY 1
            UNION ALL
            SELECT {q.group("c")}, 0, 0, 0, 0, 0, count(*), sum(s.spent_amount)
            FROM {_below_cases("cases_supportmeasure", "s")}
            WHERE {ON_CASES} AND s.granted_on BETWEEN %(since)s AND %(until)s
            GROUP BY 1
        )
        SELECT grp, sum(opened), sum(in_charge), sum(activities), sum(minutes), sum(referrals),
               sum(measures), sum(spent)
        FROM parts GROUP BY grp
        """,
        # Only one step is needed here: an EXISTS stops at the first event that shows it.
        q.params(from_analysis=PATH[ANALYSIS - 1 :]),
    )
    return {
        grp: [
            int(opened),
            int(in_charge),
            int(acts),
            round(float(minutes) / 60, 1),
            int(referrals),
            int(measures),
            _cents(spent),
        ]
        for grp, opened, in_charge, acts, minutes, referrals, measures, spent in rows
    }


def floor_activities_by_kind(q: Query) -> Rows:
    from ponte.cases.models import ActivityKind

    found = {
        kind: [n, round(float(minutes or 0) / 60, 1), people]
        for kind, n, minutes, people in fetch(
            f"""
            SELECT a.kind, count(*), sum(a.minutes), count(DISTINCT a.case_id)
            FROM {_below_cases("cases_activity", "a")}
            WHERE {ON_CASES} AND a.done_on BETWEEN %(since)s AND %(until)s
            GROUP BY a.kind
            """,
            q.params(),
        )
    }
    return {kind: found.get(kind, [0, 0.0, 0]) for kind in ActivityKind.values}


def floor_support_by_kind(q: Query) -> Rows:
    from ponte.cases.models import SupportKind

    found = {
        kind: [n, people, _cents(planned), _cents(spent)]
        for kind, n, people, planned, spent in fetch(
            f"""
            SELECT s.kind, count(*), count(DISTINCT s.case_id), sum(s.planned_amount),
                   sum(s.spent_amount)
            FROM {_below_cases("cases_supportmeasure", "s")}
            WHERE {ON_CASES} AND s.granted_on BETWEEN %(since)s AND %(until)s
            GROUP BY s.kind
            """,
            q.params(),
        )
    }
    return {kind: found.get(kind, [0, 0, _cents(0), _cents(0)]) for kind in SupportKind.values}


def floor_outcomes_by_kind(q: Query) -> Rows:
    from ponte.cases.models import OutcomeKind

    kinds = list(OutcomeKind.values)
    per_kind = ", ".join(
        f"count(DISTINCT o.case_id) FILTER (WHERE o.kind = %(kind_{i})s)" for i in range(len(kinds))
    )
    rows = fetch(
        f"""
        SELECT {q.group("c")} AS grp, count(DISTINCT o.case_id), {per_kind}
        FROM {_below_cases("cases_outcome", "o")}
        WHERE {ON_CASES} AND o.achieved_on BETWEEN %(since)s AND %(until)s
        GROUP BY grp
        """,
        q.params(**{f"kind_{i}": kind for i, kind in enumerate(kinds)}),
    )
    return {grp: list(counts) for grp, *counts in rows}


def floor_closures(q: Query) -> Rows:
    from django.utils.translation import gettext

    from ponte.cases.models import ClosureOutcome
    from ponte.monitoring.tables import percent

    found = dict(
        fetch(
            f"""
            SELECT c.closure_outcome, count(*)
            FROM {CASES}
            WHERE {ON_CASES} AND c.phase = 'chiuso' AND c.closed_on BETWEEN %(since)s AND %(until)s
            GROUP BY c.closure_outcome
            """,
            q.params(),
        )
    )
    total = sum(found.values())
    rows = {
        str(label): [found.get(code, 0), percent(found.get(code, 0), total)]
        for code, label in ClosureOutcome.choices
    }
    if found.get(""):
        rows[gettext("Not recorded")] = [found[""], percent(found[""], total)]
    return rows


def floor_placements_and_disputes(q: Query) -> Rows:
    from django.utils.translation import gettext

    from ponte.cases.models import ContractType

    jobs: dict[str, int] = {}
    filed, settled, recovered = 0, 0, Decimal(0)
    for kind, contract, n, n_settled, amount in fetch(
        f"""
        SELECT o.kind, CASE WHEN o.kind = 'job' THEN o.contract_type END, count(*),
               count(*) FILTER (WHERE o.dispute_settled), sum(o.amount_recovered)
        FROM {_below_cases("cases_outcome", "o")}
        WHERE {ON_CASES} AND o.kind IN ('job', 'dispute')
          AND o.achieved_on BETWEEN %(since)s AND %(until)s
        GROUP BY 1, 2
        """,
        q.params(),
    ):
        if kind == "job":
            jobs[contract] = n
        else:
            filed, settled, recovered = n, n_settled, amount or Decimal(0)
    rows: dict[Key, Values] = {code: [jobs.get(code, 0), None] for code in ContractType.values}
    if jobs.get(""):
        rows[gettext("Contract not recorded")] = [jobs[""], None]
    rows[gettext("Labour disputes")] = [filed, None]
    rows[gettext("Labour disputes settled")] = [settled, _cents(recovered)]
    return rows


def floor_permits(q: Query) -> Rows:
    from django.utils.translation import gettext

    return {
        name or gettext("Legal basis not recorded"): [n]
        for name, n in fetch(
            f"""
            SELECT b.name, count(*)
            FROM {_below_cases("cases_outcome", "o")}
            LEFT JOIN cases_legalbasis b ON b.id = o.legal_basis_id
            WHERE {ON_CASES} AND o.kind IN ('permit', 'regularisation')
              AND o.achieved_on BETWEEN %(since)s AND %(until)s
            GROUP BY b.name
            """,
            q.params(),
        )
    }


def floor_times(q: Query) -> Rows:
    rows = fetch(
        f"""
        WITH from_contact AS (
            SELECT {q.group("c")} AS grp, count(*) AS n,
                   {_median_of("c.opened_on - " + _local_day("k.met_at"))} AS days
            FROM {CASES} JOIN outreach_contact k ON k.id = c.source_contact_id
            WHERE {ON_CASES} AND c.opened_on BETWEEN %(since)s AND %(until)s
            GROUP BY grp
        ), accepted AS (
            SELECT {q.group("c")} AS grp, count(*) AS n,
                   {_median_of(_days("r.sent_at", "r.answered_at"))} AS to_accept,
                   count(*) FILTER (WHERE r.status = 'completed') AS completed,
                   {_median_of(_days("r.answered_at", "r.closed_at"))}
                       FILTER (WHERE r.status = 'completed') AS to_complete
            FROM {_below_cases("referrals_referral", "r")}
            WHERE {ON_CASES} AND {SENT_OUT}
              AND r.answered_at IS NOT NULL AND r.status <> 'declined'
            GROUP BY grp
        )
        SELECT coalesce(a.grp, b.grp), a.n, a.days, b.n, b.to_accept, b.completed, b.to_complete
        FROM from_contact a FULL JOIN accepted b ON b.grp = a.grp
        """,
        q.params(),
    )
    return {
        grp: [n or 0, _med(days), accepted or 0, _med(to_accept), completed or 0, _med(to_done)]
        for grp, n, days, accepted, to_accept, completed, to_done in rows
    }


# As an array (an init plan), the two organisation columns' indexes combine in a BitmapOr; an
# IN (subquery) on each side makes PostgreSQL read every referral.
LEAD_IDS = "SELECT lead_organization_id FROM network_accesspoint WHERE id = ANY(%(aps)s::bigint[])"
LEADS = """leads AS (
    SELECT DISTINCT lead_organization_id AS id FROM network_accesspoint
    WHERE id = ANY(%(aps)s::bigint[])
)"""


AGREEMENTS_IN_FORCE = """agreements AS (
    SELECT a.id, a.kind, a.promoter_id FROM network_agreement a
    WHERE (a.valid_from <= %(until)s OR a.valid_from IS NULL)
      AND (a.valid_until >= %(until)s OR a.valid_until IS NULL)
      AND (a.promoter_id IN (SELECT id FROM leads)
           OR a.id IN (SELECT agreement_id FROM network_signatory
                       WHERE organization_id IN (SELECT id FROM leads)))
)"""


def floor_organisations(q: Query) -> Rows:
    from ponte.network.models import KIND_GROUP_LABELS, KIND_GROUPS

    found = dict(
        fetch(
            f"""
            WITH {LEADS}, {AGREEMENTS_IN_FORCE}
            SELECT o.kind, count(*) FROM network_organization o
            WHERE o.id IN (SELECT organization_id FROM network_signatory
                           WHERE agreement_id IN (SELECT id FROM agreements))
               OR o.id IN (SELECT promoter_id FROM agreements)
               OR o.id IN (SELECT id FROM leads)
            GROUP BY o.kind
            """,
            q.params(),
        )
    )
    return {
        str(label): [sum(found.get(kind, 0) for kind in KIND_GROUPS[group])]
        for group, label in KIND_GROUP_LABELS.items()
    }


def floor_agreements(q: Query) -> Rows:
    from ponte.network.models import Agreement

    found = dict(
        fetch(
            f"""
            WITH {LEADS}, {AGREEMENTS_IN_FORCE}
            SELECT kind, count(*) FROM agreements GROUP BY kind
            """,
            q.params(),
        )
    )
    return {str(label): [found.get(kind, 0)] for kind, label in Agreement.Kind.choices}


def floor_referral_graph(q: Query) -> Rows:
    def rate(part: int, whole: int) -> float | None:
        return round(part / whole * 100, 1) if whole else None

    rows = fetch(
        f"""
        SELECT s.name, t.name, count(*),
               count(*) FILTER (WHERE r.answered_at IS NOT NULL AND r.status <> 'declined'),
               count(*) FILTER (WHERE r.status = 'declined'),
               count(*) FILTER (WHERE r.status = 'completed'),
               count(*) FILTER (WHERE r.status = 'not_completed'),
               count(*) FILTER (WHERE r.status = 'expired')
        FROM referrals_referral r
        JOIN network_organization s ON s.id = r.sender_id
        JOIN network_organization t ON t.id = r.receiver_id
        WHERE r.sent_at IS NOT NULL AND r.sent_at >= %(start)s AND r.sent_at < %(end)s
          AND (r.sender_id = ANY(ARRAY({LEAD_IDS})) OR r.receiver_id = ANY(ARRAY({LEAD_IDS})))
        GROUP BY r.sender_id, s.name, r.receiver_id, t.name
        """,
        q.params(),
    )
    return [
        (
            (sender, receiver),
            [
                sent,
                accepted,
                completed,
                rate(accepted, accepted + declined + expired),
                rate(completed, completed + not_completed),
            ],
        )
        for sender, receiver, sent, accepted, declined, completed, not_completed, expired in rows
    ]


def floors() -> dict[Callable[..., Any], Callable[[Query], Rows]]:
    from ponte.monitoring.indicators import funnel, network, outcomes, outputs, process, times

    return {
        outputs.reach: floor_reach,
        funnel.funnel: floor_funnel,
        funnel.waits: floor_waits,
        funnel.where_now: floor_where_now,
        process.trust: floor_trust,
        process.wellbeing: floor_wellbeing,
        process.access_to_services: floor_access_to_services,
        process.continuity: floor_continuity,
        outputs.outputs: floor_outputs,
        outputs.activities_by_kind: floor_activities_by_kind,
        outputs.support_by_kind: floor_support_by_kind,
        outcomes.outcomes_by_kind: floor_outcomes_by_kind,
        outcomes.closures: floor_closures,
        outcomes.placements_and_disputes: floor_placements_and_disputes,
        outcomes.permits: floor_permits,
        times.times: floor_times,
        network.organisations: floor_organisations,
        network.agreements: floor_agreements,
        network.referral_graph: floor_referral_graph,
    }


# ---- comparing a table with its floor --------------------------------------------------------


def by_key(rows: Rows) -> dict[Key, list[tuple[Any, ...]]]:
    """Every row's numbers as export values, grouped by key (in a stable order)."""
    from ponte.monitoring.tables import plain

    grouped: dict[Key, list[tuple[Any, ...]]] = {}
    for key, values in rows.items() if isinstance(rows, dict) else rows:
        grouped.setdefault(key, []).append(tuple(plain(v) for v in values))
    return {key: sorted(found, key=repr) for key, found in grouped.items()}


def differences(table: Any, floor: Rows) -> list[str]:
    """Rows whose numbers differ, in words; empty when the table equals its floor. A table row
    is keyed like the floor's: by the row's key, else by its label."""
    mine = by_key(
        [(row.key if row.key is not None else str(row.label), row.values) for row in table.rows]
    )
    theirs = by_key(floor)
    found = []
    for key in sorted(set(mine) | set(theirs), key=str):
        if mine.get(key) != theirs.get(key):
            found.append(f"row {key!r}: indicator {mine.get(key)} · SQL {theirs.get(key)}")
    return found


# ---- timing ----------------------------------------------------------------------------------


@dataclass
class Timed:
    label: str
    timings: list[float]
    queries: int = 0
    in_database: float = 0.0  # ms spent in the database's round trips, in one more run

    @property
    def p50(self) -> float:
        return statistics.median(self.timings)

    @property
    def p95(self) -> float:
        return percentile(self.timings, 95)

    @property
    def worst(self) -> float:
        return max(self.timings)


def count_queries(function: Callable[[], Any]) -> tuple[int, float]:
    """How many queries one call runs, and the milliseconds they take (execution and transfer;
    the rest of the call is Python: converting the rows, computing, building the table)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        function()
    queries = captured.captured_queries
    return len(queries), sum(float(q["time"]) for q in queries) * 1000


def name_of(indicator: Callable[..., Any]) -> str:
    return f"{indicator.__module__.rsplit('.', 1)[-1]}.{indicator.__name__}"


def time_sections(
    scope: Any, runs: int, warmup: int, also_without_jit: bool
) -> tuple[dict[tuple[str, str], Timed], dict[tuple[str, str], Timed] | None]:
    """One dashboard page's server work, apart from the template: `indicators.compute`; and,
    interleaved in the same rounds, the same with JIT off for the query (so both see the same
    load from the rest of the machine)."""
    from ponte.monitoring import indicators

    functions: dict[str, Callable[[], Any]] = {}
    for breakdown in BREAKDOWNS:
        chosen = scope.with_breakdown(breakdown)
        for section in indicators.SECTIONS:
            page = partial(indicators.compute, section.indicators, chosen)
            functions[f"{section.key}|{breakdown}|"] = page
            if also_without_jit:
                functions[f"{section.key}|{breakdown}|no jit"] = partial(without_jit, page)
    measured = time_interleaved(functions, runs, warmup)
    found: dict[str, dict[tuple[str, str], Timed]] = {"": {}, "no jit": {}}
    for name, timings in measured.items():
        key, breakdown, variant = name.split("|")
        # Counted on the page itself: SET and RESET of jit are not the page's queries.
        queries, in_database = count_queries(functions[f"{key}|{breakdown}|"])
        found[variant][(key, breakdown)] = Timed(name, timings, queries, in_database)
    return found[""], found["no jit"] if also_without_jit else None


def without_jit(function: Callable[[], Any]) -> Any:
    with jit_off():
        return function()


@contextmanager
def jit_off() -> Iterator[None]:
    """PostgreSQL's JIT off for this session only: what `jit = off` on the server would give."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SET jit = off")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET jit")


def server_jit() -> bool:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        return bool(cursor.fetchone()[0] == "on")


@dataclass
class Compared:
    section: str
    name: str
    orm: Timed
    sql: Timed
    problems: list[str] = field(default_factory=list)

    @property
    def ratio(self) -> float:
        return self.orm.p95 / self.sql.p95 if self.sql.p95 else float("inf")


def time_against_floor(scope: Any, breakdown: str, runs: int, warmup: int) -> list[Compared]:
    from ponte.monitoring import indicators

    chosen = scope.with_breakdown(breakdown)
    query = query_of(chosen)
    floor_of = floors()
    missing = [name_of(i) for i in indicators.all_indicators() if i not in floor_of]
    if missing:
        raise SystemExit(f"No SQL floor for {', '.join(missing)}: write one.")
    functions: dict[str, Callable[[], Any]] = {}
    for indicator in indicators.all_indicators():
        floor = floor_of[indicator]
        functions[f"orm {name_of(indicator)}"] = partial(indicator, chosen)
        functions[f"sql {name_of(indicator)}"] = partial(floor, query)
    measured = time_interleaved(functions, runs, warmup)
    compared = []
    for section in indicators.SECTIONS:
        for indicator in section.indicators:
            name = name_of(indicator)
            orm = Timed(name, measured[f"orm {name}"], *count_queries(functions[f"orm {name}"]))
            sql = Timed(name, measured[f"sql {name}"], *count_queries(functions[f"sql {name}"]))
            problems = differences(indicator(chosen), floor_of[indicator](query))
            compared.append(Compared(section.key, name, orm, sql, problems))
    return compared


def time_report(scope: Any, runs: int) -> Timed:
    """The year's report: every section for the calendar year, by PUA."""
    from ponte.monitoring import indicators

    def everything() -> None:
        for section in indicators.SECTIONS:
            indicators.compute(section.indicators, scope)

    everything()  # one warm-up: the first run pays for cold caches
    timings = []
    for _round in range(runs):
        started = time.perf_counter()
        everything()
        timings.append((time.perf_counter() - started) * 1000)
    return Timed("report", timings, *count_queries(everything))


# ---- the rendered pages, through Django's test client ----------------------------------------


@contextmanager
def regional_coordinator(aps: Sequence[int]) -> Iterator[Any]:
    """A test client logged in as a coordinator of a fictitious region-wide programme
    agreement signed by the lead organisations of `aps`: `aggregate_access_point_ids` gives
    them the same PUAs as the benchmark's scope. Everything is rolled back at the end, so the
    database is left as it was."""
    from django.db import transaction
    from django.test import Client
    from django.test.utils import setup_test_environment

    from ponte.accounts.models import BackupCodeDevice, User
    from ponte.network.models import AccessPoint, Agreement, Membership, Organization, Signatory
    from ponte.network.roles import Role

    setup_test_environment()
    with transaction.atomic():
        region = Organization.objects.create(name="Regione (benchmark)", kind="other_public")
        agreement = Agreement.objects.create(
            kind=Agreement.Kind.PROGRAMME_AGREEMENT, promoter=region, title="Benchmark"
        )
        leads = set(
            AccessPoint.objects.filter(pk__in=list(aps)).values_list(
                "lead_organization_id", flat=True
            )
        )
        Signatory.objects.bulk_create(
            [Signatory(agreement=agreement, organization_id=lead) for lead in sorted(leads)]
        )
        user = User.objects.create_user("bench.coordinator@example.invalid", full_name="Bench")
        Membership.objects.create(user=user, organization=region, role=Role.COORDINATOR)
        client = Client()
        client.force_login(user)
        device = BackupCodeDevice.objects.create(user=user, name="bench")
        session = client.session
        session["otp_device_id"] = device.persistent_id
        session.save()
        try:
            yield client, user
        finally:
            transaction.set_rollback(True)


def time_pages(scope: Any, runs: int, warmup: int) -> tuple[dict[str, Timed], list[str]]:
    """GET /monitoring/path/ and the year's report page as the regional coordinator; the
    network page is only tried once. A page that fails is reported, not timed."""
    from django.urls import reverse

    from ponte.monitoring import indicators
    from ponte.monitoring.scope import aggregate_access_point_ids

    notes = []
    with regional_coordinator(sorted(scope.access_point_ids)) as (client, user):
        if aggregate_access_point_ids(user) != scope.access_point_ids:
            notes.append("The coordinator's scope differs from the benchmark's.")
        period = {"since": f"{scope.since:%Y-%m-%d}", "until": f"{scope.until:%Y-%m-%d}"}
        dashboards = [
            f"{reverse('monitoring:section', args=['path'])}?"
            f"{urlencode({**period, 'breakdown': breakdown})}"
            for breakdown in BREAKDOWNS
        ]
        network = f"{reverse('monitoring:section', args=['network'])}?{urlencode(period)}"
        report = (
            f"{reverse('monitoring:report')}?"
            f"{urlencode({'year': scope.until.year, 'breakdown': 'access_point'})}"
        )
        working = []
        for url in [*dashboards, network, report]:
            failure = _failure(client, url)
            if failure:
                notes.append(f"`GET {url}` fails: {failure}")
            elif url != network:
                working.append(url)
        pages: dict[str, Callable[[], Any]] = {
            f"`GET {url}`": partial(_get, client, url) for url in working if url != report
        }
        # The same pages' indicators alone, in the same rounds: the difference is the rest of
        # the request (middleware, session, form, charts, template).
        path = indicators.section("path")
        for breakdown in BREAKDOWNS:
            pages[f"`indicators.compute` of path, breakdown {breakdown or 'none'}"] = partial(
                indicators.compute, path.indicators, scope.with_breakdown(breakdown)
            )
        timed = {
            name: Timed(name, timings)
            for name, timings in time_interleaved(pages, runs, warmup).items()
        }
        if report in working:
            timings = []
            for _round in range(3):
                started = time.perf_counter()
                _get(client, report)
                timings.append((time.perf_counter() - started) * 1000)
            timed[f"`GET {report}`"] = Timed("report page", timings)
    return timed, notes


def _get(client: Any, url: str) -> Any:
    response = client.get(url, secure=True)
    if response.status_code != 200:
        raise RuntimeError(f"{url} answered {response.status_code}")
    return response


def _failure(client: Any, url: str) -> str:
    """Why the page cannot be rendered ("" when it can); the first request also warms up."""
    try:
        _get(client, url)
    except Exception as error:  # any failure of the page is a finding to print
        return f"{type(error).__name__}: {error}"
    return ""


# ---- the report ------------------------------------------------------------------------------


def dataset(scope: Any) -> tuple[dict[str, int], dict[str, int]]:
    """National sizes, and the regional scope's."""
    from django.db import connection

    national = {}
    with connection.cursor() as cursor:
        for label, table in [
            ("people", "people_person"),
            ("cases", "cases_case"),
            ("case events", "cases_caseevent"),
            ("follow-ups", "cases_followup"),
            ("activities", "cases_activity"),
            ("outcomes", "cases_outcome"),
            ("referrals", "referrals_referral"),
            ("outreach contacts", "outreach_contact"),
            ("PUAs", "network_accesspoint"),
            ("organisations", "network_organization"),
        ]:
            cursor.execute(f"SELECT count(*) FROM {table}")
            national[label] = int(cursor.fetchone()[0])
    q = query_of(scope)
    (cases, in_period, events, follow_ups, referrals, contacts) = fetch(
        f"""
        SELECT (SELECT count(*) FROM cases_case c WHERE {ON_CASES}),
               (SELECT count(*) FROM cases_case c
                WHERE {ON_CASES} AND c.opened_on BETWEEN %(since)s AND %(until)s),
               (SELECT count(*) FROM cases_caseevent e JOIN cases_case c ON c.id = e.case_id
                WHERE {ON_CASES}),
               (SELECT count(*) FROM cases_followup f JOIN cases_case c ON c.id = f.case_id
                WHERE {ON_CASES}),
               (SELECT count(*) FROM referrals_referral r JOIN cases_case c ON c.id = r.case_id
                WHERE {ON_CASES}),
               (SELECT count(*) FROM outreach_contact k
                WHERE k.access_point_id = ANY(%(aps)s::bigint[]))
        """,
        q.params(),
    )[0]
    regional = {
        "PUAs": len(q.aps),
        "cases (all time)": cases,
        "cases opened in the period": in_period,
        "case events of those cases": events,
        "follow-ups of those cases": follow_ups,
        "referrals from those cases": referrals,
        "outreach contacts (all time)": contacts,
    }
    return national, regional


def code_state() -> str:
    """The commit measured, and the uncommitted changes that the measured code includes."""
    import subprocess

    def git(*args: str) -> str:
        try:
            done = subprocess.run(  # noqa: S603 - fixed arguments
                ["git", "-C", str(ROOT), *args],  # noqa: S607 - git from the PATH
                capture_output=True,
                text=True,
                check=True,
            )
        except (OSError, subprocess.CalledProcessError):
            return ""
        return done.stdout.rstrip()

    commit = git("rev-parse", "--short", "HEAD").strip() or "?"
    changed = [
        line[3:]
        for line in git("status", "--porcelain", "--", "ponte", "config").splitlines()
        if "/tests/" not in line
    ]
    if not changed:
        return f"commit {commit}, no uncommitted changes in ponte/ or config/"
    return f"commit {commit} plus uncommitted changes in {', '.join(changed)}"


def statistics_age() -> str:
    """When ANALYZE (or autovacuum's) last ran on the largest table: plans depend on it."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT greatest(last_analyze, last_autoanalyze) FROM pg_stat_user_tables "
            "WHERE relname = 'cases_caseevent'"
        )
        row = cursor.fetchone()
    return "never" if row is None or row[0] is None else f"{row[0]:%Y-%m-%d %H:%M %Z}"


def _sections_table(sections: dict[tuple[str, str], Timed]) -> list[str]:
    from ponte.monitoring import indicators

    lines = [
        "| section | breakdown | queries | in DB | p50 | p95 | max | < 1 s |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | :---: |",
    ]
    for breakdown in BREAKDOWNS:
        for section in indicators.SECTIONS:
            t = sections[(section.key, breakdown)]
            lines.append(
                f"| {section.key} | {breakdown or 'none'} | {t.queries} | {_ms(t.in_database)} "
                f"| {_ms(t.p50)} | {_ms(t.p95)} | {_ms(t.worst)} "
                f"| {'✓' if t.p95 < TARGET_PAGE_MS else '✗'} |"
            )
    return lines


def _page_verdicts(pages: dict[str, Timed] | None) -> list[str]:
    """The same targets on the rendered pages: the server time a user actually waits."""
    if not pages:
        return []
    dashboards = [t for name, t in pages.items() if "/path/" in name]
    report = [t for name, t in pages.items() if "/report/" in name]
    lines = []
    if dashboards:
        worst = max(t.p95 for t in dashboards)
        lines.append(
            f"- Rendered dashboard page (path), p95 < 1 s: "
            f"**{'met' if worst < TARGET_PAGE_MS else 'MISSED'}** (worst p95 {_ms(worst)} ms)."
        )
    if report:
        worst = max(t.worst for t in report)
        lines.append(
            f"- Rendered year's report page < 10 s: "
            f"**{'met' if worst < TARGET_REPORT_MS else 'MISSED'}** (slowest {_ms(worst)} ms)."
        )
    return lines


def _sum_row(label: str, compared: list[Compared]) -> str:
    orm95, sql95 = sum(c.orm.p95 for c in compared), sum(c.sql.p95 for c in compared)
    return (
        f"| {label} | (sum) | {sum(c.orm.queries for c in compared)} "
        f"| {_ms(sum(c.orm.p50 for c in compared))} | {_ms(orm95)} "
        f"| {_ms(sum(c.orm.in_database for c in compared))} "
        f"| {_ms(sum(c.sql.p50 for c in compared))} | {_ms(sql95)} "
        f"| {_ratio(orm95 / sql95 if sql95 else float('inf'))} | |"
    )


def _ms(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:.1f}"


def _ratio(value: float) -> str:
    return f"{value:.1f}×"


def write_report(
    *,
    runs: int,
    warmup: int,
    scope: Any,
    info: dict[str, str],
    loads: tuple[str, str],
    code: str,
    sizes: tuple[dict[str, int], dict[str, int]],
    sections: dict[tuple[str, str], Timed],
    sections_without_jit: dict[tuple[str, str], Timed] | None,
    compared: dict[str, list[Compared]],
    report: Timed,
    pages: dict[str, Timed] | None,
    pages_notes: list[str],
) -> str:
    from ponte.monitoring import indicators

    national, regional = sizes
    worst_section = max(t.p95 for t in sections.values())
    worst_without_jit = max((t.p95 for t in (sections_without_jit or {}).values()), default=0.0)
    lines = [
        "# Monitoring: server time of the dashboards and the yearly report",
        "",
        f"Run on {dt.datetime.now().astimezone():%Y-%m-%d %H:%M %Z} with "
        f"`benchmarks/monitoring.py` ({runs} timed rounds after {warmup} warm-up rounds; each "
        "round runs every line of a table once, in a rotating order).",
        "",
        "## Machine",
        "",
        *(f"- {key}: {value}" for key, value in info.items()),
        f"- load average (1, 5, 15 min) before / after: {loads[0]} / {loads[1]}",
        f"- code: {code}",
        "",
        "## Data",
        "",
        "The whole database (`--setup` fills it with `generate_data --scale national --seed 1`):",
        "",
        *(f"- {key}: {value:,}" for key, value in national.items()),
        f"- planner statistics of cases_caseevent last gathered: {statistics_age()}",
        "",
        f"Scope: a regional coordinator's, every PUA with an Ambito in {REGION_NAME}, "
        f"{scope.since:%Y-%m-%d} – {scope.until:%Y-%m-%d} (12 months up to the newest case "
        "opening):",
        "",
        *(f"- {key}: {value:,}" for key, value in regional.items()),
        "",
        "## Dashboard pages (milliseconds)",
        "",
        "`indicators.compute(section.indicators, scope)`: one page's work apart from the "
        "template. Target: p95 < 1,000 ms. In DB: of one more run, the time the queries took "
        "(the rest is Python).",
        "",
        *_sections_table(sections),
    ]
    if sections_without_jit is not None:
        lines += [
            "",
            "The same with `SET jit = off` around each page, interleaved in the same rounds (the "
            "server has `jit = on`: every query whose estimated cost passes `jit_above_cost` "
            "pays for compiling its plan):",
            "",
            *_sections_table(sections_without_jit),
        ]
    lines += ["", "## Rendered pages (milliseconds)", ""]
    if pages is None:
        lines += ["Not measured (--no-pages)."]
    else:
        lines += [
            "Through Django's test client, as a coordinator whose aggregate scope is the "
            "region's PUAs (middleware, session, template and all; created for the run in a "
            "transaction that is rolled back), interleaved with the same page's "
            "`indicators.compute` alone. The report page is timed 3 times after one warm-up.",
            "",
            "| request | p50 | p95 | max |",
            "| --- | ---: | ---: | ---: |",
            *(
                f"| {name} | {_ms(t.p50)} | {_ms(t.p95)} | {_ms(t.worst)} |"
                for name, t in pages.items()
            ),
        ]
        if pages_notes:
            lines += ["", *(f"- {note}" for note in pages_notes)]
    lines += [
        "",
        "## The year's report (milliseconds)",
        "",
        f"Every section for {scope.until.year} (calendar year, as the report form chooses it), "
        f"by PUA: {len(report.timings)} runs after one warm-up, {report.queries} queries. "
        f"Runs: {', '.join(_ms(t) for t in report.timings)}. Target < 10,000 ms: "
        f"**{'met' if report.worst < TARGET_REPORT_MS else 'MISSED'}**.",
        "",
        "## Against the floor (milliseconds)",
        "",
        "The floor: for every indicator, one hand-written SQL query (raw, through "
        "`connection.cursor()`) computing the same aggregates for the same scope and period "
        "(medians with `percentile_cont`), timed interleaved with the indicator. Ratio = the "
        "indicator's p95 / the floor's p95. ORM in DB: of one more run of the indicator, the time "
        "its queries took (execution and transfer); the rest is Python (converting the rows, "
        "computing, building the table). ✓: the floor's numbers equal the table's, row by row.",
    ]
    for breakdown in BREAKDOWNS:
        lines += [
            "",
            f"### Breakdown: {breakdown or 'none'}",
            "",
            "| section | indicator | queries | ORM p50 | ORM p95 | ORM in DB | SQL p50 | SQL p95 "
            "| ratio | same |",
            "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | :---: |",
        ]
        for section in indicators.SECTIONS:
            mine = [c for c in compared[breakdown] if c.section == section.key]
            lines += [
                f"| {section.key} | {c.name} | {c.orm.queries} | {_ms(c.orm.p50)} "
                f"| {_ms(c.orm.p95)} | {_ms(c.orm.in_database)} | {_ms(c.sql.p50)} "
                f"| {_ms(c.sql.p95)} | {_ratio(c.ratio)} | {'✗' if c.problems else '✓'} |"
                for c in mine
            ]
            lines.append(_sum_row(f"**{section.key}**", mine))
        lines.append(_sum_row("**all**", compared[breakdown]))
    wrong = [(b, c) for b in BREAKDOWNS for c in compared[b] if c.problems]
    if wrong:
        lines += ["", "### Where the floor and the indicator disagree", ""]
        for breakdown, c in wrong:
            lines.append(f"- {c.name}, breakdown {breakdown or 'none'}:")
            lines += [f"  - {problem}" for problem in c.problems[:5]]
            if len(c.problems) > 5:
                lines.append(f"  - … and {len(c.problems) - 5} more rows")
    lines += [
        "",
        "## Verdict",
        "",
        f"- Dashboard section, p95 < 1 s: **{'met' if worst_section < TARGET_PAGE_MS else 'MISSED'}"
        f"** (worst p95 {_ms(worst_section)} ms).",
        *(
            [
                "- The same with `jit = off`: **"
                f"{'met' if worst_without_jit < TARGET_PAGE_MS else 'MISSED'}** (worst p95 "
                f"{_ms(worst_without_jit)} ms)."
            ]
            if sections_without_jit
            else []
        ),
        f"- Year's report < 10 s: **{'met' if report.worst < TARGET_REPORT_MS else 'MISSED'}** "
        f"(slowest run {_ms(report.worst)} ms).",
        *_page_verdicts(pages),
        f"- Floor checks: {sum(not c.problems for b in BREAKDOWNS for c in compared[b])} of "
        f"{sum(len(compared[b]) for b in BREAKDOWNS)} equal.",
        "",
    ]
    return "\n".join(lines)


def run(runs: int, warmup: int, output: Path | None, pages: bool) -> str:
    from django.utils import translation

    translation.activate("en")
    load_before = load_average()
    code = code_state()  # the modules are imported now: later edits are not measured
    scope = regional_scope()
    sizes = dataset(scope)
    print(
        f"Scope: {sizes[1]['PUAs']} PUAs, {sizes[1]['cases (all time)']:,} cases, "
        f"{sizes[1]['case events of those cases']:,} events; {scope.since} – {scope.until}",
        flush=True,
    )
    print("Timing the dashboard sections…", flush=True)
    sections, sections_without_jit = time_sections(scope, runs, warmup, server_jit())
    compared = {}
    for breakdown in BREAKDOWNS:
        print(f"Timing every indicator against its floor ({breakdown or 'no'} breakdown)…")
        compared[breakdown] = time_against_floor(scope, breakdown, runs, warmup)
    print("Timing the year's report…", flush=True)
    year = scope.until.year
    report_scope = type(scope)(
        scope.access_point_ids, dt.date(year, 1, 1), dt.date(year, 12, 31), "access_point"
    )
    report = time_report(report_scope, 3)
    timed_pages: dict[str, Timed] | None = None
    notes: list[str] = []
    if pages:
        print("Timing the rendered pages…", flush=True)
        timed_pages, notes = time_pages(scope, runs, warmup)
    text = write_report(
        runs=runs,
        warmup=warmup,
        scope=scope,
        info=machine(),
        loads=(load_before, load_average()),
        code=code,
        sizes=sizes,
        sections=sections,
        sections_without_jit=sections_without_jit,
        compared=compared,
        report=report,
        pages=timed_pages,
        pages_notes=notes,
    )
    if output is not None:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text, encoding="utf-8")
    return text


def explain(name: str, breakdown: str) -> None:
    """EXPLAIN ANALYZE of every query an indicator runs, for the findings."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from ponte.monitoring import indicators

    scope = regional_scope().with_breakdown(breakdown)
    chosen = [i for i in indicators.all_indicators() if name_of(i) == name]
    if not chosen:
        raise SystemExit(
            f"No indicator {name}: one of {[name_of(i) for i in indicators.all_indicators()]}"
        )
    with CaptureQueriesContext(connection) as captured:
        chosen[0](scope)
    with connection.cursor() as cursor:
        for number, query in enumerate(captured.captured_queries, 1):
            print(f"-- query {number} ({query['time']} s)\n{query['sql']}\n")
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {query['sql']}")
            print("\n".join(row[0] for row in cursor.fetchall()), "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--setup", action="store_true", help="create and fill the DB if empty")
    parser.add_argument("--scale", default="national", help="generate_data scale for --setup")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--no-pages", action="store_true", help="skip the test-client pages")
    parser.add_argument("--output", type=Path, default=RESULTS, help="'-' for stdout only")
    parser.add_argument(
        "--explain",
        metavar="INDICATOR",
        help="EXPLAIN ANALYZE an indicator's queries, e.g. process.wellbeing, and stop",
    )
    parser.add_argument("--breakdown", default="", help="with --explain: '' or access_point")
    args = parser.parse_args()
    url = database_url()
    if not url.startswith("postgres"):
        raise SystemExit("The benchmark is for PostgreSQL: set BENCH_DATABASE_URL=postgres://…")
    if args.setup:
        create_database(url)
    setup_django(url)
    if args.setup:
        setup(url, args.scale)
    elif not people_count():
        raise SystemExit("The database has no people: run with --setup (about 20 minutes).")
    if args.explain:
        explain(args.explain, args.breakdown)
        return
    output = None if str(args.output) == "-" else args.output
    print(run(args.runs, args.warmup, output, pages=not args.no_pages))


if __name__ == "__main__":
    main()
