"""The load generator behind ``make load`` (locust, as a library, in a process of its own).

    python -m deploy.loadgen --host http://127.0.0.1:8062 --fixtures FILE --users 50 --seconds 60

Coaches, clients and sponsors in the mix 5 : 3 : 2 each sign in once with their own account (a
coach with password and authenticator code), then work with a pause of ``--wait`` seconds between
pages: coaches open their dashboard, engagements, notes lists and notes, write notes and use the
API; clients their portal, engagement, reports and who has read their file; sponsors their
dashboard, engagements, released reports and now and then a report's PDF.

Sign-ins are paced under allauth's limit of 30 a minute from one address (everything here comes
from 127.0.0.1), so the users are started at ``--spawn-rate`` a second; the measured window of
``--seconds`` starts once all of them are working. Then ``/healthz`` is hammered by the same
number of users with no pause, for ``--health-seconds``: the most the server does per second for
a request that touches the database, the cache and the broker. Prints one JSON object with every
response time of each phase summarised (exact percentiles, not locust's rounded ones).

With ``--capacity`` (issue 23) there is no pause and no fixed number of users: the same mix, then
``--static-path`` (a file whitenoise serves from the same gunicorn), each stepped through
``--steps`` users by ``deploy.capacity`` until p95 passes ``--p95-target`` or an error appears.
Each step waits until its users are signed in, lets ``--warmup-seconds`` pass, then measures
``--step-seconds``, with this process's own processor time (it runs on the server's machine).
"""

from __future__ import annotations

from gevent import monkey

monkey.patch_all()  # before anything imports ssl, socket or requests

import argparse  # noqa: E402
import dataclasses  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from itertools import cycle  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import gevent  # noqa: E402
import requests  # noqa: E402
from locust import FastHttpUser, HttpUser, between, constant, events, task  # noqa: E402
from locust.clients import HttpSession  # noqa: E402
from locust.env import Environment  # noqa: E402

from deploy.capacity import Capacity, Step, find_capacity, parse_steps  # noqa: E402
from deploy.client import forms_of, totp, with_loopback_cookies  # noqa: E402

FIXTURES: dict[str, Any] = {}
ACCOUNTS: dict[str, Any] = {}
SIGNED_IN = {"count": 0}
MARKERS = {"coach": "Sign out", "client": "Sign out", "sponsor": "Sign out"}


class LoopbackSession(HttpSession):
    """Locust's session, with the stand-in TLS proxy of ``deploy.client``."""

    def prepare_request(self, request: requests.Request) -> requests.PreparedRequest:
        return with_loopback_cookies(super().prepare_request(request))


class Person(HttpUser):
    abstract = True
    role = ""
    wait_time = between(1, 3)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.client = LoopbackSession(
            base_url=self.host, request_event=self.environment.events.request, user=self, pool_manager=self.pool_manager
        )
        self.client.trust_env = False
        origin = "https://" + str(self.host).split("://", 1)[1]
        self.client.headers.update({"X-Forwarded-Proto": "https", "User-Agent": f"load-{self.role}"})
        self.form_headers = {"Origin": origin}
        self.account: dict[str, Any] = next(ACCOUNTS[self.role])

    def page(self, path: str, name: str, expect: str = "Sign out") -> str:
        with self.client.get(path, name=name, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code}")
            elif expect and expect not in response.text:
                response.failure(f"no {expect!r} on the page (signed out?)")
            return response.text or ""

    def post_form(self, html: str, action: str, data: dict[str, str], name: str) -> str:
        form = next((f for f in forms_of(html) if f.method == "post" and action in f.action), None)
        if form is None:
            events.request.fire(
                request_type="POST",
                name=name,
                response_time=0,
                response_length=0,
                exception=AssertionError(f"no form {action}"),
                context={},
            )
            return ""
        values = {**form.values(), **data}
        with self.client.post(form.action, data=values, name=name, headers=self.form_headers, catch_response=True) as r:
            if r.status_code != 200:
                r.failure(f"{r.status_code}")
            return r.text or ""

    def on_start(self) -> None:
        html = self.page("/accounts/login/", "sign in: page", expect="")
        self.post_form(
            html,
            "/accounts/login/",
            {"login": self.account["email"], "password": FIXTURES["password"]},
            "sign in: password",
        )
        secret: str = self.account.get("totp_secret") or ""
        for _attempt in range(2 if secret else 0):
            page = self.client.get("/accounts/2fa/authenticate/", name="sign in: code page")
            answer = self.post_form(page.text, "/2fa/authenticate/", {"code": totp(secret)}, "sign in: code")
            if 'name="code"' not in answer:
                break
            # The code turned over between reading and checking it: as a person would, take the next one.
            gevent.sleep(30 - time.time() % 30 + 0.5)
        SIGNED_IN["count"] += 1


class Coach(Person):
    role = "coach"
    weight = 5

    def engagement(self) -> dict[str, Any]:
        return random.choice(self.account["engagements"])  # noqa: S311 - not for security

    @task(3)
    def dashboard(self) -> None:
        self.page("/dashboard/", "coach: dashboard")

    @task(3)
    def engagement_page(self) -> None:
        self.page(f"/engagements/{self.engagement()['id']}/", "coach: engagement")

    @task(2)
    def notes(self) -> None:
        self.page(f"/engagements/{self.engagement()['id']}/notes/", "coach: notes list")

    @task(2)
    def note(self) -> None:
        note = random.choice(self.engagement()["notes"])  # noqa: S311
        self.page(f"/engagements/notes/{note}/", "coach: note")

    @task(1)
    def write_note(self) -> None:
        engagement = self.engagement()["id"]
        html = self.page(f"/engagements/{engagement}/", "coach: engagement")
        body = f"Load test note at {time.time():.3f}: reviewed the experiment, agreed the next step."
        self.post_form(html, "/notes/new/", {"body": body}, "coach: write note")

    @task(1)
    def api_engagements(self) -> None:
        headers = {"Authorization": f"Bearer {self.account['token']}"}
        with self.client.get(
            "/api/v1/engagements/", headers=headers, name="coach: API engagements", catch_response=True
        ) as r:
            if r.status_code != 200:
                r.failure(f"{r.status_code}")


class Client(Person):
    role = "client"
    weight = 3

    @task(3)
    def dashboard(self) -> None:
        self.page("/dashboard/", "client: dashboard")

    @task(2)
    def engagement_page(self) -> None:
        self.page(f"/engagements/{self.account['engagement']}/", "client: engagement")

    @task(1)
    def report(self) -> None:
        self.page(f"/engagements/reports/{self.account['report']}/", "client: report")

    @task(1)
    def who_has_read(self) -> None:
        self.page("/engagements/my-file/who-has-read-it/", "client: who has read my file")

    @task(1)
    def consents(self) -> None:
        self.page("/consents/", "client: consents")


class Sponsor(Person):
    role = "sponsor"
    weight = 2

    @task(10)
    def dashboard(self) -> None:
        self.page("/dashboard/", "sponsor: dashboard")

    @task(6)
    def engagement_page(self) -> None:
        self.page(f"/engagements/{random.choice(self.account['engagements'])}/", "sponsor: engagement")  # noqa: S311

    @task(3)
    def report(self) -> None:
        self.page(f"/engagements/reports/{random.choice(self.account['reports'])}/", "sponsor: report")  # noqa: S311

    @task(1)
    def report_pdf(self) -> None:
        report = random.choice(self.account["reports"])  # noqa: S311
        with self.client.get(
            f"/engagements/reports/{report}/pdf/", name="sponsor: report PDF", catch_response=True
        ) as r:
            if r.status_code != 200 or not r.content.startswith(b"%PDF-"):
                r.failure(f"{r.status_code}")


class Health(FastHttpUser):
    wait_time = constant(0)

    @task
    def healthz(self) -> None:
        with self.client.get(
            "/healthz", name="healthz", headers={"X-Forwarded-Proto": "https"}, catch_response=True
        ) as r:
            if r.status_code != 200:
                r.failure(f"{r.status_code}")


class StaticFile(FastHttpUser):
    """A file whitenoise serves from the same gunicorn: the least a request there can cost."""

    wait_time = constant(0)
    path = "/static/css/app.css"

    @task
    def static_file(self) -> None:
        with self.client.get(
            self.path, name="static file", headers={"X-Forwarded-Proto": "https"}, catch_response=True
        ) as r:
            if r.status_code != 200:
                r.failure(f"{r.status_code}")


def percentile(ordered: list[float], fraction: float) -> float:
    if not ordered:
        return 0.0
    index = min(len(ordered) - 1, max(0, round(fraction * len(ordered) + 0.5) - 1))
    return ordered[index]


class Recorder:
    def __init__(self) -> None:
        self.on = False
        self.times: list[float] = []
        self.errors: dict[str, int] = {}
        self.by_name: dict[str, list[float]] = {}

    def __call__(self, request_type: str, name: str, response_time: float, exception: Any, **_: Any) -> None:
        if not self.on:
            return
        self.times.append(response_time)
        self.by_name.setdefault(name, []).append(response_time)
        if exception is not None:
            key = f"{request_type} {name}: {exception}"[:200]
            self.errors[key] = self.errors.get(key, 0) + 1

    def summary(self, seconds: float) -> dict[str, Any]:
        ordered = sorted(self.times)
        pages = {
            name: {
                "n": len(v),
                "p50": round(percentile(sorted(v), 0.5), 1),
                "p95": round(percentile(sorted(v), 0.95), 1),
            }
            for name, v in sorted(self.by_name.items())
        }
        return {
            "seconds": round(seconds, 1),
            "requests": len(ordered),
            "rps": round(len(ordered) / seconds, 1) if seconds else 0,
            "p50_ms": round(percentile(ordered, 0.50), 1),
            "p95_ms": round(percentile(ordered, 0.95), 1),
            "p99_ms": round(percentile(ordered, 0.99), 1),
            "errors": sum(self.errors.values()),
            "error_kinds": self.errors,
            "pages": pages,
        }


def _phase(
    user_classes: list[Any],
    host: str,
    users: int,
    spawn_rate: float,
    seconds: float,
    *,
    say: Any,
    ready: Any = None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Start ``users``, wait until ``ready()`` says they are all working, then measure ``seconds``.
    Returns the measured window's summary and the ramp's (everything before the window)."""
    env = Environment(user_classes=user_classes, host=host, events=events)
    ramp, window = Recorder(), Recorder()
    ramp.on = True
    env.events.request.add_listener(ramp)
    env.events.request.add_listener(window)
    runner = env.create_local_runner()
    runner.start(users, spawn_rate=spawn_rate)
    started = time.monotonic()
    ready = ready or (lambda: runner.user_count >= users)
    while not ready():
        gevent.sleep(0.2)
        if time.monotonic() - started > users / spawn_rate + 180:
            raise RuntimeError(f"only {runner.user_count} of {users} users started")
    ramp_seconds = time.monotonic() - started
    say(f"{runner.user_count} users working after {ramp_seconds:.0f}s; measuring {seconds:.0f}s")
    ramp.on, window.on = False, True
    opened = time.monotonic()
    gevent.sleep(seconds)
    window.on = False
    measured = time.monotonic() - opened
    runner.quit()
    env.events.request.remove_listener(ramp)
    env.events.request.remove_listener(window)
    return window.summary(measured), ramp.summary(ramp_seconds)


def machine_busy_seconds() -> float:
    """Processor-seconds the whole machine has spent busy since boot (``/proc/stat``), all
    processors together: the server, its database and Redis, the load generator and any neighbour."""
    with open("/proc/stat") as stat:
        fields = [int(x) for x in stat.readline().split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def _stepped(
    user_classes: list[Any],
    host: str,
    steps: tuple[int, ...],
    *,
    spawn_rate: float,
    warmup: float,
    seconds: float,
    p95_target: float,
    say: Any,
    signed_in: Any = None,
) -> Capacity:
    """One locust runner for the whole stepping: each step adds users to those already working
    (signed in once), waits for them, warms up, then measures a window of its own."""
    env = Environment(user_classes=user_classes, host=host, events=events)
    runner = env.create_local_runner()

    def measure(users: int) -> Step:
        runner.start(users, spawn_rate=spawn_rate)
        started = time.monotonic()
        while runner.user_count < users or (signed_in is not None and signed_in() < users):
            gevent.sleep(0.2)
            if time.monotonic() - started > users / spawn_rate + 180:
                raise RuntimeError(f"only {runner.user_count} of {users} users started")
        gevent.sleep(warmup)
        window = Recorder()
        env.events.request.add_listener(window)
        window.on = True
        opened, cpu, busy = time.monotonic(), time.process_time(), machine_busy_seconds()
        gevent.sleep(seconds)
        window.on = False
        measured = time.monotonic() - opened
        generator_cpu = (time.process_time() - cpu) / measured
        machine_cpu = (machine_busy_seconds() - busy) / measured
        env.events.request.remove_listener(window)
        summary = window.summary(measured)
        step = Step(
            users=users,
            seconds=summary["seconds"],
            requests=summary["requests"],
            rps=summary["rps"],
            p50_ms=summary["p50_ms"],
            p95_ms=summary["p95_ms"],
            errors=summary["errors"],
            generator_cpu=round(generator_cpu, 2),
            machine_cpu=round(machine_cpu, 2),
            error_kinds=summary["error_kinds"],
        )
        say(
            f"{users:>4} users: {step.rps:>7.1f} req/s  p50 {step.p50_ms:>6.1f} ms  p95 {step.p95_ms:>7.1f} ms  "
            f"{step.errors} errors; processors busy {machine_cpu:.2f} (generator {generator_cpu:.2f})"
        )
        slowest = sorted(summary["pages"].items(), key=lambda item: -item[1]["p95"])[:3]
        if len(summary["pages"]) > 1:
            pages = (f"{name} {page['p95']:.0f} ms (n={page['n']})" for name, page in slowest)
            say("       slowest p95: " + ", ".join(pages))
        return step

    try:
        return find_capacity(steps, measure, p95_target)
    finally:
        runner.quit()


def capacity(args: argparse.Namespace, say: Any) -> dict[str, Any]:
    steps = parse_steps(args.steps)
    for cls in (Coach, Client, Sponsor):
        cls.wait_time = constant(0)
    StaticFile.path = args.static_path
    say(f"capacity of the app's pages: closed loop, {steps[0]}..{steps[-1]} users")
    app = _stepped(
        [Coach, Client, Sponsor],
        args.host,
        steps,
        spawn_rate=args.spawn_rate,
        warmup=args.warmup_seconds,
        seconds=args.step_seconds,
        p95_target=args.p95_target,
        say=say,
        signed_in=lambda: SIGNED_IN["count"],
    )
    say(f"app: {app.rps} req/s ({app.stopped_by(args.p95_target)}); now {args.static_path}")
    static = _stepped(
        [StaticFile],
        args.host,
        steps,
        spawn_rate=50,
        warmup=args.warmup_seconds,
        seconds=args.step_seconds,
        p95_target=args.p95_target,
        say=say,
    )
    say(f"static file: {static.rps} req/s ({static.stopped_by(args.p95_target)})")
    return {
        name: {
            "steps": [dataclasses.asdict(s) for s in result.steps],
            "met": dataclasses.asdict(result.met) if result.met else None,
            "failed": dataclasses.asdict(result.failed) if result.failed else None,
        }
        for name, result in (("app", app), ("static", static))
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", required=True)
    parser.add_argument("--fixtures", type=Path, required=True)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--spawn-rate", type=float, default=0.4)
    parser.add_argument("--health-seconds", type=float, default=15)
    parser.add_argument("--wait", default="1,3", help="pause between a person's pages, MIN,MAX seconds")
    parser.add_argument("--capacity", action="store_true", help="closed-loop steps instead (see above)")
    parser.add_argument("--steps", default="1,2,4,8")
    parser.add_argument("--step-seconds", type=float, default=15)
    parser.add_argument("--warmup-seconds", type=float, default=5)
    parser.add_argument("--p95-target", type=float, default=300)
    parser.add_argument("--static-path", default="/static/css/app.css")
    args = parser.parse_args(argv)

    def say(message: str) -> None:
        print(f"[load] {message}", file=sys.stderr, flush=True)

    FIXTURES.update(json.loads(args.fixtures.read_text()))
    ACCOUNTS.update(
        coach=cycle(FIXTURES["coaches"]), client=cycle(FIXTURES["clients"]), sponsor=cycle(FIXTURES["sponsors"])
    )
    if args.capacity:
        print(json.dumps(capacity(args, say)), flush=True)
        return 0
    low, high = (float(x) for x in args.wait.split(","))
    for cls in (Coach, Client, Sponsor):
        cls.wait_time = between(low, high)
    app, ramp = _phase(
        [Coach, Client, Sponsor],
        args.host,
        args.users,
        args.spawn_rate,
        args.seconds,
        say=say,
        ready=lambda: SIGNED_IN["count"] >= args.users,
    )
    result = {"app": app, "ramp": ramp}
    say(f"app: {result['app']['rps']} req/s, p95 {result['app']['p95_ms']} ms, {result['app']['errors']} errors")
    result["healthz"] = _phase([Health], args.host, args.users, float(args.users), args.health_seconds, say=say)[0]
    say(f"healthz: {result['healthz']['rps']} req/s")
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
