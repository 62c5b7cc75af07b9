"""The people pages' few uses of the case file, bound late.

`ponte.cases` sits above `ponte.people` in the import layers (pyproject, import-linter), yet the
desk's intake opens a case and the people pages show the person's cases. Every such use goes
through this module, reached through the `Person.cases` relation or by dotted path at call time,
so the one place to change is here if the intake moves into the cases app.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import OuterRef, Subquery
from django.urls import NoReverseMatch, reverse
from django.utils.module_loading import import_string

from ponte.people.models import Person


def case_model() -> type[models.Model]:
    model: type[models.Model] = Person._meta.get_field("cases").related_model  # type: ignore[assignment]
    return model


def closed_phase() -> str:
    """The closed phase's code, read from the Case model instead of copied."""
    return str(import_string("ponte.cases.models.Phase").CLOSED)


def phase_labels() -> dict[str, str]:
    field: Any = case_model()._meta.get_field("phase")
    return {str(k): str(v) for k, v in field.choices or []}


def open_case_phase() -> Subquery:
    """The phase of the person's latest open case, as an annotation (one query for a page)."""
    return Subquery(
        case_model()
        ._default_manager.filter(person=OuterRef("pk"))
        .exclude(phase=closed_phase())
        .order_by("-opened_on", "-created_at")
        .values("phase")[:1]
    )


def visible_cases(person: Person, user: Any) -> models.QuerySet[Any]:
    return (
        case_model()
        ._default_manager.visible_to(user)  # type: ignore[attr-defined]
        .filter(person=person)
        .select_related("access_point")
        .order_by("-opened_on", "-created_at")
    )


def take_in_charge(*, actor: Any, **intake: Any) -> Any:
    """Person, consent and case in one transaction (ponte.cases.services.core.take_in_charge)."""
    intake_class = import_string("ponte.cases.services.core.Intake")
    service = import_string("ponte.cases.services.core.take_in_charge")
    return service(intake_class(**intake), actor=actor)


def url_or_none(name: str, *args: Any) -> str | None:
    """The URL of a case page if that part of the case file is installed yet."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None
