"""Benchmark of the integrity layer: how fast events are appended to the Merkle log through the real
write path, how fast `IntegrityService.verify()` re-audits the whole store and in how much memory,
and what a checkpoint signature and an inclusion proof cost at the final size.

    .venv/bin/python bench/integrity.py [--events 1000000] [--store sqlite|postgres]
                                        [--batch 1000] [--checkpoint-every 100000]

Phases (see bench/README.md for what each number means):

1. append: `--events` Access events (one decision-check read each, as `LedgerCore.log_access`
   writes them), saved `--batch` per `ledger.save(*batch)`: one transaction writing the events,
   their log positions and leaf hashes, the audit index and the Merkle nodes. A checkpoint is
   signed every `--checkpoint-every` events (timed apart from the appends).
2. the final checkpoint, and inclusion proofs of random positions at the final tree size.
3. verify: `IntegrityService.verify()` in a fresh process, for its rate and its peak RSS.

Results are printed and written to bench/results/integrity-<store>.json.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ledger.actor import Actor
from ledger.agency import Access
from ledger.checkpoint import Checkpoint, sign_checkpoint
from ledger.integrity import IntegrityService
from ledger.keys import KeyDirectory
from ledger.merkle import verify_inclusion
from ledger.service import Ledger, open_ledger

RESULTS = Path(__file__).resolve().parent / "results"
PG_BASE = os.environ.get("LEDGER_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
ORIGIN = "bench.consent-ledger.local/log"
AGENCIES = ["soc-orebro", "polis-orebro", "skola-orebro-1", "fritid-orebro", "bup-orebro"]
CATEGORIES = ["school_attendance", "family_situation", "police_incidents", "substance_use"]


def clock() -> datetime:
    return datetime.now(UTC)


def peak_rss_mb() -> float:
    # ru_maxrss is in kilobytes on Linux (bytes on macOS).
    scale = 1 if sys.platform == "darwin" else 1024
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale / 2**20, 1)


def summary(samples_ns: list[int]) -> dict[str, Any]:
    s = sorted(samples_ns)
    n = len(s)

    def rank(p: float) -> float:
        return round(s[min(n - 1, max(0, math.ceil(p * n) - 1))] / 1000, 1)

    return {
        "n": n,
        "p50_us": rank(0.5),
        "p99_us": rank(0.99),
        "p999_us": rank(0.999),
        "mean_us": round(sum(s) / n / 1000, 1),
        "max_us": round(s[-1] / 1000, 1),
    }


def open_store(url: str, key_dir: Path) -> tuple[Ledger, IntegrityService]:
    keys = KeyDirectory(key_dir)
    ledger = open_ledger(url, clock=clock, master_key=keys.master_key({}))
    key_name, private_key = keys.signing_key({})
    service = IntegrityService(
        ledger.database, origin=ORIGIN, key_name=key_name, private_key=private_key, clock=clock
    )
    return ledger, service


def drop_schema(schema: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(PG_BASE, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))


# -- the phases --------------------------------------------------------------------------------
def append(
    ledger: Ledger, service: IntegrityService, events: int, batch: int, every: int
) -> dict[str, Any]:
    """Save `events` Access aggregates, `batch` per save, as the check use case logs them."""
    rng = random.Random(7)
    actors = [Actor(f"staff-{a}", a, frozenset({"staff"})) for a in AGENCIES]
    youths = [uuid.uuid4().hex for _ in range(5000)]
    saves: list[int] = []
    checkpoints: list[int] = []
    creating = 0
    done = 0
    next_checkpoint = every
    step = max(events // 10, batch)
    start = time.perf_counter()
    while done < events:
        t0 = time.perf_counter_ns()
        now = clock()
        aggregates = []
        for _ in range(min(batch, events - done)):
            actor = rng.choice(actors)
            details: dict[str, object] = {
                "from_agency": actor.agency_id,
                "to_agency": rng.choice(AGENCIES),
                "category": rng.choice(CATEGORIES),
                "allowed": rng.random() < 0.4,
                "reasons": ["CONSENT_COVERS"],
            }
            aggregates.append(
                Access.log(
                    actor=actor,
                    action="decision_check",
                    youth_id=rng.choice(youths),
                    details=details,
                    now=now,
                )
            )
        t1 = time.perf_counter_ns()
        ledger.save(*aggregates)
        t2 = time.perf_counter_ns()
        creating += t1 - t0
        saves.append(t2 - t1)
        done += len(aggregates)
        # The last checkpoint is left to the final one, timed apart.
        if every and next_checkpoint <= done < events:
            t0 = time.perf_counter_ns()
            service.checkpoint()
            checkpoints.append(time.perf_counter_ns() - t0)
            next_checkpoint += every
        if done % step < batch or done == events:
            rate = done / (time.perf_counter() - start)
            print(f"  appended {done}/{events} ({rate:.0f}/s)", file=sys.stderr)
    total_ns = creating + sum(saves)
    result = {
        "events": done,
        "batch": batch,
        "seconds": round(total_ns / 1e9, 1),
        "appends_per_second": round(done / (total_ns / 1e9), 1),
        "save_only_per_second": round(done / (sum(saves) / 1e9), 1),
        "save_latency_per_batch": summary(saves),
        "first_tenth_per_second": _rate(saves[: len(saves) // 10], batch),
        "last_tenth_per_second": _rate(saves[-(len(saves) // 10) :], batch),
    }
    if checkpoints:
        result["periodic_checkpoints"] = summary(checkpoints)
    return result


def _rate(saves: list[int], batch: int) -> float | None:
    return round(len(saves) * batch / (sum(saves) / 1e9), 1) if saves else None


def final_checkpoint(service: IntegrityService, key_dir: Path) -> dict[str, Any]:
    t0 = time.perf_counter_ns()
    signed = service.checkpoint()
    whole = time.perf_counter_ns() - t0
    key_name, private_key = KeyDirectory(key_dir).signing_key({})
    note = Checkpoint(
        origin=ORIGIN, size=signed["tree_size"], root_hash=bytes.fromhex(signed["root_hash"])
    )
    samples = []
    for _ in range(200):
        t0 = time.perf_counter_ns()
        sign_checkpoint(note, key_name, private_key)
        samples.append(time.perf_counter_ns() - t0)
    return {
        "tree_size": signed["tree_size"],
        # Root from the stored nodes, consistency proof against the previous checkpoint,
        # Ed25519 signature, insert.
        "checkpoint_ms": round(whole / 1e6, 2),
        "signature_only": summary(samples),
        "root_hash": signed["root_hash"],
    }


def inclusion(service: IntegrityService, size: int, root_hex: str, proofs: int) -> dict[str, Any]:
    rng = random.Random(11)
    root = bytes.fromhex(root_hex)
    samples = []
    lengths = set()
    for _ in range(proofs):
        position = rng.randrange(size)
        t0 = time.perf_counter_ns()
        proof = service.inclusion(position, size)
        samples.append(time.perf_counter_ns() - t0)
        path = [bytes.fromhex(h) for h in proof["audit_path"]]
        verify_inclusion(position, size, bytes.fromhex(proof["leaf_hash"]), path, root)
        lengths.add(len(path))
    result = summary(samples)
    result["audit_path_lengths"] = sorted(lengths)
    return result


def verify_child(url: str, key_dir: Path) -> dict[str, Any]:
    """Run `verify` in a fresh process of this script, so its peak RSS is its own."""
    out = subprocess.run(
        [sys.executable, __file__, "--verify-only", url, "--key-dir", str(key_dir)],
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, Any] = json.loads(out.stdout)
    return result


def verify_here(url: str, key_dir: Path) -> dict[str, Any]:
    ledger, service = open_store(url, key_dir)
    try:
        before = peak_rss_mb()
        start = time.perf_counter()
        report = service.verify()
        seconds = time.perf_counter() - start
    finally:
        ledger.close()
    return {
        "ok": report.ok,
        "problem": report.problem,
        "leaves": report.tree_size,
        "checkpoints_checked": report.checkpoints_checked,
        "seconds": round(seconds, 2),
        "leaves_per_second": round(report.tree_size / seconds, 1),
        "peak_rss_mb_before": before,
        "peak_rss_mb": peak_rss_mb(),
    }


# -- the run -----------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--store", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--batch", type=int, default=1000, help="events per save (transaction)")
    parser.add_argument("--checkpoint-every", type=int, default=100_000, help="0: none")
    parser.add_argument("--proofs", type=int, default=1000, help="inclusion proofs to time")
    parser.add_argument("--verify-only", metavar="URL", help=argparse.SUPPRESS)
    parser.add_argument("--key-dir", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.verify_only:
        print(json.dumps(verify_here(args.verify_only, args.key_dir)))
        return 0

    workdir = Path(tempfile.mkdtemp(prefix="bench-integrity-"))
    key_dir = workdir / "keys"
    schema = None
    if args.store == "sqlite":
        url = f"sqlite:///{workdir / 'ledger.db'}"
    else:
        schema = f"bench_{uuid.uuid4().hex[:12]}"
        url = f"{PG_BASE}?schema={schema}"
    results: dict[str, Any] = {
        "benchmark": "integrity",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
            # Other work on the machine skews every figure: the 1-minute load average at start.
            "load_average_at_start": round(os.getloadavg()[0], 2),
        },
        "store": args.store,
        "events": args.events,
    }
    try:
        ledger, service = open_store(url, key_dir)
        try:
            print(f"appending {args.events} events on {args.store} ...", file=sys.stderr)
            results["append"] = append(
                ledger, service, args.events, args.batch, args.checkpoint_every
            )
            results["checkpoint"] = final_checkpoint(service, key_dir)
            size = results["checkpoint"]["tree_size"]
            root = results["checkpoint"]["root_hash"]
            results["inclusion_proof"] = inclusion(service, size, root, args.proofs)
            results["append_process_peak_rss_mb"] = peak_rss_mb()
        finally:
            ledger.close()
        if args.store == "sqlite":
            results["sqlite_bytes"] = sum(p.stat().st_size for p in workdir.glob("ledger.db*"))
        print("verifying ...", file=sys.stderr)
        results["verify"] = verify_child(url, key_dir)
    finally:
        if schema is not None:
            drop_schema(schema)
        shutil.rmtree(workdir, ignore_errors=True)
    results["machine"]["load_average_at_end"] = round(os.getloadavg()[0], 2)
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"integrity-{args.store}.json"
    out.write_text(json.dumps(results, indent=2) + "\n", "utf-8")
    print_table(results)
    print(f"\nwritten to {out}")
    return 0 if results["verify"]["ok"] else 1


def print_table(r: dict[str, Any]) -> None:
    a, c, p, v = r["append"], r["checkpoint"], r["inclusion_proof"], r["verify"]
    m = r["machine"]
    print(
        f"\nintegrity benchmark — store {r['store']}, {a['events']} events, {m['cpus']} CPUs, "
        f"{r['date']}, load average {m['load_average_at_start']} → {m['load_average_at_end']}"
    )
    rows = [
        ("append (Access events, real write path)", f"{a['appends_per_second']:.0f} events/s"),
        ("  save() alone", f"{a['save_only_per_second']:.0f} events/s"),
        (
            "  first / last tenth of the run",
            f"{a['first_tenth_per_second']:.0f} / {a['last_tenth_per_second']:.0f} events/s",
        ),
        (
            f"  one save of {a['batch']} events p50 / p99",
            f"{a['save_latency_per_batch']['p50_us'] / 1000:.1f} / "
            f"{a['save_latency_per_batch']['p99_us'] / 1000:.1f} ms",
        ),
        (
            "verify()",
            f"{v['leaves_per_second']:.0f} leaves/s ({v['leaves']} in {v['seconds']} s, "
            f"ok={v['ok']})",
        ),
        (
            "  peak RSS of the verify process",
            f"{v['peak_rss_mb']} MB (before: {v['peak_rss_mb_before']} MB)",
        ),
        (f"checkpoint at size {c['tree_size']}", f"{c['checkpoint_ms']} ms"),
        ("  Ed25519 signature alone p50", f"{c['signature_only']['p50_us']} µs"),
        (
            f"inclusion proof at size {c['tree_size']} p50 / p99",
            f"{p['p50_us']} / {p['p99_us']} µs",
        ),
    ]
    if "periodic_checkpoints" in a:
        pc = a["periodic_checkpoints"]
        rows.append(
            (
                f"periodic checkpoints ({pc['n']}) p50 / max",
                f"{pc['p50_us'] / 1000:.1f} / {pc['max_us'] / 1000:.1f} ms",
            )
        )
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"{name:{width}}  {value}")


if __name__ == "__main__":
    sys.exit(main())
