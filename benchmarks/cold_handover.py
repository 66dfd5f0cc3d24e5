"""The first hand-over in a new data directory: what a request the core hands over costs
when nothing is loaded yet (issue 14: it took 15-30 s on the example home, even when the
model was never asked, because the fixed prompt was evaluated before the stage decided).

Each row runs ``hausgeist ask --json --dry-run`` as a new process on the embedded example
home and reports its wall time and what the stage did (from ``--explain``):

- ``not asked, cold``: words the stage declines without the model ("blorp the zorp"), in a
  new data directory: no model load, no prompt evaluation.
- ``asked, cold``: a request the model is asked, in a new data directory: the model is
  loaded and the fixed prompt evaluated (then kept on disk for later processes).
- ``asked, kept``: the same again with that directory: the evaluated prompt is read back.
- ``stream, warmed``: ``ask -`` with the request sent after ``--wait`` seconds: the stream
  loads and primes in the background, so its first hand-over finds the model ready.
- ``core only``: a request the core decides ("turn on the kitchen light"), for scale.

Usage: ``python benchmarks/cold_handover.py [--repeat 3] [--wait 8]`` (median of the
repeats; the machine's other work changes the figures).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HANDED_OVER = "flick the kettle on"
NOT_ASKED = "blorp the zorp"
CORE = "turn on the kitchen light"


def _program() -> list[str]:
    found = shutil.which("hausgeist") or str(Path(sys.executable).with_name("hausgeist"))
    return [found]


def _ask(text: str, data: Path) -> tuple[float, str]:
    env = {**os.environ, "HAUSGEIST_DATA_DIR": str(data)}
    started = time.perf_counter()
    done = subprocess.run(
        [*_program(), "ask", "--dry-run", "--explain", text],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    wall = time.perf_counter() - started
    llm = [line.strip(" .") for line in done.stdout.splitlines() if "llm:" in line]
    return wall, (llm[0] if llm else "core decided")[:70]


def _stream(text: str, data: Path, wait_s: float) -> tuple[float, str]:
    env = {**os.environ, "HAUSGEIST_DATA_DIR": str(data)}
    process = subprocess.Popen(
        [*_program(), "ask", "--json", "--dry-run", "-"],
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdin is not None
    assert process.stdout is not None
    time.sleep(wait_s)
    started = time.perf_counter()
    process.stdin.write(json.dumps({"text": text}) + "\n")
    process.stdin.flush()
    answer = json.loads(process.stdout.readline())
    wall = time.perf_counter() - started
    process.stdin.close()
    process.wait(timeout=60)
    return wall, f"source {answer.get('source')}, status {answer.get('status')}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--wait", type=float, default=8.0)
    args = parser.parse_args()
    rows: dict[str, list[tuple[float, str]]] = {}
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory() as cold, tempfile.TemporaryDirectory() as other:
            rows.setdefault("core only", []).append(_ask(CORE, Path(other)))
            rows.setdefault("not asked, cold", []).append(_ask(NOT_ASKED, Path(cold)))
            rows.setdefault("asked, cold", []).append(_ask(HANDED_OVER, Path(cold)))
            rows.setdefault("asked, kept", []).append(_ask(HANDED_OVER, Path(cold)))
        with tempfile.TemporaryDirectory() as fresh:
            rows.setdefault("stream, warmed", []).append(
                _stream(HANDED_OVER, Path(fresh), args.wait)
            )
    print(f"{'first hand-over':<18}{'wall s (median)':>16}   what the stage did")
    for name, runs in rows.items():
        median = statistics.median(wall for wall, _ in runs)
        print(f"{name:<18}{median:>16.2f}   {runs[-1][1]}")
    print(f"(stream: the answer's own time after a {args.wait:.0f} s wait; the rest: process)")


if __name__ == "__main__":
    main()
