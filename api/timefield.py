"""The one time type of the API, for bodies and query parameters alike: an RFC 3339 string with a
time and an offset (`Z` or ±HH:MM), in the years 1900–2200 both as written and in UTC, taken as
an aware UTC datetime. A number, a date alone or a time without an offset is refused."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Annotated, Any

from pydantic import BeforeValidator, WithJsonSchema
from pydantic_core import PydanticCustomError

FIRST_YEAR, LAST_YEAR = 1900, 2200
EXAMPLE = "2026-03-02T08:00:00+01:00"

_RFC3339 = re.compile(
    r"(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})[Tt]"
    r"(?P<hour>\d{2}):(?P<minute>\d{2}):(?P<second>\d{2})(?:\.(?P<fraction>\d{1,9}))?"
    r"(?:(?P<zulu>[Zz])|(?P<sign>[+-])(?P<off_hour>\d{2}):(?P<off_minute>\d{2}))",
    re.ASCII,
)


def _refuse(reason: str) -> PydanticCustomError:
    return PydanticCustomError("rfc3339_time", "{reason}", {"reason": reason})


def parse_instant(value: Any) -> datetime:
    """The instant an RFC 3339 time names, in UTC; PydanticCustomError when it names none that
    the ledger takes."""
    if not isinstance(value, str):
        raise _refuse(f"must be an RFC 3339 time as a string, e.g. {EXAMPLE}")
    match = _RFC3339.fullmatch(value)
    if match is None:
        raise _refuse(f"must be an RFC 3339 time with a time of day and an offset, e.g. {EXAMPLE}")
    part = {k: int(v) for k, v in match.groupdict().items() if v and v.isdigit()}
    if not FIRST_YEAR <= part["year"] <= LAST_YEAR:
        raise _refuse(f"must lie in the years {FIRST_YEAR}–{LAST_YEAR}")
    offset = timedelta(hours=part.get("off_hour", 0), minutes=part.get("off_minute", 0))
    if part.get("off_hour", 0) > 23 or part.get("off_minute", 0) > 59:
        raise _refuse("has an offset that is not ±HH:MM with HH at most 23 and MM at most 59")
    fraction = (match["fraction"] or "").ljust(6, "0")[:6]
    try:
        local = datetime(
            part["year"],
            part["month"],
            part["day"],
            part["hour"],
            part["minute"],
            part["second"],
            int(fraction),
            tzinfo=timezone(-offset if match["sign"] == "-" else offset),
        )
    except ValueError:
        raise _refuse("is not a date and time that exists") from None
    # The local year is in range, so converting cannot overflow Python's datetime.
    instant = local.astimezone(UTC)
    if not FIRST_YEAR <= instant.year <= LAST_YEAR:
        raise _refuse(f"must lie in the years {FIRST_YEAR}–{LAST_YEAR} in UTC")
    return instant


Instant = Annotated[
    datetime,
    BeforeValidator(parse_instant),  # a plain validator would warn on serializing (pydantic 2.14)
    WithJsonSchema({"type": "string", "format": "date-time", "examples": [EXAMPLE]}),
]
"""An RFC 3339 time with an offset, in 1900–2200, as an aware UTC datetime."""
