"""Import Open Referral HSDS 3.0 services from JSON or a tabular datapackage."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from ponte.accounts.models import User
from ponte.catalog.hsds_datapackage import import_datapackage
from ponte.catalog.hsds_import import ImportReport, import_services
from ponte.catalog.taxonomy import Area

MAX_JSON_BYTES = 50 * 1024 * 1024


class Command(BaseCommand):
    help = (
        "Import HSDS 3.0 services, upserting by id. PATH is a JSON file (one service, a "
        "list, a Page with contents, an organisation with services, or the tabular form "
        "as JSON) or a datapackage (directory or .zip). All or nothing unless --partial. "
        "The import acts as --as-user, who must be a platform administrator: the audit "
        "trail names that person, and only a platform administrator may create the "
        "organisations an import brings. Exit status: 0 imported, 1 nothing imported "
        "because of errors, 2 imported in part (--partial) with errors."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="JSON file, datapackage directory, or .zip.")
        parser.add_argument(
            "--as-user", required=True, metavar="EMAIL", help="Platform administrator."
        )
        parser.add_argument(
            "--partial", action="store_true", help="Keep the valid records when others fail."
        )
        parser.add_argument(
            "--default-area",
            action="append",
            default=[],
            choices=Area.values,
            help="Area for records without a Ponte area attribute (repeatable).",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Check and report, write nothing."
        )

    def _actor(self, email: str) -> User:
        actor = User.objects.filter(email__iexact=email, is_active=True).first()
        if actor is None or not actor.is_platform_admin:
            raise CommandError(
                _("%(email)s is not an active platform administrator.") % {"email": email}
            )
        return actor

    def handle(self, *args: Any, **options: Any) -> None:
        actor = self._actor(options["as_user"])
        path = Path(options["path"])
        settings = {
            "partial": options["partial"],
            "default_areas": options["default_area"],
            "source": f"HSDS import: {path.name}"[:255],
            "dry_run": options["dry_run"],
        }
        if path.is_dir() or path.suffix.lower() == ".zip":
            report = import_datapackage(path, actor=actor, **settings)
        else:
            report = import_services(self._load_json(path), actor=actor, **settings)
        self._print(report)
        if report.errors:
            raise CommandError(
                _("Import finished with errors."), returncode=2 if report.written else 1
            )

    def _load_json(self, path: Path) -> Any:
        try:
            if path.stat().st_size > MAX_JSON_BYTES:
                raise CommandError(_("The file is too large."))
            return json.loads(path.read_text(encoding="utf-8-sig"))
        except OSError as exc:
            raise CommandError(
                _("Cannot read %(path)s: %(error)s") % {"path": path, "error": exc}
            ) from exc
        except (UnicodeDecodeError, ValueError, RecursionError) as exc:
            # RecursionError: arrays or objects nested deeper than the parser goes.
            raise CommandError(_("Not a valid JSON file: %(error)s") % {"error": exc}) from exc

    def _print(self, report: ImportReport) -> None:
        for line in report.lines():
            self.stdout.write(line)
