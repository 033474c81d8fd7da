"""The production run: the environment file read strictly, the release step, then honcho.

    python -m deploy.stack --env-file /etc/practice/production.env          # release, then web + worker + beat
    python -m deploy.stack --env-file FILE --no-release --only worker       # a part of it

Honcho (``honcho.manager.Manager``) runs the Procfile's processes: each with ``/bin/sh -c`` from the
repository root in a session of its own, their output on standard output with honcho's
``time name |`` prefix; SIGINT or SIGTERM stops them all (SIGTERM, then SIGKILL after honcho's 5
seconds), and so does the end of any one of them. This module only does what honcho does not:

- it reads the environment file strictly (``NAME=value`` lines, ``#`` comments, no quoting, no
  expansion; any other line stops it, naming the file and line) and gives each process exactly
  those variables, plus PATH (``.venv/bin`` first), HOME and the locale of the caller, and
  ``HONCHO_PROCESS_NAME`` (as ``honcho start`` sets it);
- it runs ``release`` to completion first, and stops with its exit status if it fails.
"""

from __future__ import annotations

import argparse
import os
import shlex
import subprocess
import sys
from pathlib import Path

from honcho.environ import parse_procfile
from honcho.manager import Manager

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
PROCFILE = DEPLOY / "Procfile"
VENV_BIN = ROOT / ".venv" / "bin"
SERVICES = ("web", "worker", "beat")
COMMAND_TIMEOUT = 600
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


def process_env(env_file: Path) -> dict[str, str]:
    """The environment of every process: the file's variables and the few the caller must pass on."""
    base = {name: os.environ[name] for name in _INHERITED if name in os.environ}
    base["PATH"] = f"{VENV_BIN}{os.pathsep}{base.get('PATH', '/usr/bin:/bin')}"
    base["PYTHONUNBUFFERED"] = "1"
    return {**base, **read_env_file(env_file)}


def read_procfile(path: Path = PROCFILE) -> dict[str, str]:
    return dict(parse_procfile(path.read_text(encoding="utf-8")).processes)


def run(
    env: dict[str, str], command: str, *, check: bool = True, capture: bool = True, timeout: float = COMMAND_TIMEOUT
) -> subprocess.CompletedProcess[str]:
    """A one-off command with the production environment, run like a Procfile line; one that hangs
    (a lock never granted, a server never answering) fails after ``timeout`` seconds."""
    try:
        done = subprocess.run(  # noqa: S602 - the command is the Procfile's or ours
            command,
            shell=True,
            cwd=ROOT,
            env=env,
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


def manage_command(*args: str) -> str:
    return "python manage.py " + " ".join(shlex.quote(a) for a in args)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--env-file", type=Path, required=True)
    parser.add_argument("--no-release", action="store_true", help="skip the release step")
    parser.add_argument("--only", help="comma-separated processes to run (default: web,worker,beat)")
    args = parser.parse_args(argv)
    try:
        env = process_env(args.env_file)
    except (OSError, ValueError) as exc:
        parser.error(str(exc))
    processes = read_procfile()
    names = args.only.split(",") if args.only else list(SERVICES)
    unknown = [name for name in names if name not in processes]
    if unknown:
        parser.error(f"not in the Procfile: {', '.join(unknown)}")
    if not args.no_release:
        print("release: migrate, bind_ciphertexts, sync_schedules, collectstatic, check --deploy", flush=True)
        try:
            done = run(env, processes["release"], check=False, capture=False)
        except RuntimeError as exc:
            print(f"release: {exc}", file=sys.stderr, flush=True)
            return 1
        if done.returncode != 0:
            print(f"release exited {done.returncode}: nothing started", file=sys.stderr, flush=True)
            return done.returncode
    manager = Manager()
    for name in names:
        manager.add_process(name, processes[name], env={**env, "HONCHO_PROCESS_NAME": name}, cwd=str(ROOT))
    manager.loop()
    # Honcho's status: the first process to stop's, or 130/143 after SIGINT/SIGTERM; a process
    # killed by a signal reads as 128 + its number, as in the shell.
    code = int(manager.returncode or 0)
    return 128 - code if code < 0 else code


if __name__ == "__main__":
    sys.exit(main())
