from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from ponte.network.demo import load_demo


def table(rows: list[list[str]]) -> list[str]:
    """Plain-text columns, the first row as header; readable in any terminal or log."""
    widths = [max(len(cell) for cell in column) for column in zip(*rows, strict=True)]
    rule = ["-" * width for width in widths]
    return [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in [rows[0], rule, *rows[1:]]
    ]


class Command(BaseCommand):
    help = (
        "Load Lombardy's territories, the real organisations of the 2021-2023 mapping and a "
        "fictitious demo network with one account per role, then what the apps built on the "
        "network add (the mapping's services and a demo catalog). Safe to run again: every "
        "run sets and prints a new password for the demo accounts."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--password",
            help="Password for every demo account (default: a new random one).",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even when PONTE_DEMO is not set (creates demo accounts).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        # Demo accounts with a printed password must never appear on a production site by
        # accident: the demo settings flag, or an explicit --force, is required.
        if not (getattr(settings, "DEMO", False) or options["force"]):
            raise CommandError(_("Set PONTE_DEMO=1 (or pass --force) to load the demo data."))
        started = time.monotonic()
        result = load_demo(password=options["password"])
        elapsed = time.monotonic() - started

        self.stdout.write(
            self.style.SUCCESS(_("Demo loaded in %(seconds).1f s.") % {"seconds": elapsed})
        )
        self.stdout.write(", ".join(f"{name}: {count}" for name, count in result.counts.items()))
        headers = [_("Role"), _("E-mail"), _("Password"), _("Organisation")]
        rows = [[a.role_label, a.email, result.password, a.organization] for a in result.accounts]
        self.stdout.write("")
        for line in table([headers, *rows]):
            self.stdout.write(line)
        self.stdout.write("")
        self.stdout.write(
            _("%(count)d PUA team accounts share the same password, e.g. %(examples)s.")
            % {"count": len(result.team_accounts), "examples": ", ".join(result.team_accounts[:3])}
        )
