"""Demo outreach (fictitious): a few weeks of the Milano demo unit's outings and contacts.

Run by `load_demo` through the network's plug-in point. The entries go through the real
`sync_entries`, as if sent by the demo outreach worker's phone, with ids derived from fixed
names: loading the demo again answers "already_synced" and changes nothing.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.utils import timezone

from ponte.accounts.models import User
from ponte.network.models import AccessPoint
from ponte.outreach.models import Contact, Outing, Place
from ponte.outreach.services import sync_entries

WORKER_EMAIL = "operatore.strada@demo.ponte.invalid"
_NAMESPACE = uuid.UUID("6f1d2c3b-0000-4000-8000-6f7574726561")

PLACES = [
    ("delivery_hub", "Hub consegne di via Fittizia (demo)"),
    ("station", "Stazione Centrale, lato autobus (demo)"),
    ("market", "Mercato rionale del sabato (demo)"),
]

# (days ago, method, place index, [(alias, gender, age band, nationality, sector, signals,
#   needs, next step, languages)])
OUTINGS: list[
    tuple[int, str, int, list[tuple[str, str, str, str, str, list[str], list[str], str, list[str]]]]
] = [
    (
        20,
        "territorial",
        0,
        [
            (
                "Raj del furgone",
                "male",
                "25-34",
                "IN",
                "logistics",
                ["working_time", "wages"],
                ["legal"],
                "another_meeting",
                ["pa", "hi"],
            ),
            ("", "male", "18-24", "PK", "logistics", [], ["italian_language"], "none", ["ur"]),
            (
                "Samir",
                "male",
                "35-49",
                "MA",
                "logistics",
                ["ilo_wages_withheld"],
                ["labour_disputes"],
                "pua_appointment",
                ["ar", "fr"],
            ),
        ],
    ),
    (
        13,
        "territorial",
        1,
        [
            (
                "Raj del furgone",
                "male",
                "25-34",
                "IN",
                "logistics",
                ["working_time"],
                ["legal"],
                "pua_appointment",
                ["pa"],
            ),
            (
                "Fatou",
                "female",
                "25-34",
                "SN",
                "domestic",
                ["degrading_conditions"],
                ["housing_emergency"],
                "referral",
                ["wo", "fr"],
            ),
        ],
    ),
    (
        6,
        "peer",
        2,
        [
            (
                "Samir",
                "male",
                "35-49",
                "MA",
                "logistics",
                [],
                ["labour_disputes"],
                "pua_appointment",
                ["ar"],
            ),
            ("", "female", "50+", "UA", "domestic", [], ["health"], "none", ["uk"]),
            (
                "Ali B.",
                "male",
                "18-24",
                "BD",
                "hospitality",
                ["ilo_debt_bondage", "ilo_documents_retained"],
                ["anti_trafficking", "legal"],
                "referral",
                ["bn"],
            ),
        ],
    ),
]


def _id(*parts: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, "/".join(parts)))


def extend_demo() -> dict[str, int]:
    worker = User.objects.get(email=WORKER_EMAIL)
    access_point = AccessPoint.objects.filter(
        lead_organization__memberships__user=worker, is_demo=True
    ).first()
    if access_point is None:
        return {}
    places = [
        Place.objects.get_or_create(
            organization=access_point.lead_organization, name=name, defaults={"kind": kind}
        )[0]
        for kind, name in PLACES
    ]
    today = timezone.localdate()
    entries: list[dict[str, Any]] = []
    for number, (days_ago, method, place_index, contacts) in enumerate(OUTINGS):
        day = today - dt.timedelta(days=days_ago)
        outing_id = _id("outing", str(number))
        entries.append(
            {
                "kind": "outing",
                "id": outing_id,
                "data": {
                    "access_point": str(access_point.public_id),
                    "date": day.isoformat(),
                    "start_time": "06:00",
                    "end_time": "08:30",
                    "method": method,
                    "place_ids": [str(places[place_index].public_id)],
                    "materials": [
                        {"kind": "rights_card", "language": "ar", "quantity": 15},
                        {"kind": "leaflet", "language": "pa", "quantity": 10},
                    ],
                    "people_met": [
                        {"gender": "male", "age_band": "25-34", "nationality": "IN", "count": 6},
                        {"gender": "female", "age_band": "unknown", "nationality": "", "count": 2},
                    ],
                    "logbook": "Uscita fittizia (demo): clima tranquillo, molti rider in attesa.",
                },
            }
        )
        for position, (
            alias,
            gender,
            age,
            nation,
            sector,
            signals,
            needs,
            step,
            langs,
        ) in enumerate(contacts):
            entries.append(
                {
                    "kind": "contact",
                    "id": _id("contact", str(number), str(position)),
                    "data": {
                        "outing_id": outing_id,
                        "channel": "street",
                        "met_at": f"{day.isoformat()}T07:{10 + position * 7:02d}:00+01:00",
                        "alias": alias,
                        "gender": gender,
                        "age_band": age,
                        "nationality": nation,
                        "languages": langs,
                        "sector": sector,
                        "needs": needs,
                        "signals": signals,
                        "information_given": "Informazioni fittizie (demo) sui diritti e sul PUA.",
                        "next_step": step,
                        "consent_recontact": bool(alias),
                    },
                }
            )
    results = sync_entries(entries, actor=worker)
    rejected = [r for r in results if r.status == "rejected"]
    if rejected:
        raise RuntimeError(f"demo outreach entries rejected: {rejected[:3]}")
    return {
        "outreach_outings": Outing.objects.filter(access_point=access_point).count(),
        "outreach_contacts": Contact.objects.filter(access_point=access_point).count(),
    }
