"""``check``, ``devices`` and ``history``: what hausgeist knows."""

from __future__ import annotations

import argparse

from hausgeist.commands import learned
from hausgeist.commands.common import EXIT_OK, load
from hausgeist.devices.registry import DeviceRegistry
from hausgeist.devices.state import StateStore
from hausgeist.devices.table import format_notes, format_registry, format_summary
from hausgeist.errors import HistoryError
from hausgeist.history import SqlHistory, format_history
from hausgeist.paths import data_dir


def check(args: argparse.Namespace) -> int:
    """Validate a configuration and say what it holds."""
    config, path = load(args.config)
    print(f"{path}: OK")
    print(format_summary(config))
    for note in format_notes(config):
        print(note)
    return EXIT_OK


def devices(args: argparse.Namespace) -> int:
    """Print the device registry as a table."""
    config, _ = load(args.config)
    registry = DeviceRegistry.from_config(config)
    print(format_registry(registry, StateStore.from_registry(registry)))
    return EXIT_OK


def history(args: argparse.Namespace) -> int:
    """List recent requests and decisions."""
    config, _ = load(args.config, devices=False)
    if not config.history.enabled:
        raise HistoryError("history is disabled in the configuration (history.enabled: false)")
    home = None if args.all_homes else config.home
    if args.action == "export":
        return learned.history_export(config, home)
    if args.action == "delete":
        return learned.history_delete(config, args, home)
    with SqlHistory.open(config.history.url, data_dir(config)) as store:
        print(format_history(store.recent(args.limit, args.session, home), homes=args.all_homes))
    return EXIT_OK
