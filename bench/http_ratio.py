"""Only the HTTP ratio of `POST /v1/decisions/check`: the ledger (`ledger serve`, one worker, access
log on) against the bare endpoint (bench/bare.py, same body, same log configuration), wrk at 16
connections, runs interleaved, medians of the per-pair ratios. Optionally a second ledger server
from another commit (`--against REF`, a `git archive` copy in a temporary directory) runs in the
same rotation, so that a change is measured before and after on the same store in the same minutes.

    .venv/bin/python bench/http_ratio.py --store sqlite --repeats 5 --seconds 5 [--against HEAD~1]

On a shared machine only the ratios mean something; each line also gives the absolute rates, and
the server's CPU time per request (from /proc), with the bare endpoint's CPU per request over the
ledger's: the rate ratio one worker would reach if neither waited on anything but its CPU.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
from dataset import generate
from run import (
    HERE,
    WRK_LUA,
    _catalogue,
    _sqlite,
    ask,
    free_port,
    lua_string,
    postgres_database,
    process,
    wrk,
)

from ledger.keys import KeyDirectory


def per_pair(a: list[float], b: list[float]) -> float:
    """The median of a[i] / b[i]: each pair was measured within the same few seconds."""
    return statistics.median(x / y for x, y in zip(a, b, strict=True))


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (and of its threads) so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def checkout(ref: str, into: Path) -> Path:
    tree = into / f"tree-{ref.replace('/', '_').replace('~', '_')}"
    tree.mkdir()
    archive = subprocess.run(
        ["git", "archive", ref], cwd=HERE.parent, capture_output=True, check=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
    return tree


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--events", type=int, default=3000)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--against", action="append", default=[], help="another commit to run")
    args = parser.parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="bench-ratio-"))
    try:
        key_dir = workdir / "keys"
        master_key = KeyDirectory(key_dir).master_key({})
        with postgres_database() if args.store == "postgres" else _sqlite(workdir) as url:
            ds = generate(
                url, master_key, events=args.events, municipalities=4, heavy_disclosures=50,
                progress=False,
            )  # fmt: skip
            result = measure(ds, workdir, key_dir, args)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(json.dumps(result, indent=1))
    return 0


def measure(ds: Any, workdir: Path, key_dir: Path, args: argparse.Namespace) -> dict[str, Any]:
    admin_token = secrets.token_urlsafe(32)
    servers: dict[str, tuple[list[str], str]] = {}  # name -> command, PYTHONPATH
    trees = {"ledger": HERE.parent}
    for ref in args.against:
        trees[f"ledger@{ref}"] = checkout(ref, workdir)
    ports = {name: free_port() for name in [*trees, "bare"]}
    for name, tree in trees.items():
        # `python -m api.cli` from the tree, so that the tree's code (not the installed one) runs
        cmd = [sys.executable, "-c", "import sys; from api.cli import main; sys.exit(main())",
               "serve", "--host", "127.0.0.1", "--port", str(ports[name])]  # fmt: skip
        servers[name] = (cmd, str(tree))
    servers["bare"] = (
        [sys.executable, str(HERE / "bare.py"), "--port", str(ports["bare"])],
        str(HERE.parent),
    )
    asks = ask(ds, 3000, random.Random(5), _catalogue())
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEDGER_")}
    env.update(
        LEDGER_DATABASE_URL=ds.store_url,
        LEDGER_ADMIN_TOKEN=admin_token,
        LEDGER_KEY_DIR=str(key_dir),
    )
    bases = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    pids: dict[str, int] = {}
    with ExitStack() as stack:
        for name, (cmd, path) in servers.items():
            proc = stack.enter_context(
                process(cmd, {**env, "PYTHONPATH": path}, workdir, bases[name], name)
            )
            pids[name] = proc.pid
        tokens = {}
        with httpx.Client(base_url=bases["ledger"], timeout=30) as client:
            for agency in sorted({q["from_agency"] for q in asks}):
                r = client.post(
                    "/v1/tokens",
                    json={"agency_id": agency, "actor_id": f"http-{agency}", "roles": ["staff"]},
                    headers={"Authorization": f"Bearer {admin_token}"},
                )
                r.raise_for_status()
                tokens[agency] = r.json()["token"]
            for name in trees:
                probe = httpx.post(
                    f"{bases[name]}/v1/decisions/check",
                    json=asks[0],
                    headers={"Authorization": f"Bearer {tokens[asks[0]['from_agency']]}"},
                )
                assert probe.status_code == 200, probe.text
        lua = WRK_LUA.replace(
            "{BODIES}", "{" + ",".join(lua_string(json.dumps(q)) for q in asks) + "}"
        ).replace(
            "{AUTHS}",
            "{" + ",".join(lua_string(f"Bearer {tokens[q['from_agency']]}") for q in asks) + "}",
        )
        lua_path = workdir / "check.lua"
        lua_path.write_text(lua)
        for name in servers:
            wrk(bases[name], lua_path, 1)  # warm-up
        runs: dict[str, list[float]] = {name: [] for name in servers}
        cpu_ms: dict[str, list[float]] = {name: [] for name in servers}
        order = list(servers)
        for i in range(args.repeats):
            rotated = order[i % len(order) :] + order[: i % len(order)]
            for name in rotated:
                cpu = cpu_seconds(pids[name])
                r = wrk(bases[name], lua_path, args.seconds)
                cpu_ms[name].append(
                    round((cpu_seconds(pids[name]) - cpu) * 1000 / max(r["requests"], 1), 3)
                )
                if r["errors_status"] or r["errors_other"]:
                    raise RuntimeError(f"{name}: errors in run: {r}")
                runs[name].append(r["per_second"])
    ratios = {name: round(per_pair(runs[name], runs["bare"]), 3) for name in trees}
    out: dict[str, Any] = {
        "store": args.store,
        "load_average": os.getloadavg(),
        "ratio_to_bare_median": ratios,
        "per_second": runs,
        # The server's CPU time per answered request: less disturbed by the other load than a
        # rate, and what bounds the rate of one worker (the GIL) when the store is not waited on.
        "cpu_ms_per_request_median": {n: statistics.median(v) for n, v in cpu_ms.items()},
        "bare_cpu_over_ledger_cpu_median": {
            n: round(per_pair(cpu_ms["bare"], cpu_ms[n]), 3) for n in trees
        },
    }
    if len(trees) > 1:
        out["ledger_over_others_median"] = {
            name: round(per_pair(runs["ledger"], runs[name]), 3)
            for name in trees
            if name != "ledger"
        }
    return out


if __name__ == "__main__":
    sys.exit(main())
