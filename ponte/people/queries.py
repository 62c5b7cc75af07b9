"""Reads about people, always given the user so the scoping cannot be forgotten."""

from __future__ import annotations

from dataclasses import dataclass
from functools import reduce
from operator import or_
from typing import Any

from django.db.models import Q

from ponte.people.matching import query_tokens, rank_candidates
from ponte.people.models import Person
from ponte.people.services import codice_fiscale_key, normal_codice_fiscale

# Enough to catch the usual duplicates without reading a whole region's people.
_CANDIDATE_LIMIT = 200


@dataclass(frozen=True)
class PossibleDuplicate:
    person: Person
    score: float
    same_birth_year: bool
    same_citizenship: bool
    # The same codice fiscale: not a resemblance but the same person (or a typing mistake in
    # one of the two records, which the operator must look at anyway).
    same_codice_fiscale: bool = False


def _same_codice_fiscale(user: Any, code: str, exclude: Person | None) -> list[Person]:
    """People the user may see whose stored codice fiscale is this one, found through its keyed
    hash (the code itself is encrypted and cannot be searched)."""
    normal = normal_codice_fiscale(code)
    if not normal:
        return []
    queryset = Person.objects.owned_by_workers(user).filter(
        anonymised_at__isnull=True, codice_fiscale_key=codice_fiscale_key(normal)
    )
    if exclude is not None:
        queryset = queryset.exclude(pk=exclude.pk)
    return list(
        queryset.only(
            "id", "public_id", "given_name", "family_name", "birth_year", "citizenship", "gender"
        ).order_by("-created_at")[:10]
    )


def possible_duplicates(
    user: Any,
    *,
    given_name: str,
    family_name: str = "",
    birth_year: int | None = None,
    citizenship: str = "",
    codice_fiscale: str = "",
    exclude: Person | None = None,
    threshold: float = 0.75,
) -> list[PossibleDuplicate]:
    """People the user may see whose names sound like these, best first; before them, the
    people with the same codice fiscale, whatever their names (certain duplicates).

    The SQL pre-filter matches any phonetic key of the query inside `name_search` (a trigram
    index serves it on PostgreSQL; SQLite scans the user's own people); the score comes from
    people/matching.py. Birth year and citizenship raise the score when they agree and lower
    it when both are known and differ: they never hide a candidate on their own.
    """
    certain = [
        PossibleDuplicate(
            person,
            1.0,
            same_birth_year=bool(birth_year and person.birth_year == birth_year),
            same_citizenship=bool(citizenship and person.citizenship == citizenship.upper()),
            same_codice_fiscale=True,
        )
        for person in _same_codice_fiscale(user, codice_fiscale, exclude)
    ]
    tokens = query_tokens(given_name, family_name)
    if not tokens:
        return certain
    queryset = Person.objects.owned_by_workers(user).filter(anonymised_at__isnull=True)
    queryset = queryset.filter(reduce(or_, (Q(name_search__contains=t) for t in tokens)))
    if exclude is not None:
        queryset = queryset.exclude(pk=exclude.pk)
    candidates = list(
        queryset.only(
            "id", "public_id", "given_name", "family_name", "birth_year", "citizenship", "gender"
        ).order_by("-created_at")[:_CANDIDATE_LIMIT]
    )
    by_pk = {p.pk: p for p in candidates}
    ranked = rank_candidates(
        given_name,
        family_name,
        ((p.pk, p.given_name, p.family_name) for p in candidates),
        threshold=threshold - 0.1,
    )
    results = []
    already = {d.person.pk for d in certain}
    for pk, score in ranked:
        if pk in already:
            continue
        person = by_pk[pk]
        same_year = bool(
            birth_year and person.birth_year and abs(person.birth_year - birth_year) <= 1
        )
        same_country = bool(citizenship and person.citizenship == citizenship.upper())
        if same_year:
            score += 0.05
        elif birth_year and person.birth_year:
            score -= 0.15
        if same_country:
            score += 0.05
        elif citizenship and person.citizenship:
            score -= 0.1
        score = max(0.0, min(1.0, score))
        if score >= threshold:
            results.append(PossibleDuplicate(person, round(score, 2), same_year, same_country))
    results.sort(key=lambda d: d.score, reverse=True)
    return [*certain, *results][:10]
