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

    def run(*args: str, stdin: str | None = None, extra_env: dict[str, str] | None = None) -> Run:
        proc = subprocess.run(
            [sys.executable, "-m", "hausgeist", *args],
            input=stdin,
            capture_output=True,
            text=True,
            env={**env, **(extra_env or {})},
            timeout=120,
            check=False,
        )
        return Run(proc.returncode, proc.stdout, proc.stderr)

    return run
