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


def log_config() -> dict[str, Any]:
    """uvicorn's own logging configuration, with the access log passed through WithoutQuery (the
    configuration is applied in every worker process)."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config.setdefault("filters", {})["without_query"] = {"()": f"{__name__}.WithoutQuery"}
    config["handlers"]["access"]["filters"] = ["without_query"]
    return config
