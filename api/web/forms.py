"""Times typed into a page: `datetime-local` and `date` fields are Swedish local time (what a
coordinator reads off a paper form), turned into instants here; a value that is no time is an
error beside its field, and nothing is written."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from api.web.core import Form
from ledger.timeutil import STOCKHOLM

EARLIEST, LATEST = 1900, 2200  # the API's own range of years (api/timefield.py)


def instant(form: Form, name: str, errors: dict[str, str]) -> datetime | None:
    """The field as an instant (None when left empty); an error beside it when it is no time."""
    raw = form.get(name).strip()
    if not raw:
        return None
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        errors[name] = "is not a date and time (YYYY-MM-DD HH:MM)"
        return None
    if not EARLIEST <= moment.year <= LATEST:
        errors[name] = f"must be within the years {EARLIEST}-{LATEST}"
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=STOCKHOLM)
    return moment.astimezone(UTC)


def day(form: Form, name: str, errors: dict[str, str], *, end: bool = False) -> datetime | None:
    """A date field as the instant its day starts in Sweden (or the next day's start, `end`)."""
    raw = form.get(name).strip()
    if not raw:
        return None
    try:
        value = date.fromisoformat(raw)
    except ValueError:
        errors[name] = "is not a date (YYYY-MM-DD)"
        return None
    if not EARLIEST <= value.year <= LATEST:
        errors[name] = f"must be within the years {EARLIEST}-{LATEST}"
        return None
    moment = datetime.combine(value, time(0), tzinfo=STOCKHOLM)
    if end:
        moment = datetime.combine(
            date.fromordinal(value.toordinal() + 1), time(0), tzinfo=STOCKHOLM
        )
    return moment.astimezone(UTC)


def local_input(moment: datetime) -> str:
    """An instant as a `datetime-local` field shows it."""
    return moment.astimezone(STOCKHOLM).strftime("%Y-%m-%dT%H:%M")
