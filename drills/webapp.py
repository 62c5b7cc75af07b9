"""The app as deployed, for the drills: gunicorn with gunicorn.conf.py on a loopback port."""

# ruff: noqa: S603 - gunicorn is started with an argument list
from __future__ import annotations

import http.client
import subprocess
import sys
import tempfile
from pathlib import Path

from drills.cluster import children
from drills.support import ROOT, DrillError, free_port, wait_until


class Gunicorn:
    """The app as deployed: gunicorn.conf.py, 2 workers x 4 threads, on a loopback port."""

    def __init__(self, env: dict[str, str]) -> None:
        self.port = free_port()
        self.log_dir = Path(tempfile.mkdtemp(prefix="ponte-drills-gunicorn-"))
        self.env = {
            **env,
            "BIND": f"127.0.0.1:{self.port}",
            "WEB_CONCURRENCY": "2",
            "GUNICORN_THREADS": "4",
        }
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Gunicorn:
        gunicorn = str(Path(sys.executable).parent / "gunicorn")  # the venv running the drills
        with (self.log_dir / "gunicorn.log").open("ab") as log:
            self.process = subprocess.Popen(
                [gunicorn, "-c", "gunicorn.conf.py", "config.wsgi"],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        wait_until(self._healthy, timeout=60, interval=0.2, what="gunicorn start")
        return self

    def _healthy(self) -> bool:
        if self.process is not None and self.process.poll() is not None:
            raise DrillError(f"gunicorn exited {self.process.returncode}")
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
        try:
            connection.request("GET", "/healthz")
            return connection.getresponse().status == 200
        except OSError:
            return False
        finally:
            connection.close()

    @property
    def workers(self) -> set[int]:
        return set(children(self.process.pid)) if self.process else set()

    def __exit__(self, *exc: object) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        for path in self.log_dir.iterdir():
            path.unlink()
        self.log_dir.rmdir()
