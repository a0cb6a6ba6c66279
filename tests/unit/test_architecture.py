"""The arrows point inward: the domain imports neither the API nor the projections, the API holds
no SQL driver, and the domain never reads the clock itself."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from eventsourcing.domain import Aggregate

from ledger.agency import Agency, Token

ROOT = Path(__file__).resolve().parents[2]


def imports_of(package: str) -> list[tuple[Path, str]]:
    found = []
    for path in (ROOT / package).rglob("*.py"):
        tree = ast.parse(path.read_text("utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                found += [(path, alias.name) for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                found.append((path, node.module))
    return found


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [
        ("ledger", ("api", "projections")),
        ("projections", ("api",)),
        ("api", ("psycopg", "sqlite3")),
    ],
)
def test_a_layer_never_imports_what_depends_on_it(package: str, forbidden: tuple[str, ...]) -> None:
    bad = [(p.name, m) for p, m in imports_of(package) if m.split(".")[0] in forbidden]
    assert bad == []


def test_the_domain_never_reads_the_clock_itself() -> None:
    pattern = re.compile(r"datetime\.(now|utcnow)\(|time\.time\(\)")
    offenders = [
        p.name for p in (ROOT / "ledger").rglob("*.py") if pattern.search(p.read_text("utf-8"))
    ]
    assert offenders == []


# A token's revocation is the one later event allowed: authenticate looks it up in the store on
# every request (registry.revoked_key), never in the copy kept in process.
CHECKED_APART = {Token: {"Revoked"}}


@pytest.mark.parametrize("aggregate", [Agency, Token])
def test_what_the_ledger_reads_once_is_only_ever_created(aggregate: type[Aggregate]) -> None:
    """`LedgerCore.written_once` keeps agencies and tokens in process after the first read: that
    is right only while they have no event but their creation, or one checked apart."""
    events = [
        value
        for value in vars(aggregate).values()
        if isinstance(value, type)
        and issubclass(value, Aggregate.Event)
        and value is not aggregate.Event  # the base the library adds to every aggregate class
    ]
    assert events
    later = {e.__name__ for e in events if not issubclass(e, Aggregate.Created)}
    assert later <= CHECKED_APART.get(aggregate, set())
