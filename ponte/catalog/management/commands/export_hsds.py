"""Export the catalog as Open Referral HSDS 3.0: JSON services or a tabular datapackage."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from ponte.audit.services import record_now
from ponte.catalog.hsds import export_services
from ponte.catalog.hsds_datapackage import export_datapackage
from ponte.catalog.models import Service


class Command(BaseCommand):
    help = (
        "Export services as HSDS 3.0. json: a list of fully nested service objects "
        "(OUT may be - for standard output); datapackage: one CSV per table plus "
        "datapackage.json, in the directory OUT, or a zip when OUT ends in .zip. "
        "Without --full, staff personal data (contact names, e-mails, phones) and "
        "internal flags are left out, so the file can be published."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("out", help="Output file, directory, .zip, or - (json only).")
        parser.add_argument("--format", choices=["json", "datapackage"], default="json")
        parser.add_argument(
            "--full",
            action="store_true",
            help="Include staff personal data and internal flags (for a Ponte-to-Ponte copy).",
        )
        parser.add_argument(
            "--public-only",
            action="store_true",
            help="Only the services shown in the public guide.",
        )
        parser.add_argument(
            "--organization", metavar="UUID", help="Only the services of this organisation."
        )

    def _services(self, options: dict[str, Any]) -> QuerySet[Service]:
        services = Service.objects.public() if options["public_only"] else Service.objects.all()
        if options["organization"]:
            services = services.filter(organization__public_id=options["organization"])
        return services.order_by("pk")

    def handle(self, *args: Any, **options: Any) -> None:
        services = self._services(options)
        full = options["full"]
        out = options["out"]
        if options["format"] == "json":
            text = json.dumps(export_services(services, full=full), ensure_ascii=False, indent=2)
            if out == "-":
                sys.stdout.write(text + "\n")
            else:
                Path(out).write_text(text + "\n", encoding="utf-8")
        else:
            if out == "-":
                raise CommandError(_("A datapackage needs a directory or a .zip file name."))
            export_datapackage(services, out, full=full)
        count = services.count()
        record_now(
            "catalog.hsds_exported",
            actor=None,
            data={"format": options["format"], "services": count, "full": full},
        )
        if out != "-":
            self.stdout.write(
                self.style.SUCCESS(
                    _("%(n)d services exported to %(out)s") % {"n": count, "out": out}
                )
            )
