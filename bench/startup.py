"""Benchmark: how long the app takes to start, against Flask alone.

Times, as fresh subprocesses of this virtualenv's Python, interleaved run by run so that a busy
moment on a shared machine hits all three alike:

- the baseline: `python -c "import flask"` (the interpreter and Flask, which no app can avoid);
- `python -c "from engage import create_app; create_app()"`: building the app, as every
  request-serving process and every script does;
- `FLASK_APP=engage flask --help`: the start of every `flask` command.

It prints the median and best of `--runs` runs of each and what the app costs above the
baseline, and judges the targets of issue 17 on the medians: creating the app under 0.5 s, as
the app's own cost above the baseline (the issue's 2.9 s "of which creating the app" leaves out
the interpreter and Flask), and a `flask` command's start under 1 s, whole, as a person waits
for it. It exits non-zero when a target is missed.

Bytecode: the children write and read their compiled modules under a temporary
PYTHONPYCACHEPREFIX, warmed by one untimed run of each command, as an installed app runs. An
environment with PYTHONDONTWRITEBYTECODE set would otherwise compile every module of the app
at every start; `--as-is` leaves the environment alone to measure that instead.

    .venv/bin/python bench/startup.py [--runs 7] [--as-is]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent  # not resolved: the venv's python is a link out of the venv

BASELINE = "import flask"
# Seconds, and whether the target is for the cost above the baseline (else the whole run).
TARGETS = {"create_app()": (0.5, True), "flask --help": (1.0, False)}


def commands() -> dict[str, list[str]]:
    return {
        BASELINE: [sys.executable, "-c", "import flask"],
        "create_app()": [sys.executable, "-c", "from engage import create_app; create_app()"],
        "flask --help": [str(BIN / "flask"), "--help"],
    }


def child_env(cache: str | None) -> dict[str, str]:
    env = dict(os.environ, FLASK_APP="engage")
    if cache is not None:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = cache
    return env


def run_once(command: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def measure(runs: int, env: dict[str, str]) -> dict[str, list[float]]:
    todo = commands()
    for command in todo.values():
        run_once(command, env)  # untimed: fills the bytecode cache
    times: dict[str, list[float]] = {name: [] for name in todo}
    for _ in range(runs):
        for name, command in todo.items():
            times[name].append(run_once(command, env))
    return times


def report(times: dict[str, list[float]]) -> bool:
    base = statistics.median(times[BASELINE])
    print(f"{'':14} {'median':>8} {'best':>8} {'above baseline':>15}  target (on the median)")
    met = True
    for name, values in times.items():
        median = statistics.median(values)
        above = median - base
        verdict = ""
        if name in TARGETS:
            limit, on_cost = TARGETS[name]
            ok = (above if on_cost else median) < limit
            met = met and ok
            verdict = (f"{'above baseline' if on_cost else 'whole run'} < {limit:.1f} s: "
                       f"{'met' if ok else 'MISSED'}")
        shown = f"{above:+.3f} s" if name != BASELINE else "(baseline)"
        print(f"{name:14} {median:7.3f}s {min(values):7.3f}s {shown:>15}  {verdict}")
    return met


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--as-is", action="store_true",
                        help="leave PYTHONDONTWRITEBYTECODE and the bytecode cache as they are")
    args = parser.parse_args()
    print(f"Start-up, {args.runs} runs each, interleaved ({sys.executable})")
    if args.as_is:
        print(f"Bytecode as the environment has it (PYTHONDONTWRITEBYTECODE="
              f"{os.environ.get('PYTHONDONTWRITEBYTECODE', '')!r})")
        met = report(measure(args.runs, child_env(None)))
    else:
        with tempfile.TemporaryDirectory(prefix="engage-pycache-") as cache:
            met = report(measure(args.runs, child_env(cache)))
    print("Targets met." if met else "A target was missed.")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
