"""Swedish personal identity numbers: personnummer and samordningsnummer.

Owns parsing, validation (Luhn, calendar, century) and a canonical form that never leaks in logs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

__all__ = [
    "InvalidPersonalNumber",
    "PersonalNumber",
    "luhn_check_digit",
    "parse_personal_number",
]

_REDACTED = "PersonalNumber(<redacted>)"
_COORDINATION_DAY_OFFSET = 60

# 6 (YYMMDD) or 8 (YYYYMMDD) date digits, an optional separator, then NNNC. ASCII digits only.
_SHAPE = re.compile(r"(?P<date>[0-9]{6}|[0-9]{8})(?P<sep>[-+]?)(?P<tail>[0-9]{4})")


class InvalidPersonalNumber(ValueError):
    """The text is not a valid personnummer; the message names the problem, never the value."""


@dataclass(frozen=True, repr=False)
class PersonalNumber:
    """A validated personnummer or samordningsnummer.

    ``digits`` is the canonical 12-digit form YYYYMMDDNNNC (for a samordningsnummer the day
    is the registered day plus 60); ``birth_date`` is the real birth date.
    """

    digits: str
    birth_date: date
    is_coordination_number: bool

    def __post_init__(self) -> None:
        if len(self.digits) != 12 or not self.digits.isascii() or not self.digits.isdigit():
            msg = "personal_number: canonical form must be exactly 12 digits"
            raise InvalidPersonalNumber(msg)

    def __repr__(self) -> str:
        return _REDACTED

    def __str__(self) -> str:
        return _REDACTED

    def formatted(self) -> str:
        """The 12-digit form with a separator: ``YYYYMMDD-NNNC``."""
        return f"{self.digits[:8]}-{self.digits[8:]}"


def luhn_check_digit(nine_digits: str) -> int:
    """The Luhn check digit over YYMMDDNNN (weights 2,1,2,1,…; digits of products summed)."""
    if len(nine_digits) != 9 or not nine_digits.isascii() or not nine_digits.isdigit():
        msg = "personal_number: Luhn input must be exactly 9 digits"
        raise InvalidPersonalNumber(msg)
    total = 0
    for index, char in enumerate(nine_digits):
        product = int(char) * (2 if index % 2 == 0 else 1)
        total += product // 10 + product % 10
    return (10 - total % 10) % 10


def parse_personal_number(text: str, *, today: date) -> PersonalNumber:
    """Parse and validate a personnummer or samordningsnummer.

    Accepts ``YYMMDD-NNNC``, ``YYMMDD+NNNC``, ``YYYYMMDD-NNNC`` (and ``+``) or the same
    without a separator. For the 10-digit form the century is the latest one that puts the
    birth date on or before ``today``; with ``+`` the person must have turned 100 by ``today``.
    """
    match = _SHAPE.fullmatch(text.strip())
    if match is None:
        msg = "personal_number: expected 10 or 12 digits, '-' or '+' allowed before the last four"
        raise InvalidPersonalNumber(msg)
    date_part, separator, tail = match.group("date", "sep", "tail")
    short = date_part[-6:] + tail
    if luhn_check_digit(short[:9]) != int(short[9]):
        msg = "personal_number: check digit does not match"
        raise InvalidPersonalNumber(msg)

    month = int(date_part[-4:-2])
    registered_day = int(date_part[-2:])
    is_coordination = registered_day > _COORDINATION_DAY_OFFSET
    day = registered_day - _COORDINATION_DAY_OFFSET if is_coordination else registered_day
    if not 1 <= month <= 12 or not 1 <= day <= 31:
        msg = "personal_number: month or day out of range"
        raise InvalidPersonalNumber(msg)

    centenarian = separator == "+"
    if len(date_part) == 8:
        year = int(date_part[:4])
    else:
        year = _resolve_century(int(date_part[:2]), month, day, today, centenarian=centenarian)

    try:
        birth_date = date(year, month, day)
    except ValueError:
        msg = "personal_number: not a calendar date"
        raise InvalidPersonalNumber(msg) from None
    if birth_date > today:
        msg = "personal_number: birth date is in the future"
        raise InvalidPersonalNumber(msg)
    if centenarian and not _has_turned_100(year, month, day, today):
        msg = "personal_number: '+' separator is only for people aged 100 or more"
        raise InvalidPersonalNumber(msg)

    canonical = f"{year:04d}{date_part[-4:]}{tail}"
    return PersonalNumber(
        digits=canonical, birth_date=birth_date, is_coordination_number=is_coordination
    )


def _resolve_century(yy: int, month: int, day: int, today: date, *, centenarian: bool) -> int:
    """The latest year ending in ``yy`` whose (month, day) is not after the reference date.

    The reference is ``today`` (at most 99 years old) or, for ``+``, today 100 years ago.
    Compares tuples so that 29 February picks a century before the calendar is checked.
    """
    reference_year = today.year - 100 if centenarian else today.year
    year = reference_year - (reference_year - yy) % 100
    if (month, day) > (today.month, today.day) and year == reference_year:
        year -= 100
    return year


def _has_turned_100(year: int, month: int, day: int, today: date) -> bool:
    return (year + 100, month, day) <= (today.year, today.month, today.day)
