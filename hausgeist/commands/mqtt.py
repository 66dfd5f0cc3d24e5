"""``run``, ``demo`` and ``discover``: the commands that talk to a broker."""

from __future__ import annotations

import argparse
import logging
import sys

import yaml

from hausgeist.commands.common import EXIT_OK, UsageError, load, load_live


def run(args: argparse.Namespace) -> int:
    """Run the agent as a service on the broker until SIGINT/SIGTERM."""
    from hausgeist.commands.serve import run_agent

    logging.getLogger("hausgeist").setLevel(logging.INFO)
    config, path, link = load_live(args.config)
    try:
        return run_agent(config, path, broker_port=args.broker_port, homeassistant=link)
    finally:
        if link is not None:
            link.close()


def demo(args: argparse.Namespace) -> int:
    """Everything on one machine: broker, simulated home, agent and a prompt."""
    from hausgeist.commands.serve import run_demo

    config, _ = load(args.config)
    return run_demo(config, broker_port=args.broker_port, simulate=True if args.simulate else None)


def discover(args: argparse.Namespace) -> int:
    """Print configuration entries for the devices the broker announces."""
    from hausgeist.integration.discover import discover as listen

    config, _ = load(args.config, devices=False)
    if config.mqtt is None:
        raise UsageError(
            "discover needs a broker: add an mqtt: section (host, port, ...) to the configuration"
        )
    devices = listen(config.mqtt, seconds=args.seconds, z2m_base=args.z2m_base)
    if not devices:
        print(
            "No devices announced themselves; is Zigbee2MQTT or Home Assistant discovery running?",
            file=sys.stderr,
        )
        return EXIT_OK
    print("# Paste these under devices: and give each an area.")
    print(yaml.safe_dump({"devices": devices}, sort_keys=False, allow_unicode=True), end="")
    return EXIT_OK
