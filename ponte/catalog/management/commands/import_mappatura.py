from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from ponte.catalog.mappatura import (
    ImportReport,
    MappaturaError,
    RowPlan,
    default_actor,
    import_mappatura,
)
from ponte.catalog.taxonomy import Area
from ponte.network.management.mappatura import MAPPATURA_CSV

ACTIONS = {
    "created": pgettext_lazy("import outcome", "created"),
    "updated": pgettext_lazy("import outcome", "updated"),
    "unchanged": pgettext_lazy("import outcome", "unchanged"),
}


def _area_label(code: str) -> str:
    return str(dict(Area.choices).get(code, code))


def row_lines(plan: RowPlan, outcomes: list[Any]) -> list[str]:
    """What one row became and what was not understood: the report a coordinator reads."""
    lines = [
        _("Row %(number)d — %(where)s — %(title)s")
        % {"number": plan.number, "where": plan.where or "—", "title": plan.row.get("titolo", "")}
    ]
    for error in plan.errors:
        lines.append("  ! " + error)
    for outcome in outcomes:
        lines.append(
            "  "
            + _("service %(action)s: %(name)s — %(provider)s")
            % {
                "action": ACTIONS.get(outcome.action, outcome.action),
                "name": outcome.name,
                "provider": outcome.provider,
            }
        )
    for area, fragments in plan.areas.items():
        quoted = "; ".join(f"“{f}”" for f in dict.fromkeys(fragments))
        lines.append(
            "  " + _("area %(area)s ← %(text)s") % {"area": _area_label(area), "text": quoted}
        )
    if not plan.errors and not plan.areas:
        lines.append("  ? " + _("no area recognised: filed provisionally, to be checked"))
    for fragment in plan.unmapped:
        lines.append("  ? " + _("not mapped to any area: “%(text)s”") % {"text": fragment})
    return lines


class Command(BaseCommand):
    help = (
        "Import the mapping of services for migrants (CSV with columns provincia, "
        "ambiti_in_provincia, ambito, titolo, contenuto, tipologia, riferimenti) into the "
        "catalog, as services of the organisations each row names. Safe to run again: a "
        "service is matched on organisation, name and source. All rows or none, unless "
        "--partial. Acts as a platform administrator (--as, or the first one)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "path",
            nargs="?",
            default=str(MAPPATURA_CSV),
            help="The CSV file (default: the Lombardy 2021-2023 mapping shipped with Ponte).",
        )
        parser.add_argument(
            "--as",
            dest="actor",
            metavar="EMAIL",
            help="E-mail of the platform administrator the import is recorded as "
            "(default: the first active platform administrator).",
        )
        parser.add_argument(
            "--partial",
            action="store_true",
            help="Load the valid rows even when others are malformed (reported, not loaded).",
        )
        parser.add_argument(
            "--summary", action="store_true", help="Print only the totals, not the row report."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            actor = default_actor(options["actor"])
        except LookupError as error:
            raise CommandError(str(error)) from error
        started = time.monotonic()
        try:
            report = import_mappatura(
                Path(options["path"]), actor=actor, partial=options["partial"]
            )
        except MappaturaError as error:
            self.write_problems(error.report)
            raise CommandError(
                _("Nothing was imported: fix the rows above, or pass --partial.")
            ) from error
        if not options["summary"]:
            for row in report.rows:
                for line in row_lines(row.plan, row.services):
                    self.stdout.write(line)
        self.write_problems(report)
        counts = report.counts()
        self.stdout.write(
            self.style.SUCCESS(
                _("Mapping imported in %(seconds).1f s: %(counts)s")
                % {
                    "seconds": time.monotonic() - started,
                    "counts": ", ".join(f"{name} {count}" for name, count in counts.items()),
                }
            )
        )

    def write_problems(self, report: ImportReport) -> None:
        for problem in report.file_errors:
            self.stderr.write(problem)
        for plan in report.rejected:
            for line in row_lines(plan, []):
                self.stderr.write(line)
