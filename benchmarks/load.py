"""Load benchmark: every kind of user at once, through gunicorn with the production settings.

    .venv/bin/python benchmarks/load.py --setup   # regional (filled if empty), then national

For each scale: the synthetic data on PostgreSQL (`generate_data --scale … --seed 1`, then
ANALYZE), gunicorn on loopback with the production settings (no PONTE_DEV), and locust,
headless, with a fixed number of users of each kind (outreach workers syncing bursts of
contacts, case managers, partner operators answering referrals, coordinators on the
dashboards, visitors of the public guide) and one more user hitting `/healthz` at a steady rate:
the floor, measured in the same run. For every page: p50 / p95 / p99 and requests per second,
and p95(page) / p95(floor), which must be ≤ 3 for every operator page at regional scale.

The national pass runs against a database another benchmark reads (`ponte_national` by
default): it is read-only. No POST that changes records, no page that appends to the audit
trail; the sessions and OTP devices made for the run are deleted at the end. Every page,
audited ones included, is also rendered once in-process inside a rolled-back transaction to
count its queries and time its SQL (`prepare.py profile`).

Results: benchmarks/results/load.md (with the hand-written findings of
benchmarks/load/findings.md appended). Raw timings, the plan, the locust CSVs and the gunicorn
log of the last run stay in the temporary directory printed at the end.

    --fresh                 drop and refill the regional database first (the write scenarios
                            add outings and contacts and answer referrals at every run)
    --leave-out PAGE        do not run that page or action (an A/B for diagnosis)
    --report-from RUN_DIR   write load.md again from a run's directory, e.g. after editing
                            findings.md, without measuring again
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import platform
import secrets
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
HERE = ROOT / "benchmarks" / "load"
sys.path.insert(0, str(HERE))

from pages import (  # noqa: E402 (after the path)
    ACTIONS,
    ANONYMOUS,
    CASE_MANAGER,
    COORDINATOR,
    FLOOR_NAME,
    GET_PAGES,
    OUTREACH,
    PARTNER,
    POST_NAMES,
    is_operator_page,
)

BIN = ROOT / ".venv" / "bin"
RESULTS = ROOT / "benchmarks" / "results" / "load.md"
FINDINGS = HERE / "findings.md"
DEFAULT_URLS = {
    "regional": "postgres://postgres@127.0.0.1:5432/ponte_load_regional",
    "national": "postgres://postgres@127.0.0.1:5432/ponte_national",
}
# Twenty users as a regional network's busy hour might have them; scaled for --users.
MIX = {OUTREACH: 4, CASE_MANAGER: 6, PARTNER: 3, COORDINATOR: 3, ANONYMOUS: 4}
GOAL_RATIO = 3.0
# The synthetic data is written with the development key ring (generate_data under
# PONTE_DEV=1, as `make bench` fills ponte_national): the server must decrypt it with the same
# keys. The data is fictitious; these keys protect nothing real.
DEV_FIELD_KEYS = "1:ZGV2LW9ubHktZmllbGQta2V5LTMyLWJ5dGVzLWxvbmc="
DEV_AUDIT_KEY = "dev-only-audit-chain-key"


@dataclass
class Settings:
    scale: str
    url: str
    read_only: bool
    users: dict[str, int]
    duration: int
    warmup: int
    workers: int
    threads: int
    port: int
    think: tuple[float, float]
    floor_every: float
    run_dir: Path
    leave_out: list[str] = field(default_factory=list)


@dataclass
class PageStats:
    name: str
    count: int
    failures: int
    rps: float
    p50: float
    p95: float
    p99: float


@dataclass
class ScaleResult:
    settings: Settings
    dataset: dict[str, int]
    stats: list[PageStats]
    floor: PageStats
    profile: dict[str, Any]
    machine_busy: float
    cpu_seconds: dict[str, float]
    load_before: str
    load_after: str
    server_errors: int
    started: str
    failures: dict[str, str] = field(default_factory=dict)
    floor_at_rest: tuple[float, float] = (0.0, 0.0)
    lock_samples: int = 0
    active_sessions: int = 0
    lock_waits: dict[str, int] = field(default_factory=dict)


# ---- environment ------------------------------------------------------------------------------


def bench_env(url: str, secret_key: str) -> dict[str, str]:
    """Production settings: no PONTE_DEV, every secret given, plain loopback behind the proxy
    gunicorn trusts (X-Forwarded-Proto from 127.0.0.1), so HTTPS stays required."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PONTE_", "DJANGO_"))}
    env.update(
        {
            "DATABASE_URL": url,
            "SECRET_KEY": secret_key,
            "PONTE_FIELD_KEYS": os.environ.get("BENCH_FIELD_KEYS", DEV_FIELD_KEYS),
            "PONTE_AUDIT_KEY": os.environ.get("BENCH_AUDIT_KEY", DEV_AUDIT_KEY),
            "ALLOWED_HOSTS": "127.0.0.1",
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "LOG_LEVEL": "WARNING",
        }
    )
    return env


def run(args: list[str], env: dict[str, str], **kwargs: Any) -> None:
    subprocess.run(args, cwd=ROOT, env=env, check=True, **kwargs)  # noqa: S603 (our own tools)


def admin(url: str) -> Any:
    import psycopg

    parts = urlparse(url)
    return psycopg.connect(
        host=parts.hostname,
        port=parts.port or 5432,
        user=parts.username,
        password=parts.password,
        dbname=parts.path.lstrip("/"),
        autocommit=True,
    )


def database_filled(url: str) -> bool:
    import psycopg

    try:
        with admin(url) as connection:
            row = connection.execute("SELECT to_regclass('catalog_service')").fetchone()
            if row is None or row[0] is None:
                return False
            count = connection.execute("SELECT count(*) FROM catalog_service").fetchone()
            return bool(count and count[0])
    except psycopg.OperationalError:
        return False


def fill(scale: str, url: str, env: dict[str, str]) -> None:
    """Create, migrate and fill the database, then ANALYZE (as autovacuum would have it a
    minute after a bulk load; without it the planner guesses a handful of rows per table)."""
    name = urlparse(url).path.lstrip("/")
    with admin(_server_url(url)) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
            conn.execute(f'CREATE DATABASE "{name}"')
    manage = [str(BIN / "python"), "manage.py"]
    run([*manage, "migrate", "-v0"], env)
    run([*manage, "generate_data", f"--scale={scale}", "--seed=1", "--no-progress"], env)
    with admin(url) as connection:
        connection.execute("ANALYZE")


def drop_database(url: str) -> None:
    name = urlparse(url).path.lstrip("/")
    with admin(_server_url(url)) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _server_url(url: str) -> str:
    return urlparse(url)._replace(path="/postgres").geturl()


# ---- machine ----------------------------------------------------------------------------------


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def cpu_ticks() -> tuple[int, int]:
    """(busy, total) jiffies of the whole machine since boot."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


def process_cpu(pids: list[int]) -> float:
    """CPU seconds used so far by these processes (user + system)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / ticks
    return total


def postgres_pids() -> list[int]:
    """Every PostgreSQL process on the machine (its own and other databases' sessions)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == "postgres":
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def machine(url: str) -> dict[str, str]:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        "?",
    )
    mem_kb = next(
        int(line.split()[1])
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    with admin(url) as connection:
        server = connection.execute("SHOW server_version").fetchone()
        jit = connection.execute("SHOW jit").fetchone()
        buffers = connection.execute("SHOW shared_buffers").fetchone()
    import django
    import gunicorn
    import locust

    return {
        "cores": str(os.cpu_count()),
        "cpu": cpu,
        "ram": f"{mem_kb / 1024 / 1024:.1f} GB",
        "os": platform.platform(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "gunicorn": gunicorn.__version__,
        "locust": locust.__version__,
        "postgresql": f"{server[0] if server else '?'} (jit = {jit[0] if jit else '?'}, "
        f"shared_buffers = {buffers[0] if buffers else '?'})",
    }


class LockWaits:
    """Samples what the server's database sessions wait for during the run: a page whose
    time goes into waiting for a lock shows up here, not in its query plan."""

    def __init__(self, url: str) -> None:
        self.connection = admin(url)
        self.name = urlparse(url).path.lstrip("/")
        self.samples = 0
        self.active = 0
        self.waiting: dict[str, int] = defaultdict(int)

    def sample(self) -> None:
        rows = self.connection.execute(
            "SELECT wait_event_type, wait_event, left(regexp_replace(query, '\\s+', ' ', 'g'), 90) "
            "FROM pg_stat_activity WHERE datname = %s AND state = 'active' "
            "AND pid <> pg_backend_pid()",
            [self.name],
        ).fetchall()
        self.samples += 1
        self.active += len(rows)
        for kind, event, query in rows:
            if kind == "Lock":
                self.waiting[f"{event}: {query}"] += 1

    def close(self) -> None:
        self.connection.close()


# ---- one scale --------------------------------------------------------------------------------


def wait_until_up(port: int, deadline: float) -> None:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/healthz", headers={"X-Forwarded-Proto": "https"}
    )
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(request, timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise SystemExit("gunicorn did not answer /healthz")


def floor_at_rest(port: int, count: int = 200) -> tuple[float, float]:
    """p50 and p95 (ms) of /healthz one request at a time on one kept-alive connection,
    before the load starts: what the floor costs when nothing queues in front of it."""
    import http.client

    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    times = []
    for _ in range(count):
        started = time.perf_counter()
        connection.request("GET", "/healthz", headers={"X-Forwarded-Proto": "https"})
        connection.getresponse().read()
        times.append((time.perf_counter() - started) * 1000)
    connection.close()
    return percentile(times, 50), percentile(times, 95)


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (no interpolation: a value that was really measured)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q / 100 * len(ordered)) - 1))]


def summarise(raw: list[list[Any]], since: float, until: float) -> dict[str, PageStats]:
    times: dict[str, list[float]] = defaultdict(list)
    failures: dict[str, int] = defaultdict(int)
    for name, started, elapsed, ok in raw:
        if since <= started <= until:
            times[name].append(elapsed)
            failures[name] += 0 if ok else 1
    window = until - since
    return {
        name: PageStats(
            name,
            len(values),
            failures[name],
            len(values) / window,
            percentile(values, 50),
            percentile(values, 95),
            percentile(values, 99),
        )
        for name, values in times.items()
    }


def run_scale(s: Settings, secret_key: str) -> ScaleResult:
    env = bench_env(s.url, secret_key)
    plan_file = s.run_dir / f"plan-{s.scale}.json"
    prepare = [str(BIN / "python"), str(HERE / "prepare.py")]
    sessions = ",".join(f"{kind}={count}" for kind, count in s.users.items() if count)
    plan_args = [*prepare, "plan", "--out", str(plan_file), "--sessions", sessions]
    run(plan_args + (["--read-only"] if s.read_only else []), env)
    plan = json.loads(plan_file.read_text())
    plan.update(
        users=s.users,
        think_seconds=list(s.think),
        floor_every_seconds=s.floor_every,
        leave_out=s.leave_out,
    )
    plan_file.write_text(json.dumps(plan))
    log = (s.run_dir / f"gunicorn-{s.scale}.log").open("w")
    server_env = {
        **env,
        "BIND": f"127.0.0.1:{s.port}",
        "WEB_CONCURRENCY": str(s.workers),
        "GUNICORN_THREADS": str(s.threads),
    }
    server = subprocess.Popen(  # noqa: S603 (our own venv)
        [str(BIN / "gunicorn"), "config.wsgi", "-c", "gunicorn.conf.py"],
        cwd=ROOT,
        env=server_env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_until_up(s.port, time.monotonic() + 60)
        workers = children(server.pid)
        floor_p50, floor_p95 = floor_at_rest(s.port)
        raw_file = s.run_dir / f"raw-{s.scale}.json"
        total = sum(s.users.values()) + 1  # + the floor
        load_before = load_average()
        busy0, all0 = cpu_ticks()
        server_cpu0 = process_cpu([server.pid, *workers])
        postgres_cpu0 = process_cpu(postgres_pids())
        started_at = time.time()
        locust = subprocess.Popen(  # noqa: S603 (our own venv)
            [
                str(BIN / "locust"),
                "-f",
                str(HERE / "locustfile.py"),
                "--headless",
                "--users",
                str(total),
                "--spawn-rate",
                str(total),
                "--run-time",
                f"{s.duration}s",
                "--host",
                f"http://127.0.0.1:{s.port}",
                "--only-summary",
                "--csv",
                str(s.run_dir / f"locust-{s.scale}"),
                "--loglevel",
                "WARNING",
                "--stop-timeout",
                "10",
                "--exit-code-on-error",
                "0",
            ],
            cwd=ROOT,
            env={**env, "LOAD_PLAN": str(plan_file), "LOAD_RAW": str(raw_file)},
            stdout=(s.run_dir / f"locust-{s.scale}.log").open("w"),
            stderr=subprocess.STDOUT,
        )
        locust_cpu = 0.0
        waits = LockWaits(s.url)
        while locust.poll() is None:
            locust_cpu = max(locust_cpu, process_cpu([locust.pid]))
            waits.sample()
            time.sleep(0.25)
        waits.close()
        finished_at = time.time()
        busy1, all1 = cpu_ticks()
        server_cpu = process_cpu([server.pid, *children(server.pid)]) - server_cpu0
        # Sessions that ended during the run are missed: a lower bound (ours are kept alive).
        postgres_cpu = process_cpu(postgres_pids()) - postgres_cpu0
        load_after = load_average()
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
        log.close()
    if locust.returncode != 0:
        raise SystemExit(f"locust failed: see {s.run_dir / f'locust-{s.scale}.log'}")
    raw = json.loads(raw_file.read_text())
    stats = summarise(raw, started_at + s.warmup, finished_at)
    floor = stats.pop(FLOOR_NAME)
    profile_file = s.run_dir / f"profile-{s.scale}.json"
    run([*prepare, "profile", "--plan", str(plan_file), "--out", str(profile_file)], env)
    run([*prepare, "cleanup", "--plan", str(plan_file)], env)
    errors = sum(
        1
        for line in (s.run_dir / f"gunicorn-{s.scale}.log").read_text().splitlines()
        if '" 5' in line
    )
    return ScaleResult(
        settings=s,
        dataset=plan["dataset"],
        stats=sorted(stats.values(), key=_page_order),
        floor=floor,
        profile=json.loads(profile_file.read_text()),
        machine_busy=(busy1 - busy0) / max(1, all1 - all0) * 100,
        cpu_seconds={
            "gunicorn (all workers)": server_cpu,
            "locust": locust_cpu,
            "postgres": postgres_cpu,
            "window": finished_at - started_at,
        },
        load_before=load_before,
        load_after=load_after,
        server_errors=errors,
        started=dt.datetime.fromtimestamp(started_at).astimezone().strftime("%Y-%m-%d %H:%M %Z"),
        failures=_failure_messages(s.run_dir / f"locust-{s.scale}_failures.csv"),
        floor_at_rest=(floor_p50, floor_p95),
        lock_samples=waits.samples,
        active_sessions=waits.active,
        lock_waits=dict(waits.waiting),
    )


ORDER = [p.name for p in GET_PAGES] + list(POST_NAMES)


def _page_order(stats: PageStats) -> int:
    return ORDER.index(stats.name) if stats.name in ORDER else len(ORDER)


def _failure_messages(path: Path) -> dict[str, str]:
    import csv

    if not path.exists():
        return {}
    with path.open() as handle:
        return {
            row["Name"]: f"{row['Occurrences']}× {row['Error']}" for row in csv.DictReader(handle)
        }


# ---- report -----------------------------------------------------------------------------------


def verdict(stats: PageStats, floor: PageStats) -> str:
    ratio = stats.p95 / floor.p95
    if stats.name == FLOOR_NAME:
        return "—"
    if stats.name in ACTIONS:
        return "action"
    if not is_operator_page(stats.name):
        return "public"
    return "PASS" if ratio <= GOAL_RATIO and not stats.failures else "MISS"


def saturation_note(result: ScaleResult) -> list[str]:
    """When even /healthz waits, the floor's p95 measures the queue in front of gunicorn's
    threads, and a ratio to it flatters every page: say so next to the figures."""
    rest_p95 = result.floor_at_rest[1]
    if result.floor.p95 <= 3 * rest_p95:
        return []
    return [
        f"*Under load the floor's p95 ({result.floor.p95:.0f} ms) is "
        f"{result.floor.p95 / rest_p95:.0f} times its p95 at rest ({rest_p95:.1f} ms): "
        "requests queued for a free gunicorn thread, so the floor measures the queue, and "
        "a page's ratio to it says how much longer than the queue it takes, not what it "
        "costs. The in-process server times in the last columns do not depend on the load.*",
        "",
    ]


def scale_section(result: ScaleResult) -> list[str]:
    s = result.settings
    floor = result.floor
    rows = []
    for st in [floor, *result.stats]:
        prof = result.profile.get(st.name, {})
        queries = prof.get("queries", "")
        server = f"{prof['server_ms']:.0f}" if prof else ""
        sql = f"{prof['sql_ms']:.0f}" if prof else ""
        rows.append(
            f"| {st.name} | {st.count} | {st.failures} | {st.rps:.2f} | {st.p50:.0f} | "
            f"{st.p95:.0f} | {st.p99:.0f} | {st.p95 / floor.p95:.1f} | {verdict(st, floor)} | "
            f"{queries} | {server} | {sql} |"
        )
    measured = {st.name for st in result.stats}
    not_run = [
        (name, prof)
        for name, prof in result.profile.items()
        if name not in measured and name != FLOOR_NAME
    ]
    mode = (
        "read-only: no sync bursts, no referral answers, no audited pages"
        if s.read_only
        else "every scenario"
    ) + ("; left out: " + ", ".join(s.leave_out) if s.leave_out else "")
    misses = [st for st in result.stats if verdict(st, floor) == "MISS"]
    cpu = result.cpu_seconds
    lines = [
        f"## {s.scale.capitalize()} scale",
        "",
        f"Run started {result.started}; database `{urlparse(s.url).path.lstrip('/')}` ({mode}).",
        "",
        "Data (`generate_data --scale "
        + s.scale
        + " --seed 1`, ANALYZEd): "
        + ", ".join(f"{k} {v:,}" for k, v in result.dataset.items())
        + ".",
        "",
        f"Load: {sum(s.users.values())} users ("
        + ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in s.users.items() if v)
        + f") thinking {s.think[0]:g}–{s.think[1]:g} s between requests, plus the floor user "
        f"(GET /healthz every {s.floor_every:g} s); {s.duration} s, the first {s.warmup} s "
        f"(ramp-up and cold workers) left out of the figures. gunicorn {s.workers} workers × "
        f"{s.threads} threads. Machine CPU busy during the run: {result.machine_busy:.0f}% "
        f"over {cpu['window']:.0f} s: gunicorn {cpu['gunicorn (all workers)']:.0f} CPU s, "
        f"PostgreSQL (all databases) {cpu.get('postgres', 0):.0f}, locust {cpu['locust']:.0f}, "
        "the rest other work on the machine; load average before / after: "
        f"{result.load_before} / {result.load_after}. "
        f"HTTP 5xx in the gunicorn log: {result.server_errors}.",
        "",
        f"**Floor** (`GET /healthz`, same run): n = {floor.count}, p50 {floor.p50:.1f} ms, "
        f"p95 **{floor.p95:.1f} ms**, p99 {floor.p99:.1f} ms, {floor.rps:.2f} req/s. At rest "
        f"(200 requests one at a time before the load): p50 {result.floor_at_rest[0]:.1f} ms, "
        f"p95 {result.floor_at_rest[1]:.1f} ms.",
        "",
        *saturation_note(result),
        "Times in milliseconds, measured by locust (whole response read). `× floor` is "
        "p95(page) / p95(floor); the goal is ≤ 3 for operator pages. The last three columns "
        "come from rendering the page once in-process (median of 4, rolled back): queries, "
        "server time and the part of it spent in SQL.",
        "",
        "| page | n | fail | req/s | p50 | p95 | p99 | × floor | goal | queries | server ms "
        "| SQL ms |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: |",
        *rows,
        "",
    ]
    if not_run:
        lines += [
            "Pages left out of this run (they write), rendered in-process only (rolled back):",
            "",
            "| page | queries | server ms | SQL ms | slowest query ms |",
            "| --- | ---: | ---: | ---: | ---: |",
            *(
                f"| {name} | {p['queries']} | {p['server_ms']:.0f} | {p['sql_ms']:.0f} | "
                f"{p['slowest_ms']:.0f} |"
                for name, p in not_run
            ),
            "",
        ]
    waited = sum(result.lock_waits.values())
    lines += [
        f"Database sessions sampled every 0.25 s during the run ({result.lock_samples} samples): "
        f"{result.active_sessions} active-session observations, {waited} of them waiting "
        "for a lock" + (":" if waited else "."),
        "",
        *(
            f"- {count}× {what}"
            for what, count in sorted(result.lock_waits.items(), key=lambda kv: -kv[1])[:8]
        ),
        "",
    ]
    if result.failures:
        lines += ["Failures:", "", *(f"- {k}: {v}" for k, v in result.failures.items()), ""]
    verdict_line = (
        "every operator page meets the goal"
        if not misses
        else f"{len(misses)} operator page(s) miss the goal: "
        + ", ".join(f"{m.name} ({m.p95 / floor.p95:.1f}×)" for m in misses)
    )
    lines += [f"**{s.scale.capitalize()}: {verdict_line}.**", ""]
    slow = sorted(
        (p for p in result.profile.values() if p.get("slowest_sql")),
        key=lambda p: -p["slowest_ms"],
    )[:5]
    if slow:
        lines += ["Slowest single queries seen while profiling (ms, SQL cut at 300 chars):", ""]
        for p in slow:
            name = next(n for n, v in result.profile.items() if v is p)
            lines.append(f"- {name}: {p['slowest_ms']:.1f} ms — `{p['slowest_sql']}`")
        lines.append("")
    return lines


def report(results: list[ScaleResult], info: dict[str, str], command: str) -> str:
    lines = [
        "# Load: every kind of user at once, against the floor",
        "",
        f"Written by `{command}` on "
        f"{dt.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}. Production settings (no "
        "PONTE_DEV), gunicorn on loopback (`gunicorn.conf.py`, requests marked "
        "`X-Forwarded-Proto: https` as the TLS proxy would), PostgreSQL on the same machine, "
        "locust (FastHttpUser) on the same machine too: it takes part of the same two cores, "
        "so the figures are a floor-relative comparison, not a capacity figure.",
        "",
        "## Machine",
        "",
        *(f"- {key}: {value}" for key, value in info.items()),
        "",
    ]
    for result in results:
        lines += scale_section(result)
    if FINDINGS.exists():
        lines += [FINDINGS.read_text().strip(), ""]
    return "\n".join(lines)


# ---- main -------------------------------------------------------------------------------------


def mix(users: int) -> dict[str, int]:
    total = sum(MIX.values())
    return {kind: max(1, round(count * users / total)) for kind, count in MIX.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--setup", action="store_true", help="fill the regional DB if empty")
    parser.add_argument(
        "--fresh", action="store_true", help="drop and refill the regional DB first (~4 min)"
    )
    parser.add_argument("--scales", default="regional,national")
    parser.add_argument("--regional-url", default=DEFAULT_URLS["regional"])
    parser.add_argument("--national-url", default=DEFAULT_URLS["national"])
    parser.add_argument("--users", type=int, default=20, help="besides the floor user")
    parser.add_argument("--duration", type=int, default=180, help="seconds, regional")
    parser.add_argument("--national-duration", type=int, default=120, help="seconds")
    parser.add_argument("--warmup", type=int, default=20, help="seconds left out")
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--think", type=float, nargs=2, default=(1.0, 3.0))
    parser.add_argument("--floor-every", type=float, default=0.5, help="seconds")
    parser.add_argument("--output", default=str(RESULTS), help="'-' for stdout only")
    parser.add_argument("--skip-collectstatic", action="store_true", help="var/static is current")
    parser.add_argument(
        "--leave-out",
        action="append",
        default=[],
        metavar="PAGE",
        help="a page or action name not to run (repeatable; for diagnosis)",
    )
    parser.add_argument(
        "--report-from",
        type=Path,
        metavar="RUN_DIR",
        help="write the report again from an earlier run's directory (no measuring)",
    )
    args = parser.parse_args()
    if args.report_from:
        write_report(*load_run(args.report_from), args.output, args.report_from)
        return
    run_dir = Path(tempfile.mkdtemp(prefix="ponte-load-"))
    secret_key = secrets.token_urlsafe(50)  # this run's only: sessions die with it
    results: list[ScaleResult] = []
    for scale in [s for s in args.scales.split(",") if s]:
        url = args.regional_url if scale == "regional" else args.national_url
        if scale == "regional" and args.fresh:
            # The write scenarios add outings and contacts and answer referrals: start again
            # from exactly what generate_data makes.
            drop_database(url)
        if scale == "regional" and (args.setup or args.fresh) and not database_filled(url):
            fill(scale, url, bench_env(url, secret_key))
        if not database_filled(url):
            print(f"{scale}: {url} is empty, skipped (--setup fills the regional one)")
            continue
        read_only = scale == "national"
        settings = Settings(
            scale=scale,
            url=url,
            read_only=read_only,
            users=mix(args.users),
            duration=args.national_duration if read_only else args.duration,
            warmup=args.warmup,
            workers=args.workers,
            threads=args.threads,
            port=args.port,
            think=(args.think[0], args.think[1]),
            floor_every=args.floor_every,
            run_dir=run_dir,
            leave_out=args.leave_out,
        )
        if not results and not args.skip_collectstatic:
            # The production storage serves hashed names from a manifest: without it every
            # page fails. Slow (it compresses every file); skip it when nothing changed.
            run(
                [str(BIN / "python"), "manage.py", "collectstatic", "--noinput", "-v0"],
                bench_env(url, secret_key),
            )
        print(f"{scale}: {settings.duration} s of load, files in {run_dir}", flush=True)
        results.append(run_scale(settings, secret_key))
    if not results:
        raise SystemExit("nothing was measured")
    command = "benchmarks/load.py " + " ".join(sys.argv[1:])
    info = machine(results[0].settings.url)
    save_run(run_dir, results, info, command.strip())
    write_report(results, info, command.strip(), args.output, run_dir)


def save_run(run_dir: Path, results: list[ScaleResult], info: dict[str, str], command: str) -> None:
    """What the report is made of, so that it can be written again (`--report-from`) once the
    findings below the figures are written, without measuring again."""
    data = {"command": command, "machine": info, "results": [asdict(r) for r in results]}
    (run_dir / "results.json").write_text(json.dumps(data, default=str, indent=1))


def load_run(run_dir: Path) -> tuple[list[ScaleResult], dict[str, str], str]:
    data = json.loads((run_dir / "results.json").read_text())
    results = []
    for saved in data["results"]:
        settings = Settings(**{**saved.pop("settings"), "run_dir": run_dir})
        settings.think = (settings.think[0], settings.think[1])
        stats = [PageStats(**st) for st in saved.pop("stats")]
        floor = PageStats(**saved.pop("floor"))
        rest = saved.pop("floor_at_rest")
        results.append(
            ScaleResult(
                settings=settings,
                stats=stats,
                floor=floor,
                floor_at_rest=(rest[0], rest[1]),
                **saved,
            )
        )
    return results, data["machine"], data["command"]


def write_report(
    results: list[ScaleResult], info: dict[str, str], command: str, output: str, run_dir: Path
) -> None:
    text = report(results, info, command)
    if output != "-":
        Path(output).write_text(text, encoding="utf-8")
    print(text)
    print(f"\nraw timings, plans, locust CSVs and gunicorn logs: {run_dir}")


if __name__ == "__main__":
    main()
