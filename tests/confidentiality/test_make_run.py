"""``make run``'s start-up, as a newcomer meets it: ``bin/run-embedded`` on a new ``var/`` migrates,
loads the demo, prints the demo logins and serves web + worker + beat under honcho; the worker
and beat work (a heartbeat reaches the database); Ctrl-C stops every process it started."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.embedded,
    pytest.mark.skipif(
        bool(os.environ.get("DATABASE_URL")), reason="the embedded default's start-up runs in CI's SQLite pass"
    ),
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def health(url: str) -> dict[str, object] | None:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - our own loopback address
            return dict(json.loads(response.read()))
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return None


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def test_make_run_starts_the_demo_practice_and_ctrl_c_stops_it_all(tmp_path: Path) -> None:
    port = free_port()
    env = {
        "PATH": os.environ["PATH"],
        "HOME": os.environ.get("HOME", str(tmp_path)),
        "LANG": "C.UTF-8",
        "VAR_DIR": str(tmp_path / "var"),
        "EMBEDDED_BIND": f"127.0.0.1:{port}",
    }
    log = (tmp_path / "run.log").open("w+")
    process = subprocess.Popen(  # noqa: S603 - our own script
        [str(ROOT / "bin" / "run-embedded")],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}/healthz"
    try:
        deadline, answer = time.monotonic() + 240, None
        while time.monotonic() < deadline and process.poll() is None:
            answer = health(url)
            if answer and "last heartbeat" in str(answer["checks"]["worker"]["detail"]):  # type: ignore[index]
                break
            time.sleep(1)
        log.seek(0)
        output = log.read()
        assert answer is not None, f"nothing served on {url}:\n{output[-3000:]}"
        assert answer["status"] == "ok", answer
        assert "last heartbeat" in str(answer["checks"]["worker"]["detail"]), answer  # type: ignore[index]
        assert "maya.coach@practice.example" in output and "demo-practice-2026" in output
        assert (tmp_path / "var" / "db.sqlite3").exists() or any((tmp_path / "var").glob("*.sqlite3"))
    finally:
        os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(timeout=30)
        finally:
            stopped = not group_alive(process.pid)
            if not stopped:
                os.killpg(process.pid, signal.SIGKILL)
            log.close()
    assert stopped, "a process of make run outlived Ctrl-C"
    assert not (ROOT / "control").exists(), "the broker wrote outside var/"
