"""PostgreSQL goes away under load and comes back: while it is down every request is answered
at once with a 503 problem carrying Retry-After (no worker hangs, no 500), and within seconds of
its return the same server, never restarted, writes again; nothing acknowledged is lost and no
retried write is doubled. Also PostgreSQL made read-only: 503, nothing half-written, and writes
again once it is writable."""

from __future__ import annotations

import subprocess
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from tests.e2e.servers import LEDGER, Deployment
from tests.faults.pgcluster import PrivateCluster
from tests.faults.traffic import Book, Op, Writers, check_exactly_once, send, set_up

DOWN_SECONDS = 3.0
FAST = 1.0  # seconds: what "at once" means for a request while the store is known to be down


def served(tmp_path: Path, cluster: PrivateCluster) -> Deployment:
    return Deployment(tmp_path, f"{cluster.url}?schema=s_{uuid.uuid4().hex[:10]}")


def test_while_postgresql_is_down_requests_fail_fast_with_503_and_recover_without_restart(
    tmp_path: Path, cluster: PrivateCluster
) -> None:
    d = served(tmp_path, cluster)
    try:
        server = d.start()
        world = set_up(server.base, youths=2)
        book = Book()
        with Writers(lambda: server.base, world, book, threads=3) as writers:
            time.sleep(1.5)
            cluster.stop("fast")
            try:
                time.sleep(0.5)  # the first requests find it gone
                client = httpx.Client(base_url=server.base, timeout=20)
                readyz = client.get("/readyz")
                assert readyz.status_code == 503
                assert readyz.headers["Retry-After"]

                def timed(i: int) -> tuple[float, httpx.Response]:
                    op = Op("consent", world.youths[0])
                    who, path, body = op.request()
                    start = time.monotonic()
                    r = client.post(path, json=body, headers=world.headers(who, op.key))
                    return time.monotonic() - start, r

                with ThreadPoolExecutor(12) as pool:  # more than a worker's connection pool
                    answers = list(pool.map(timed, range(24)))
                for seconds, r in answers:
                    assert r.status_code == 503, r.text
                    assert r.headers["Retry-After"].isdigit()
                    assert r.headers["content-type"].startswith("application/problem+json")
                    assert r.json()["type"].endswith("/store-unavailable")
                    assert seconds < FAST, f"a request took {seconds:.2f}s while the store was down"
                reads = client.get(
                    "/v1/consents",
                    params={"youth_id": world.youths[0]},
                    headers=world.headers("anna"),
                )
                assert reads.status_code == 503
                time.sleep(DOWN_SECONDS)
            finally:
                cluster.start()
            back = time.monotonic()
            while client.get("/readyz").status_code != 200:
                assert time.monotonic() - back < 10, "not ready 10 s after the store came back"
                time.sleep(0.1)
            op = Op("consent", world.youths[1])
            assert send(client, world, op, book), "a write right after readiness failed"
            book.done.append(op)
            time.sleep(1.0)  # the writers go on a while on the store that came back
        client.close()
        assert not writers.errors, writers.errors
        assert book.bad == [], book.bad  # no 5xx other than 503
        assert 503 in book.statuses and len(book.done) > 5
        assert server.proc.poll() is None, "the server died"
        check_exactly_once(server.base, world, book)
        log = server.log.read_text("utf-8", errors="replace")
        assert "Traceback" not in log and "internal error" not in log, log[-3000:]
        verify = subprocess.run(
            [str(LEDGER), "verify"], env=d.env(), capture_output=True, text=True, timeout=120
        )
        assert verify.returncode == 0, verify.stdout + verify.stderr
    finally:
        d.stop()


def test_a_read_only_postgresql_is_503_writes_nothing_and_recovers(
    tmp_path: Path, cluster: PrivateCluster
) -> None:
    d = served(tmp_path, cluster)
    try:
        server = d.start()
        world = set_up(server.base, youths=1)
        client = httpx.Client(base_url=server.base, timeout=20)
        book = Book()
        size = client.get("/readyz").json()["tree_size"]
        cluster.psql("ALTER SYSTEM SET default_transaction_read_only = on")
        cluster.psql("SELECT pg_reload_conf()")
        time.sleep(0.5)  # every backend reads the reload
        try:
            op = Op("consent", world.youths[0])
            assert not send(client, world, op, book)
            assert book.statuses[-1] == 503
            r = client.get("/readyz")
            assert r.status_code == 200 and r.json()["tree_size"] == size, "half-written"
        finally:
            cluster.psql("ALTER SYSTEM RESET default_transaction_read_only")
            cluster.psql("SELECT pg_reload_conf()")
        time.sleep(0.5)
        deadline = time.monotonic() + 10
        while not send(client, world, op, book):
            assert time.monotonic() < deadline, "still refused once writable again"
            time.sleep(0.2)
        book.done.append(op)
        client.close()
        assert book.bad == []
        check_exactly_once(server.base, world, book)
    finally:
        d.stop()
