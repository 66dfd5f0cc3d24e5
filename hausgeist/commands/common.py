"""Helpers shared by the commands: loading the configuration, reporting errors."""

from __future__ import annotations

import sys
from pathlib import Path

from hausgeist.config import Config, load_config
from hausgeist.errors import ConfigError, HausgeistError
from hausgeist.paths import default_config

EXIT_OK = 0
EXIT_USAGE = 2


class UsageError(HausgeistError):
    """Bad command-line input (exit code 2)."""


def load(path: str | None) -> tuple[Config, Path]:
    """The validated configuration at ``path`` (or the default); ConfigError otherwise."""
    config_path = Path(path) if path else default_config()
    return load_config(config_path), config_path


def fail(exc: HausgeistError) -> int:
    """Print a clear message for ``exc`` on stderr; the exit code."""
    if isinstance(exc, ConfigError):
        print(f"hausgeist: {exc}", file=sys.stderr)
        print("Fix the configuration and run 'hausgeist check' again.", file=sys.stderr)
        return EXIT_USAGE
    print(f"hausgeist: {exc}", file=sys.stderr)
    return EXIT_USAGE
