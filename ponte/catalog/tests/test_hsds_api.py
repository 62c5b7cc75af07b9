"""The HSDS API: public services for everyone, the rest with a token, writes scoped."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from conftest import World
from ponte.audit.testing import assert_audited
from ponte.catalog.hsds import export_services
from ponte.catalog.hsds_spec import check
from ponte.catalog.hsds_terms import term_id
from ponte.catalog.models import Service, ServiceTopic
from ponte.catalog.tests.hsds_support import HSDS_DIR, full_service, official_validator
from ponte.network import services as network_services
from ponte.network.roles import Role

API = "/api/v1/hsds"
PAGE_KEYS = {
    "total_items",
    "total_pages",
    "page_number",
    "size",
    "first_page",
    "last_page",
    "empty",
    "contents",
}


def bearer(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def token_for(world: World, organization: Any, role: str = Role.PARTNER_OPERATOR) -> str:
    admin = (
        world.users["org_admin"] if organization == world.own else world.users["org_admin@foreign"]
    )
    _row, raw = network_services.issue_api_token(
        actor=admin, organization=organization, name="Gestionale", role=role
    )
    return raw


@pytest.fixture
def catalog(world: World) -> dict[str, Service]:
    public = full_service(organization=world.own)
    hidden = Service.objects.create(
        organization=world.own, name="Servizio interno fittizio", is_public=False
    )
    ServiceTopic.objects.create(service=hidden, area="legal")
    foreign = Service.objects.create(
        organization=world.foreign, name="Servizio altrui fittizio", is_public=True
    )
    ServiceTopic.objects.create(service=foreign, area="housing_emergency")
    return {"public": public, "hidden": hidden, "foreign": foreign}


def test_about(db: Any) -> None:
    body = Client().get(f"{API}/").json()
    assert body["version"] == "3.0"
    assert body["openapi_url"].endswith("/api/v1/openapi.json")


def test_public_services_are_visible_anonymously(catalog: dict[str, Service]) -> None:
    page = Client().get(f"{API}/services").json()
    assert set(page) == PAGE_KEYS
    names = [item["name"] for item in page["contents"]]
    assert names == sorted([catalog["public"].name, catalog["foreign"].name])
    detail = Client().get(f"{API}/services/{catalog['public'].public_id}")
    assert detail.status_code == 200
    assert check("service", detail.json()) == []
    assert set(detail.json()["contacts"][0]) == {"id", "title"}  # staff data stays in
    hidden = Client().get(f"{API}/services/{catalog['hidden'].public_id}")
    assert hidden.status_code == 404


def test_non_public_services_only_with_a_token(world: World, catalog: dict[str, Service]) -> None:
    token = token_for(world, world.foreign)
    page = Client().get(f"{API}/services", **bearer(token)).json()
    assert page["total_items"] == 3
    detail = Client().get(f"{API}/services/{catalog['hidden'].public_id}", **bearer(token))
    assert detail.status_code == 200


def test_a_bad_token_is_refused_not_taken_as_anonymous(catalog: dict[str, Service]) -> None:
    assert Client().get(f"{API}/services", **bearer("pnt_abcd_wrong")).status_code == 401
    assert Client().get(f"{API}/services", HTTP_AUTHORIZATION="Basic eDp5").status_code == 401


def test_pagination_shape(world: World, catalog: dict[str, Service]) -> None:
    token = token_for(world, world.own)
    first = Client().get(f"{API}/services?per_page=2", **bearer(token)).json()
    assert {k: first[k] for k in PAGE_KEYS - {"contents"}} == {
        "total_items": 3,
        "total_pages": 2,
        "page_number": 1,
        "size": 2,
        "first_page": True,
        "last_page": False,
        "empty": False,
    }
    last = Client().get(f"{API}/services?per_page=2&page=2", **bearer(token)).json()
    assert (last["size"], last["first_page"], last["last_page"]) == (1, False, True)
    beyond = Client().get(f"{API}/services?per_page=2&page=9", **bearer(token)).json()
    assert beyond["empty"] and beyond["contents"] == []
    seen = {item["id"] for item in first["contents"] + last["contents"]}
    assert len(seen) == 3


@pytest.mark.skipif(not HSDS_DIR.exists(), reason="the official HSDS files are not here")
def test_list_items_and_full_items_follow_the_official_schemas(
    catalog: dict[str, Service],
) -> None:
    brief = official_validator("service_list.json")
    full = official_validator("service.json")
    listed = Client().get(f"{API}/services").json()["contents"]
    nested = Client().get(f"{API}/services?full=true").json()["contents"]
    assert len(listed) == len(nested) == 2
    for item in listed:
        assert list(brief.iter_errors(item)) == []
    for item in nested:
        assert list(full.iter_errors(item)) == []


def test_filters(catalog: dict[str, Service]) -> None:
    def ids(query: str) -> set[str]:
        return {s["id"] for s in Client().get(f"{API}/services?{query}").json()["contents"]}

    public, foreign = str(catalog["public"].public_id), str(catalog["foreign"].public_id)
    assert ids(f"taxonomy_term_id={term_id('area:housing_emergency')}") == {foreign}
    assert ids(f"taxonomy_term_id={term_id('open_without_permit')}") == {public}
    assert ids(f"organization_id={catalog['foreign'].organization.public_id}") == {foreign}
    assert ids("search=sportello") == set()  # search_text is filled by save_service only
    assert ids("taxonomy_id=00000000-0000-0000-0000-000000000000") == set()
    assert ids("modified_after=2000-01-01T00:00:00Z") == {public, foreign}


# --- writing ----------------------------------------------------------------------------------


def _payload(service: Service) -> dict[str, Any]:
    [exported] = export_services(Service.objects.filter(pk=service.pk), full=True)
    return exported


def _send(method: str, path: str, body: Any, token: str) -> Any:
    client = Client()
    send = client.post if method == "post" else client.put
    return send(path, data=json.dumps(body), content_type="application/json", **bearer(token))


def test_the_owner_replaces_its_service(world: World, catalog: dict[str, Service]) -> None:
    token = token_for(world, world.own)
    body = _payload(catalog["public"])
    body["name"] = "Nome nuovo"
    response = _send("put", f"{API}/services/{body['id']}", body, token)
    assert response.status_code == 200, response.content
    assert response.json()["service"]["name"] == "Nome nuovo"
    service = Service.objects.get(pk=catalog["public"].pk)
    assert service.name == "Nome nuovo"
    event = assert_audited("catalog.service_updated", service)
    assert event.actor_label.startswith("API token Gestionale")


def test_the_owner_creates_a_service(world: World, catalog: dict[str, Service]) -> None:
    token = token_for(world, world.own)
    body = {
        "name": "Nuovo servizio via API",
        "status": "active",
        "attributes": [{"id": term_id("area:legal"), "taxonomy_term_id": term_id("area:legal")}],
    }
    response = _send("post", f"{API}/services", body, token)
    assert response.status_code == 201, response.content
    created = Service.objects.get(public_id=response.json()["service"]["id"])
    assert created.organization == world.own and created.areas == ["legal"]
    again = _send("post", f"{API}/services", {**body, "id": str(created.public_id)}, token)
    assert again.status_code == 409


def test_another_organisations_token_cannot_write(
    world: World, catalog: dict[str, Service]
) -> None:
    token = token_for(world, world.foreign)
    body = _payload(catalog["public"])
    body["name"] = "Presa"
    assert _send("put", f"{API}/services/{body['id']}", body, token).status_code == 403
    assert _send("put", f"{API}/services", body, token).status_code == 403
    fresh = {**body, "id": "3f7b145d-84af-42d7-8fae-eaca714b02b2"}  # own's organisation inside
    assert _send("post", f"{API}/services", fresh, token).status_code == 403
    assert Service.objects.get(pk=catalog["public"].pk).name != "Presa"
    assert not Service.objects.filter(public_id=fresh["id"]).exists()


def test_writes_need_a_token_with_catalog_rights(world: World, catalog: dict[str, Service]) -> None:
    body = _payload(catalog["public"])
    anonymous = Client().put(
        f"{API}/services/{body['id']}", data=json.dumps(body), content_type="application/json"
    )
    assert anonymous.status_code == 401
    analyst = token_for(world, world.own, role=Role.ANALYST)
    assert _send("put", f"{API}/services/{body['id']}", body, analyst).status_code == 403


def test_bad_input_gets_422_with_the_report(world: World, catalog: dict[str, Service]) -> None:
    token = token_for(world, world.own)
    body = _payload(catalog["public"])
    body["status"] = "open"
    body["phones"] = [{"id": "1554f2e2-a373-45db-a3fa-9fc48a61c15e"}]
    response = _send("put", f"{API}/services/{body['id']}", body, token)
    assert response.status_code == 422
    fields = {(p["field"], p["code"]) for p in response.json()["detail"]}
    assert fields == {("status", "enum"), ("phones[0].number", "required")}
    assert Service.objects.get(pk=catalog["public"].pk).status == "active"
    not_json = Client().put(
        f"{API}/services/{body['id']}", data="{", content_type="application/json", **bearer(token)
    )
    assert not_json.status_code == 422


def test_routes_appear_in_the_openapi_document(db: Any) -> None:
    paths = Client().get("/api/v1/openapi.json").json()["paths"]
    assert {"/api/v1/hsds/", "/api/v1/hsds/services", "/api/v1/hsds/services/{id}"} <= set(paths)
