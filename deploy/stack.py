"""A small supervisor: the Procfile's processes, started with the environment file and nothing else.

    python -m deploy.stack --env-file /etc/practice/production.env          # release, then web + worker + beat
    python -m deploy.stack --env-file FILE --no-release --only web,worker    # a part of it

Each process gets exactly the variables of the environment file (plus PATH, HOME and the locale of
the caller, with .venv/bin first on PATH), runs from the repository root in its own process group,
and logs to ``<log-dir>/<name>.log`` (standard output when no log folder is given). SIGINT or SIGTERM
stops them all; so does the end of any one of them. The smoke test, the load test and the fault
drills use the same class to run, stop and kill the processes one by one.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
PROCFILE = DEPLOY / "Procfile"
ENV_TEMPLATE = DEPLOY / "production.env.example"
VENV_BIN = ROOT / ".venv" / "bin"
BASH = shutil.which("bash") or "/bin/bash"
SERVICES = ("web", "worker", "beat")
_INHERITED = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "USER", "LOGNAME")


def read_env_file(path: Path) -> dict[str, str]:
    """``NAME=value`` lines; blank lines and ``#`` comment lines are skipped. No quoting, no expansion."""
    values: dict[str, str] = {}
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, value = line.partition("=")
        name = name.strip()
        if not sep or not name.isidentifier():
            raise ValueError(f"{path}:{number}: expected NAME=value")
        values[name] = value.strip()
    return values


def write_env_file(path: Path, values: dict[str, str], template: Path = ENV_TEMPLATE) -> None:
    """The template, with the given values filled in (and any the template lacks appended), mode 0600."""
    lines, done = [], set()
    for raw in template.read_text(encoding="utf-8").splitlines():
        name = raw.partition("=")[0].strip()
        if not raw.lstrip().startswith("#") and name in values:
            lines.append(f"{name}={values[name]}")
            done.add(name)
        else:
            lines.append(raw)
    lines += [f"{name}={value}" for name, value in values.items() if name not in done]
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")


def read_procfile(path: Path = PROCFILE) -> dict[str, str]:
    processes: dict[str, str] = {}
    for raw in path.read_text(encoding="utf-8").splitlines():
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        name, sep, command = raw.partition(":")
        if not sep or not name.strip().isidentifier():
            raise ValueError(f"{path}: expected 'name: command', got {raw!r}")
        processes[name.strip()] = command.strip()
    return processes


class Stack:
    """The Procfile's processes for one environment file."""

    def __init__(self, env_file: Path, *, log_dir: Path | None = None, procfile: Path = PROCFILE) -> None:
        self.env_file = env_file
        self.settings = read_env_file(env_file)
        self.commands = read_procfile(procfile)
        self.log_dir = log_dir
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self._logs: list[IO[bytes]] = []
        base = {name: os.environ[name] for name in _INHERITED if name in os.environ}
        base["PATH"] = f"{VENV_BIN}{os.pathsep}{base.get('PATH', '/usr/bin:/bin')}"
        base["PYTHONUNBUFFERED"] = "1"
        self.env = {**base, **self.settings}

    # --- one-off commands -------------------------------------------------------------------

    def run(
        self, command: str, *, check: bool = True, capture: bool = True, timeout: float = 600
    ) -> subprocess.CompletedProcess[str]:
        """A shell command with the production environment, from the repository root; one that
        hangs (a lock never granted, a server never answering) fails after ``timeout`` seconds."""
        try:
            done = subprocess.run(  # noqa: S603 - the command is ours
                [BASH, "-c", command],
                cwd=ROOT,
                env=self.env,
                text=True,
                capture_output=capture,
                check=False,
                timeout=timeout,
            )
        except subprocess.TimeoutExpired:
            raise RuntimeError(f"`{command}` did not finish in {timeout:.0f}s") from None
        if check and done.returncode != 0:
            detail = ((done.stdout or "") + (done.stderr or ""))[-4000:]
            raise RuntimeError(f"`{command}` exited {done.returncode}:\n{detail}")
        return done

    def manage(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return self.run("python manage.py " + " ".join(_quote(a) for a in args), check=check)

    def release(self) -> None:
        self.run(self.commands["release"])

    # --- long-running processes -------------------------------------------------------------

    def log_path(self, name: str) -> Path | None:
        return self.log_dir / f"{name}.log" if self.log_dir else None

    def start(self, name: str) -> subprocess.Popen[bytes]:
        if name in self.procs and self.procs[name].poll() is None:
            raise RuntimeError(f"{name} is already running")
        out: IO[bytes] | None = None
        path = self.log_path(name)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            out = path.open("ab")
            self._logs.append(out)
        proc = subprocess.Popen(  # noqa: S603 - the command is the Procfile's
            [BASH, "-c", self.commands[name]],
            cwd=ROOT,
            env=self.env,
            stdout=out,
            stderr=subprocess.STDOUT if out else None,
            start_new_session=True,
        )
        self.procs[name] = proc
        return proc

    def up(self, names: Iterable[str] = SERVICES) -> None:
        for name in names:
            self.start(name)

    def pid(self, name: str) -> int:
        return self.procs[name].pid

    def alive(self, name: str) -> bool:
        return name in self.procs and self.procs[name].poll() is None

    def signal(self, name: str, sig: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.procs[name].pid, sig)

    def stop(self, name: str, timeout: float = 20) -> int | None:
        proc = self.procs.get(name)
        if proc is None:
            return None
        if proc.poll() is None:
            self.signal(name, signal.SIGTERM)
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.signal(name, signal.SIGKILL)
                proc.wait(10)
        # Whatever the process left in its group (a pool child) goes too.
        self.signal(name, signal.SIGKILL)
        return proc.returncode

    def down(self) -> None:
        for name in reversed(list(self.procs)):
            self.stop(name)
        for handle in self._logs:
            handle.close()
        self._logs.clear()

    def first_exited(self) -> str | None:
        return next((name for name, proc in self.procs.items() if proc.poll() is not None), None)

    def wait_http(self, url: str, timeout: float = 60, *, headers: dict[str, str] | None = None) -> None:
        """Wait until ``url`` answers 2xx, failing early if a process has exited."""
        deadline = time.monotonic() + timeout
        last = "no answer"
        while time.monotonic() < deadline:
            exited = self.first_exited()
            if exited:
                raise RuntimeError(f"{exited} exited with {self.procs[exited].returncode}: {self.tail(exited)}")
            try:
                request = urllib.request.Request(url, headers=headers or {})  # noqa: S310 - loopback
                with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
                    if 200 <= response.status < 300:
                        return
                    last = str(response.status)
            except (urllib.error.URLError, OSError) as exc:
                last = str(exc)
            time.sleep(0.5)
        raise RuntimeError(f"{url} did not answer in {timeout:.0f}s ({last})")

    def tail(self, name: str, lines: int = 30) -> str:
        path = self.log_path(name)
        if path is None or not path.exists():
            return ""
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])

    def children(self, name: str) -> list[int]:
        """Pids whose parent is the named process (a Celery worker's pool processes)."""
        return children_of(self.pid(name))


def children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command may hold spaces and parentheses: the fields after the last ')' are fixed.
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[1]) == pid:
            found.append(int(entry.name))
    return sorted(found)


def _quote(arg: str) -> str:
    import shlex

    return shlex.quote(arg)


@contextlib.contextmanager
def running(stack: Stack, names: Iterable[str] = SERVICES) -> Iterator[Stack]:
    try:
        stack.up(names)
        yield stack
    finally:
        stack.down()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--env-file", type=Path, required=True)
    parser.add_argument("--log-dir", type=Path, help="log each process to DIR/<name>.log instead of stdout")
    parser.add_argument("--no-release", action="store_true", help="skip the release step")
    parser.add_argument("--only", help="comma-separated processes to run (default: web,worker,beat)")
    args = parser.parse_args(argv)
    stack = Stack(args.env_file, log_dir=args.log_dir)
    names = args.only.split(",") if args.only else list(SERVICES)
    unknown = [name for name in names if name not in stack.commands]
    if unknown:
        parser.error(f"not in the Procfile: {', '.join(unknown)}")
    if not args.no_release:
        print("release: migrate, sync_schedules, collectstatic, check --deploy", flush=True)
        stack.release()
    stopping = {"now": False}

    def _stop(signum: int, _frame: object) -> None:
        stopping["now"] = True

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    with running(stack, names):
        print(f"running {', '.join(names)} (pids {', '.join(str(stack.pid(n)) for n in names)})", flush=True)
        while not stopping["now"]:
            exited = stack.first_exited()
            if exited:
                print(f"{exited} exited with {stack.procs[exited].returncode}: stopping the rest", flush=True)
                return 1
            time.sleep(0.5)
    return 0


if __name__ == "__main__":
    sys.exit(main())
