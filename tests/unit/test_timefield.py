"""The API's one time type: which strings name an instant the ledger takes, and which it
refuses (with the reason a client reads in the 422)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from api.timefield import Instant, parse_instant


class Body(BaseModel):
    at: Instant


@pytest.mark.parametrize(
    ("written", "instant"),
    [
        ("2026-03-02T08:00:00Z", datetime(2026, 3, 2, 8, 0, tzinfo=UTC)),
        ("2026-03-02t08:00:00z", datetime(2026, 3, 2, 8, 0, tzinfo=UTC)),
        ("2026-03-02T09:00:00+01:00", datetime(2026, 3, 2, 8, 0, tzinfo=UTC)),
        ("2026-03-01T22:00:00-10:00", datetime(2026, 3, 2, 8, 0, tzinfo=UTC)),
        ("2026-03-02T08:00:00.5Z", datetime(2026, 3, 2, 8, 0, 0, 500_000, tzinfo=UTC)),
        ("2026-03-02T08:00:00.123456789Z", datetime(2026, 3, 2, 8, 0, 0, 123_456, tzinfo=UTC)),
        ("1900-01-01T00:00:00Z", datetime(1900, 1, 1, tzinfo=UTC)),
        ("2200-12-31T23:59:59Z", datetime(2200, 12, 31, 23, 59, 59, tzinfo=UTC)),
        ("2028-02-29T12:00:00+00:00", datetime(2028, 2, 29, 12, tzinfo=UTC)),
    ],
)
def test_an_rfc3339_time_with_an_offset_is_taken_as_that_instant_in_utc(
    written: str, instant: datetime
) -> None:
    taken = parse_instant(written)
    assert taken == instant and taken.tzinfo is UTC


@pytest.mark.parametrize(
    ("written", "reason"),
    [
        (1764940000, "as a string"),
        (1764940000.5, "as a string"),
        (None, "as a string"),
        (datetime(2026, 3, 2, tzinfo=UTC), "as a string"),
        ("2026-03-02", "time of day and an offset"),
        ("2026-03-02T08:00:00", "time of day and an offset"),
        ("2026-03-02T08:00Z", "time of day and an offset"),
        ("2026-03-02 08:00:00Z", "time of day and an offset"),
        ("2026-03-02T08:00:00+0100", "time of day and an offset"),
        ("2026-03-02T08:00:00+01", "time of day and an offset"),
        ("+2026-03-02T08:00:00Z", "time of day and an offset"),
        ("2026-03-02T08:00:00Z\n", "time of day and an offset"),
        ("２０２６-03-02T08:00:00Z", "time of day and an offset"),  # full-width digits
        ("1764940000", "time of day and an offset"),
        ("2026-02-29T08:00:00Z", "exists"),
        ("2026-13-01T08:00:00Z", "exists"),
        ("2026-03-02T24:00:00Z", "exists"),
        ("2026-12-31T23:59:60Z", "exists"),
        ("2026-03-02T08:00:00+24:00", "offset"),
        ("2026-03-02T08:00:00+01:60", "offset"),
        ("0001-01-01T00:00:00+14:00", "1900–2200"),
        ("9999-12-31T23:59:59-14:00", "1900–2200"),
        ("1899-12-31T23:59:59Z", "1900–2200"),
        ("2201-01-01T00:00:00Z", "1900–2200"),
        ("1900-01-01T00:30:00+01:00", "1900–2200 in UTC"),
        ("2200-12-31T23:30:00-01:00", "1900–2200 in UTC"),
    ],
)
def test_anything_else_is_refused_saying_why(written: Any, reason: str) -> None:
    with pytest.raises(ValidationError) as refused:
        Body(at=written)
    [error] = refused.value.errors()
    assert error["loc"] == ("at",)
    assert reason in error["msg"]


def test_the_schema_is_an_rfc3339_string() -> None:
    schema = Body.model_json_schema()["properties"]["at"]
    assert (schema["type"], schema["format"]) == ("string", "date-time")


def test_a_time_is_written_back_in_utc() -> None:
    assert Body(at="2026-03-02T09:00:00+01:00").model_dump(mode="json") == {
        "at": "2026-03-02T08:00:00Z"
    }
