"""The people pages' few uses of the case file, in one module.

`ponte.cases` sits above `ponte.people` in the import layers: people's models, services and
queries never import cases. The people *pages* do need it (the desk's intake opens a case, the
person's page lists their cases), so this module is the one declared exception in pyproject's
import-linter contract (`ponte.people.case_link -> ponte.cases.*`).
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import OuterRef, Subquery
from django.urls import NoReverseMatch, reverse

from ponte.cases.models import Case, Phase
from ponte.cases.services import core
from ponte.people.models import Person


def case_model() -> type[models.Model]:
    return Case


def closed_phase() -> str:
    return str(Phase.CLOSED)


def phase_labels() -> dict[str, str]:
    return {str(k): str(v) for k, v in Phase.choices}


def open_case_phase() -> Subquery:
    """The phase of the person's latest open case, as an annotation (one query for a page)."""
    return Subquery(
        Case.objects.filter(person=OuterRef("pk"))
        .exclude(phase=closed_phase())
        .order_by("-opened_on", "-created_at")
        .values("phase")[:1]
    )


def visible_cases(person: Person, user: Any) -> models.QuerySet[Any]:
    return (
        Case.objects.visible_to(user)
        .filter(person=person)
        .select_related("access_point")
        .order_by("-opened_on", "-created_at")
    )


def take_in_charge(*, actor: Any, **intake: Any) -> Any:
    """Person, consent and case in one transaction (ponte.cases.services.core.take_in_charge)."""
    return core.take_in_charge(core.Intake(**intake), actor=actor)


def url_or_none(name: str, *args: Any) -> str | None:
    """The URL of a case page if that part of the case file is installed yet."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None
