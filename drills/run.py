"""Run the fault drills: `make drills`, or `python -m drills.run [--only kill backup keys]`.

One throw-away PostgreSQL cluster on loopback serves every drill (see cluster.py); it is
removed at the end whatever happens. The exit status is 0 only if every drill passed and every
negative control detected its fault. With --results the figures go into a Markdown file too.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import FrameType

import psycopg

from drills import backup_restore, key_rotation, kill_postgres
from drills.cluster import Cluster
from drills.support import ROOT, DrillError, Outcome, Secrets, app_env, manage, step

DEADLINE = 900  # seconds for the whole run; a drill that hangs fails instead of blocking


class Deadline(BaseException):
    """Not an Exception: no drill's error handling may swallow it."""


class Lab:
    """The cluster, and the databases the drills copy: created once, on first use."""

    MIGRATED, FILLED = "drills_migrated", "drills_filled"

    def __init__(self, cluster: Cluster, secrets_: Secrets) -> None:
        self.cluster = cluster
        self.secrets = secrets_
        self._made: set[str] = set()

    def env(self, database: str) -> dict[str, str]:
        return app_env(
            self.cluster.url(database), field_keys=f"1:{self.secrets.key1}", secrets_=self.secrets
        )

    def migrated(self) -> str:
        if self.MIGRATED not in self._made:
            step("template database: migrate")
            self.cluster.create_database(self.MIGRATED)
            manage(self.env(self.MIGRATED), "migrate", "-v0", timeout=300)
            self._made.add(self.MIGRATED)
        return self.MIGRATED

    def filled(self) -> str:
        """migrate + generate_data --scale small + load_demo, encrypted with key 1."""
        if self.FILLED not in self._made:
            self.cluster.create_database(self.FILLED, template=self.migrated())
            env = self.env(self.FILLED)
            step("template database: generate_data --scale small")
            manage(env, "generate_data", "--scale", "small", "--no-progress", timeout=300)
            step("template database: load_demo")
            manage(env, "load_demo", "--force", timeout=300)
            self._made.add(self.FILLED)
        return self.FILLED


# A drill appends its outcomes as it goes: what it showed before a failure is still reported.
Drill = Callable[[Lab, list[Outcome]], None]

DRILLS: dict[str, tuple[str, Drill]] = {
    "kill": (
        "kill -9 PostgreSQL under load",
        lambda lab, out: kill_postgres.drill(lab.cluster, lab.migrated(), lab.secrets, out),
    ),
    "backup": (
        "backup and restore",
        lambda lab, out: backup_restore.drill(lab.cluster, lab.filled(), lab.secrets, out),
    ),
    "keys": (
        "key rotation",
        lambda lab, out: key_rotation.drill(lab.cluster, lab.filled(), lab.secrets, out),
    ),
}


def machine() -> list[tuple[str, str]]:
    memory = ""
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        kib = int(meminfo.read_text().split()[1])
        memory = f"{kib / 1024 / 1024:.0f} GiB"
    return [
        ("date", dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")),
        ("machine", f"{platform.machine()}, {os.cpu_count()} cores, {memory} RAM"),
        ("system", platform.platform()),
        ("python", platform.python_version()),
    ]


def server_version(cluster: Cluster) -> str:
    with psycopg.connect(cluster.url("postgres"), connect_timeout=5) as conn:
        row = conn.execute("SHOW server_version").fetchone()
    return str(row[0]) if row else "?"


def _raise_deadline(signum: int, frame: FrameType | None) -> None:
    raise Deadline(f"the drills did not finish within {DEADLINE} s")


def _raise_exit(signum: int, frame: FrameType | None) -> None:
    # SIGTERM ends the run through the `finally` blocks, so nothing is left running.
    raise SystemExit(128 + signum)


def run(selected: list[str]) -> tuple[list[tuple[str, str]], list[Outcome], float]:
    started = time.monotonic()
    secrets_ = Secrets.generate()
    header = machine()
    outcomes: list[Outcome] = []
    with Cluster("lab") as cluster:
        cluster.start(kill_postgres.SAFE)
        header.append(("PostgreSQL", f"{server_version(cluster)} (throw-away cluster, loopback)"))
        for label, value in header:
            print(f"{label}: {value}")
        lab = Lab(cluster, secrets_)
        for key in selected:
            title, drill = DRILLS[key]
            print(f"\n== {title}", flush=True)
            mine: list[Outcome] = []
            try:
                drill(lab, mine)
            except Exception as exc:  # one broken drill must not hide the others' results
                if not mine:
                    mine.append(Outcome(title))
                reason = str(exc) if isinstance(exc, DrillError) else repr(exc)
                mine[-1].check("the drill ran to its end", False, reason[:300])
            outcomes += mine
    return header, outcomes, time.monotonic() - started


def summary(outcomes: list[Outcome], seconds: float) -> str:
    width = max(len(o.name) for o in outcomes)
    lines = [f"{o.name.ljust(width)}  {'PASS' if o.passed else 'FAIL'}" for o in outcomes]
    verdict = "PASS" if all(o.passed for o in outcomes) else "FAIL"
    lines.append(f"{'all drills and negative controls'.ljust(width)}  {verdict}  ({seconds:.0f} s)")
    return "\n".join(lines)


def markdown(header: list[tuple[str, str]], outcomes: list[Outcome], seconds: float) -> str:
    out = [
        "# Fault drills: results",
        "",
        "Written by `make drills` (`python -m drills.run --results drills/RESULTS.md`); what each",
        "drill does and why is in README.md.",
        "",
        *[f"- {label}: {value}" for label, value in header],
        f"- whole run: {seconds:.0f} s",
        "",
        "```",
        summary(outcomes, seconds),
        "```",
    ]
    for o in outcomes:
        out += ["", f"## {o.name}: {'PASS' if o.passed else 'FAIL'}", ""]
        if o.figures:
            out += ["| figure | value |", "| --- | --- |"]
            out += [f"| {label.strip()} | {value} |" for label, value in o.figures]
            out.append("")
        out += [
            f"- {'PASS' if c.passed else 'FAIL'}: {c.name}" + (f" ({c.detail})" if c.detail else "")
            for c in o.checks
        ]
    return "\n".join(out) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", nargs="+", choices=list(DRILLS), default=list(DRILLS))
    parser.add_argument("--results", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    os.chdir(ROOT)
    signal.signal(signal.SIGTERM, _raise_exit)
    signal.signal(signal.SIGALRM, _raise_deadline)
    signal.alarm(DEADLINE)
    try:
        header, outcomes, seconds = run(args.only)
    except Deadline as exc:
        print(f"\nFAIL: {exc}", file=sys.stderr)
        return 1
    except (KeyboardInterrupt, SystemExit):
        print("\nInterrupted: the cluster, gunicorn and the temp files are gone.", file=sys.stderr)
        raise
    finally:
        signal.alarm(0)
    print("\n" + summary(outcomes, seconds))
    if args.results:
        args.results.write_text(markdown(header, outcomes, seconds))
        print(f"\nFigures written to {args.results}")
    return 0 if outcomes and all(o.passed for o in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
