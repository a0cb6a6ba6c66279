"""The soak (tests/faults/soak.py) as a test: 10 minutes of mixed traffic per store at a steady
rate, zero 5xx, server memory growth under 10% after warm-up, latency percentiles printed.
Marked slow: only `make test-faults` runs it (LEDGER_SOAK_MINUTES shortens it)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.conftest import drop_schema, postgres_url
from tests.faults import soak

MINUTES = float(os.environ.get("LEDGER_SOAK_MINUTES", "10"))


@pytest.mark.slow
@pytest.mark.parametrize("store", ["sqlite", "postgres"])
def test_a_steady_load_for_ten_minutes_gives_no_5xx_and_no_memory_growth(
    tmp_path: Path, store: str
) -> None:
    if store == "sqlite":
        report = soak.run(f"sqlite:///{tmp_path / 'ledger.db'}", tmp_path, MINUTES * 60)
    else:
        url = postgres_url()
        try:
            report = soak.run(url, tmp_path, MINUTES * 60)
        finally:
            drop_schema(url)
    print(json.dumps(report, indent=2))
    assert report["server_5xx"] == 0, report
    assert report["other_errors"] == [], report
    assert report["rss_growth"] < 0.10, report
