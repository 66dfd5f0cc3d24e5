"""Drive one long-running ``hausgeist ask --json -`` process over JSON lines.

The program may crash, hang or print stray lines; every such event becomes a failed exchange
with the raw output, never an exception, and the process is restarted for the next case.
"""

from __future__ import annotations

import contextlib
import json
import queue
import subprocess
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import IO, Any, Self

GRACE_S = 2.0  # after a stray line, how long to wait for the real answer
MAX_FAILURES_IN_ROW = 3  # protocol failures with no good answer between them: give up


@dataclass(frozen=True)
class Exchange:
    """One request and what came back."""

    response: dict[str, Any] | None
    """The parsed answer object; ``None`` when there was none."""
    error: str | None
    """What went wrong at the protocol level (crash, timeout, non-JSON output)."""
    raw: tuple[str, ...]
    """Every stdout line read for this request."""
    wall_ms: float
    """Round trip as measured by the runner."""


class ProgramSession:
    """One program process for one home; restarts it after a crash, hang or desync."""

    def __init__(self, argv: list[str], timeout_s: float) -> None:
        self._argv = argv
        self._timeout_s = timeout_s
        self._proc: subprocess.Popen[str] | None = None
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._stderr: deque[str] = deque(maxlen=20)
        self._failures_in_row = 0
        self._dead: str | None = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def ask(self, request: dict[str, Any]) -> Exchange:
        """Send one request line and read its answer line."""
        started = time.perf_counter()
        proc = self._ensure_running()
        if proc is None or proc.stdin is None:
            return Exchange(None, self._dead or "program not running", (), 0.0)
        try:
            proc.stdin.write(json.dumps(request, ensure_ascii=False) + "\n")
            proc.stdin.flush()
        except OSError:
            return self._failed(started, [], "program closed its input")
        return self._read_answer(started)

    def _read_answer(self, started: float) -> Exchange:
        deadline = started + self._timeout_s
        raw: list[str] = []
        while True:
            try:
                line = self._lines.get(timeout=max(0.0, deadline - time.perf_counter()))
            except queue.Empty:
                why = "non-JSON output" if raw else f"no answer within {self._timeout_s:g} s"
                return self._failed(started, raw, why)
            if line is None:
                return self._failed(started, raw, "program exited")
            raw.append(line)
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError:
                deadline = min(deadline, time.perf_counter() + GRACE_S)
                continue
            wall = (time.perf_counter() - started) * 1000
            if not isinstance(obj, dict):
                return Exchange(None, "answer is not a JSON object", tuple(raw), wall)
            self._failures_in_row = 0
            if len(raw) > 1:
                return Exchange(obj, "non-JSON output before the answer", tuple(raw), wall)
            return Exchange(obj, None, tuple(raw), wall)

    def _failed(self, started: float, raw: list[str], why: str) -> Exchange:
        """Record a protocol failure and stop the process: the next request restarts it."""
        code = self._stop()
        self._failures_in_row += 1
        if self._failures_in_row >= MAX_FAILURES_IN_ROW:
            self._dead = (
                f"program not running: gave up after {MAX_FAILURES_IN_ROW} failures in a row"
            )
        tail = " | ".join(self._stderr)
        detail = f"{why} (exit code {code})" if code is not None else why
        if tail:
            detail += f"; stderr: {tail}"
        wall = (time.perf_counter() - started) * 1000
        return Exchange(None, detail, tuple(raw), wall)

    def _ensure_running(self) -> subprocess.Popen[str] | None:
        if self._proc is not None and self._proc.poll() is None:
            return self._proc
        if self._dead is not None:
            return None
        self._lines = queue.Queue()
        self._stderr.clear()
        try:
            self._proc = subprocess.Popen(
                self._argv,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                encoding="utf-8",
                errors="replace",
                bufsize=1,
            )
        except OSError as exc:
            self._dead = f"cannot start {self._argv[0]!r}: {exc}"
            return None
        self._pump(self._proc.stdout, self._lines)
        self._pump(self._proc.stderr, None)
        return self._proc

    def _pump(self, stream: IO[str] | None, lines: queue.Queue[str | None] | None) -> None:
        def run() -> None:
            if stream is None:
                return
            for line in stream:
                if lines is None:
                    self._stderr.append(line.rstrip("\n"))
                else:
                    lines.put(line.rstrip("\n"))
            if lines is not None:
                lines.put(None)

        threading.Thread(target=run, name="hausgeist-output", daemon=True).start()

    def _stop(self) -> int | None:
        proc, self._proc = self._proc, None
        if proc is None:
            return None
        if proc.poll() is None:
            proc.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=5)
        # Let the stderr pump collect the last lines before they are reported.
        time.sleep(0.05)
        return proc.returncode

    def close(self) -> None:
        """Close stdin so the program ends on its own; kill it if it does not."""
        proc, self._proc = self._proc, None
        if proc is None:
            return
        with contextlib.suppress(OSError):
            if proc.stdin is not None:
                proc.stdin.close()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
