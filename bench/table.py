"""Write the README's benchmark section from bench/results/bench-<size>.json (bench/run.py).

    .venv/bin/python bench/table.py [--size quick|full] [--readme README.md]

The section lies between the markers `<!-- bench:begin -->` and `<!-- bench:end -->`; if they are
missing, it is put before the section "## The code".
"""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"


def fmt(value: float | None, unit: str = "") -> str:
    if value is None:
        return "–"
    if abs(value) >= 100:
        text = f"{value:,.0f}"
    elif abs(value) >= 10:
        text = f"{value:.1f}"
    else:
        text = f"{value:.2f}"
    return f"{text}{unit}"


def times(peer: str, over: float | None) -> str:
    """A peer's p99 over the ledger's, said the way round that reads."""
    if not over:
        return "–"
    if over >= 1:
        return f"{peer} {fmt(over)}× slower (p99)"
    return f"{peer} {fmt(1 / over)}× faster (p99)"


def rows(s: dict[str, Any], first: bool) -> list[tuple[str, str, str, str, str]]:
    """(what, the ledger, the peer or limit, ratio, target) for one store."""
    d, h, rv, rec, rw = s["decisions"], s["http"], s["rebuild_verify"], s["recording"], s["reviews"]
    v = s["verdicts"]

    def mark(name: str) -> str:
        return f"{v[name]['target']} {'✓' if v[name]['met'] else '✗'}"

    ours, cedar, sql = d["ledger_may_share"], d["cedar"], d["sql_table"]
    return [
        (
            "recording: consents + disclosures/s, one transaction each, vs single-row "
            f"INSERT+COMMIT of {rec['mean_payload_bytes']} bytes",
            fmt(rec["recorded_per_second"], "/s"),
            fmt(rec["single_row_per_second"], "/s"),
            fmt(rec["ratio_to_single_row"]),
            mark("recording_vs_single_row"),
        ),
        (
            "decision in process, p50 / p99 µs: `may_share` vs Cedar (cedarpy)",
            f"{fmt(ours['p50_us'])} / {fmt(ours['p99_us'])}",
            f"{fmt(cedar['p50_us'])} / {fmt(cedar['p99_us'])}",
            times("Cedar", d["cedar_p99_over_ledger_p99"]),
            f"p99 ≤ 100 µs {'✓' if v['decision_p99_us']['met'] else '✗'}; "
            f"≥ 3× {'✓' if v['decision_vs_cedar_p99']['met'] else '✗'}",
        ),
        (
            "decision in process, p50 / p99 µs: `may_share` vs a SQL table of consents, "
            "one query per check",
            f"{fmt(ours['p50_us'])} / {fmt(ours['p99_us'])}",
            f"{fmt(sql['p50_us'])} / {fmt(sql['p99_us'])}",
            times("SQL", d["sql_p99_over_ledger_p99"]),
            "–",
        ),
        (
            "decision with the read (`ledger.youth` + `may_share`), p50 / p99 µs",
            f"{fmt(d['ledger_youth_and_may_share']['p50_us'])} / "
            f"{fmt(d['ledger_youth_and_may_share']['p99_us'])}",
            "–",
            "–",
            "–",
        ),
        (
            "HTTP `POST /v1/decisions/check`, 16 connections, checks/s (p99 ms) vs bare FastAPI",
            f"{fmt(h['ledger_checks_per_second_median'], '/s')} "
            f"({fmt(h['ledger_p99_ms_median'])} ms)",
            f"{fmt(h['bare_per_second_median'], '/s')} ({fmt(h['bare_p99_ms_median'])} ms)",
            fmt(h["ratio_to_bare"]),
            mark("http_vs_bare"),
        ),
        (
            "rebuild of the indexes, events/s vs sequential read of the same rows",
            fmt(rv["rebuild_per_second"], "/s"),
            fmt(rv["sequential_read_per_second"], "/s"),
            fmt(rv["rebuild_ratio_to_read"]),
            mark("rebuild_vs_read"),
        ),
        (
            "verify of the Merkle log, leaves/s vs hashlib over the same bytes",
            fmt(rv["verify_leaves_per_second"], "/s"),
            fmt(rv["hashlib_leaves_per_second"], "/s"),
            fmt(rv["verify_ratio_to_hashlib"]),
            mark("verify_vs_hashlib"),
        ),
        (
            "review of the youth with 1,000 disclosures / of an agency-month, median ms",
            f"{fmt(rw['youth_1000_disclosures']['median_ms'])} / "
            f"{fmt(rw['agency_month']['median_ms'])}",
            "–",
            "–",
            "–",
        ),
        (
            "memory: the server's peak RSS after its HTTP runs (VmHWM); a process's RSS before "
            "and after reading every youth of the data set through the ledger's cache"
            + (
                f" (bounded at {d['aggregate_cache_events_bound']:,} events)"
                if "aggregate_cache_events_bound" in d
                else ""
            ),
            f"{fmt(h['server_memory_after'].get('VmHWM_mb'), ' MB')}; "
            + (
                f"{fmt(d['rss_before_load']['VmRSS_mb'], ' MB')} → "
                f"{fmt(d['rss_after_load']['VmRSS_mb'], ' MB')}"
                if "rss_after_load" in d and first
                else "– (this process ran the store before: its freed memory was reused)"
            ),
            "–",
            "–",
            "–",
        ),
    ]


def section(results: dict[str, Any], source: str) -> str:
    m = results["machine"]
    intro = (
        "`bench/run.py` writes a seeded data set of a national deployment through the use cases "
        "(`bench/dataset.py`), then measures the ledger and, in the same run on the same machine, "
        "what a user would pick instead and the machine's own limit. Medians; ratios are of "
        "figures from the same run. The peers come from `bench/requirements.txt` (cedarpy) and "
        "wrk (Debian). This table is written by `bench/table.py` from "
        f"`{source}` ({results['date']}, {results['seconds']:.0f} s in all). "
        f"Machine: {m['cpus']} CPUs, {m['platform']}, Python {m['python']}; "
        f"{m['note']} (1-minute load average {m['load_average_at_start'][0]:.1f} at the start, "
        f"{m['load_average_at_end'][0]:.1f} at the end)."
    )
    out = [
        BEGIN,
        "## Benchmarks beside the peers (`make bench-quick`, `make bench`)",
        "",
        textwrap.fill(intro, 100, break_on_hyphens=False),
        "",
    ]
    for kind, s in results["stores"].items():
        ds = s["dataset"]
        head = (
            f"**{'SQLite' if kind == 'sqlite' else 'PostgreSQL'}**: {ds['events']:,} events, "
            f"{ds['youths']:,} youths, {ds['agencies']} agencies in {ds['municipalities']} "
            f"municipalities, written in {ds['seconds']:.0f} s "
            f"({ds['events_per_second']:,.0f} events/s, {s['decisions']['allowed_share']:.0%} of "
            "the questions allowed; the peers gave the same answer to "
            f"{s['decisions']['agreement_with_cedar']:.1%} (Cedar) and "
            f"{s['decisions']['agreement_with_sql']:.1%} (SQL) of them)."
        )
        out += [
            textwrap.fill(head, 100, break_on_hyphens=False),
            "",
            "| what | the ledger | peer or limit | ledger ÷ peer | target |",
            "|---|---|---|---|---|",
        ]
        # A process's memory says what the data set costs only for the first store it ran
        fresh = kind == next(iter(results["stores"])) or results.get("stores_in_own_processes")
        out += [f"| {' | '.join(r)} |" for r in rows(s, bool(fresh))]
        out += ["", textwrap.fill(verify_bound(s), 100, break_on_hyphens=False), ""]
    out += [NOTES.strip(), END]
    return "\n".join(out) + "\n"


# Why the missed targets are missed and what would close them: from bench/profile_http.py and
# from reading the code paths; what was not measured says so.
NOTES = """
How to read it. The decision rows give, for each question, the fastest of three passes in which
each question went to the ledger, Cedar and the SQL table in turn (the order rotating), so that
preemption by other processes falls on all three alike; over every sample the p99 of all three is
in the milliseconds on this loaded machine (`all_samples` in the JSON). The peers answered from
the consents as the ledger folds them at the moment of the questions (current scope after
extensions and partial revocations, expiry and the 18th birthday as an end of validity), and
every question states a purpose and a situation. ✓ / ✗: the issue's target met or missed.

Why the missed targets are missed, and what would close them:

- **Decision p99 (target 100 µs).** `may_share` reads no store, so the two columns measure the
  same code: the difference between them is the machine's load at the time.
- **Decision against Cedar (target 3×).** Cedar evaluates a precompiled current scope (one
  permit per holding consent, in a policy set per youth); `may_share` folds each of the youth's
  consents for the question's (`at`, `known_at`) on every question, because it answers about any
  past moment as known at any moment. To be 3× faster on "now" questions the ledger would have to
  keep such a current scope per youth and version, as the SQL table does; not done. Cedar's own
  figure includes converting the request for the Rust engine on each call (not profiled).
- **HTTP against the bare endpoint (target 60%).** Per check the ledger reads the token's
  revocation (one query), the youth (cache plus a freshness query), and writes and commits an
  access event before it answers; the bare endpoint does none of it. Since issue 16's work (see
  `bench/README.md`, "The HTTP check: what changed") a check makes two thread-pool hops instead
  of six, and on PostgreSQL the revocation read is one round trip instead of three and the
  access event's log, audit, party and Merkle-node rows go in one statement: `bench/http_ratio.py`
  measured ledger ÷ bare 0.18 → 0.31 on SQLite and 0.15 → 0.21 on PostgreSQL against the commit
  before that work, in the same run (1.33× and 1.44× the rate). The server's CPU time per check
  is still about four times the bare endpoint's (3.4 against 0.9 ms on SQLite, 3.7 against 0.9
  on PostgreSQL, on this machine): the event store's save path (the mapper, the insert, the
  group commit's hand-over) and FastAPI's request path with the ledger's middleware and
  dependencies, all under one GIL.
  uvicorn with httptools and uvloop lowered the bare endpoint's CPU per request (0.82 → 0.63
  ms) and not the ledger's, so the ratio fell; not adopted. What would close more: the token's
  revocation read in the handler's own thread (one hop less, but a revoked token would then be
  refused after its body is validated, not before), or access events written by a path that
  bypasses the event store's generic save; the audit guarantee (every read committed before it
  is answered) keeps the commit on the request's path.
- **Recording against single-row insert+commit (target 50%).** A consent or disclosure is one
  transaction too, but it reads the youth and its data key and writes the event, the log row with
  its leaf hash, the audit index and its parties, the Merkle nodes, a lookup and the idempotency
  record. The index rows already go in one multi-row statement per table (on PostgreSQL one
  statement in all); what is left is the event store's own save path and its table lock.
- **Rebuild against a sequential read (target 25%).** The rebuild leaves personal values sealed
  except the personnummer the lookup needs and writes each chunk's index rows in multi-row
  statements (bench/README.md, "Verify and rebuild"), and reads the data keys a chunk at a time
  (one read per 8,192 events instead of one transaction per youth); what is left is the library
  mapper's JSON decoding of every event and the time formatting of each index row, in one Python
  thread. The sequential read it is set beside uses the same, since faster, row reader as the
  rebuild.
- **Verify against hashlib (target 50%).** The hashlib figure hashes bytes already in memory;
  verify also reads every row from the store (the log joined to the events, as plain tuples in
  chunks of 8,192) and checks the stored nodes level by level and the checkpoints. On SQLite the
  read and join alone cost about as much as the whole hashing baseline, which caps the ratio near
  0.3 with this schema; against reading and hashing together (the last line of each store below)
  it does better.
"""


def verify_bound(s: dict[str, Any]) -> str:
    rv = s["rebuild_verify"]
    read, hashed = rv["sequential_read_per_second"], rv["hashlib_leaves_per_second"]
    bound = 1 / (1 / read + 1 / hashed)
    return (
        f"Verify against reading and hashing the same rows in one pass (at most {bound:,.0f} "
        f"rows/s from the two rates): {rv['verify_leaves_per_second'] / bound:.2f}."
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", default="quick")
    parser.add_argument("--readme", type=Path, default=HERE.parent / "README.md")
    args = parser.parse_args(argv)
    path = HERE / "results" / f"bench-{args.size}.json"
    results = json.loads(path.read_text("utf-8"))
    text = args.readme.read_text("utf-8")
    new = section(results, f"bench/results/{path.name}")
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        _, tail = rest.split(END + "\n", 1)
        text = head + new + tail
    else:
        head, tail = text.split("## The code", 1)
        text = head + new + "\n## The code" + tail
    args.readme.write_text(text, "utf-8")
    print(f"{args.readme}: benchmark section from {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
