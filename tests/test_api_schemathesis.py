"""The partner API against its own OpenAPI file, and across organisations.

1. schemathesis runs every operation of `/api/v1/openapi.json` with every check it has
   (no 5xx, no undocumented status, responses that match their schemas, invalid input refused,
   valid input accepted, authentication enforced), positive and negative data, a fixed seed and
   a bounded number of examples, once with a token of each role of the `own` organisation.
2. Every operation that takes an id is called by `own`'s token with the ids of `foreign`'s
   records: what is private to `foreign` is never returned (404/403) and nothing of it changes.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.apps import apps
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, settings

from config.api import api
from config.wsgi import application
from conftest import World
from ponte.catalog.factories import ServiceFactory
from ponte.catalog.models import Service
from ponte.network import services as network_services
from ponte.network.roles import Role
from ponte.outreach.factories import ContactFactory, OutingFactory, PlaceFactory
from ponte.referrals.factories import InboundSignalFactory, ReferralFactory
from ponte.referrals.models import Referral

API = "/api/v1"
ROLES = [role.value for role in Role]
# Each operation × role: the coverage phase (boundaries, missing and wrong-typed values, every
# enum value) plus this many generated examples. 7 roles × 22 operations stay near a minute.
MAX_EXAMPLES = 8
SEED = 20261122

# 422 is what the HSDS importer answers for a well-formed service that breaks a rule the OpenAPI
# file cannot carry (every Ponte service needs an area of the taxonomy, a known organisation...):
# for those operations only, a schema-valid body may get it, with its per-field report.
_CONFIG = schemathesis.Config.from_dict(
    {
        "seed": SEED,
        "generation": {"max-examples": MAX_EXAMPLES},
        "operations": [
            {
                "include-path-regex": "^/api/v1/hsds/services",
                "include-method": ["POST", "PUT"],
                "checks": {
                    "positive_data_acceptance": {
                        "expected-statuses": ["2xx", 401, 403, 404, 409, 422, 429, "5xx"]
                    }
                },
            }
        ],
    }
)


def openapi_document() -> dict[str, Any]:
    """The document `/api/v1/openapi.json` serves (`test_the_tested_document_is_the_served_one`).

    Built here rather than fetched through the WSGI app (`from_wsgi`): fetching runs a request,
    and at collection time pytest-django refuses every database access, even the one an
    ATOMIC_REQUESTS view opens. Loaded at import, each operation is a test of its own, which
    xdist can spread over the workers."""
    document: dict[str, Any] = json.loads(json.dumps(api.get_openapi_schema(path_params={})))
    return document


schema = schemathesis.openapi.from_dict(openapi_document(), config=_CONFIG)
schema.app = application  # calls go straight to Django's WSGI handler, no server


@pytest.fixture
def connection_kept() -> Iterator[None]:
    """Django closes the database connection at the end of each request; the test client stops
    it from doing so and so must we, or the test's transaction would be closed under it."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def issue_token(world: World, organization: Any, role: str) -> str:
    _row, raw = network_services.issue_api_token(
        actor=world.users["platform_admin"], organization=organization, name=role, role=role
    )
    return raw


@pytest.fixture
def records(world: World) -> dict[str, Any]:
    """Something in every list, for `own` and for `foreign`: responses are checked with items,
    and the cross-organisation probes have ids to ask for."""
    own_outing = OutingFactory(access_point=world.own_access_point)
    foreign_outing = OutingFactory(access_point=world.foreign_access_point)
    return {
        "own_service": ServiceFactory(organization=world.own, is_public=True),
        "foreign_service": ServiceFactory(organization=world.foreign),
        "own_outing": own_outing,
        "own_contact": ContactFactory(outing=own_outing),
        "foreign_outing": foreign_outing,
        "foreign_contact": ContactFactory(outing=foreign_outing),
        "foreign_place": PlaceFactory(organization=world.foreign),
        "own_referral": ReferralFactory(
            case__access_point=world.own_access_point, receiver=world.partner, sent=True
        ),
        "foreign_referral": ReferralFactory(
            case__access_point=world.foreign_access_point, receiver=world.partner, sent=True
        ),
        "foreign_signal": InboundSignalFactory(
            access_point=world.foreign_access_point, sender=world.partner
        ),
    }


@pytest.fixture
def tokens(world: World, records: dict[str, Any], connection_kept: None) -> dict[str, str]:
    return {role: issue_token(world, world.own, role) for role in ROLES}


@pytest.mark.parametrize("role", ROLES)
@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    # Fixtures are built once per operation and role; its examples share them.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_every_operation_conforms(case: Any, tokens: dict[str, str], role: str) -> None:
    case.call_and_validate(headers={"Authorization": f"Bearer {tokens[role]}"})


def test_the_tested_document_is_the_served_one(db: Any) -> None:
    served = Client().get(f"{API}/openapi.json")
    assert served.status_code == 200
    assert served.json() == openapi_document()


def test_every_operation_is_tested() -> None:
    """A new route is fuzzed without anyone adding it here; this says how many there are."""
    labels = {op.ok().label for op in schema.get_all_operations()}
    assert len(labels) == 25  # 22 + the referrals' receive, start and not-completed
    assert "POST /api/v1/outreach/sync" in labels


# --- what schemathesis found, pinned ------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/organisations",
        "/access-points",
        "/agreements",
        "/outreach/outings",
        "/outreach/contacts",
        "/referrals/inbox",
    ],
)
def test_a_huge_page_number_is_a_422_not_a_500(
    world: World, own_tokens: dict[str, str], path: str
) -> None:
    """The offset of page 738695206741770892214272 overflowed the databases' 64-bit OFFSET."""
    call = Caller()
    token = own_tokens["coordinator"]
    assert call("GET", f"{path}?page=738695206741770892214272", token).status_code == 422
    assert call("GET", f"{path}?page=1000001", token).status_code == 422
    last = call("GET", f"{path}?page=1000000", token)
    assert last.status_code == 200 and last.json()["items"] == []


def test_the_hsds_list_keeps_its_lenient_paging_within_bounds(own_tokens: dict[str, str]) -> None:
    listed = Caller()("GET", "/hsds/services?page=738695206741770892214272", own_tokens["analyst"])
    assert listed.status_code == 200 and listed.json()["contents"] == []


@pytest.mark.parametrize(
    "path",
    [
        "/outreach/outings?until=0",
        "/outreach/contacts?since=1700000000",
        "/hsds/services?modified_after=0.5",
    ],
)
def test_a_number_is_not_a_date(own_tokens: dict[str, str], path: str) -> None:
    """Pydantic reads "0" as 1 January 1970; the OpenAPI file says an ISO date, and so do we."""
    response = Caller()("GET", path, own_tokens["coordinator"])
    assert response.status_code == 422, response.content
    iso = Caller()("GET", path.split("=")[0] + "=2026-01-10T00:00:00Z", own_tokens["coordinator"])
    assert iso.status_code == 200


def test_json_nested_too_deep_is_a_422_for_hsds_writes(own_tokens: dict[str, str]) -> None:
    before = _counts()
    body = "[" * 100_000 + "]" * 100_000
    response = Caller().client.post(
        f"{API}/hsds/services",
        body,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {own_tokens['coordinator']}",
    )
    assert response.status_code == 422
    assert _counts() == before


def test_the_document_declares_what_the_handlers_answer() -> None:
    paths = openapi_document()["paths"]
    for operations in paths.values():
        for operation in operations.values():
            if operation.get("security"):
                assert "401" in operation["responses"], operation["operationId"]
            if operation.get("parameters") or operation.get("requestBody"):
                assert "422" in operation["responses"], operation["operationId"]
    # Reads of the public guide need no token: the empty requirement says so.
    assert {} in paths["/api/v1/hsds/services"]["get"]["security"]
    assert {} not in paths["/api/v1/hsds/services"]["post"]["security"]


# --- cross-organisation: `own`'s token, `foreign`'s ids ------------------------------------------
# One client per test: each new test client loads the middleware again, WhiteNoise included,
# which walks every static file (half a second each time).


class Caller:
    def __init__(self) -> None:
        self.client = Client()

    def __call__(self, method: str, path: str, token: str, body: Any = None) -> Any:
        auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
        if method == "GET":
            return self.client.get(f"{API}{path}", **auth)
        data = json.dumps(body if body is not None else {})
        send = getattr(self.client, method.lower())
        return send(f"{API}{path}", data=data, content_type="application/json", **auth)


def _counts() -> dict[str, int]:
    return {m._meta.label: m._default_manager.count() for m in apps.get_models()}


@pytest.fixture
def own_tokens(world: World, records: dict[str, Any]) -> dict[str, str]:
    return {role: issue_token(world, world.own, role) for role in ROLES}


def test_foreign_agreements_and_referrals_do_not_exist_for_own(
    world: World, records: dict[str, Any], own_tokens: dict[str, str]
) -> None:
    call = Caller()
    agreement = world.foreign_agreement.public_id
    for role, token in own_tokens.items():
        assert call("GET", f"/agreements/{agreement}", token).status_code == 404, role
        listed = call("GET", "/agreements", token).json()["items"]
        assert str(agreement) not in {a["id"] for a in listed}
        inbox = {r["id"] for r in call("GET", "/referrals/inbox", token).json()["items"]}
        for key in ("foreign_referral", "foreign_signal"):
            referral: Referral = records[key]
            before = (referral.status, referral.version, referral.events.count())
            assert call("GET", f"/referrals/{referral.public_id}", token).status_code == 404
            for action, body in (
                ("accept", {}),
                ("decline", {"reason": "Prova (fittizia)"}),
                ("complete", {"outcome": "Prova (fittizia)"}),
            ):
                answer = call("POST", f"/referrals/{referral.public_id}/{action}", token, body)
                assert answer.status_code == 404, (role, key, action, answer.content)
            referral.refresh_from_db()
            assert (referral.status, referral.version, referral.events.count()) == before
            assert str(referral.public_id) not in inbox


def test_foreign_services_cannot_be_written_by_own(
    world: World, records: dict[str, Any], own_tokens: dict[str, str]
) -> None:
    """Reading is by design (a token sees the catalog a member sees, staff contacts never);
    writing someone else's service is refused whatever the route, and changes nothing."""
    call = Caller()
    service: Service = records["foreign_service"]
    sid = str(service.public_id)
    body = {"id": sid, "name": "Preso in prestito", "status": "active"}
    for role, token in own_tokens.items():
        before = _counts()
        answers = [
            call("PUT", f"/hsds/services/{sid}", token, body),
            call("PUT", "/hsds/services", token, body),
            call("POST", "/hsds/services", token, body),
            # A new service in foreign's name: the organisation is the token's, not the body's.
            call(
                "POST",
                "/hsds/services",
                token,
                {**body, "id": str(uuid.uuid4()), "organization_id": str(world.foreign.public_id)},
            ),
        ]
        assert [a.status_code for a in answers] == [403] * 4, (role, [a.content for a in answers])
        assert _counts() == before
        service.refresh_from_db()
        assert service.name != "Preso in prestito"
        read = call("GET", f"/hsds/services/{sid}", token)
        assert read.status_code == 200
        assert "email" not in json.dumps(read.json().get("contacts", []))


def test_foreign_outreach_is_neither_listed_nor_writable_by_own(
    world: World, records: dict[str, Any], own_tokens: dict[str, str]
) -> None:
    call = Caller()
    foreign_ids = {
        str(records[k].public_id) for k in ("foreign_outing", "foreign_contact", "foreign_place")
    }
    outing = {
        "access_point": str(world.own_access_point.public_id),
        "date": "2026-01-10",
        "method": "territorial",
    }
    foreign_outing = str(records["foreign_outing"].public_id)
    entries = [
        # foreign's PUA, foreign's outing id, foreign's contact id, foreign's outing as the link,
        # foreign's place
        {
            "kind": "outing",
            "id": str(uuid.uuid4()),
            "data": {**outing, "access_point": str(world.foreign_access_point.public_id)},
        },
        {"kind": "outing", "id": foreign_outing, "data": outing},
        {"kind": "contact", "id": str(records["foreign_contact"].public_id), "data": {}},
        {
            "kind": "contact",
            "id": str(uuid.uuid4()),
            "data": {
                "outing_id": foreign_outing,
                "channel": "street",
                "met_at": "2026-01-10T07:00:00+01:00",
            },
        },
        {
            "kind": "outing",
            "id": str(uuid.uuid4()),
            "data": {**outing, "place_ids": [str(records["foreign_place"].public_id)]},
        },
    ]
    for role, token in own_tokens.items():
        for path in ("/outreach/outings", "/outreach/contacts"):
            listed = call("GET", path, token)
            assert listed.status_code == 200, role
            assert not foreign_ids & {item["id"] for item in listed.json()["items"]}
        options = call("GET", "/outreach/options", token).json()
        assert not foreign_ids & {p["id"] for p in options["places"]}
        offered = {ap["id"] for ap in options["access_points"]}
        assert str(world.foreign_access_point.public_id) not in offered

        before = _counts()
        response = call("POST", "/outreach/sync", token, {"entries": entries})
        assert response.status_code == 200
        results = response.json()["results"]
        assert [r["status"] for r in results] == ["rejected"] * len(entries), (role, results)
        assert _counts() == before
        # A rejection says the id is taken, not whose it is or what it holds.
        text = response.content.decode()
        assert world.foreign.name not in text and records["foreign_place"].name not in text


def test_the_directory_is_shared_and_holds_nothing_private(
    world: World, own_tokens: dict[str, str]
) -> None:
    """Organisations and access points are the network's directory: every member sees them in
    the app, so a token does too. Only directory fields leave, never members or tokens."""
    call = Caller()
    for token in own_tokens.values():
        org = call("GET", f"/organisations/{world.foreign.public_id}", token)
        assert org.status_code == 200
        assert set(org.json()) == {
            "id",
            "name",
            "kind",
            "htcds_type",
            "description",
            "territory",
            "email",
            "phone",
            "website",
            "source",
            "is_demo",
        }
        point = call("GET", f"/access-points/{world.foreign_access_point.public_id}", token)
        assert point.status_code == 200
        assert set(point.json()) == {
            "id",
            "name",
            "form",
            "lead_organization_id",
            "ambiti",
            "sites",
            "is_diffuso",
            "is_demo",
        }
