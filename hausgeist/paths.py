"""Where hausgeist keeps its data and finds its configuration."""

from __future__ import annotations

import os
from pathlib import Path

from hausgeist.config.models import Config

DATA_DIR_ENV = "HAUSGEIST_DATA_DIR"
CONFIG_ENV = "HAUSGEIST_CONFIG"


def data_dir(config: Config | None = None) -> Path:
    """``$HAUSGEIST_DATA_DIR``, else the config's ``data_dir``, else ``$XDG_DATA_HOME/hausgeist``."""
    env = os.environ.get(DATA_DIR_ENV)
    if env:
        return Path(env).expanduser()
    if config is not None and config.data_dir:
        return Path(config.data_dir).expanduser()
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "hausgeist"


def example_config() -> Path:
    """The embedded example home, shipped inside the package."""
    return Path(__file__).parent / "data" / "config.example.yaml"


def default_config() -> Path:
    """``$HAUSGEIST_CONFIG``, else ``./config.yaml`` when present, else the embedded example."""
    env = os.environ.get(CONFIG_ENV)
    if env:
        return Path(env)
    local = Path("config.yaml")
    return local if local.is_file() else example_config()
