"""Locust users for the load benchmark: one class per kind of user, plus the floor.

Run by `benchmarks/load.py`, which starts gunicorn and writes the plan first:

    LOAD_PLAN=plan.json LOAD_RAW=raw.json locust -f benchmarks/load/locustfile.py --headless …

Every request goes through the same stack as in production: gunicorn on loopback behind what
would be the TLS proxy, so each request says `X-Forwarded-Proto: https` (gunicorn trusts it
from 127.0.0.1, Django then sees a secure request: no HTTPS redirect, secure cookies). The
session cookies come from the plan: each locust user holds its own session, as a person
with a browser would (sessions are saved on every request, so sharing one would serialise
them on its row). Requests are named by page, never by URL with ids.

Every response time is also kept raw (LOAD_RAW, with its start time): the orchestrator drops
the warm-up and computes exact percentiles, where locust's own statistics round them.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import sys
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from locust import FastHttpUser, between, constant_pacing, events, task

sys.path.insert(0, str(Path(__file__).resolve().parent))

from pages import (
    ANONYMOUS,
    CASE_MANAGER,
    CASE_SEARCH_POST,
    CASE_SEARCH_RESULTS,
    COORDINATOR,
    FLOOR_NAME,
    FLOOR_PATH,
    OUTREACH,
    PARTNER,
    REFERRAL_ACCEPT,
    REFERRAL_MESSAGE,
    SYNC_BURST,
    Entry,
    Page,
    pages_for,
)

PLAN: dict[str, Any] = json.loads(Path(os.environ["LOAD_PLAN"]).read_text())
READ_ONLY: bool = PLAN["read_only"]
USERS: dict[str, int] = PLAN["users"]
THINK = PLAN.get("think_seconds", [1.0, 3.0])
FLOOR_EVERY = PLAN.get("floor_every_seconds", 0.5)
LEAVE_OUT = set(PLAN.get("leave_out", []))  # pages or actions not to run (diagnosis)
RAW: list[tuple[str, float, float, bool]] = []  # name, start (epoch s), time (ms), success
_handed_out: dict[str, int] = {}
Choice = tuple[int, str, Callable[[], None]]  # weight, page or action name, what to do

NATIONALITIES = ["IN", "PK", "BD", "MA", "TN", "SN", "GM", "ML", "NG", "RO", "AL", ""]
SECTORS = ["agriculture", "logistics", "construction", "hospitality", "domestic", "other"]
NEEDS = ["work_guidance", "legal", "housing_emergency", "health", "italian_language"]
SIGNALS = ["wages", "working_time", "ilo_documents_retained", "ilo_wages_withheld"]


@events.request.add_listener
def _keep(
    name: str, start_time: float, response_time: float, exception: Any, **_kwargs: Any
) -> None:
    RAW.append((name, start_time, response_time, exception is None))


@events.test_stop.add_listener
def _dump(**_kwargs: Any) -> None:
    Path(os.environ["LOAD_RAW"]).write_text(json.dumps(RAW))


def _next_entry(kind: str) -> Entry:
    """Each locust user of a kind takes the next session of the plan (its own)."""
    entries = PLAN["sessions"][kind]
    index = _handed_out.get(kind, 0)
    _handed_out[kind] = index + 1
    return dict(entries[index % len(entries)])


class PlanUser(FastHttpUser):
    """A user of one kind: on each turn, a page or an action drawn by weight."""

    abstract = True
    kind = ""
    wait_time = between(*THINK)

    def on_start(self) -> None:
        self.entry = _next_entry(self.kind)
        self.rng = random.Random()  # noqa: S311 (which page to open next, not a secret)
        self.headers = {"X-Forwarded-Proto": "https"}
        cookies = PLAN["cookies"]
        if "session_key" in self.entry:
            self.headers["Cookie"] = (
                f"{cookies['session']}={self.entry['session_key']}; "
                f"{cookies['csrf']}={self.entry['csrf']}"
            )
        self.post_headers = {
            **self.headers,
            "Origin": f"https://{(self.host or '').split('://', 1)[-1]}",
            "X-CSRFToken": self.entry.get("csrf", ""),
        }
        choices: list[Choice] = [
            (page.weight, page.name, (lambda p: lambda: self.open(p))(page))
            for page in pages_for(self.kind, read_only=READ_ONLY)
        ]
        self.choices = [c for c in choices + self.actions() if c[1] not in LEAVE_OUT]

    def actions(self) -> list[Choice]:
        return []

    @task
    def turn(self) -> None:
        if self.choices:
            weights = [weight for weight, _name, _action in self.choices]
            self.rng.choices(self.choices, weights)[0][2]()

    def open(self, page: Page) -> None:
        self.expect("GET", page.path(self.entry, self.rng), page.name, 200)

    def expect(self, method: str, path: str, name: str, status: int, **kwargs: Any) -> Any:
        headers = self.post_headers if method == "POST" else self.headers
        with self.client.request(
            method,
            path,
            name=name,
            headers={**headers, **kwargs.pop("headers", {})},
            allow_redirects=False,
            catch_response=True,
            **kwargs,
        ) as response:
            if response.status_code != status:
                where = response.headers.get("Location", "") if response.headers else ""
                response.failure(f"{response.status_code} (expected {status}) {where}")
            return response

    def post_form(self, path: str, name: str, fields: dict[str, str]) -> Any:
        body = urlencode({**fields, "csrfmiddlewaretoken": self.entry["csrf"]})
        content_type = {"Content-Type": "application/x-www-form-urlencoded"}
        return self.expect("POST", path, name, 302, data=body, headers=content_type)


class OutreachWorker(PlanUser):
    kind = OUTREACH
    fixed_count = USERS.get(OUTREACH, 0)

    def actions(self) -> list[Choice]:
        return [] if READ_ONLY else [(2, SYNC_BURST, self.sync_burst)]

    def sync_burst(self) -> None:
        """What the quick form's queue sends when the signal comes back after an outing."""
        now = dt.datetime.now(dt.UTC)
        outing_id = str(uuid.uuid4())
        rng = self.rng
        entries: list[dict[str, Any]] = [
            {
                "kind": "outing",
                "id": outing_id,
                "data": {
                    "access_point": self.entry["access_points"][0],
                    "date": now.date().isoformat(),
                    "start_time": "18:00",
                    "end_time": "21:00",
                    "method": "territorial",
                    "materials": [{"kind": "leaflet", "language": "ar", "quantity": 20}],
                    "people_met": [
                        {"gender": "male", "age_band": "25-34", "nationality": "IN", "count": 9}
                    ],
                    "logbook": "Uscita fittizia del benchmark di carico.",
                },
            }
        ]
        for _ in range(rng.randint(20, 50)):
            entries.append(
                {
                    "kind": "contact",
                    "id": str(uuid.uuid4()),
                    "data": {
                        "outing_id": outing_id,
                        "channel": "street",
                        "met_at": now.isoformat(),
                        "gender": rng.choice(["female", "male", "unknown"]),
                        "age_band": rng.choice(["18-24", "25-34", "35-49", "unknown"]),
                        "nationality": rng.choice(NATIONALITIES),
                        "languages": ["ar", "en"],
                        "sector": rng.choice(SECTORS),
                        "needs": rng.sample(NEEDS, 2),
                        "signals": rng.sample(SIGNALS, rng.randint(0, 2)),
                        "next_step": "another_meeting",
                    },
                }
            )
        response = self.expect(
            "POST", "/api/v1/outreach/sync", SYNC_BURST, 200, json={"entries": entries}
        )
        if response.status_code == 200:
            statuses = {r["status"] for r in response.json()["results"]}
            if statuses != {"created"}:
                response.failure(f"not all created: {sorted(statuses)}")


class CaseManager(PlanUser):
    kind = CASE_MANAGER
    fixed_count = USERS.get(CASE_MANAGER, 0)

    def actions(self) -> list[Choice]:
        return [(1, CASE_SEARCH_POST, self.search)]

    def search(self) -> None:
        """The list's search goes by POST and is remembered (names never travel in URLs):
        search, read the results, then clear it so the plain list stays plain."""
        word = self.rng.choice(self.entry["search"])
        self.post_form("/cases/", CASE_SEARCH_POST, {"q": word})
        self.expect("GET", "/cases/", CASE_SEARCH_RESULTS, 200)
        self.post_form("/cases/", CASE_SEARCH_POST, {"q": "", "clear": "1"})


class PartnerOperator(PlanUser):
    kind = PARTNER
    fixed_count = USERS.get(PARTNER, 0)

    def actions(self) -> list[Choice]:
        return [] if READ_ONLY else [(1, REFERRAL_ACCEPT, self.answer)]

    def answer(self) -> None:
        """Accept a referral that waits for an answer; when none is left, write in the
        thread of an open one (the partner's other way of answering)."""
        waiting = self.entry["to_accept"]
        if waiting:
            referral = waiting.pop(0)
            self.post_form(
                f"/referrals/{referral}/transition/", REFERRAL_ACCEPT, {"to": "accepted"}
            )
            return
        referral = self.rng.choice(self.entry["referrals"])
        body = "Risposta fittizia del benchmark: la persona può venire giovedì."
        self.post_form(f"/referrals/{referral}/messages/", REFERRAL_MESSAGE, {"body": body})


class Coordinator(PlanUser):
    kind = COORDINATOR
    fixed_count = USERS.get(COORDINATOR, 0)


class GuideVisitor(PlanUser):
    kind = ANONYMOUS
    fixed_count = USERS.get(ANONYMOUS, 0)


class Floor(FastHttpUser):
    """The cheapest request through the whole stack, at a steady rate, in the same run."""

    fixed_count = 1
    wait_time = constant_pacing(FLOOR_EVERY)

    @task
    def healthz(self) -> None:
        with self.client.get(
            FLOOR_PATH,
            name=FLOOR_NAME,
            headers={"X-Forwarded-Proto": "https"},
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code}")
