"""Parsing and validating Swedish personnummer and samordningsnummer."""

from __future__ import annotations

from datetime import date

import pytest

from ledger.identity import InvalidPersonalNumber, PersonalNumber, parse_personal_number

TODAY = date(2025, 6, 1)


def _luhn(nine_digits: str) -> int:
    """Independent Luhn check digit over YYMMDDNNN (weights 2,1,2,1,…)."""
    total = 0
    for position, char in enumerate(nine_digits):
        product = int(char) * (2, 1)[position % 2]
        total += sum(int(d) for d in str(product))
    return (10 - total % 10) % 10


def _number(date_digits: str, serial: str = "123", separator: str = "-") -> str:
    """A number with a correct check digit; ``date_digits`` is YYMMDD or YYYYMMDD."""
    check = _luhn(date_digits[-6:] + serial)
    return f"{date_digits}{separator}{serial}{check}"


def _canonical(yyyymmdd: str, serial: str = "123") -> str:
    """The canonical 12 digits for a date and serial, with a correct check digit."""
    return f"{yyyymmdd}{serial}{_luhn(yyyymmdd[2:] + serial)}"


@pytest.mark.parametrize(
    ("nine_digits", "check_digit"),
    [("811218987", 6), ("121212121", 2), ("701063239", 1)],
)
def test_the_literal_known_good_numbers_have_the_check_digit_the_test_luhn_computes(
    nine_digits: str, check_digit: int
) -> None:
    assert _luhn(nine_digits) == check_digit


VALID = [
    # text, canonical digits, birth date, is samordningsnummer
    ("19811218-9876", "198112189876", date(1981, 12, 18), False),
    ("811218-9876", "198112189876", date(1981, 12, 18), False),
    ("8112189876", "198112189876", date(1981, 12, 18), False),
    ("198112189876", "198112189876", date(1981, 12, 18), False),
    ("  811218-9876\n", "198112189876", date(1981, 12, 18), False),
    ("121212-1212", "201212121212", date(2012, 12, 12), False),
    ("701063-2391", "197010632391", date(1970, 10, 3), True),
    ("19701063-2391", "197010632391", date(1970, 10, 3), True),
    (_number("000229"), _canonical("20000229"), date(2000, 2, 29), False),
    (_number("20000229"), _canonical("20000229"), date(2000, 2, 29), False),
    (_number("250601"), _canonical("20250601"), date(2025, 6, 1), False),
    (_number("250602"), _canonical("19250602"), date(1925, 6, 2), False),
    (_number("250531", separator="+"), _canonical("19250531"), date(1925, 5, 31), False),
    (_number("19250601", separator="+"), _canonical("19250601"), date(1925, 6, 1), False),
    (_number("19200101"), _canonical("19200101"), date(1920, 1, 1), False),
    (_number("100191", separator=""), _canonical("20100191"), date(2010, 1, 31), True),
]


@pytest.mark.parametrize(("text", "digits", "birth_date", "coordination"), VALID)
def test_valid_numbers_parse_to_the_canonical_digits_and_the_real_birth_date(
    text: str, digits: str, birth_date: date, coordination: bool
) -> None:
    parsed = parse_personal_number(text, today=TODAY)

    assert parsed.digits == digits
    assert parsed.birth_date == birth_date
    assert parsed.is_coordination_number is coordination


@pytest.mark.parametrize(
    ("text", "today", "birth_date"),
    [
        # Without '+', the latest century that puts the birth date on or before today.
        (_number("991231"), date(2025, 6, 1), date(1999, 12, 31)),
        (_number("250601"), date(2025, 5, 31), date(1925, 6, 1)),
        (_number("000229"), date(2099, 12, 31), date(2000, 2, 29)),
        # With '+', the latest century in which the person had turned 100 by today.
        (_number("250601", separator="+"), date(2025, 6, 1), date(1925, 6, 1)),
        (_number("250602", separator="+"), date(2025, 6, 1), date(1825, 6, 2)),
        (_number("991231", separator="+"), date(2100, 1, 1), date(1999, 12, 31)),
    ],
)
def test_the_century_of_a_ten_digit_number_follows_the_separator_and_today(
    text: str, today: date, birth_date: date
) -> None:
    assert parse_personal_number(text, today=today).birth_date == birth_date


INVALID = [
    # text, today, fragment of the message
    ("811218-9875", TODAY, "check digit does not match"),
    ("19811218-9877", TODAY, "check digit does not match"),
    (_number("010230"), TODAY, "not a calendar date"),
    (_number("20010230"), TODAY, "not a calendar date"),
    (_number("010431"), TODAY, "not a calendar date"),
    (_number("19000229"), TODAY, "not a calendar date"),
    (_number("000229", separator="+"), TODAY, "not a calendar date"),
    (_number("010292"), TODAY, "month or day out of range"),
    (_number("010160"), TODAY, "month or day out of range"),
    (_number("010132"), TODAY, "month or day out of range"),
    (_number("010100"), TODAY, "month or day out of range"),
    (_number("011301"), TODAY, "month or day out of range"),
    (_number("010001"), TODAY, "month or day out of range"),
    (_number("20300101"), TODAY, "birth date is in the future"),
    (_number("20250602"), TODAY, "birth date is in the future"),
    (_number("20250662"), TODAY, "birth date is in the future"),
    (_number("19811218", separator="+"), TODAY, "only for people aged 100 or more"),
    (_number("19250602", separator="+"), TODAY, "only for people aged 100 or more"),
    ("81121898761", TODAY, "expected 10 or 12 digits"),
    ("811218-987", TODAY, "expected 10 or 12 digits"),
    ("1981121898761", TODAY, "expected 10 or 12 digits"),
    ("81121A-9876", TODAY, "expected 10 or 12 digits"),
    ("811218-98X6", TODAY, "expected 10 or 12 digits"),
    ("811218 9876", TODAY, "expected 10 or 12 digits"),
    ("8112-189876", TODAY, "expected 10 or 12 digits"),
    ("811218--9876", TODAY, "expected 10 or 12 digits"),
    ("811218/9876", TODAY, "expected 10 or 12 digits"),
    ("８１１２１８-９８７６", TODAY, "expected 10 or 12 digits"),
    ("", TODAY, "expected 10 or 12 digits"),
]


@pytest.mark.parametrize(("text", "today", "fragment"), INVALID)
def test_invalid_numbers_are_rejected_with_a_message_that_names_the_problem(
    text: str, today: date, fragment: str
) -> None:
    with pytest.raises(InvalidPersonalNumber, match=fragment):
        parse_personal_number(text, today=today)


@pytest.mark.parametrize(("text", "today", "fragment"), [row for row in INVALID if row[0]])
def test_error_messages_never_echo_the_number(text: str, today: date, fragment: str) -> None:
    with pytest.raises(InvalidPersonalNumber) as caught:
        parse_personal_number(text, today=today)

    digits = "".join(c for c in text if c.isdigit())
    shown = f"{caught.value} {caught.value!r} {caught.value.args}"
    assert digits[-10:-4] not in shown
    assert digits[-4:] not in shown
    assert caught.value.__cause__ is None
    assert caught.value.__suppress_context__ or caught.value.__context__ is None


def test_an_invalid_personal_number_is_a_value_error() -> None:
    assert issubclass(InvalidPersonalNumber, ValueError)


def test_repr_str_and_format_of_a_personal_number_are_redacted() -> None:
    parsed = parse_personal_number("19811218-9876", today=TODAY)

    for shown in (repr(parsed), str(parsed), f"{parsed}", repr([parsed]), repr({"pn": parsed})):
        assert "9876" not in shown
        assert "811218" not in shown
    assert repr(parsed) == "PersonalNumber(<redacted>)"
    assert str(parsed) == "PersonalNumber(<redacted>)"


@pytest.mark.parametrize(
    ("text", "formatted"),
    [
        ("811218-9876", "19811218-9876"),
        ("8112189876", "19811218-9876"),
        ("701063-2391", "19701063-2391"),
        (_number("250531", separator="+"), _number("19250531")),
    ],
)
def test_formatted_gives_twelve_digits_with_a_hyphen(text: str, formatted: str) -> None:
    assert parse_personal_number(text, today=TODAY).formatted() == formatted


def test_every_spelling_of_one_number_parses_to_an_equal_value() -> None:
    spellings = ["811218-9876", "8112189876", "19811218-9876", "198112189876", " 811218-9876 "]

    parsed = {parse_personal_number(text, today=TODAY) for text in spellings}

    assert len(parsed) == 1


def test_a_personal_number_is_immutable() -> None:
    parsed = parse_personal_number("811218-9876", today=TODAY)

    with pytest.raises(AttributeError):
        parsed.digits = "198112189877"  # type: ignore[misc]


@pytest.mark.parametrize("digits", ["19811218987", "1981121898765", "19811218987X", ""])
def test_constructing_a_personal_number_requires_twelve_digits(digits: str) -> None:
    with pytest.raises(InvalidPersonalNumber, match="exactly 12 digits"):
        PersonalNumber(digits=digits, birth_date=date(1981, 12, 18), is_coordination_number=False)
