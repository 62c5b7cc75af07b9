"""A throw-away PostgreSQL cluster on loopback, that a drill may kill with SIGKILL.

The system server on 5432 is shared: the drills never touch it. This cluster lives in a temp
directory, listens on 127.0.0.1 only (its Unix socket in the same directory), trusts local
connections (nothing else can reach it) and is removed at the end, even after a failure.
initdb and postgres refuse to run as root: as root they run as the `postgres` OS user.
"""

# ruff: noqa: S603 - the cluster's own binaries, run with argument lists
from __future__ import annotations

import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import Any

import psycopg

from drills.support import DrillError, free_port, run, wait_until


def postgres_bin_dir() -> Path:
    """PG_BIN if set, else the newest /usr/lib/postgresql/<version>/bin."""
    if os.environ.get("PG_BIN"):
        return Path(os.environ["PG_BIN"])
    found = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/postgres"),
        key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0,
    )
    if not found:
        raise DrillError("no PostgreSQL server binaries (set PG_BIN)")
    return found[-1].parent


def children(pid: int) -> list[int]:
    """Processes whose parent is `pid` (the postmaster's backends and auxiliary processes)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name is in parentheses and may contain spaces: parse after it.
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[1]) == pid:
            found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


class Cluster:
    def __init__(self, name: str, port: int = 55432) -> None:
        self.name = name
        self.bin = postgres_bin_dir()
        self.port = free_port(port)
        self.root = Path(tempfile.mkdtemp(prefix=f"ponte-drills-{name}-"))
        self.data = self.root / "data"
        self.sockets = self.root / "run"
        self.log = self.root / "postgres.log"
        self.process: subprocess.Popen[bytes] | None = None
        self._as_postgres: dict[str, Any] = {}
        if os.geteuid() == 0:
            owner = pwd.getpwnam("postgres")
            self._as_postgres = {"user": owner.pw_uid, "group": owner.pw_gid, "extra_groups": []}
            os.chown(self.root, owner.pw_uid, owner.pw_gid)
        self.sockets.mkdir()
        if self._as_postgres:
            os.chown(self.sockets, self._as_postgres["user"], self._as_postgres["group"])

    # ---- life cycle ----------------------------------------------------------------------

    def __enter__(self) -> Cluster:
        self.initdb()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.remove()

    def initdb(self) -> None:
        args = [str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres"]
        args += ["--auth=trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-instructions"]
        self._run_as_postgres(args, timeout=120)

    def start(self, settings: dict[str, str] | None = None, *, timeout: float = 60) -> float:
        """Start the server (crash recovery included) and return the seconds until it answers."""
        if self.process is not None and self.process.poll() is None:
            raise DrillError(f"cluster {self.name} is already running")
        options = {
            "listen_addresses": "127.0.0.1",
            "unix_socket_directories": str(self.sockets),
            "port": str(self.port),
            "fsync": "on",
            "synchronous_commit": "on",
            "max_connections": "60",
            "logging_collector": "off",
        }
        options.update(settings or {})
        args = [str(self.bin / "postgres"), "-D", str(self.data)]
        for key, value in options.items():
            args += ["-c", f"{key}={value}"]
        started = time.monotonic()
        with self.log.open("ab") as log:
            # Its own session: a Ctrl-C on `make drills` reaches the drill, which stops the
            # cluster itself in order, instead of killing the server in the middle of a step.
            self.process = subprocess.Popen(
                args,
                cwd=self.root,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                **self._as_postgres,
            )

        def ready() -> bool:
            if self.process is not None and self.process.poll() is not None:
                raise DrillError(f"postgres exited {self.process.returncode}; see {self.log}")
            return self.answers()

        wait_until(ready, timeout=timeout, what=f"cluster {self.name} start")
        return time.monotonic() - started

    def answers(self) -> bool:
        try:
            with psycopg.connect(self.url("postgres"), connect_timeout=1) as conn:
                conn.execute("SELECT 1")
        except psycopg.Error:
            return False
        return True

    def crash(self) -> int:
        """SIGKILL the postmaster and every child at one instant; return how many died.

        Everything is stopped first (SIGSTOP), so that no process (the WAL writer above all)
        runs a single instruction more while the others are being killed: as close to a
        power cut as a process kill gets. What the kernel has already received (written WAL
        not yet fsynced) survives, as it would survive any crash of PostgreSQL alone.
        """
        if self.process is None or self.process.poll() is not None:
            raise DrillError(f"cluster {self.name} is not running")
        postmaster = self.process.pid
        os.kill(postmaster, signal.SIGSTOP)  # no new backend may be forked from now on
        victims = [postmaster, *children(postmaster)]
        for pid in victims[1:]:
            os.kill(pid, signal.SIGSTOP)
        for pid in victims:
            os.kill(pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        wait_until(
            lambda: not any(_alive(pid) for pid in victims),
            timeout=10,
            what="killed PostgreSQL processes to exit",
        )
        return len(victims)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGINT)  # "fast" shutdown
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.crash()

    def remove(self) -> None:
        try:
            self.stop()
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    # ---- use -----------------------------------------------------------------------------

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str, template: str = "") -> None:
        with psycopg.connect(self.url("postgres"), autocommit=True, connect_timeout=5) as conn:
            suffix = f' TEMPLATE "{template}"' if template else ""
            conn.execute(f'CREATE DATABASE "{name}"{suffix}')  # type: ignore[arg-type]

    def tool(self, name: str, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        """A client program of the same version (pg_dump, pg_restore) against this cluster."""
        connection = ["-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres"]
        return run([str(self.bin / name), *connection, *args], timeout=timeout)

    def _run_as_postgres(self, args: list[str], *, timeout: float) -> None:
        try:
            result = subprocess.run(
                args,
                cwd=self.root,
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
                **self._as_postgres,
            )
        except subprocess.TimeoutExpired as exc:
            raise DrillError(f"{args[0]} did not finish within {timeout} s") from exc
        if result.returncode != 0:
            raise DrillError(f"{args[0]} exited {result.returncode}: {result.stderr.strip()}")
