"""Reads about people, always given the user so the scoping cannot be forgotten."""

from __future__ import annotations

from dataclasses import dataclass
from functools import reduce
from operator import or_
from typing import Any

from django.db.models import Q

from ponte.people.matching import query_tokens, rank_candidates
from ponte.people.models import Person

# Enough to catch the usual duplicates without reading a whole region's people.
_CANDIDATE_LIMIT = 200


@dataclass(frozen=True)
class PossibleDuplicate:
    person: Person
    score: float
    same_birth_year: bool
    same_citizenship: bool


def possible_duplicates(
    user: Any,
    *,
    given_name: str,
    family_name: str = "",
    birth_year: int | None = None,
    citizenship: str = "",
    exclude: Person | None = None,
    threshold: float = 0.75,
) -> list[PossibleDuplicate]:
    """People the user may see whose names sound like these, best first.

    The SQL pre-filter matches any phonetic key of the query inside `name_search` (a trigram
    index serves it on PostgreSQL; SQLite scans the user's own people); the score comes from
    people/matching.py. Birth year and citizenship raise the score when they agree and lower
    it when both are known and differ: they never hide a candidate on their own.
    """
    tokens = query_tokens(given_name, family_name)
    if not tokens:
        return []
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
    for pk, score in ranked:
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
    return results[:10]
