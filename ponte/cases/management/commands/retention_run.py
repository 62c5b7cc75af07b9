"""Anonymise the people whose cases ended more than the retention period ago, and the people
registered that long ago who never had a case.

`retention_review` decides who is due; `run_retention` applies the same anonymisation as an
erasure by hand (services.rights.anonymise_person) and audits the run, dry or not.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Exists, Max, OuterRef, Q
from django.utils import timezone

from ponte.audit.services import record_now
from ponte.cases.models import Case
from ponte.cases.services.rights import ErasureReason, anonymise_person
from ponte.network.models import Organization
from ponte.people.models import Consent, Person


def years_before(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a year that has none
        return day.replace(year=day.year - years, day=28)


def _start_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def retention_review(
    *, years: int, today: datetime.date | None = None, organization_id: int | None = None
) -> dict[str, Any]:
    """Who is due, with counts per organisation. Two kinds of people:

    - with cases: the most recent closing is older than `years` (a case closed last year keeps
      the older ones too) and no case is open;
    - without any case (registered at the desk, then never taken in charge): registered more
      than `years` ago and not changed since, nor any consent given or withdrawn since: a
      person whose record the team still keeps up to date is not erased under it.

    Nobody under a legal hold."""
    cutoff = years_before(today or timezone.localdate(), years)
    people = Person.objects.filter(anonymised_at__isnull=True)
    if organization_id is not None:
        people = people.filter(organization_id=organization_id)
    open_ids = set(Case.objects.open().values_list("person_id", flat=True))
    closed_due = (
        people.filter(cases__isnull=False)
        .annotate(last=Max("cases__closed_on"))
        .filter(last__lt=cutoff)
    )
    since = _start_of(cutoff)
    # A consent given or withdrawn inside the period is a recent change too, though it is a row
    # of its own and leaves the person's `updated_at` as it was.
    recent_consent = Consent.objects.filter(person=OuterRef("pk")).filter(
        Q(created_at__gte=since) | Q(withdrawn_at__gte=since)
    )
    never_in_charge = people.filter(
        cases__isnull=True, created_at__lt=since, updated_at__lt=since
    ).exclude(Exists(recent_consent))
    due = [
        *((p, False) for p in closed_due.select_related("organization")),
        *((p, True) for p in never_in_charge.select_related("organization")),
    ]
    due.sort(key=lambda item: (item[0].organization_id, item[0].pk))
    report: dict[str, dict[str, int]] = {}
    eligible: list[Person] = []
    for person, without_case in due:
        counts = report.setdefault(
            str(person.organization.public_id),
            {"eligible": 0, "without_case": 0, "legal_hold": 0, "open_case": 0},
        )
        if person.pk in open_ids:
            counts["open_case"] += 1
        elif person.legal_hold:
            counts["legal_hold"] += 1
        else:
            counts["eligible"] += 1
            counts["without_case"] += int(without_case)
            eligible.append(person)
    return {"cutoff": cutoff, "eligible": eligible, "by_organization": report}


def run_retention(
    *, years: int, dry_run: bool, organization_id: int | None = None
) -> dict[str, Any]:
    review = retention_review(years=years, organization_id=organization_id)
    anonymised = 0
    if not dry_run:
        for person in review["eligible"]:
            anonymise_person(person, actor=None, reason=ErasureReason.RETENTION)
            anonymised += 1
    totals = {
        key: sum(c[key] for c in review["by_organization"].values())
        for key in ("eligible", "without_case", "legal_hold", "open_case")
    }
    record_now(
        "cases.retention_run",
        actor="system",
        data={
            "dry_run": dry_run,
            "years": years,
            "cutoff": review["cutoff"].isoformat(),
            "anonymised": anonymised,
            **totals,
            "by_organization": review["by_organization"],
        },
    )
    return {**review, "anonymised": anonymised, "totals": totals}


class Command(BaseCommand):
    help = (
        "Anonymise people whose cases were all closed more than N years ago, and people "
        "registered more than N years ago who never had a case."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--years", type=int, default=None)
        parser.add_argument("--dry-run", action="store_true")
        parser.add_argument("--organization", default=None, help="public id of one organisation")

    def handle(self, *args: Any, **options: Any) -> None:
        years = options["years"]
        if years is None:
            years = int(getattr(settings, "PONTE_RETENTION_YEARS", 5))
        if years < 1:
            raise CommandError("--years must be at least 1")
        organization_id = None
        if options["organization"]:
            try:
                org = Organization.objects.filter(public_id=options["organization"]).first()
            except (ValueError, ValidationError):
                org = None
            if org is None:
                raise CommandError("No organisation with that public id.")
            organization_id = org.pk
        result = run_retention(
            years=years, dry_run=options["dry_run"], organization_id=organization_id
        )
        mode = "DRY RUN: nothing changed" if options["dry_run"] else "anonymised"
        cutoff = result["cutoff"]
        self.stdout.write(
            f"Retention {years} years: cases all closed before {cutoff}; people without any "
            f"case registered (and last changed) before {cutoff}"
        )
        for org_id, counts in result["by_organization"].items():
            self.stdout.write(
                f"  {org_id}: eligible {counts['eligible']} (of whom {counts['without_case']} "
                f"never had a case), skipped for legal hold {counts['legal_hold']}, skipped for "
                f"an open case {counts['open_case']}"
            )
        self.stdout.write(f"{mode}: {result['anonymised']} of {result['totals']['eligible']}")
