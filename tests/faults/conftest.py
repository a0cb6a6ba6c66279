"""Fixtures of the fault tests: a private PostgreSQL cluster (one per module: it is stopped,
restarted and made read-only by the tests, so never the shared server)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.faults.pgcluster import PrivateCluster, private_cluster


@pytest.fixture(scope="module")
def cluster() -> Iterator[PrivateCluster]:
    with private_cluster() as c:
        yield c
