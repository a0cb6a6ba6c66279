"""Real `ledger serve` subprocesses on one store, for the tests that need the server as it runs:
several processes, several workers, the access log. Fixtures `on_sqlite` and `on_postgres` (in
conftest.py) give a Deployment that stops its servers afterwards."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Generator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

LEDGER = Path(sys.executable).parent / "ledger"
ADMIN_TOKEN = "served-admin-" + "z" * 24
STARTUP_SECONDS = 40
REQUEST_SECONDS = 20


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    """One `ledger serve` subprocess in its own process group, logging to a file."""

    proc: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def tail(self) -> str:
        try:
            return self.log.read_text("utf-8", errors="replace")[-3000:]
        except OSError:
            return "(no log)"

    def stop(self) -> None:
        if self.proc.poll() is not None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)  # the group this test started, workers too
            self.proc.wait(timeout=10)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)


@dataclass
class Deployment:
    """Servers started on one store with one key directory; stopped by the fixture."""

    home: Path
    url: str
    servers: list[Server] = field(default_factory=list)
    settings: dict[str, str] = field(default_factory=dict)  # more LEDGER_* variables

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("LEDGER_")}
        env.update(
            LEDGER_DATABASE_URL=self.url,
            LEDGER_KEY_DIR=str(self.home / "keys"),
            LEDGER_ADMIN_TOKEN=ADMIN_TOKEN,
        )
        env.update(self.settings)
        return env

    def start(self, *extra: str) -> Server:
        """A server up and ready; on another port if the one picked was taken meanwhile."""
        for _ in range(3):
            server = self._spawn(*extra)
            if self._ready(server):
                return server
            server.stop()
            if "address already in use" not in server.tail().lower():
                break
        pytest.fail(f"the server on {server.port} did not start:\n{server.tail()}")

    def start_together(self, n: int) -> list[Server]:
        """n servers spawned at the same moment (no retry: a failure to start is the finding)."""
        servers = [self._spawn() for _ in range(n)]
        for server in servers:
            if not self._ready(server):
                pytest.fail(f"the server on {server.port} did not start:\n{server.tail()}")
        return servers

    def _spawn(self, *extra: str) -> Server:
        port = free_port()
        log = self.home / f"server-{port}.log"
        with log.open("wb") as out:
            proc = subprocess.Popen(
                [str(LEDGER), "serve", "--host", "127.0.0.1", "--port", str(port), *extra],
                cwd=self.home,
                env=self.env(),
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        server = Server(proc, port, log)
        self.servers.append(server)
        return server

    @staticmethod
    def _ready(server: Server) -> bool:
        """Whether this process (not some other one on the port) answers /readyz in time."""
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            if server.proc.poll() is not None:
                return False
            try:
                r = httpx.get(f"{server.base}/readyz", timeout=2)
                if r.status_code == 200:
                    return server.proc.poll() is None and "startup complete" in server.tail()
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        return False

    def stop(self) -> None:
        for server in self.servers:
            server.stop()


def deployment(tmp_path: Path, url: str) -> Generator[Deployment, None, None]:
    d = Deployment(tmp_path, url)
    try:
        yield d
    finally:
        d.stop()
