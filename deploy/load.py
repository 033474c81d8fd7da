"""`make load`: a bounded load test against the production run on 127.0.0.1 (issue 9).

    python -m deploy.load                                     # 50 users, 60 seconds
    python -m deploy.load --users 5 --seconds 10              # a quick try
    python -m deploy.load --capacity                          # the most it serves within 300 ms
    python -m deploy.load --capacity --steps 1,2 --step-seconds 5 --warmup-seconds 1

Starts the README's production run as the smoke test does (``deploy.throwaway``: environment file
from the template, release, gunicorn with ``--workers 4``, a Celery worker and beat on Redis, a
database ``prodload`` and Redis database 13 of its own), builds a practice of 25 coaches, 10
sponsors and 100 clients (one engagement each, signed agreement, notes, a released report), then
runs ``deploy.loadgen``: coaches, clients and sponsors 5 : 3 : 2, each signing in once and then
working with 1-3 s between pages, measured for ``--seconds`` once all ``--users`` are working;
then ``/healthz`` with the same number of users and no pause.

With ``--capacity`` (issue 23) the same practice is instead loaded in a closed loop, with no pause
between pages, users added step by step (``deploy.capacity``: 1, 2, 3, 4, 6, 8, 12... to 512)
until a step's p95 passes 300 ms or has an error; each step warms up, then is measured on its own.
The figures are the requests a second of the last step that met the target, for the app's mixed
pages and then, against the same server, for a static file whitenoise serves (the stylesheet);
their ratio (target 0.3 or more); the failing step's figures; gunicorn's workers, the processors,
and the processor time of the load generator, which runs on the same machine and takes its share.
Its own database ``prodcapacity``, Redis database 12 and port 8064, so it can run beside the others.

Prints one JSON line per figure ({"figure", "value", "unit", "target", "met"}) like ``make bench``;
per-page times and any errors go to stderr. Exits 0 whether or not targets are met.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
import urllib.request
from typing import Any

from deploy.capacity import STEPS, Capacity, Step, parse_steps
from deploy.stack import ROOT, VENV_BIN
from deploy.throwaway import Run, say

P95_TARGET_MS = 300
APP_SHARE_OF_STATIC_TARGET = 0.3
# Each run its own database, Redis database and port: the smoke test (CI) has prodsmoke, 14, 8061.
PACED = {"database_url": "postgres://postgres@127.0.0.1:5432/prodload", "redis_url": "redis://127.0.0.1:6379/13"}
CAPACITY = {"database_url": "postgres://postgres@127.0.0.1:5432/prodcapacity", "redis_url": "redis://127.0.0.1:6379/12"}
PORTS = {"paced": 8062, "capacity": 8064}


def emit(figure: str, value: Any, unit: str, target: Any = None, met: bool | None = None) -> None:
    print(json.dumps({"figure": figure, "value": value, "unit": unit, "target": target, "met": met}), flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--spawn-rate", type=float, default=0.4, help="users started a second (sign-ins ≤ 30/min)")
    parser.add_argument("--health-seconds", type=float, default=15)
    parser.add_argument("--wait", default="1,3", help="pause between a person's pages, MIN,MAX seconds")
    parser.add_argument("--capacity", action="store_true", help="closed-loop capacity steps instead (see above)")
    parser.add_argument("--steps", default=",".join(map(str, STEPS)), help="--capacity: users at each step")
    parser.add_argument("--step-seconds", type=float, default=15, help="--capacity: each step's measured window")
    parser.add_argument("--warmup-seconds", type=float, default=5, help="--capacity: before each window")
    parser.add_argument("--database-url", help="default: prodload, or prodcapacity with --capacity")
    parser.add_argument("--redis-url", help="default: database 13, or 12 with --capacity")
    parser.add_argument("--port", type=int, help="default: 8062, or 8064 with --capacity")
    parser.add_argument("--web-concurrency", type=int, default=4, help="gunicorn workers, as in the README")
    parser.add_argument("--keep", action="store_true", help="keep the run's folder and database")
    args = parser.parse_args(argv)
    defaults = CAPACITY if args.capacity else PACED
    args.database_url = args.database_url or defaults["database_url"]
    args.redis_url = args.redis_url or defaults["redis_url"]
    args.port = args.port or PORTS["capacity" if args.capacity else "paced"]
    try:
        parse_steps(args.steps)
    except ValueError as exc:
        parser.error(str(exc))

    load1 = os.getloadavg()[0]
    if load1 > 1.0:
        say("load", f"the machine is busy (load average {load1:.1f}): figures will be slower than on an idle one")
    run = Run(
        "prod-capacity" if args.capacity else "prod-load",
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
        if args.capacity:
            return capacity(run, args, path, load1)
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


def stylesheet_path(base_url: str) -> str:
    """The stylesheet the pages link to, under the name collectstatic gave it (whitenoise serves it
    from gunicorn with a year's caching, as a browser would fetch it)."""
    request = urllib.request.Request(  # noqa: S310 - our own loopback address
        f"{base_url}/accounts/login/", headers={"X-Forwarded-Proto": "https"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        html = response.read().decode("utf-8")
    found = re.search(r'<link rel="stylesheet" href="(/static/[^"]+\.css)"', html)
    if found is None:
        raise RuntimeError("no stylesheet linked from the sign-in page")
    return found.group(1)


def capacity(run: Run, args: argparse.Namespace, fixtures: os.PathLike[str], load1: float) -> int:
    static_path = stylesheet_path(run.base_url)
    workers = len(run.children("web"))  # gunicorn's master's children: its workers
    command = [
        str(VENV_BIN / "python"),
        "-m",
        "deploy.loadgen",
        "--capacity",
        "--host",
        run.base_url,
        "--fixtures",
        str(fixtures),
        "--steps",
        args.steps,
        "--step-seconds",
        str(args.step_seconds),
        "--warmup-seconds",
        str(args.warmup_seconds),
        "--spawn-rate",
        str(args.spawn_rate),
        "--p95-target",
        str(P95_TARGET_MS),
        "--static-path",
        static_path,
    ]
    done = subprocess.run(command, cwd=ROOT, stdout=subprocess.PIPE, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        say("load", f"the load generator exited {done.returncode}")
        return 1
    result = json.loads(done.stdout.strip().splitlines()[-1])
    for name in ("web", "worker", "beat"):
        if not run.alive(name):
            say("load", f"{name} exited during the capacity run")
    processors = os.cpu_count() or 0
    where = f"closed loop; the load generator on the same {processors}-processor machine"
    rps = {}
    for name, label in (("app", "app's mixed pages"), ("static", f"static file {static_path}")):
        found = Capacity(
            steps=[Step.from_dict(s) for s in result[name]["steps"]],
            met=Step.from_dict(result[name]["met"]) if result[name]["met"] else None,
            failed=Step.from_dict(result[name]["failed"]) if result[name]["failed"] else None,
        )
        for step in found.steps:
            for kind, count in step.error_kinds.items():
                say("load", f"  {name} at {step.users} users: error x{count}: {kind}")
        rps[name] = found.rps
        emit_capacity(name, label, found, where)
    if rps["static"]:
        share = round(rps["app"] / rps["static"], 3)
        met = share >= APP_SHARE_OF_STATIC_TARGET
        emit("capacity_app_share_of_static", share, "ratio of capacity requests/s", APP_SHARE_OF_STATIC_TARGET, met)
    emit("capacity_gunicorn_workers", workers, f"sync workers (--workers {args.web_concurrency})")
    emit("capacity_processors", processors, "os.cpu_count(): server, PostgreSQL, Redis and load generator share them")
    emit("capacity_load_average", round(load1, 2), "1-minute load average before the run started")
    return 0


def emit_capacity(name: str, label: str, found: Capacity, where: str) -> None:
    """The last step that met the target (the capacity) and the one that stopped the stepping."""
    met, failed = found.met, found.failed
    emit(f"capacity_{name}_rps", found.rps, f"requests/s, {label}, at p95 ≤ {P95_TARGET_MS} ms, no errors ({where})")
    emit(f"capacity_{name}_users", met.users if met else 0, "closed-loop users at that step")
    if met is not None:
        emit(f"capacity_{name}_p95_ms", met.p95_ms, "ms at that step", P95_TARGET_MS, met.p95_ms <= P95_TARGET_MS)
        emit(f"capacity_{name}_generator_cpu", met.generator_cpu, "processors used by the load generator at that step")
        emit(f"capacity_{name}_machine_cpu", met.machine_cpu, "processors busy, whole machine, at that step")
    emit(f"capacity_{name}_stopped_by", found.stopped_by(P95_TARGET_MS), "the step that ended the stepping")
    if failed is not None:
        emit(f"capacity_{name}_failing_users", failed.users, "closed-loop users at the failing step")
        emit(f"capacity_{name}_failing_rps", failed.rps, "requests/s at the failing step")
        emit(
            f"capacity_{name}_failing_p95_ms",
            failed.p95_ms,
            "ms at the failing step",
            P95_TARGET_MS,
            failed.p95_ms <= P95_TARGET_MS,
        )
        emit(f"capacity_{name}_failing_errors", failed.errors, "requests at the failing step", 0, failed.errors == 0)


if __name__ == "__main__":
    sys.exit(main())
