"""Write the README's benchmark section from bench/results/bench-<size>.json (bench/run.py).

    .venv/bin/python bench/table.py [--size quick|full] [--readme README.md]

The section lies between the markers `<!-- bench:begin -->` and `<!-- bench:end -->`; if they are
missing, it is put before the section "## The code".
"""

from __future__ import annotations

import argparse
import json
import sys
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


def rows(s: dict[str, Any]) -> list[tuple[str, str, str, str, str]]:
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
            f"{fmt(d['cedar_p99_over_ledger_p99'])}× (p99)",
            f"p99 ≤ 100 µs {'✓' if v['decision_p99_us']['met'] else '✗'}; "
            f"≥ 3× {'✓' if v['decision_vs_cedar_p99']['met'] else '✗'}",
        ),
        (
            "decision in process, p50 / p99 µs: `may_share` vs a SQL table of consents, "
            "one query per check",
            f"{fmt(ours['p50_us'])} / {fmt(ours['p99_us'])}",
            f"{fmt(sql['p50_us'])} / {fmt(sql['p99_us'])}",
            f"{fmt(d['sql_p99_over_ledger_p99'])}× (p99)",
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
            "peak RSS of the server after the HTTP runs (VmHWM)",
            fmt(h["server_memory_after"].get("VmHWM_mb"), " MB"),
            "–",
            "–",
            "–",
        ),
    ]


def section(results: dict[str, Any], source: str) -> str:
    m = results["machine"]
    out = [
        BEGIN,
        "## Benchmarks beside the peers (`make bench-quick`, `make bench`)",
        "",
        "`bench/run.py` writes a seeded data set of a national deployment through the use cases "
        "(`bench/dataset.py`), then measures the ledger and, in the same run on the same machine, "
        "what a user would pick instead and the machine's own limit. Medians; ratios are of "
        "figures from the same run. The peers come from `bench/requirements.txt` (cedarpy) and "
        "wrk (Debian). This table is written by `bench/table.py` from "
        f"`{source}` ({results['date']}, {results['seconds']:.0f} s in all). "
        f"Machine: {m['cpus']} CPUs, {m['platform']}, Python {m['python']}; "
        f"{m['note']} (1-minute load average {m['load_average_at_start'][0]:.1f} at the start, "
        f"{m['load_average_at_end'][0]:.1f} at the end).",
        "",
    ]
    for kind, s in results["stores"].items():
        ds = s["dataset"]
        out += [
            f"**{'SQLite' if kind == 'sqlite' else 'PostgreSQL'}**: {ds['events']:,} events, "
            f"{ds['youths']:,} youths, {ds['agencies']} agencies in {ds['municipalities']} "
            f"municipalities, written in {ds['seconds']:.0f} s "
            f"({ds['events_per_second']:,.0f} events/s, {s['decisions']['allowed_share']:.0%} of "
            "the questions allowed; the peers gave the same answer to "
            f"{s['decisions']['agreement_with_cedar']:.1%} (Cedar) and "
            f"{s['decisions']['agreement_with_sql']:.1%} (SQL) of them).",
            "",
            "| what | the ledger | peer or limit | ratio | target |",
            "|---|---|---|---|---|",
        ]
        out += [f"| {' | '.join(r)} |" for r in rows(s)]
        out.append("")
    out += [NOTES.strip(), END]
    return "\n".join(out) + "\n"


# Why the missed targets are missed and what would close them (from the profiles and the code;
# see bench/README.md for the method).
NOTES = """
"""


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
