"""The partner API: deny by default, tokens scoped to one organisation, hashed, revocable."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from conftest import World, verified_client
from ponte.audit.testing import assert_audited
from ponte.network import services
from ponte.network.models import ApiToken
from ponte.network.roles import Role

API = "/api/v1"


def bearer(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


@pytest.fixture
def own_token(world: World) -> str:
    _row, raw = services.issue_api_token(
        actor=world.users["org_admin"],
        organization=world.own,
        name="Gestionale",
        role=Role.PARTNER_OPERATOR,
    )
    return raw


def test_openapi_document_is_served(db) -> None:
    response = Client().get(f"{API}/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert {"/api/v1/organisations", "/api/v1/access-points", "/api/v1/agreements"} <= set(paths)


@pytest.mark.parametrize(
    "path",
    [
        "/organisations",
        "/access-points",
        "/agreements",
        "/organisations/00000000-0000-0000-0000-000000000000",
    ],
)
def test_every_route_denies_without_a_valid_token(world: World, path: str) -> None:
    assert Client().get(API + path).status_code == 401
    assert Client().get(API + path, **bearer("pnt_abcd_wrong")).status_code == 401
    assert Client().get(API + path, **bearer("not-even-close")).status_code == 401


def test_token_is_stored_hashed_and_issuance_audited(world: World, own_token: str) -> None:
    row = ApiToken.objects.get()
    assert own_token not in (row.token_hash, row.prefix) and len(row.token_hash) == 64
    assert_audited("api.token_issued", row)


def test_lists_and_details(world: World, own_token: str) -> None:
    response = Client().get(f"{API}/organisations", **bearer(own_token))
    assert "no-store" in response["Cache-Control"]
    orgs = response.json()
    assert orgs["count"] >= 3
    detail = Client().get(f"{API}/organisations/{world.foreign.public_id}", **bearer(own_token))
    assert detail.status_code == 200 and detail.json()["htcds_type"] == "NGO"
    aps = Client().get(f"{API}/access-points", **bearer(own_token)).json()
    assert {item["name"] for item in aps["items"]} == {
        world.own_access_point.name,
        world.foreign_access_point.name,
    }


def test_agreements_are_scoped_to_the_token_organisation(world: World, own_token: str) -> None:
    listed = Client().get(f"{API}/agreements", **bearer(own_token)).json()
    assert [a["title"] for a in listed["items"]] == [world.own_agreement.title]
    own = Client().get(f"{API}/agreements/{world.own_agreement.public_id}", **bearer(own_token))
    assert own.status_code == 200 and len(own.json()["signatories"]) == 2
    foreign = Client().get(
        f"{API}/agreements/{world.foreign_agreement.public_id}", **bearer(own_token)
    )
    assert foreign.status_code == 404


def test_revoked_token_stops_working_at_once(world: World, own_token: str) -> None:
    assert Client().get(f"{API}/organisations", **bearer(own_token)).status_code == 200
    services.revoke_api_token(ApiToken.objects.get(), actor=world.users["org_admin"])
    assert Client().get(f"{API}/organisations", **bearer(own_token)).status_code == 401
    assert_audited("api.token_revoked", ApiToken.objects.get())


def test_bad_parameters_get_a_clear_4xx(world: World, own_token: str) -> None:
    response = Client().get(f"{API}/organisations/not-a-uuid", **bearer(own_token))
    assert response.status_code == 422
    response = Client().get(f"{API}/agreements?in_force=maybe", **bearer(own_token))
    assert response.status_code == 422


def test_token_page_shows_the_secret_once(world: World) -> None:
    client = verified_client(world.users["org_admin"])
    url = reverse("network:token_list", args=[world.own.public_id])
    response = client.post(url, {"name": "Sistema CPI", "role": Role.PARTNER_OPERATOR})
    secret = response.context["new_secret"]
    assert secret.startswith("pnt_") and secret in response.content.decode()
    assert secret not in client.get(url).content.decode()


def test_list_query_count_does_not_grow(
    world: World, own_token: str, django_assert_max_num_queries
) -> None:
    from ponte.network.factories import AccessPointFactory, SiteFactory

    for _ in range(20):
        SiteFactory(access_point=AccessPointFactory())
    with django_assert_max_num_queries(8):
        Client().get(f"{API}/access-points", **bearer(own_token))


def test_expired_token_is_refused(world: World, own_token: str) -> None:
    import datetime as dt

    import time_machine

    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(days=366)):
        assert Client().get(f"{API}/organisations", **bearer(own_token)).status_code == 401
