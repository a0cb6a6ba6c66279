"""Time in the ledger: instants are aware UTC datetimes; ages and birthdays are reckoned in
Europe/Stockholm, as the law counts them."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

STOCKHOLM = ZoneInfo("Europe/Stockholm")
STAMP = "%Y-%m-%dT%H:%M:%S.%fZ"


def utc(instant: datetime) -> datetime:
    if instant.tzinfo is None:
        msg = "a time must carry a UTC offset"
        raise ValueError(msg)
    return instant.astimezone(UTC)


def local_date(instant: datetime) -> date:
    return instant.astimezone(STOCKHOLM).date()


def birthday(birth_date: date, years: int) -> date:
    try:
        return birth_date.replace(year=birth_date.year + years)
    except ValueError:  # born 29 February: the birthday falls on 1 March in common years
        return date(birth_date.year + years, 3, 1)


def age_on(birth_date: date, instant: datetime) -> int:
    today = local_date(instant)
    years = today.year - birth_date.year
    return years if today >= birthday(birth_date, years) else years - 1


def start_of_day(day: date) -> datetime:
    """The first instant of a Stockholm calendar day, in UTC."""
    return datetime.combine(day, time(0), tzinfo=STOCKHOLM).astimezone(UTC)


def turns(birth_date: date, years: int) -> datetime:
    """The instant a person born on `birth_date` reaches `years` of age."""
    return start_of_day(birthday(birth_date, years))


def iso(instant: datetime) -> str:
    return utc(instant).isoformat().replace("+00:00", "Z")


def stamp(instant: datetime) -> str:
    """Fixed-width UTC text (microseconds always present), so that text order is time order: the
    form the log and the audit index store and compare."""
    return utc(instant).strftime(STAMP)


def unstamp(text: str) -> datetime:
    return datetime.strptime(text, STAMP).replace(tzinfo=UTC)
