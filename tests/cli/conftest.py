"""Run the real ``hausgeist`` program in a subprocess, with its own data directory."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from cli_support import Hausgeist, Run


@pytest.fixture
def hausgeist(tmp_path: Path) -> Hausgeist:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HAUSGEIST_")}
    env["HAUSGEIST_DATA_DIR"] = str(tmp_path / "data")

    def run(
        *args: str, stdin: str | bytes | None = None, extra_env: dict[str, str] | None = None
    ) -> Run:
        proc = subprocess.run(
            [sys.executable, "-m", "hausgeist", *args],
            input=stdin.encode() if isinstance(stdin, str) else stdin,
            capture_output=True,
            env={**env, **(extra_env or {})},
            timeout=120,
            check=False,
        )
        # stdout must be UTF-8 whatever the locale (the JSON lines are); stderr is for people.
        return Run(proc.returncode, proc.stdout.decode(), proc.stderr.decode(errors="replace"))

    return run
