from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from ponte.network.management.territories import load_regions, region_slugs, resolve_regions


class Command(BaseCommand):
    help = "Load regions, provinces, Ambiti territoriali and municipalities. Safe to run again."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--region",
            action="append",
            dest="region",
            metavar="SLUG",
            help="Region slug, repeatable, or 'all' (default: lombardia). Known: "
            + ", ".join(region_slugs()),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            slugs = resolve_regions(options["region"])
        except ValueError as error:
            raise CommandError(_("Unknown region: %(slugs)s") % {"slugs": error}) from error
        started = time.monotonic()
        result = load_regions(slugs)
        if result.unknown_ambito_towns:
            self.stderr.write(
                _("Municipalities named in the Ambiti file but not found: %(names)s")
                % {"names": ", ".join(result.unknown_ambito_towns)}
            )
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Territories loaded in %(seconds).1f s: %(regions)d regions, %(provinces)d "
                    "provinces, %(ambiti)d Ambiti, %(municipalities)d municipalities "
                    "(%(linked)d linked to their Ambito)."
                )
                % {
                    "seconds": time.monotonic() - started,
                    "regions": result.regions,
                    "provinces": result.provinces,
                    "ambiti": result.ambiti,
                    "municipalities": result.municipalities,
                    "linked": result.linked_to_ambito,
                }
            )
        )
