"""bench/dataset.py (issue 16): the benchmark's data set is deterministic for a seed, is written
through the use cases without refusals other than the disclosures it means to be refused, and has
what the issue asks for (every kind of agency, consents naming purposes and situations, later
signatures, extensions, partial and full revocations, a youth with many disclosures)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"


@pytest.fixture(scope="module")
def dataset() -> Any:
    sys.path.insert(0, str(BENCH))
    try:
        import dataset as module
    finally:
        sys.path.remove(str(BENCH))
    return module


def build(module: Any, seed: int) -> Any:
    return module.generate(
        "sqlite:///:memory:", bytes(32), events=500, municipalities=2, heavy_disclosures=25,
        seed=seed, progress=False,
    )  # fmt: skip


def test_same_seed_same_commands(dataset: Any) -> None:
    first = build(dataset, 16)
    second = build(dataset, 16)
    other = build(dataset, 17)
    assert first.events == second.events
    assert first.commands == second.commands
    assert first.commands != other.commands


def test_what_the_data_set_holds(dataset: Any) -> None:
    ds = build(dataset, 16)
    statuses = {name.rsplit(" ", 1)[1] for name in ds.commands}
    refused = {name for name in ds.commands if not name.rsplit(" ", 1)[1].startswith("2")}
    assert refused <= {"disclose 403"}, ds.commands
    assert "403" in statuses  # some disclosures fall outside their consent
    for command in (
        "register_youth 201", "add_guardian 201", "grant_consent 201", "sign_consent 200",
        "extend_consent 200", "revoke_consent (partial) 201", "revoke_consent (full) 201",
        "disclose 201",
    ):  # fmt: skip
        assert ds.commands[command] > 0, command
    kinds = {kind for _, kind in dataset.agencies_of("x")}
    from ledger.catalogue import load_catalogue

    assert kinds == set(load_catalogue().agency_kinds)
    heavy = next(p for p in ds.plans if p.youth_id == ds.heavy_youth)
    assert heavy.disclosures == 25
    consents = [c for p in ds.plans for c in p.consents]
    assert all(c.purposes and c.situations for c in consents)
