"""Where the time of `POST /v1/decisions/check` goes: the real server (`ledger serve`, one worker)
on a small generated SQLite store, loaded by wrk at 16 connections, sampled by py-spy (every
thread: the event loop's HTTP and JSON work and the worker threads that run the handler).

    .venv/bin/pip install py-spy && .venv/bin/python bench/profile_http.py [--seconds 15]

Prints the share of samples under each part of the request path, and the functions with the
most samples of their own. pyinstrument sees only the thread it runs in; the handler runs in a
thread pool, so a sampler of the whole process is used.
"""

from __future__ import annotations

import argparse
import os
import random
import secrets
import subprocess
import sys
import tempfile
import threading
from collections import Counter
from pathlib import Path

import httpx
from dataset import generate
from run import WRK_LUA, _catalogue, ask, free_port, lua_string, process, wrk

from ledger.keys import KeyDirectory

# Parts of the request path, by a function name on the stack (the first that matches counts).
PARTS = [
    ("access event: save and commit", ("log_access", "groupcommit")),
    ("authentication (token read, revocation query)", ("authenticate",)),
    ("youth read (cache, freshness query)", ("def youth", "youth (ledger/application")),
    ("decision", ("may_share", "decide")),
    ("request body: pydantic validation", ("validate_python", "request_body_to_args")),
    ("response: JSON encoding", ("jsonable_encoder", "render", "serialize_response")),
    ("uvicorn / h11 / asyncio", ("h11", "httptools", "asyncio", "uvicorn")),
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--rate", type=int, default=250, help="py-spy samples per second")
    parser.add_argument(
        "--gil",
        action="store_true",
        help="sample only the thread holding the GIL: where the Python CPU time goes",
    )
    args = parser.parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="bench-profile-"))
    key_dir = workdir / "keys"
    master_key = KeyDirectory(key_dir).master_key({})
    ds = generate(
        f"sqlite:///{workdir / 'ledger.db'}",
        master_key,
        events=args.events,
        municipalities=4,
        heavy_disclosures=50,
    )
    admin_token = secrets.token_urlsafe(32)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEDGER_")}
    env.update(
        LEDGER_DATABASE_URL=ds.store_url,
        LEDGER_ADMIN_TOKEN=admin_token,
        LEDGER_KEY_DIR=str(key_dir),
    )
    serve = [str(Path(sys.executable).with_name("ledger")), "serve", "--port", str(port)]
    asks = ask(ds, 3000, random.Random(5), _catalogue())
    with process(serve, env, workdir, base, "ledger-server") as server:
        tokens = {}
        with httpx.Client(base_url=base, timeout=30) as client:
            for agency in sorted({q["from_agency"] for q in asks}):
                r = client.post(
                    "/v1/tokens",
                    json={"agency_id": agency, "actor_id": f"p-{agency}", "roles": ["staff"]},
                    headers={"Authorization": f"Bearer {admin_token}"},
                )
                r.raise_for_status()
                tokens[agency] = r.json()["token"]
        lua = WRK_LUA.replace(
            "{BODIES}", "{" + ",".join(lua_string(__import__("json").dumps(q)) for q in asks) + "}"
        ).replace(
            "{AUTHS}",
            "{" + ",".join(lua_string(f"Bearer {tokens[q['from_agency']]}") for q in asks) + "}",
        )
        lua_path = workdir / "check.lua"
        lua_path.write_text(lua)
        wrk(base, lua_path, 2)
        raw = workdir / "profile.txt"
        spy = [
            str(Path(sys.executable).with_name("py-spy")), "record", "--pid", str(server.pid),
            "--duration", str(args.seconds), "--rate", str(args.rate), "--format", "raw",
            "--nonblocking", "--threads", "-o", str(raw), *(["--gil"] if args.gil else []),
        ]  # fmt: skip
        sampler = threading.Thread(target=subprocess.run, args=(spy,), kwargs={"check": True})
        sampler.start()
        result = wrk(base, lua_path, args.seconds)
        sampler.join()
    print(f"wrk: {result['per_second']} checks/s, p99 {result['p99_ms']} ms (under py-spy)")
    report(raw)
    return 0


def report(raw: Path) -> None:
    parts: Counter[str] = Counter()
    own: Counter[str] = Counter()
    total = idle = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        n = int(count)
        frames = stack.split(";")
        leaf = frames[-1]
        if any(w in leaf for w in ("select", "_wait", "wait (threading", "poll", "epoll")):
            idle += n
            continue
        total += n
        own[leaf] += n
        for name, needles in PARTS:
            if any(needle in f for f in frames for needle in needles):
                parts[name] += n
                break
        else:
            parts["other"] += n
    print(f"{total} busy samples ({idle} idle, waiting)")
    for name, n in parts.most_common():
        print(f"  {n / total:6.1%}  {name}")
    print("functions with the most samples of their own:")
    for name, n in own.most_common(25):
        print(f"  {n / total:6.1%}  {name[:140]}")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--report":
        report(Path(sys.argv[2]))
    else:
        sys.exit(main())
