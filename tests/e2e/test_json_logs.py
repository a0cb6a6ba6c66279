"""LEDGER_LOG_FORMAT=json: every log line of a real `ledger serve` is one JSON object with a
request id; the access line of a request carries the id the answer's X-Request-ID header gave
(the client's own when it is a UUID or hex digits, never a personnummer or a name), and the whole log-leak scenario leaves no personal
data in the JSON lines either."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from api.settings import Settings, SettingsError
from tests.e2e import test_log_leak
from tests.e2e.servers import ADMIN_TOKEN, Deployment


class JsonDeployment(Deployment):
    def env(self) -> dict[str, str]:
        return {**super().env(), "LEDGER_LOG_FORMAT": "json"}


def json_lines(log: str) -> list[dict[str, object]]:
    # `ledger serve` prints two plain lines of its own before logging starts
    lines = [line for line in log.splitlines() if line.strip()]
    body = [line for line in lines if not line.startswith(("Serving the consent", "No LEDGER_"))]
    return [json.loads(line) for line in body]


def test_json_log_lines_carry_the_request_id_of_each_request(tmp_path: Path) -> None:
    d = JsonDeployment(tmp_path, f"sqlite:///{tmp_path / 'ledger.db'}")
    try:
        server = d.start()
        auth = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
        mine = httpx.get(
            f"{server.base}/v1/agencies",
            headers={**auth, "X-Request-ID": "3f2a9c1e-8b7d-4e6f-a1b2-c3d4e5f60718"},
        )
        assert mine.headers["x-request-id"] == "3f2a9c1e-8b7d-4e6f-a1b2-c3d4e5f60718"
        for unsafe in ("19800212-2386", "198002122386", "Kim Andersson", "kim.andersson"):
            made = httpx.get(
                f"{server.base}/v1/agencies?x=1", headers={**auth, "X-Request-ID": unsafe}
            )
            given = made.headers["x-request-id"]
            assert given != unsafe and len(given) == 32  # replaced by an id of the server's
        missing = httpx.get(f"{server.base}/v1/youths/nope", headers=auth)
        assert missing.status_code == 403 and missing.headers["x-request-id"]
        server.stop()
        lines = json_lines(server.log.read_text("utf-8"))
        assert lines and all(
            {"time", "level", "logger", "message", "request_id"} <= set(line) for line in lines
        )
        access = [line for line in lines if line["logger"] == "uvicorn.access"]
        by_id = {line["request_id"]: line for line in access}
        assert (
            by_id["3f2a9c1e-8b7d-4e6f-a1b2-c3d4e5f60718"]["path"] == "/v1/agencies"
            and by_id["3f2a9c1e-8b7d-4e6f-a1b2-c3d4e5f60718"]["status"] == 200
        )
        assert by_id[given]["path"] == "/v1/agencies"  # no query string
        assert by_id[missing.headers["x-request-id"]]["status"] == 403
        text = server.log.read_text("utf-8")
        assert "Andersson" not in text and "19800212" not in text
    finally:
        d.stop()


def test_the_log_leak_scenario_leaves_no_personal_data_in_json_lines(tmp_path: Path) -> None:
    d = JsonDeployment(tmp_path, f"sqlite:///{tmp_path / 'ledger.db'}")
    try:
        test_log_leak.run(d)
        lines = json_lines(d.servers[0].log.read_text("utf-8"))
        assert any(line["logger"] == "uvicorn.access" for line in lines)
    finally:
        d.stop()


def test_an_unknown_log_format_is_refused_at_start() -> None:
    with pytest.raises(SettingsError, match="LEDGER_LOG_FORMAT"):
        Settings.from_env({"LEDGER_LOG_FORMAT": "xml"}, dotenv=None)
