"""The HTTP access log without query strings: a query may carry a personnummer
(`GET /v1/youths?personal_number=…`), and no log line may hold personal data."""

from __future__ import annotations

import copy
import logging
from typing import Any


class WithoutQuery(logging.Filter):
    """Cuts the query string off the path of uvicorn's access-log records, whose arguments are
    (client address, method, path with query, HTTP version, status)."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) == 5 and isinstance(args[2], str):
            record.args = (args[0], args[1], args[2].split("?", 1)[0], args[3], args[4])
        return True


def log_config(log_format: str = "text") -> dict[str, Any]:
    """uvicorn's own logging configuration, with the access log passed through WithoutQuery (the
    configuration is applied in every worker process). With `json`, every line (uvicorn's and
    the ledger's own) is one JSON object carrying the request id (api/logs.py)."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    filters = config.setdefault("filters", {})
    filters["without_query"] = {"()": f"{__name__}.WithoutQuery"}
    filters["request_id"] = {"()": "api.logs.WithRequestId"}
    config["handlers"]["access"]["filters"] = ["without_query", "request_id"]
    config["handlers"]["default"]["filters"] = ["request_id"]
    if log_format == "json":
        config["formatters"] = {"json": {"()": "api.logs.JsonFormatter"}}
        for handler in config["handlers"].values():
            handler["formatter"] = "json"
        # the ledger's own loggers (ledger.api: errors, the store going away) through the same
        config["loggers"]["ledger"] = {"handlers": ["default"], "level": "INFO", "propagate": False}
    return config
