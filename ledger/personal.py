"""Personal data as a value type: every personnummer, name, note and rationale in an event is a
`Personal`, so that sealing (encryption at rest), erasure and log redaction happen in one place."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Personal:
    """A piece of personal data. `value` is None once the youth's data key is destroyed."""

    value: str | None

    @classmethod
    def of(cls, value: str | None) -> Personal | None:
        return None if value is None else cls(value)

    @property
    def erased(self) -> bool:
        return self.value is None

    def reveal(self) -> str | None:
        return self.value

    def __repr__(self) -> str:  # never let personal data reach a log line or a traceback
        return "Personal(<erased>)" if self.value is None else "Personal(<redacted>)"

    __str__ = __repr__


ERASED = Personal(None)


def reveal(item: Personal | None) -> str | None:
    return None if item is None else item.value


def walk(
    value: object, fn: Callable[[Any, str], object], path: str = "", kind: type = Personal
) -> object:
    """Rebuild `value` with every `kind` (Personal, or its sealed form) inside dicts and lists
    replaced by fn(item, path); the path names the field, for associated data."""
    if isinstance(value, kind):
        return fn(value, path)
    if isinstance(value, dict):
        return {k: walk(v, fn, f"{path}.{k}", kind) for k, v in value.items()}
    if isinstance(value, list):
        return [walk(v, fn, f"{path}[{i}]", kind) for i, v in enumerate(value)]
    return value


def erase_all(value: object) -> object:
    return walk(value, lambda _p, _path: ERASED)
