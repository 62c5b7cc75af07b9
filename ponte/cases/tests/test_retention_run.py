"""The retention job: who is due (people whose cases all closed long ago, and people registered
long ago who never had a case), dry runs change nothing, legal holds and open cases skipped,
every run audited. Dates are frozen with time-machine so "N years ago" is exact."""

from __future__ import annotations

import datetime
import io
from typing import Any

import pytest
import time_machine
from django.core.management import call_command

from ponte.audit.models import AuditEvent
from ponte.cases.factories import CaseFactory
from ponte.cases.management.commands.retention_run import retention_review, years_before
from ponte.people.factories import ConsentFactory, PersonFactory
from ponte.people.models import Person

# "Today" for every run; five years of retention put the cutoff on 1 June 2021.
NOW = datetime.datetime(2026, 6, 1, 9, 0, tzinfo=datetime.UTC)
TODAY = NOW.date()
LONG_AGO = datetime.date(2015, 6, 1)
RECENT = TODAY - datetime.timedelta(days=30)
REGISTERED_LONG_AGO = datetime.datetime(2019, 3, 4, 10, 0, tzinfo=datetime.UTC)
JUST_INSIDE = datetime.datetime(2021, 6, 2, 10, 0, tzinfo=datetime.UTC)  # after the cutoff


def _closed(access_point: Any, on: datetime.date, **kwargs: Any) -> Any:
    return CaseFactory(
        access_point=access_point,
        phase="chiuso",
        opened_on=on - datetime.timedelta(days=200),
        closed_on=on,
        closure_reason="goals_reached",
        **kwargs,
    )


def _registered(at: datetime.datetime, **kwargs: Any) -> Person:
    with time_machine.travel(at, tick=False):
        person = PersonFactory(**kwargs)
    assert isinstance(person, Person)
    return person


@pytest.fixture
def people(world: Any) -> dict[str, Person]:
    ap = world.own_access_point
    with time_machine.travel(NOW - datetime.timedelta(days=1), tick=False):
        due = _closed(ap, LONG_AGO).person
        held = _closed(ap, LONG_AGO, person__legal_hold=True).person
        reopened = _closed(ap, LONG_AGO).person
        CaseFactory(access_point=ap, person=reopened)  # an open case now
        recent = _closed(ap, RECENT).person
        older_and_recent = _closed(ap, LONG_AGO).person
        _closed(ap, RECENT, person=older_and_recent)
        foreign_due = _closed(world.foreign_access_point, LONG_AGO).person
    # People registered at the desk who were never taken in charge (no case at all).
    never = _registered(REGISTERED_LONG_AGO, organization=world.own, given_name="Nevercase")
    never_held = _registered(REGISTERED_LONG_AGO, organization=world.own, legal_hold=True)
    never_recent = _registered(JUST_INSIDE, organization=world.own)
    # Registered long ago, but the team corrected the record last month: not forgotten yet.
    never_edited = _registered(REGISTERED_LONG_AGO, organization=world.own)
    with time_machine.travel(NOW - datetime.timedelta(days=30), tick=False):
        never_edited.phone = "+39 333 000 0000"
        never_edited.save()
    # Registered long ago, and gave a consent last month (a row of its own, the person unchanged).
    never_consented = _registered(REGISTERED_LONG_AGO, organization=world.own)
    with time_machine.travel(NOW - datetime.timedelta(days=30), tick=False):
        ConsentFactory(person=never_consented)
    return {
        "due": due,
        "held": held,
        "reopened": reopened,
        "recent": recent,
        "older_and_recent": older_and_recent,
        "foreign_due": foreign_due,
        "never": never,
        "never_held": never_held,
        "never_recent": never_recent,
        "never_edited": never_edited,
        "never_consented": never_consented,
    }


def _anonymised() -> set[int]:
    return set(Person.objects.filter(anonymised_at__isnull=False).values_list("pk", flat=True))


def _run(*args: str) -> str:
    out = io.StringIO()
    with time_machine.travel(NOW, tick=False):
        call_command("retention_run", *args, stdout=out)
    return out.getvalue()


def _snapshot() -> list[tuple[Any, ...]]:
    return list(Person.objects.order_by("pk").values_list("pk", "given_name", "updated_at"))


@pytest.mark.django_db
def test_review_finds_both_kinds(people: dict[str, Person]) -> None:
    review = retention_review(years=5, today=TODAY)
    assert review["cutoff"] == datetime.date(2021, 6, 1)
    assert {p.pk for p in review["eligible"]} == {
        people["due"].pk,
        people["foreign_due"].pk,
        people["never"].pk,
    }


@pytest.mark.django_db
def test_dry_run_changes_nothing_and_says_who_would_go(
    people: dict[str, Person], world: Any
) -> None:
    before = _snapshot()
    output = _run("--dry-run", "--years", "5")
    assert _snapshot() == before
    assert _anonymised() == set()
    assert not AuditEvent.objects.filter(action="people.person_anonymised").exists()
    assert "DRY RUN: nothing changed: 0 of 3" in output
    assert "people without any case registered (and last changed) before 2021-06-01" in output
    assert (
        f"{world.own.public_id}: eligible 2 (of whom 1 never had a case), "
        "skipped for legal hold 2, skipped for an open case 1"
    ) in output
    event = AuditEvent.objects.get(action="cases.retention_run")
    assert event.data["dry_run"] is True
    assert event.data["cutoff"] == "2021-06-01"
    totals = tuple(event.data[k] for k in ("eligible", "without_case", "legal_hold", "open_case"))
    assert totals == (3, 1, 2, 1)
    assert event.data["anonymised"] == 0


@pytest.mark.django_db
def test_real_run_anonymises_exactly_the_due_and_is_idempotent(
    people: dict[str, Person], settings: Any
) -> None:
    settings.PONTE_RETENTION_YEARS = 5
    _run()
    due = {people["due"].pk, people["foreign_due"].pk, people["never"].pk}
    assert _anonymised() == due
    never = Person.objects.get(pk=people["never"].pk)
    assert never.given_name == "" and never.display_name != "Nevercase"
    erased = AuditEvent.objects.filter(action="people.person_anonymised")
    assert erased.count() == 3
    assert {e.data["reason"] for e in erased} == {"retention"}
    assert all(e.actor_id is None for e in erased)
    run = AuditEvent.objects.get(action="cases.retention_run")
    assert run.data["dry_run"] is False and run.data["anonymised"] == 3
    _run()
    assert _anonymised() == due
    assert AuditEvent.objects.filter(action="people.person_anonymised").count() == 3
    last = AuditEvent.objects.filter(action="cases.retention_run").order_by("-seq").first()
    assert last is not None and last.data["anonymised"] == 0


@pytest.mark.django_db
def test_legal_hold_and_open_case_are_never_touched(people: dict[str, Person]) -> None:
    _run("--years", "5")
    for key in ("held", "never_held", "reopened", "recent", "older_and_recent"):
        assert Person.objects.get(pk=people[key].pk).anonymised_at is None, key


@pytest.mark.django_db
def test_people_without_case_registered_or_changed_inside_the_period_stay(
    people: dict[str, Person],
) -> None:
    _run("--years", "5")
    assert Person.objects.get(pk=people["never_recent"].pk).anonymised_at is None
    assert Person.objects.get(pk=people["never_edited"].pk).anonymised_at is None
    assert Person.objects.get(pk=people["never_consented"].pk).anonymised_at is None
    # A year later the recent registration is due too; the edit keeps the other one longer.
    with time_machine.travel(NOW + datetime.timedelta(days=366), tick=False):
        review = retention_review(years=5)
    ids = {p.pk for p in review["eligible"]}
    assert people["never_recent"].pk in ids and people["never_edited"].pk not in ids


@pytest.mark.django_db
def test_one_organisation_only(people: dict[str, Person], world: Any) -> None:
    _run("--organization", str(world.foreign.public_id), "--years", "5")
    assert _anonymised() == {people["foreign_due"].pk}


@pytest.mark.django_db
def test_years_argument(people: dict[str, Person]) -> None:
    _run("--years", "50")
    assert _anonymised() == set()


@pytest.mark.django_db
def test_years_must_be_positive(people: dict[str, Person]) -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        _run("--years", "0")
    assert not AuditEvent.objects.filter(action="cases.retention_run").exists()


def test_years_before_leap_day() -> None:
    assert years_before(datetime.date(2024, 2, 29), 5) == datetime.date(2019, 2, 28)
