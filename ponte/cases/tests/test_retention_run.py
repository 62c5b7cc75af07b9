"""The retention job: who is due, dry runs change nothing, legal holds and open cases skipped."""

from __future__ import annotations

import datetime
import io
from typing import Any

import pytest
from django.core.management import call_command

from ponte.audit.models import AuditEvent
from ponte.cases.factories import CaseFactory
from ponte.cases.management.commands.retention_run import years_before
from ponte.people.models import Person

LONG_AGO = datetime.date(2015, 6, 1)
RECENT = datetime.date.today() - datetime.timedelta(days=30)


def _closed(access_point: Any, on: datetime.date, **kwargs: Any) -> Any:
    return CaseFactory(
        access_point=access_point,
        phase="chiuso",
        opened_on=on - datetime.timedelta(days=200),
        closed_on=on,
        closure_reason="goals_reached",
        **kwargs,
    )


@pytest.fixture
def people(world: Any) -> dict[str, Person]:
    ap = world.own_access_point
    due = _closed(ap, LONG_AGO).person
    held = _closed(ap, LONG_AGO, person__legal_hold=True).person
    reopened = _closed(ap, LONG_AGO).person
    CaseFactory(access_point=ap, person=reopened)  # an open case now
    recent = _closed(ap, RECENT).person
    older_and_recent = _closed(ap, LONG_AGO).person
    _closed(ap, RECENT, person=older_and_recent)
    foreign_due = _closed(world.foreign_access_point, LONG_AGO).person
    return {
        "due": due,
        "held": held,
        "reopened": reopened,
        "recent": recent,
        "older_and_recent": older_and_recent,
        "foreign_due": foreign_due,
    }


def _anonymised() -> set[int]:
    return set(Person.objects.filter(anonymised_at__isnull=False).values_list("pk", flat=True))


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command("retention_run", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_dry_run_changes_nothing(people: dict[str, Person], world: Any) -> None:
    output = _run("--dry-run", "--years", "5")
    assert _anonymised() == set()
    assert "DRY RUN" in output
    assert f"{world.own.public_id}: eligible 1, skipped for legal hold 1" in output
    assert "skipped for an open case 1" in output
    event = AuditEvent.objects.get(action="cases.retention_run")
    assert event.data["dry_run"] is True
    assert (event.data["eligible"], event.data["legal_hold"], event.data["open_case"]) == (2, 1, 1)
    assert event.data["anonymised"] == 0


@pytest.mark.django_db
def test_real_run_anonymises_exactly_the_due_and_is_idempotent(
    people: dict[str, Person], settings: Any
) -> None:
    settings.PONTE_RETENTION_YEARS = 5
    _run()
    assert _anonymised() == {people["due"].pk, people["foreign_due"].pk}
    assert AuditEvent.objects.filter(action="people.person_anonymised").count() == 2
    erased = AuditEvent.objects.filter(action="people.person_anonymised").first()
    assert erased is not None and erased.data["reason"] == "retention" and erased.actor_id is None
    _run()
    assert _anonymised() == {people["due"].pk, people["foreign_due"].pk}
    assert AuditEvent.objects.filter(action="people.person_anonymised").count() == 2
    last = AuditEvent.objects.filter(action="cases.retention_run").order_by("-seq").first()
    assert last is not None and last.data["anonymised"] == 0


@pytest.mark.django_db
def test_one_organisation_only(people: dict[str, Person], world: Any) -> None:
    _run("--organization", str(world.foreign.public_id), "--years", "5")
    assert _anonymised() == {people["foreign_due"].pk}


@pytest.mark.django_db
def test_years_argument(people: dict[str, Person]) -> None:
    _run("--years", "50")
    assert _anonymised() == set()


def test_years_before_leap_day() -> None:
    assert years_before(datetime.date(2024, 2, 29), 5) == datetime.date(2019, 2, 28)
