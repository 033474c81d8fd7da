"""``make run``'s start-up, as a newcomer meets it: ``bin/run-embedded`` on a new ``var/`` migrates,
loads the demo, prints the demo logins and serves web + worker + beat under honcho; the worker
and beat work (a heartbeat reaches the database); Ctrl-C stops every process it started."""

from __future__ import annotations

import contextlib
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

from deploy.throwaway import descendants, process_table

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


def below(pid: int) -> set[int]:
    """Every process below ``pid`` (honcho starts each of its processes in a session of its own,
    so the process group of ``make run`` does not hold them)."""
    return set(descendants(pid, process_table()))


def alive(pids: set[int]) -> set[int]:
    """Those still running: a zombie has ended, only its parent has not read its status yet."""
    table = process_table()
    return {pid for pid in pids if pid in table and table[pid][0] != "Z"}


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
    started: set[int] = set()
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
        # E-mail is written to files, never to the log; the start-up says where (issue 16, item 5).
        assert f"{tmp_path / 'var' / 'mail'}" in output
        assert (tmp_path / "var" / "db.sqlite3").exists() or any((tmp_path / "var").glob("*.sqlite3"))
        started = below(process.pid)
        assert len(started) >= 3, "web, worker and beat are not all running"
    finally:
        started |= below(process.pid)
        os.killpg(process.pid, signal.SIGINT)  # Ctrl-C reaches the terminal's process group
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=60)
        deadline = time.monotonic() + 30
        while alive(started) and time.monotonic() < deadline:
            time.sleep(0.5)
        left = alive(started | ({process.pid} if process.poll() is None else set()))
        for pid in left:  # never leave one behind, whatever the test found
            os.kill(pid, signal.SIGKILL)
        log.close()
    assert not left, f"{len(left)} process(es) of make run outlived Ctrl-C"
    assert not (ROOT / "control").exists(), "the broker wrote outside var/"
