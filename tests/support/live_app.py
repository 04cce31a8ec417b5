"""`streamlit run app.py` as a subprocess on a database file of its own: the app the browser
tests drive, and the server whose memory the benchmark measures."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Mapping
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LiveApp:
    """The app served with AIMS_DB set to `db_file`; the server's output goes to `db_file` with
    the suffix .log. Raises RuntimeError when it does not answer its health check within
    `start_timeout` seconds.

    `port` is chosen free unless given: a sign-in test needs it before the start, because the
    redirect URI in its secrets names it. `secrets_file` replaces the secrets Streamlit would
    otherwise read (`.streamlit/secrets.toml`); `env` adds or overrides environment variables."""

    def __init__(
        self,
        db_file: Path | str,
        *,
        start_timeout: float = 60,
        port: int | None = None,
        secrets_file: Path | None = None,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.db_file = db_file
        self.port = port if port is not None else free_port()
        self.url = f"http://localhost:{self.port}"
        environment = {
            **os.environ,
            "AIMS_DB": str(db_file),
            "PYTHONUNBUFFERED": "1",
            **(env or {}),
        }
        command = [
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
        ]
        if secrets_file is not None:
            command += ["--secrets.files", str(secrets_file)]
        self.log = db_file.with_suffix(".log").open("w")
        self.process = subprocess.Popen(
            command,
            cwd=REPO,
            env=environment,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + start_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as reply:
                    if reply.read() == b"ok":
                        return
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise RuntimeError(
            f"the app did not start on port {self.port}; its output is in {self.log.name}"
        )

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
