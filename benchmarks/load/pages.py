"""What each kind of user does in the load benchmark, page by page.

Shared by `locustfile.py` (which requests the pages over HTTP, through gunicorn) and by
`prepare.py profile` (which renders one of each in-process to count its queries). Every page
has a stable name, used as locust's `name=`: the statistics are per page, never per URL with
ids in it. Paths are built from one session's entry in the plan that `prepare.py` writes (the
ids that session may open), so a page is always one the user really reaches.

`audited` pages append a row to the audit trail on every read (the case file, a referral):
like `writes`, they are left out of a read-only run, which must not change the database.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Entry = dict[str, Any]  # one session of the plan: its cookies and the ids it may open
PathFor = Callable[[Entry, random.Random], str]

OUTREACH = "outreach_worker"
CASE_MANAGER = "case_manager"
PARTNER = "partner_operator"
COORDINATOR = "coordinator"
ANONYMOUS = "anonymous"
KINDS = (OUTREACH, CASE_MANAGER, PARTNER, COORDINATOR, ANONYMOUS)
FLOOR_NAME = "floor: GET /healthz"
FLOOR_PATH = "/healthz"

# The monitoring dashboard's sections (ponte.monitoring.indicators.SECTIONS); the first is
# also what /monitoring/ shows.
MONITORING_SECTIONS = ("path", "process", "outputs", "outcomes", "times", "network")


@dataclass(frozen=True)
class Page:
    kind: str
    name: str
    weight: int
    path: PathFor
    audited: bool = False  # appends an audit row on every read
    writes: bool = False  # a POST that changes records (not a GET page)
    operator: bool = True  # behind the login: the ≤ 3 × floor goal applies


def _pick(entry: Entry, key: str, rng: random.Random) -> str:
    return str(rng.choice(entry[key]))


def _guide_search(entry: Entry, rng: random.Random) -> str:
    lang = _pick(entry, "languages", rng)
    area = _pick(entry, "areas", rng)
    place = _pick(entry, "places", rng)
    # A third of the searches are by need only, as on the guide's home page.
    where = f"&place={place.replace(' ', '+')}" if rng.random() > 1 / 3 else ""
    return f"/guida/{lang}/servizi/?area={area}{where}"


def _section_path(section: str) -> PathFor:
    path = "/monitoring/" if section == MONITORING_SECTIONS[0] else f"/monitoring/{section}/"
    return lambda entry, rng: path


GET_PAGES: tuple[Page, ...] = (
    # Outreach worker: the unit's lists, an outing, the quick form and what it loads offline.
    Page(OUTREACH, "outreach: outing list", 3, lambda e, r: "/outreach/"),
    Page(OUTREACH, "outreach: contact list", 2, lambda e, r: "/outreach/contacts/"),
    Page(
        OUTREACH,
        "outreach: outing detail",
        2,
        lambda e, r: f"/outreach/outings/{_pick(e, 'outings', r)}/",
    ),
    Page(OUTREACH, "outreach: quick form", 2, lambda e, r: "/outreach/quick/"),
    Page(
        OUTREACH, "outreach: quick form options (API)", 1, lambda e, r: "/api/v1/outreach/options"
    ),
    # Case manager: the day's work, the caseload, one case file.
    Page(CASE_MANAGER, "cases: my work", 3, lambda e, r: "/cases/work/"),
    Page(CASE_MANAGER, "cases: case list", 3, lambda e, r: "/cases/"),
    Page(
        CASE_MANAGER,
        "cases: case list by phase",
        1,
        lambda e, r: f"/cases/?phase={r.choice(['engagement', 'analysis', 'plan'])}",
    ),
    Page(
        CASE_MANAGER,
        "cases: case detail + timeline",
        3,
        lambda e, r: f"/cases/{_pick(e, 'cases', r)}/",
        audited=True,
    ),
    Page(
        CASE_MANAGER,
        "cases: timeline, older events",
        1,
        lambda e, r: f"/cases/{_pick(e, 'cases', r)}/?page=2",
        audited=True,
    ),
    Page(
        CASE_MANAGER,
        "cases: plan",
        2,
        lambda e, r: f"/cases/{_pick(e, 'cases_with_plan', r)}/plan/",
        audited=True,
    ),
    # Partner operator: the referrals received, one referral.
    Page(PARTNER, "referrals: inbox", 3, lambda e, r: "/referrals/"),
    Page(PARTNER, "referrals: inbox, open only", 1, lambda e, r: "/referrals/?status=open"),
    Page(
        PARTNER,
        "referrals: detail",
        3,
        lambda e, r: f"/referrals/{_pick(e, 'referrals', r)}/",
        audited=True,
    ),
    # Coordinator: the monitoring dashboard, section by section.
    *(
        Page(
            COORDINATOR,
            f"monitoring: {section}",
            2 if section == "path" else 1,
            _section_path(section),
        )
        for section in MONITORING_SECTIONS
    ),
    # Anonymous visitor of the public guide.
    Page(
        ANONYMOUS,
        "guide: home",
        1,
        lambda e, r: f"/guida/{_pick(e, 'languages', r)}/",
        operator=False,
    ),
    Page(ANONYMOUS, "guide: search", 3, _guide_search, operator=False),
    Page(
        ANONYMOUS,
        "guide: service",
        2,
        lambda e, r: f"/guida/{_pick(e, 'languages', r)}/servizi/{_pick(e, 'services', r)}/",
        operator=False,
    ),
)

# The POSTs, done by the locust users themselves (their names, for the report).
SYNC_BURST = "outreach: sync burst (1 outing + 20-50 contacts, API)"
CASE_SEARCH_POST = "cases: search (POST, remembered)"
CASE_SEARCH_RESULTS = "cases: case list, search results"
REFERRAL_ACCEPT = "referrals: accept (POST)"
REFERRAL_MESSAGE = "referrals: answer with a message (POST)"
WRITES = {SYNC_BURST, REFERRAL_ACCEPT, REFERRAL_MESSAGE}
ACTIONS = {*WRITES, CASE_SEARCH_POST}  # not pages: reported, outside the page goal
POST_NAMES = (SYNC_BURST, CASE_SEARCH_POST, CASE_SEARCH_RESULTS, REFERRAL_ACCEPT, REFERRAL_MESSAGE)


def pages_for(kind: str, *, read_only: bool) -> list[Page]:
    return [p for p in GET_PAGES if p.kind == kind and not (read_only and (p.audited or p.writes))]


def is_operator_page(name: str) -> bool:
    if name == FLOOR_NAME or name in ACTIONS:
        return False
    page = next((p for p in GET_PAGES if p.name == name), None)
    return page.operator if page is not None else True
