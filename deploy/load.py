"""`make load`: a bounded load test against the production run on 127.0.0.1 (issue 9).

    python -m deploy.load                                     # 50 users, 60 seconds
    python -m deploy.load --users 5 --seconds 10              # a quick try

Starts the README's production run as the smoke test does (``deploy.throwaway``: environment file
from the template, release, gunicorn with ``--workers 4``, a Celery worker and beat on Redis, a
database ``prodload`` and Redis database 13 of its own), builds a practice of 25 coaches, 10
sponsors and 100 clients (one engagement each, signed agreement, notes, a released report), then
runs ``deploy.loadgen``: coaches, clients and sponsors 5 : 3 : 2, each signing in once and then
working with 1-3 s between pages, measured for ``--seconds`` once all ``--users`` are working;
then ``/healthz`` with the same number of users and no pause.

Prints one JSON line per figure ({"figure", "value", "unit", "target", "met"}) like ``make bench``;
per-page times and any errors go to stderr. Exits 0 whether or not targets are met.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from typing import Any

from deploy.stack import ROOT, VENV_BIN
from deploy.throwaway import Run, say

P95_TARGET_MS = 300


def emit(figure: str, value: Any, unit: str, target: Any = None, met: bool | None = None) -> None:
    print(json.dumps({"figure": figure, "value": value, "unit": unit, "target": target, "met": met}), flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--spawn-rate", type=float, default=0.4, help="users started a second (sign-ins ≤ 30/min)")
    parser.add_argument("--health-seconds", type=float, default=15)
    parser.add_argument("--wait", default="1,3", help="pause between a person's pages, MIN,MAX seconds")
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/prodload")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/13")
    parser.add_argument("--port", type=int, default=8062)
    parser.add_argument("--web-concurrency", type=int, default=4, help="gunicorn workers, as in the README")
    parser.add_argument("--keep", action="store_true", help="keep the run's folder and database")
    args = parser.parse_args(argv)

    load1 = os.getloadavg()[0]
    if load1 > 1.0:
        say("load", f"the machine is busy (load average {load1:.1f}): figures will be slower than on an idle one")
    run = Run(
        "prod-load",
        args.port,
        database_url=args.database_url,
        redis_url=args.redis_url,
        web_concurrency=args.web_concurrency,
        worker_concurrency=2,
        keep=args.keep,
    )
    started = time.monotonic()
    with run:
        say("load", f"production run up on {run.base_url} in {time.monotonic() - started:.0f}s; building the practice")
        fixtures = run.fixtures("--coaches", "25", "--sponsors", "10", "--clients", "100")
        path = run.directory / "fixtures.json"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            json.dump(fixtures, handle)
        command = [
            str(VENV_BIN / "python"),
            "-m",
            "deploy.loadgen",
            "--host",
            run.base_url,
            "--fixtures",
            str(path),
            "--users",
            str(args.users),
            "--seconds",
            str(args.seconds),
            "--spawn-rate",
            str(args.spawn_rate),
            "--health-seconds",
            str(args.health_seconds),
            "--wait",
            args.wait,
        ]
        done = subprocess.run(command, cwd=ROOT, stdout=subprocess.PIPE, text=True, check=False)  # noqa: S603
        if done.returncode != 0:
            say("load", f"the load generator exited {done.returncode}")
            return 1
        result = json.loads(done.stdout.strip().splitlines()[-1])
        for name in ("web", "worker", "beat"):
            if not run.alive(name):
                say("load", f"{name} exited during the load test")
    app, health = result["app"], result["healthz"]
    for name, page in app["pages"].items():
        say("load", f"  {name:<32} n={page['n']:<5} p50={page['p50']:>7.1f} ms  p95={page['p95']:>7.1f} ms")
    for kind, count in app["error_kinds"].items():
        say("load", f"  error x{count}: {kind}")
    emit("load_users", args.users, "concurrent users")
    emit("load_seconds", app["seconds"], "s")
    emit("app_requests", app["requests"], "requests")
    emit("app_rps", app["rps"], "requests/s")
    emit("app_p50_ms", app["p50_ms"], "ms")
    emit("app_p95_ms", app["p95_ms"], "ms", P95_TARGET_MS, app["p95_ms"] < P95_TARGET_MS)
    emit("app_p99_ms", app["p99_ms"], "ms")
    emit("app_errors", app["errors"], "requests", 0, app["errors"] == 0)
    signing_in = [page for name, page in result["ramp"]["pages"].items() if name.startswith("sign in")]
    for kind, count in result["ramp"]["error_kinds"].items():
        say("load", f"  error while starting x{count}: {kind}")
    if signing_in:
        emit("sign_in_requests", sum(p["n"] for p in signing_in), "requests")
        emit("sign_in_step_p95_ms", max(p["p95"] for p in signing_in), "ms")
        emit("ramp_errors", result["ramp"]["errors"], "requests", 0, result["ramp"]["errors"] == 0)
    emit("healthz_rps", health["rps"], "requests/s")
    emit("healthz_p95_ms", health["p95_ms"], "ms")
    emit("healthz_errors", health["errors"], "requests", 0, health["errors"] == 0)
    if health["rps"]:
        emit("app_rps_share_of_healthz_rps", round(app["rps"] / health["rps"], 3), "ratio")
    return 0


if __name__ == "__main__":
    sys.exit(main())
