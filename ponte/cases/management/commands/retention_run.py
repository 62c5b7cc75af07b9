"""Anonymise the people whose cases ended more than the retention period ago.

`retention_review` decides who is due; `run_retention` applies the same anonymisation as an
erasure by hand (services.rights.anonymise_person) and audits the run, dry or not.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Max
from django.utils import timezone

from ponte.audit.services import record_now
from ponte.cases.models import Case
from ponte.cases.services.rights import ErasureReason, anonymise_person
from ponte.network.models import Organization
from ponte.people.models import Person


def years_before(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a year that has none
        return day.replace(year=day.year - years, day=28)


def retention_review(
    *, years: int, today: datetime.date | None = None, organization_id: int | None = None
) -> dict[str, Any]:
    """Who is due: the person's most recent closing is older than `years` (a case closed last
    year keeps the older ones too), no case is open, no legal hold. Counts per organisation."""
    cutoff = years_before(today or timezone.localdate(), years)
    people = Person.objects.filter(anonymised_at__isnull=True, cases__isnull=False)
    if organization_id is not None:
        people = people.filter(organization_id=organization_id)
    open_ids = set(Case.objects.open().values_list("person_id", flat=True))
    due = people.annotate(last=Max("cases__closed_on")).filter(last__lt=cutoff)
    report: dict[str, dict[str, int]] = {}
    eligible: list[Person] = []
    for person in due.select_related("organization").order_by("organization_id", "pk"):
        counts = report.setdefault(
            str(person.organization.public_id), {"eligible": 0, "legal_hold": 0, "open_case": 0}
        )
        if person.pk in open_ids:
            counts["open_case"] += 1
        elif person.legal_hold:
            counts["legal_hold"] += 1
        else:
            counts["eligible"] += 1
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
        for key in ("eligible", "legal_hold", "open_case")
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
    help = "Anonymise people whose cases were all closed more than N years ago."

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
        self.stdout.write(f"Retention {years} years, cases closed before {result['cutoff']}")
        for org_id, counts in result["by_organization"].items():
            self.stdout.write(
                f"  {org_id}: eligible {counts['eligible']}, skipped for legal hold "
                f"{counts['legal_hold']}, skipped for an open case {counts['open_case']}"
            )
        self.stdout.write(f"{mode}: {result['anonymised']} of {result['totals']['eligible']}")
