"""Helpers shared by the commands: loading the configuration, reporting errors."""

from __future__ import annotations

import sys
from pathlib import Path

from hausgeist.config import Config, load_config
from hausgeist.errors import ConfigError, ConfigProblem, HausgeistError
from hausgeist.paths import default_config

EXIT_OK = 0
EXIT_USAGE = 2


class UsageError(HausgeistError):
    """Bad command-line input (exit code 2)."""


def load(path: str | None, *, devices: bool = True) -> tuple[Config, Path]:
    """The validated configuration at ``path`` (or the default); ConfigError otherwise.

    With ``devices``, a configuration without a device the agent may use is an error too:
    an empty file is valid YAML, but an agent with nothing to act on or answer about
    only refuses (``discover``, which writes the devices, and ``history`` do without)."""
    config_path = Path(path) if path else default_config()
    config = load_config(config_path)
    if devices and not any(not d.hidden for d in config.devices):
        raise ConfigError([_no_devices(config)], str(config_path))
    return config, config_path


def _no_devices(config: Config) -> ConfigProblem:
    if config.devices:
        return ConfigProblem(
            "devices",
            f"all {len(config.devices)} devices are hidden (hidden: true), so the agent knows none",
            None,
            "unhide the devices it may use",
        )
    return ConfigProblem(
        "devices",
        "the configuration has no devices, so the agent has nothing to act on or answer about",
        None,
        "list them under 'devices:' as config.example.yaml shows, or, with an 'mqtt:' "
        "section, run 'hausgeist discover' to print the ones your broker announces",
    )


def fail(exc: HausgeistError) -> int:
    """Print a clear message for ``exc`` on stderr; the exit code."""
    if isinstance(exc, ConfigError):
        print(f"hausgeist: {exc}", file=sys.stderr)
        print("Fix the configuration and run 'hausgeist check' again.", file=sys.stderr)
        return EXIT_USAGE
    print(f"hausgeist: {exc}", file=sys.stderr)
    return EXIT_USAGE
