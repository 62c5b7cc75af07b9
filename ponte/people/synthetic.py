"""Synthetic people for `generate_data` (the network's plug-in point, see its docstring).

Only the building blocks live here: the person's demographics (plausible for the migrant
workers Lombardy's PUAs meet) and the removal of an earlier run's people. The people are made
by the cases' step (`ponte.cases.synthetic`), together with their cases, in batches, because
each case's story depends on who the person is and whether an outreach contact came first.

Everything is fictitious: names from a short list, marked "(fittizio)", and recognised by
`Person.source`, so a new run deletes exactly the previous run's people.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from functools import cache
from typing import Any

from ponte.network.management.synthetic import SOURCE_PREFIX
from ponte.people.matching import name_search_key
from ponte.people.models import Consent, Gender, Housing, PassportStatus, PermitType, Person
from ponte.people.services import CONSENT_TEXT_VERSION

# (ISO 3166 code, languages, weight): the communities the Lombardy mapping names most often.
CITIZENSHIPS: list[tuple[str, str, int]] = [
    ("IN", "pa,hi", 12),
    ("PK", "ur,pa", 10),
    ("BD", "bn", 9),
    ("MA", "ar,fr", 9),
    ("SN", "wo,fr", 8),
    ("NG", "en", 6),
    ("EG", "ar", 6),
    ("AL", "sq", 5),
    ("RO", "ro", 6),
    ("UA", "uk,ru", 4),
    ("CN", "zh", 3),
    ("PE", "es", 3),
    ("TN", "ar,fr", 4),
    ("GH", "en", 4),
    ("ML", "bm,fr", 3),
    ("GM", "en", 2),
    ("CI", "fr", 2),
    ("LK", "si,ta", 2),
    ("IT", "it", 2),
]
EU = {"RO", "IT"}
FIRST_NAMES = {
    Gender.MALE: [
        "Raj",
        "Gurpreet",
        "Imran",
        "Rahim",
        "Mamadou",
        "Youssef",
        "Ahmed",
        "Ion",
        "Arben",
        "Kamal",
        "Moussa",
        "Samir",
        "Kwame",
        "Chinedu",
        "Omar",
        "Wei",
        "Luis",
        "Bakary",
    ],
    Gender.FEMALE: [
        "Fatou",
        "Aisha",
        "Blessing",
        "Olena",
        "Harpreet",
        "Mariam",
        "Elena",
        "Amina",
        "Rosa",
        "Nadia",
        "Li",
        "Grace",
    ],
}
FAMILY_NAMES = [
    "Singh",
    "Khan",
    "Rahman",
    "Diallo",
    "Ndiaye",
    "El Amrani",
    "Okafor",
    "Popescu",
    "Hoxha",
    "Kovalenko",
    "Chen",
    "Quispe",
    "Ben Salah",
    "Mensah",
    "Traoré",
    "Hossain",
]
GENDERS = [
    (Gender.MALE, 74),
    (Gender.FEMALE, 23),
    (Gender.TRANS_FEMININE, 1),
    (Gender.NON_CONFORMING, 1),
    (Gender.UNKNOWN, 1),
]
PERMITS = [
    (PermitType.NONE, 14),
    (PermitType.WORK, 18),
    (PermitType.SEASONAL, 6),
    (PermitType.ASYLUM_APPLICANT, 16),
    (PermitType.INTERNATIONAL_PROTECTION, 10),
    (PermitType.SPECIAL_PROTECTION, 8),
    (PermitType.SPECIAL_CASES, 2),
    (PermitType.FAMILY, 5),
    (PermitType.LONG_TERM, 6),
    (PermitType.WAITING_JOB, 3),
    (PermitType.UNKNOWN, 12),
]
HOUSING = [
    (Housing.STABLE, 15),
    (Housing.SHARED_OVERCROWDED, 30),
    (Housing.PROVIDED_BY_EMPLOYER, 12),
    (Housing.RECEPTION, 18),
    (Housing.INFORMAL, 10),
    (Housing.HOMELESS, 5),
    (Housing.UNKNOWN, 10),
]
PASSPORTS = [
    (PassportStatus.HELD, 55),
    (PassportStatus.HELD_BY_OTHERS, 6),
    (PassportStatus.EXPIRED, 12),
    (PassportStatus.NONE, 7),
    (PassportStatus.UNKNOWN, 20),
]
CONSENT_METHODS = [
    (Consent.Method.WRITTEN, 6),
    (Consent.Method.ORAL_WITH_INTERPRETER, 3),
    (Consent.Method.ORAL_WITH_WITNESS, 1),
]


def weighted(rng: random.Random, options: list[tuple[Any, int]]) -> Any:
    values, weights = zip(*options, strict=True)
    return rng.choices(values, weights=weights)[0]


def new_uuid(rng: random.Random) -> uuid.UUID:
    """A UUID from the seeded generator: the same run gives the same public ids."""
    return uuid.UUID(int=rng.getrandbits(128), version=4)


@cache
def _search_key(given: str, family: str) -> str:
    # Few distinct names: computing each key once keeps national runs fast.
    return name_search_key(given, family)[:400]


def make_person(
    rng: random.Random,
    *,
    organization_id: int,
    source: str,
    today: dt.date,
    gender: str | None = None,
    citizenship: str | None = None,
    languages: str | None = None,
    alias: str = "",
) -> Person:
    """One fictitious person; what an outreach contact already knows is passed in."""
    if citizenship is None:
        citizenship, languages, _weight = rng.choices(
            CITIZENSHIPS, weights=[c[2] for c in CITIZENSHIPS]
        )[0]
    gender = gender or weighted(rng, GENDERS)
    names = FIRST_NAMES[Gender.FEMALE if gender == Gender.FEMALE else Gender.MALE]
    is_alias = bool(alias) or rng.random() < 0.35
    given = f"{alias or rng.choice(names)} (fittizio)"[:100]
    family = "" if is_alias else rng.choice(FAMILY_NAMES)
    age = min(67, max(18, round(rng.gauss(33, 9))))
    permit = PermitType.EU_CITIZEN if citizenship in EU else weighted(rng, PERMITS)
    expiry = None
    if permit not in (PermitType.NONE, PermitType.UNKNOWN, PermitType.EU_CITIZEN):
        expiry = today + dt.timedelta(days=rng.randrange(-120, 720))
    language_list = (languages or "").split(",")
    return Person(
        public_id=new_uuid(rng),
        organization_id=organization_id,
        given_name=given,
        is_alias=is_alias,
        family_name=family,
        name_search=_search_key(given, family),
        birth_year=today.year - age,
        gender=gender,
        citizenship=citizenship or "",
        languages=",".join(c for c in language_list if c),
        needs_interpreter="it" not in language_list and rng.random() < 0.55,
        preferred_language=rng.choice(["it", "it", "en", "fr", "ar"]),
        permit_type=permit,
        permit_expiry=expiry,
        passport=weighted(rng, PASSPORTS),
        housing=weighted(rng, HOUSING),
        source=source,
    )


def make_consent(
    rng: random.Random,
    person: Person,
    given_on: dt.date,
    by: int | None,
    purpose: str = Consent.Purpose.TAKING_IN_CHARGE,
) -> Consent:
    method = weighted(rng, CONSENT_METHODS)
    return Consent(
        person=person,
        purpose=purpose,
        method=method,
        # Oral consents name who was there; a role, never a real name.
        witness="" if method == Consent.Method.WRITTEN else "Mediatore del PUA (fittizio)",
        language=person.preferred_language,
        text_version=CONSENT_TEXT_VERSION,
        given_on=given_on,
        recorded_by_id=by,
    )


def delete_previous() -> None:
    """The previous run's people (their cases are removed first by the cases' step)."""
    people = Person.objects.filter(source__startswith=SOURCE_PREFIX)
    Consent.objects.filter(person__in=people).delete()
    people.delete()
