"""The bare endpoint the ledger's HTTP check is measured against: FastAPI, the same pydantic request
body (`api.schemas.CheckIn`), a synchronous handler as the ledger's, uvicorn with the ledger's own
log configuration (access log on), one worker. It answers a fixed decision and touches no store.

    .venv/bin/python bench/bare.py --port 8001
"""

from __future__ import annotations

import argparse
from typing import Any

import uvicorn
from fastapi import FastAPI

from api.accesslog import log_config
from api.schemas import CheckIn

app = FastAPI()


@app.post("/v1/decisions/check")
def check(body: CheckIn) -> dict[str, Any]:
    return {
        "allowed": False,
        "basis": None,
        "consent_ids": [],
        "reasons": [{"code": "NO_CONSENT", "message": "no consent", "consent_id": None}],
        "at": None,
        "known_at": None,
        "youth_id": body.youth_id,
    }


@app.get("/readyz")
def ready() -> dict[str, str]:
    return {"status": "ready"}


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    uvicorn.run(app, host=args.host, port=args.port, workers=1, log_config=log_config())
