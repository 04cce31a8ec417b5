"""`streamlit run app.py` as a subprocess on a database file of its own: the app the browser
tests drive, and the server whose memory the benchmark measures."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LiveApp:
    """The app served on a free port with AIMS_DB set to `db_file`; the server's output goes to
    `db_file` with the suffix .log. Raises RuntimeError when it does not answer its health check
    within `start_timeout` seconds."""

    def __init__(self, db_file: Path, *, start_timeout: float = 60) -> None:
        self.db_file = db_file
        self.port = free_port()
        self.url = f"http://localhost:{self.port}"
        env = {**os.environ, "AIMS_DB": str(db_file), "PYTHONUNBUFFERED": "1"}
        self.log = db_file.with_suffix(".log").open("w")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                "app.py",
                "--server.headless",
                "true",
                "--server.port",
                str(self.port),
                "--browser.gatherUsageStats",
                "false",
                "--server.fileWatcherType",
                "none",
            ],
            cwd=REPO,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + start_timeout
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as reply:
                    if reply.read() == b"ok":
                        return
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"the app did not start on port {self.port}")

    @property
    def pid(self) -> int:
        return self.process.pid

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()
