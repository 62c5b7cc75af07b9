"""Bad input for `POST /api/v1/outreach/sync`, generated (hypothesis).

Whatever arrives: never a 500. The envelope (not JSON, not `{"entries": [...]}`, over 512 KB,
over 200 entries) is refused whole with 400 and nothing is written. Inside a good envelope each
entry stands alone: a rejected entry writes nothing and says why, field by field; an accepted
entry is written completely (every material, head count, place, need and signal it carried).
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections import Counter
from typing import Any

import pytest
from django.apps import apps
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from conftest import World, verified_client
from ponte.catalog.taxonomy import Area
from ponte.network import services as network_services
from ponte.network.roles import Role
from ponte.outreach import codes
from ponte.outreach.factories import ContactFactory, OutingFactory, PlaceFactory
from ponte.outreach.models import Contact, Outing
from ponte.outreach.services import MAX_BODY_BYTES, MAX_ENTRIES
from ponte.outreach.tests.helpers import SYNC, contact_entry, outing_entry

# Examples share the test's database and world; each one compares its own before and after.
FUZZ = settings(
    max_examples=60,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# --- generated values ----------------------------------------------------------------------------

# Ids and dates are drawn as markers, resolved against the world of the test (`Sync.resolve`).
OWN_PUA, FOREIGN_PUA = "<own pua>", "<foreign pua>"
OWN_PLACE, FOREIGN_PLACE = "<own place>", "<foreign place>"
OWN_OUTING, FOREIGN_OUTING, FOREIGN_CONTACT = (
    "<own outing>",
    "<foreign outing>",
    "<foreign contact>",
)
NEW_ID, RECENT_DAY, RECENT_MOMENT = "<new id>", "<recent day>", "<recent moment>"

# Text that breaks things: NUL, lone surrogates (valid in JSON, not encodable as UTF-8), line
# ends after a valid code, right-to-left marks, spreadsheet formulas, and plain unicode.
NASTY_TEXT = st.one_of(
    st.text(max_size=30),
    st.sampled_from(
        ["", " ", "\x00", "\ud800", "a\udfffb", "IT\n", "it\n", "\u202eTI", "=1+1", "null", "0"]
    ),
    st.text(st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF), min_size=1, max_size=3),
)
# Long text exactly at and past each limit of the contract (80, 200, 1 000, 5 000, 20 000).
HUGE_TEXT = st.sampled_from([80, 81, 200, 201, 1_000, 1_001, 5_001, 20_001]).map(lambda n: "x" * n)
JSON_SCALAR = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(),  # NaN and infinities too: not JSON, but Python's parser reads them
    NASTY_TEXT,
)
JSON_VALUE = st.recursive(
    JSON_SCALAR,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
# Near misses: the right type, the wrong value (another organisation's PUA, an id nobody
# knows, dates out of range, times and codes almost right).
NEAR_MISS = st.sampled_from(
    [
        *(FOREIGN_PUA, FOREIGN_PLACE, FOREIGN_OUTING, NEW_ID, "2014-12-31", "2999-01-01"),
        *("24:00", "6:00", "08:30x", "it\n", "IT\n", "ITA", "Outing", "street ", "-1", "1e3"),
    ]
)
WRONG = st.one_of(JSON_VALUE, HUGE_TEXT, NEAR_MISS)


def _values(choices: Any) -> list[str]:
    return [str(value) for value in choices.values]


def one_field_wrong(good: st.SearchStrategy[dict[str, Any]], *keys: str) -> Any:
    """A valid object with one field (present or not) replaced by anything at all."""
    return good.flatmap(
        lambda obj: st.tuples(st.sampled_from(sorted({*obj, *keys})), WRONG).map(
            lambda pair: {**obj, pair[0]: pair[1]}
        )
    )


def mostly_valid(good: st.SearchStrategy[dict[str, Any]], *keys: str) -> Any:
    """Half valid, half with one bad field: both paths get their share of examples."""
    return st.one_of(good, one_field_wrong(good, *keys))


def rarely_broken(good: st.SearchStrategy[dict[str, Any]]) -> Any:
    """For list items: one item in four has a bad field, so lists of them are often valid."""
    return st.one_of(good, good, good, one_field_wrong(good))


MATERIAL = rarely_broken(
    st.fixed_dictionaries(
        {
            "kind": st.sampled_from(_values(codes.MaterialKind)),
            "language": st.sampled_from(["ar", "pa", "bn", "ita"]),
            "quantity": st.integers(min_value=1, max_value=100_000),
        }
    )
)
PEOPLE = rarely_broken(
    st.fixed_dictionaries(
        {
            "gender": st.sampled_from(_values(codes.Gender)),
            "age_band": st.sampled_from(_values(codes.AgeBand)),
            "nationality": st.sampled_from(["IN", "ma", ""]),
            "count": st.integers(min_value=1, max_value=10_000),
        }
    )
)
TIME = st.sampled_from(["06:00", "08:30", "23:59", "06:00:00"])
FREE_TEXT = st.one_of(st.text(max_size=40), NASTY_TEXT, HUGE_TEXT)
OUTING_DATA_KEYS = (
    "access_point",
    "date",
    "method",
    "start_time",
    "end_time",
    "place_ids",
    "place_note",
    "logbook",
    "safety_incident",
    "materials",
    "people_met",
)
OUTING_DATA = mostly_valid(
    st.fixed_dictionaries(
        {
            "access_point": st.just(OWN_PUA),
            "date": st.just(RECENT_DAY),
            "method": st.sampled_from(_values(codes.Method)),
        },
        optional={
            "start_time": TIME,
            "end_time": TIME,
            "place_ids": st.lists(st.just(OWN_PLACE), max_size=2),
            "place_note": FREE_TEXT,
            "logbook": FREE_TEXT,
            "safety_incident": FREE_TEXT,
            "materials": st.lists(MATERIAL, max_size=3),
            "people_met": st.lists(PEOPLE, max_size=3),
        },
    ),
    "materials",
    "people_met",
    "place_ids",
)
# Up to 50 codes (the contract's list limit) of two or three letters.
LANGUAGES = st.lists(st.text("abcdefghijklmnopqrstuvwxyz", min_size=2, max_size=3), max_size=50)
CONTACT_DATA_KEYS = (
    "channel",
    "met_at",
    "outing_id",
    "access_point",
    "alias",
    "gender",
    "age_band",
    "nationality",
    "languages",
    "sector",
    "needs",
    "signals",
    "information_given",
    "next_step",
    "consent_recontact",
    "safe_contact_note",
)
CONTACT_DATA = mostly_valid(
    st.fixed_dictionaries(
        {
            "channel": st.sampled_from(_values(codes.Channel)),
            "met_at": st.just(RECENT_MOMENT),
        },
        optional={
            "outing_id": st.just(OWN_OUTING),
            "access_point": st.just(OWN_PUA),
            "alias": FREE_TEXT,
            "gender": st.sampled_from(_values(codes.Gender)),
            "age_band": st.sampled_from(_values(codes.AgeBand)),
            "nationality": st.sampled_from(["IN", "ng", ""]),
            "languages": LANGUAGES,
            "sector": st.sampled_from(_values(codes.Sector)),
            "needs": st.lists(st.sampled_from(_values(Area)), max_size=6),
            "signals": st.lists(st.sampled_from(_values(codes.Signal)), max_size=6),
            "information_given": FREE_TEXT,
            "next_step": st.sampled_from(_values(codes.NextStep)),
            "consent_recontact": st.booleans(),
            "safe_contact_note": FREE_TEXT,
        },
    ),
    "outing_id",
    "languages",
)
ENTRY_ID = st.sampled_from([NEW_ID] * 6 + [FOREIGN_OUTING, FOREIGN_CONTACT, OWN_OUTING])
OUTING_ENTRY = st.fixed_dictionaries(
    {"kind": st.just("outing"), "id": ENTRY_ID, "data": OUTING_DATA}
)
CONTACT_ENTRY = st.fixed_dictionaries(
    {"kind": st.just("contact"), "id": ENTRY_ID, "data": CONTACT_DATA}
)
# Most entries well formed (their data may still hold one bad field), some with a bad kind, id
# or data, some not even an object.
ENTRY = st.one_of(
    OUTING_ENTRY,
    CONTACT_ENTRY,
    OUTING_ENTRY,
    CONTACT_ENTRY,
    one_field_wrong(st.one_of(OUTING_ENTRY, CONTACT_ENTRY)),
    WRONG,
)


# --- the world of one test ------------------------------------------------------------------------


class Sync:
    """Sends payloads as `own`'s coordinator token and resolves the markers of the strategies."""

    def __init__(self, world: World) -> None:
        _row, raw = network_services.issue_api_token(
            actor=world.users["org_admin"],
            organization=world.own,
            name="Fuzz",
            role=Role.COORDINATOR,
        )
        self.auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
        self.client = Client()  # one client: each new one reloads the middleware
        self.own_access_point = world.own_access_point
        own_outing = OutingFactory(access_point=world.own_access_point)
        foreign_outing = OutingFactory(access_point=world.foreign_access_point)
        self.ids = {
            OWN_PUA: str(world.own_access_point.public_id),
            FOREIGN_PUA: str(world.foreign_access_point.public_id),
            OWN_PLACE: str(PlaceFactory(organization=world.own).public_id),
            FOREIGN_PLACE: str(PlaceFactory(organization=world.foreign).public_id),
            OWN_OUTING: str(own_outing.public_id),
            FOREIGN_OUTING: str(foreign_outing.public_id),
            FOREIGN_CONTACT: str(ContactFactory(outing=foreign_outing).public_id),
        }

    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self.resolve(v) for v in value]
        if isinstance(value, dict):
            return {k: self.resolve(v) for k, v in value.items()}
        if value == NEW_ID:
            return str(uuid.uuid4())
        if value == RECENT_DAY:
            return (timezone.localdate() - dt.timedelta(days=2)).isoformat()
        if value == RECENT_MOMENT:
            return (timezone.now() - dt.timedelta(hours=30)).isoformat()
        return self.ids.get(value, value) if isinstance(value, str) else value

    def post(self, body: bytes | str, **extra: Any) -> Any:
        return self.client.post(SYNC, body, content_type="application/json", **self.auth, **extra)


@pytest.fixture
def sync(world: World) -> Sync:
    return Sync(world)


def table_counts() -> Counter[str]:
    """Rows of every table, many-to-many tables included."""
    return Counter(
        {
            model._meta.label: model._default_manager.count()
            for model in apps.get_models(include_auto_created=True)
        }
    )


def dumps(payload: Any) -> str:
    return json.dumps(payload, allow_nan=True)


# --- properties ----------------------------------------------------------------------------------


@FUZZ
@given(body=st.one_of(st.binary(max_size=200), JSON_VALUE.map(dumps), st.text(max_size=200)))
def test_any_body_gets_an_answer_never_a_500(sync: Sync, body: Any) -> None:
    before = table_counts()
    response = sync.post(body)
    assert response.status_code in (200, 400), response.content
    payload = response.json()
    if response.status_code == 400:
        assert isinstance(payload["detail"], str) and payload["detail"]
        assert table_counts() == before
    else:
        assert len(payload["results"]) == len(json.loads(body)["entries"])


@FUZZ
@given(entries=st.lists(ENTRY, max_size=6))
def test_each_entry_is_written_whole_or_not_at_all(sync: Sync, entries: list[Any]) -> None:
    entries = sync.resolve(entries)
    existing = {
        str(public_id)
        for model in (Outing, Contact)
        for public_id in model.objects.values_list("public_id", flat=True)
    }
    before = table_counts()
    response = sync.post(dumps({"entries": entries}))
    assert response.status_code == 200, response.content
    results = response.json()["results"]
    assert len(results) == len(entries)
    expected: Counter[str] = Counter()
    created_here: set[str] = set()
    for position, (entry, result) in enumerate(zip(entries, results, strict=True)):
        status = result["status"]
        event(status)
        assert status in ("created", "already_synced", "rejected")
        entry_id = entry.get("id") if isinstance(entry, dict) else None
        if status == "rejected":
            # Why, field by field, in words.
            assert result["errors"] and all(
                isinstance(m, str) and m for ms in result["errors"].values() for m in ms
            )
            if isinstance(entry_id, str) and entry_id not in existing | created_here:
                assert not _found(entry_id), (position, entry)
            continue
        assert result["errors"] == {}
        if status == "already_synced":
            assert entry_id in existing | created_here
            continue
        created_here.add(entry_id)
        expected += _written_completely(entry)
    assert table_counts() - before == expected
    assert before - table_counts() == Counter()


def _found(public_id: str) -> bool:
    try:
        key = uuid.UUID(public_id)
    except ValueError:
        return False
    return (
        Outing.objects.filter(public_id=key).exists()
        or Contact.objects.filter(public_id=key).exists()
    )


def _written_completely(entry: dict[str, Any]) -> Counter[str]:
    """The entry is in the database with all it carried; returns the rows it added."""
    data = entry["data"]
    rows: Counter[str] = Counter({"audit.AuditEvent": 1})
    if entry["kind"] == "outing":
        outing = Outing.objects.get(public_id=entry["id"])
        assert str(outing.access_point.public_id) == data["access_point"]
        assert outing.date.isoformat() == data["date"]
        assert outing.method == data["method"]
        places = set(data.get("place_ids") or [])
        materials, people = data.get("materials") or [], data.get("people_met") or []
        assert {str(p.public_id) for p in outing.places.all()} == places
        assert sorted(m.quantity for m in outing.materials.all()) == sorted(
            m["quantity"] for m in materials
        )
        assert sorted(p.count for p in outing.people_met.all()) == sorted(
            p["count"] for p in people
        )
        assert outing.logbook == (data.get("logbook") or "").replace("\x00", "").strip()
        rows.update(
            {
                "outreach.Outing": 1,
                "outreach.Outing_places": len(places),
                "outreach.OutingMaterial": len(materials),
                "outreach.PeopleMet": len(people),
            }
        )
        return rows
    contact = Contact.objects.get(public_id=entry["id"])
    needs, signals = set(data.get("needs") or []), set(data.get("signals") or [])
    assert {n.area for n in contact.needs.all()} == needs
    assert {s.code for s in contact.signals.all()} == signals
    assert contact.language_list() == list(dict.fromkeys(data.get("languages") or []))
    assert contact.alias == (data.get("alias") or "").replace("\x00", "").strip()
    rows.update(
        {
            "outreach.Contact": 1,
            "outreach.ContactNeed": len(needs),
            "outreach.ContactSignal": len(signals),
        }
    )
    return rows


CODES_WITH_A_TAIL = st.sampled_from(["IT\n", "it\n", "pa\n", "\nIT", " IT", "I", "ıt", "ITA"])
TIME_EDGES = st.sampled_from(["00:00", "23:59", "24:00", "06:00:00", "06:00:99", "06:00abc", "6:0"])
# What each field gets, besides anything at all: the values closest to its own limits.
EDGES: dict[str, st.SearchStrategy[Any]] = {
    "access_point": st.sampled_from([OWN_PUA, FOREIGN_PUA, NEW_ID, FOREIGN_OUTING]),
    "outing_id": st.sampled_from([OWN_OUTING, FOREIGN_OUTING, NEW_ID, OWN_PUA]),
    "date": st.sampled_from([RECENT_DAY, "2015-01-01", "2014-12-31", "2999-01-01", "2026-02-30"]),
    "met_at": st.sampled_from([RECENT_MOMENT, "2014-12-31T23:00:00Z", "2026-01-01T25:00:00"]),
    "start_time": TIME_EDGES,
    "end_time": TIME_EDGES,
    "place_ids": st.lists(st.sampled_from([OWN_PLACE, FOREIGN_PLACE, NEW_ID]), max_size=51),
    "nationality": CODES_WITH_A_TAIL,
    "languages": st.one_of(LANGUAGES, st.lists(CODES_WITH_A_TAIL, min_size=1, max_size=3)),
    "materials": st.lists(
        st.fixed_dictionaries(
            {
                "kind": st.sampled_from(_values(codes.MaterialKind)),
                "language": st.one_of(st.sampled_from(["ar", "ita"]), CODES_WITH_A_TAIL),
                "quantity": st.sampled_from([0, 1, 100_000, 100_001, 2**63, True, 1.0]),
            }
        ),
        max_size=3,
    ),
    "people_met": st.lists(
        st.fixed_dictionaries(
            {
                "gender": st.sampled_from(_values(codes.Gender)),
                "age_band": st.sampled_from(_values(codes.AgeBand)),
                "nationality": CODES_WITH_A_TAIL,
                "count": st.sampled_from([0, 1, 10_000, 10_001, -1, False]),
            }
        ),
        max_size=3,
    ),
    "needs": st.lists(st.one_of(st.sampled_from(_values(Area)), NASTY_TEXT), max_size=51),
    "signals": st.lists(st.one_of(st.sampled_from(_values(codes.Signal)), NASTY_TEXT), max_size=51),
    "consent_recontact": st.sampled_from([True, False, 0, 1, "true", None]),
}
FREE_TEXT_FIELDS = (
    *("place_note", "logbook", "safety_incident", "alias"),
    *("information_given", "safe_contact_note"),
)
for _name in FREE_TEXT_FIELDS:
    EDGES[_name] = FREE_TEXT
# A contact without an outing is asked for its PUA; a start after the end is the end's fault.
PAIRED = {"outing_id": {"access_point"}, "start_time": {"end_time"}}
ODD_FIELD = st.one_of(
    st.tuples(st.just("outing"), st.sampled_from(OUTING_DATA_KEYS)),
    st.tuples(st.just("contact"), st.sampled_from(CONTACT_DATA_KEYS)),
).flatmap(
    lambda pair: st.tuples(
        st.just(pair[0]), st.just(pair[1]), st.one_of(EDGES.get(pair[1], WRONG), WRONG)
    )
)


@settings(FUZZ, max_examples=200)
@given(odd=ODD_FIELD)
def test_one_odd_field_in_a_good_entry(sync: Sync, odd: tuple[str, str, Any]) -> None:
    """A good entry with one field set to a value at its limits, or to anything: stored as sent
    (once cleaned) or refused with a message about that very field, never half written."""
    kind, name, value = odd
    if kind == "outing":
        entry = outing_entry(sync.own_access_point, place_ids=[sync.ids[OWN_PLACE]])
    else:
        entry = contact_entry(sync.ids[OWN_OUTING])
    entry["data"][name] = sync.resolve(value)
    before = table_counts()
    response = sync.post(dumps({"entries": [entry]}))
    assert response.status_code == 200, response.content
    result = response.json()["results"][0]
    event(result["status"])
    if result["status"] == "created":
        assert table_counts() - before == _written_completely(entry)
        return
    assert result["status"] == "rejected"
    # The message is about that field, or the one it has to agree with.
    fields = {key.split(".")[0] for key in result["errors"]}
    assert fields in ({name}, PAIRED.get(name)), result
    assert table_counts() == before


_PERSON = {"gender": "male", "age_band": "25-34", "count": 1}
_MATERIAL = {"kind": "leaflet", "quantity": 1}


@pytest.mark.parametrize(
    ("kind", "name", "value", "error"),
    [
        # Lone surrogates: a 500 when the cipher or the database encoded them.
        ("contact", "alias", "\ud800", "alias"),
        ("outing", "logbook", "a\udfffb", "logbook"),
        # "$" matched before a final newline: "NG\n" reached a two-character column.
        ("contact", "nationality", "NG\n", "nationality"),
        ("outing", "people_met", [{**_PERSON, "nationality": "PK\n"}], "people_met.0.nationality"),
        ("outing", "materials", [{**_MATERIAL, "language": "it\n"}], "materials.0.language"),
        # 30 distinct codes of three letters: 119 characters in a 100-character column.
        ("contact", "languages", [f"{a}{b}x" for a in "abcde" for b in "abcdef"], "languages"),
        # Only the first five characters were looked at.
        ("outing", "start_time", "06:00abc", "start_time"),
    ],
)
def test_values_that_reached_the_database_unchecked(
    sync: Sync, kind: str, name: str, value: Any, error: str
) -> None:
    if kind == "outing":
        entry = outing_entry(sync.own_access_point)
    else:
        entry = contact_entry(sync.ids[OWN_OUTING])
    entry["data"][name] = value
    before = table_counts()
    result = sync.post(dumps({"entries": [entry]})).json()["results"][0]
    assert result["status"] == "rejected" and list(result["errors"]) == [error], result
    assert table_counts() == before


# --- the limits, exactly -------------------------------------------------------------------------


def _valid_outings(sync: Sync, count: int) -> list[dict[str, Any]]:
    return [outing_entry(sync.own_access_point) for _ in range(count)]


def test_two_hundred_entries_pass_and_two_hundred_and_one_do_not(sync: Sync) -> None:
    before = table_counts()
    refused = sync.post(dumps({"entries": _valid_outings(sync, MAX_ENTRIES + 1)}))
    assert refused.status_code == 400 and "200" in refused.json()["detail"]
    assert table_counts() == before
    accepted = sync.post(dumps({"entries": _valid_outings(sync, MAX_ENTRIES)}))
    assert accepted.status_code == 200
    assert {r["status"] for r in accepted.json()["results"]} == {"created"}


@pytest.mark.parametrize("extra", [1, 100_000])
def test_a_body_over_512_kb_is_refused_whole(sync: Sync, extra: int) -> None:
    entry = _valid_outings(sync, 1)[0]
    body = dumps({"entries": [entry], "padding": ""})
    body = body.replace(
        '"padding": ""', '"padding": "' + "x" * (MAX_BODY_BYTES - len(body) + extra) + '"'
    )
    assert len(body.encode()) == MAX_BODY_BYTES + extra
    before = table_counts()
    response = sync.post(body)
    assert response.status_code == 400 and "512" in response.json()["detail"]
    assert table_counts() == before


def test_a_body_of_exactly_512_kb_is_read(sync: Sync) -> None:
    entry = _valid_outings(sync, 1)[0]
    body = dumps({"entries": [entry], "padding": ""})
    body = body.replace('"padding": ""', '"padding": "' + "x" * (MAX_BODY_BYTES - len(body)) + '"')
    assert len(body.encode()) == MAX_BODY_BYTES
    response = sync.post(body)
    assert response.status_code == 200 and response.json()["results"][0]["status"] == "created"


@pytest.mark.parametrize("depth", [10, 880, 890, 5_000, 100_000])
def test_deeply_nested_json_is_refused_or_read_never_a_500(sync: Sync, depth: int) -> None:
    """Python's JSON parser gives up (RecursionError) a little under 1 000 levels: a few
    kilobytes of "[[[[…" came back as a 500. Around that depth, in every place of the body."""
    nested = "[" * depth + "]" * depth
    entry = json.dumps(outing_entry(sync.own_access_point))
    bodies = [
        nested,
        '{"entries": ' + nested + "}",
        '{"entries": [' + nested + "]}",
        '{"entries": [{"kind": "outing", "id": ' + nested + ', "data": {}}]}',
        '{"entries": [{"kind": ' + nested + ', "id": "x", "data": {}}]}',
        '{"entries": [' + entry.replace('"territorial"', nested) + "]}",
    ]
    before = table_counts()
    for body in bodies:
        response = sync.post(body)
        assert response.status_code in (200, 400), (depth, response.content[:200])
        if response.status_code == 200:
            assert response.json()["results"][0]["status"] == "rejected"
    assert table_counts() == before


def test_a_duplicate_id_in_one_payload_is_written_once(sync: Sync) -> None:
    entry = _valid_outings(sync, 1)[0]
    before = table_counts()
    response = sync.post(dumps({"entries": [entry, entry, {**entry, "data": {}}]}))
    assert [r["status"] for r in response.json()["results"]] == [
        "created",
        "already_synced",
        "already_synced",
    ]
    assert table_counts()["outreach.Outing"] == before["outreach.Outing"] + 1


def test_the_browser_path_needs_the_csrf_header(world: World) -> None:
    """The session path: without the CSRF header the whole request is refused, not the entries."""
    client = verified_client(world.users["outreach_worker"])
    client.handler.enforce_csrf_checks = True
    before = table_counts()
    response = client.post(
        SYNC, dumps({"entries": [outing_entry(world.own_access_point)]}), "application/json"
    )
    assert response.status_code == 403
    assert table_counts() == before
