"""Drill 1: kill -9 PostgreSQL while the app is writing.

Clients send outreach contacts to POST /api/v1/outreach/sync on a real gunicorn, each with a
UUID made here. Every UUID the server answered "created" or "already_synced" with HTTP 200 is
an acknowledged write. In the middle of the load every process of the (throw-away) cluster is
killed with SIGKILL; the clients keep sending through the outage; PostgreSQL is restarted and
runs its crash recovery. Then:

- every acknowledged write must be in the database (none lost);
- requests in flight at the kill, and those sent while the server was down, must have been
  answered with an error (5xx or a broken connection), never 200;
- the same gunicorn (no restart by us) must answer writes with 200 again, within a limit;
- the audit chain must still verify, and a retry of every errored entry must be answered
  "created" or "already_synced" (the idempotent sync resolves the requests whose fate the
  client could not know).

The negative control runs the same drill with `synchronous_commit=off` and a 10 s
`wal_writer_delay`: commits are acknowledged before their WAL leaves PostgreSQL's memory, so a
kill loses some of them. The control passes when the drill's check reports that loss.
"""

from __future__ import annotations

import http.client
import json
import threading
import time
import uuid
from dataclasses import dataclass, field

import psycopg

from drills.cluster import Cluster
from drills.support import (
    DrillError,
    Outcome,
    Secrets,
    app_env,
    manage,
    probe,
    step,
    wait_until,
)
from drills.webapp import Gunicorn

CLIENTS = 8
ENTRIES_PER_REQUEST = 4
LOAD_BEFORE_KILL = 6.0  # seconds of steady load before the kill
OUTAGE = 2.0  # seconds the server stays down while clients keep sending
RECOVERY_LIMIT = 15.0  # the app must answer a write with 200 within this after PostgreSQL is up
LOAD_AFTER_RECOVERY = 2.0
REQUEST_TIMEOUT = 10.0
CONTROL_ROUNDS = 3  # the control kills up to this many times until it sees a loss

SAFE = {"synchronous_commit": "on", "fsync": "on"}
# Commits answered before their WAL is written: what the negative control must catch.
UNSAFE = {"synchronous_commit": "off", "wal_writer_delay": "10s", "fsync": "on"}


@dataclass
class Reply:
    sent: float
    answered: float
    ids: list[str]
    status: int | None  # None: no HTTP answer (connection refused or broken, timeout)
    results: list[str] = field(default_factory=list)
    reason: str = ""

    @property
    def acknowledged(self) -> bool:
        return self.status == 200 and all(r in ("created", "already_synced") for r in self.results)

    @property
    def error(self) -> bool:
        return self.status is None or self.status >= 500


class Client:
    """A partner system sending contacts with a bearer token, one request at a time."""

    def __init__(self, port: int, token: str, access_point: str) -> None:
        self.port = port
        self.token = token
        self.access_point = access_point

    def send(self, ids: list[str]) -> Reply:
        entries = [
            {
                "kind": "contact",
                "id": public_id,
                "data": {
                    "channel": "digital",
                    "met_at": "2026-03-02T10:30:00+01:00",
                    "access_point": self.access_point,
                    "alias": "drill",
                    "safe_contact_note": "drill: encrypted at rest",
                    "signals": ["wages"],
                },
            }
            for public_id in ids
        ]
        body = json.dumps({"entries": entries})
        headers = {"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"}
        sent = time.monotonic()
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=REQUEST_TIMEOUT)
        try:
            connection.request("POST", "/api/v1/outreach/sync", body=body, headers=headers)
            response = connection.getresponse()
            payload = response.read()
        except (OSError, http.client.HTTPException) as exc:
            return Reply(sent, time.monotonic(), ids, None, reason=type(exc).__name__)
        finally:
            connection.close()
        reply = Reply(sent, time.monotonic(), ids, response.status)
        if response.status == 200:
            reply.results = [r["status"] for r in json.loads(payload)["results"]]
        return reply


class Load:
    """CLIENTS threads sending new contacts until stopped; every reply is kept."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self.replies: list[Reply] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._run, daemon=True) for _ in range(CLIENTS)]

    def _run(self) -> None:
        while not self._stop.is_set():
            reply = self.client.send([str(uuid.uuid4()) for _ in range(ENTRIES_PER_REQUEST)])
            with self._lock:
                self.replies.append(reply)
            if reply.error:
                time.sleep(0.5)  # a client backs off when the server fails, as the queue does

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=REQUEST_TIMEOUT + 5)
        if any(thread.is_alive() for thread in self._threads):
            raise DrillError("a load thread did not stop")

    def snapshot(self) -> list[Reply]:
        with self._lock:
            return list(self.replies)


@dataclass
class Round:
    settings: dict[str, str]
    replies: list[Reply]
    killed_at: float
    ready_at: float
    processes_killed: int
    restart_seconds: float
    lost: list[str]
    recovery_seconds: float | None
    same_master: bool
    workers_replaced: int
    retried_ok: int
    retried_committed: int

    @property
    def acknowledged(self) -> set[str]:
        return {i for r in self.replies if r.acknowledged for i in r.ids}

    @property
    def in_flight(self) -> list[Reply]:
        return [r for r in self.replies if r.sent < self.killed_at < r.answered]

    @property
    def during_outage(self) -> list[Reply]:
        return [r for r in self.replies if self.killed_at <= r.sent and r.answered < self.ready_at]

    @property
    def unexpected(self) -> list[Reply]:
        return [r for r in self.replies if not r.acknowledged and not r.error]


def present(cluster: Cluster, database: str, ids: set[str]) -> set[str]:
    with psycopg.connect(cluster.url(database), connect_timeout=5) as conn:
        rows = conn.execute(
            "SELECT public_id::text FROM outreach_contact WHERE public_id = ANY(%s::uuid[])",
            [sorted(ids)],
        ).fetchall()
    return {row[0] for row in rows}


def kill_round(
    cluster: Cluster, database: str, env: dict[str, str], settings: dict[str, str]
) -> Round:
    """Start PostgreSQL with `settings`, load, kill -9, restart, measure, check the database."""
    cluster.stop()
    cluster.start(settings)
    sender = probe(env, "sync-setup")
    with Gunicorn(env) as app:
        client = Client(app.port, sender["token"], sender["access_point"])
        if not client.send([str(uuid.uuid4())]).acknowledged:
            raise DrillError("the app does not accept writes before the kill")
        master, workers_before = app.process.pid if app.process else 0, app.workers
        load = Load(client)
        load.start()
        try:
            time.sleep(LOAD_BEFORE_KILL)
            killed_at = time.monotonic()
            processes = cluster.crash()
            time.sleep(OUTAGE)
            restart_seconds = cluster.start(settings)
            ready_at = time.monotonic()

            def answered_after_restart() -> bool:
                return any(r.acknowledged and r.sent >= ready_at for r in load.snapshot())

            try:
                wait_until(answered_after_restart, timeout=RECOVERY_LIMIT, what="recovery")
                recovered = [r for r in load.snapshot() if r.acknowledged and r.sent >= ready_at]
                recovery: float | None = min(r.answered for r in recovered) - ready_at
            except DrillError:
                recovery = None
            time.sleep(LOAD_AFTER_RECOVERY)
        finally:
            load.stop()
        replies = load.snapshot()
        same_master = app.process is not None and app.process.poll() is None
        same_master = same_master and app.process is not None and app.process.pid == master
        workers_replaced = len(workers_before - app.workers)
        acknowledged = {i for r in replies if r.acknowledged for i in r.ids}
        lost = sorted(acknowledged - present(cluster, database, acknowledged))
        # What the client could not know: errored entries are sent again, as the offline
        # queue would. Each must now be "created" (never written) or "already_synced".
        errored = [i for r in replies if r.error for i in r.ids]
        retried_ok, committed = 0, 0
        for start in range(0, len(errored), 100):
            retry = client.send(errored[start : start + 100])
            if retry.acknowledged:
                retried_ok += len(retry.ids)
                committed += retry.results.count("already_synced")
    return Round(
        settings=settings,
        replies=replies,
        killed_at=killed_at,
        ready_at=ready_at,
        processes_killed=processes,
        restart_seconds=restart_seconds,
        lost=lost,
        recovery_seconds=recovery,
        same_master=same_master,
        workers_replaced=workers_replaced,
        retried_ok=retried_ok,
        retried_committed=committed,
    )


def report(outcome: Outcome, result: Round) -> None:
    errors = [r for r in result.replies if r.error]
    outcome.figure("PostgreSQL settings", ", ".join(f"{k}={v}" for k, v in result.settings.items()))
    outcome.figure("requests sent", len(result.replies))
    outcome.figure(
        "contacts acknowledged (HTTP 200, created/already_synced)", len(result.acknowledged)
    )
    outcome.figure("PostgreSQL processes killed (SIGKILL)", result.processes_killed)
    outcome.figure("requests in flight at the kill", len(result.in_flight))
    in_flight = result.in_flight
    outcome.figure(
        "in flight: answered with an error / with 200",
        f"{sum(r.error for r in in_flight)} / {sum(r.acknowledged for r in in_flight)}",
    )
    outcome.figure(
        "requests sent while PostgreSQL was down: errors / 200",
        f"{sum(r.error for r in result.during_outage)} / "
        f"{sum(r.acknowledged for r in result.during_outage)}",
    )
    outcome.figure(
        "requests answered with an error: HTTP 5xx / no answer",
        f"{sum(r.status is not None for r in errors)} / {sum(r.status is None for r in errors)}",
    )
    outcome.figure("PostgreSQL restart incl. crash recovery (s)", f"{result.restart_seconds:.2f}")
    outcome.figure(
        "app recovery: first 200 after PostgreSQL was up (s)",
        f"{result.recovery_seconds:.2f}" if result.recovery_seconds is not None else "never",
    )
    outcome.figure(
        "acknowledged contacts found after restart", len(result.acknowledged) - len(result.lost)
    )
    outcome.figure("acknowledged contacts LOST", len(result.lost))
    lost = set(result.lost)
    outcome.figure(
        "acknowledged requests that lost a contact",
        sum(1 for r in result.replies if r.acknowledged and lost & set(r.ids)),
    )
    outcome.figure(
        "errored entries retried: accepted / of which already committed",
        f"{result.retried_ok} / {result.retried_committed}",
    )
    outcome.figure("gunicorn workers replaced during the drill", result.workers_replaced)


def drill(cluster: Cluster, base: str, secrets_: Secrets, outcomes: list[Outcome]) -> None:
    """The drill (safe settings) and its negative control (asynchronous commit)."""
    database = "drills_kill"
    cluster.create_database(database, template=base)
    env = app_env(cluster.url(database), field_keys=f"1:{secrets_.key1}", secrets_=secrets_)

    outcome = Outcome("kill -9 PostgreSQL under load")
    outcomes.append(outcome)
    started = time.monotonic()
    step(f"load, kill -9, restart (settings: {SAFE})")
    result = kill_round(cluster, database, env, SAFE)
    report(outcome, result)
    outcome.check(
        "load was real", len(result.acknowledged) >= 100, f"{len(result.acknowledged)} acknowledged"
    )
    outcome.check(
        "every acknowledged write is present after restart",
        not result.lost,
        f"{len(result.lost)} lost",
    )
    outcome.check(
        "no request answered 200 while PostgreSQL was down",
        not any(r.acknowledged for r in result.during_outage) and bool(result.during_outage),
        f"{len(result.during_outage)} sent during the outage",
    )
    outcome.check(
        "requests in flight got errors or a committed 200",
        all(r.error or r.acknowledged for r in result.in_flight),
    )
    outcome.check(
        "no unexpected answer (4xx, rejected entries)",
        not result.unexpected,
        f"{len(result.unexpected)} unexpected",
    )
    outcome.check(
        f"app recovered by itself within {RECOVERY_LIMIT:.0f} s",
        result.recovery_seconds is not None and result.same_master,
        "same gunicorn master" if result.same_master else "gunicorn master gone",
    )
    errored_ids = sum(len(r.ids) for r in result.replies if r.error)
    outcome.check(
        "every errored entry accepted on retry (idempotent sync)",
        result.retried_ok == errored_ids,
        f"{result.retried_ok}/{errored_ids}",
    )
    verify = manage(env, "audit_verify", check=False, timeout=120)
    outcome.check(
        "audit chain intact after crash recovery",
        verify.returncode == 0,
        verify.stdout.strip() or verify.stderr.strip()[-200:],
    )
    outcome.seconds = time.monotonic() - started

    control = Outcome("kill -9 PostgreSQL, negative control (synchronous_commit=off)")
    outcomes.append(control)
    started = time.monotonic()
    detected = False
    for attempt in range(1, CONTROL_ROUNDS + 1):
        step(f"control round {attempt}: same drill with {UNSAFE}")
        result = kill_round(cluster, database, env, UNSAFE)
        report(control, result)
        if result.lost:
            detected = True
            break
    control.figure("control rounds", attempt)
    control.check(
        "the drill detects lost acknowledged writes",
        detected,
        f"{len(result.lost)} acknowledged writes missing after the kill",
    )
    control.seconds = time.monotonic() - started
    cluster.stop()
    cluster.start(SAFE)
