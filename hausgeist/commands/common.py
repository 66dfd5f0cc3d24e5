"""Helpers shared by the commands: loading the configuration, reporting errors."""

from __future__ import annotations

import logging
import os
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from hausgeist.config import Config, load_config
from hausgeist.errors import ConfigError, ConfigProblem, HausgeistError
from hausgeist.paths import default_config

if TYPE_CHECKING:
    from hausgeist.agent import Agent
    from hausgeist.config.models import HomeAssistantConfig
    from hausgeist.integration.homeassistant.link import HomeAssistantLink

log = logging.getLogger("hausgeist")

EXIT_OK = 0
EXIT_USAGE = 2


class UsageError(HausgeistError):
    """Bad command-line input (exit code 2)."""


def load(
    path: str | None, *, devices: bool = True, homeassistant: bool | None = None
) -> tuple[Config, Path]:
    """The validated configuration at ``path`` (or the default); ConfigError otherwise.

    With ``devices``, a configuration without a device the agent may use is an error too:
    an empty file is valid YAML, but an agent with nothing to act on or answer about
    only refuses (``discover``, which writes the devices, and ``history`` do without).
    With a ``homeassistant:`` section (and ``devices``), Home Assistant's home is read and
    added first."""
    config, config_path, link = load_live(path, devices=devices, homeassistant=homeassistant)
    if link is not None:
        link.close()
    return config, config_path


def load_live(
    path: str | None, *, devices: bool = True, homeassistant: bool | None = None
) -> tuple[Config, Path, HomeAssistantLink | None]:
    """:func:`load`, keeping the connection to Home Assistant open for the caller (who
    closes it) when the configuration has one. ``homeassistant``: read its home (default:
    when ``devices``)."""
    config_path = Path(path) if path else default_config()
    link = None
    wanted = devices if homeassistant is None else homeassistant
    ha = _homeassistant_section(config_path) if wanted else None
    if ha is not None:
        config, link = with_homeassistant(config_path, ha)
    else:
        config = load_config(config_path)
    if devices and not any(not d.hidden for d in config.devices):
        if link is not None:
            link.close()
        raise ConfigError([_no_devices(config)], str(config_path))
    return config, config_path, link


def _homeassistant_section(config_path: Path) -> HomeAssistantConfig | None:
    """The configuration's ``homeassistant:`` section (from its file or a
    ``HAUSGEIST_HOMEASSISTANT__*`` override), None when it has none; ConfigError with the
    line when the section is wrong."""
    from pydantic import ValidationError

    from hausgeist.config.load import with_env
    from hausgeist.config.models import HomeAssistantConfig
    from hausgeist.config.yaml_source import read_yaml_file

    data = read_yaml_file(config_path).data
    section = with_env(data, os.environ).get("homeassistant") if isinstance(data, dict) else None
    if section is None:
        return None
    try:
        return HomeAssistantConfig.model_validate(section)
    except ValidationError:
        load_config(config_path)  # says what is wrong with the section, with its line
        raise


def with_homeassistant(
    config_path: Path, ha: HomeAssistantConfig | None = None
) -> tuple[Config, HomeAssistantLink]:
    """The configuration at ``config_path`` with Home Assistant's floors, areas and exposed
    entities added (configured devices may name its areas), and the open connection;
    ConfigError or IntegrationError saying why when it cannot be read or reached."""
    from hausgeist.integration.homeassistant.link import HomeAssistantLink

    ha = ha or _homeassistant_section(config_path)
    if ha is None:
        raise ConfigError(
            [
                ConfigProblem(
                    "homeassistant", "the configuration has no homeassistant: section", None, None
                )
            ],
            str(config_path),
        )
    token = ha.access_token(os.environ)
    if token is None:
        raise ConfigError(
            [
                ConfigProblem(
                    "homeassistant.token",
                    "no token to log in to Home Assistant with",
                    None,
                    "make a long-lived access token in your Home Assistant profile (Security) "
                    "and set homeassistant.token (or run as the add-on, which has one)",
                )
            ],
            str(config_path),
        )
    link = HomeAssistantLink.open(ha.url, token, timeout_s=ha.timeout_s)
    try:
        config = read_again(link, config_path)
    except BaseException:
        link.close()
        raise
    return config, link


def read_again(link: HomeAssistantLink, config_path: Path) -> Config:
    """The configuration at ``config_path`` with Home Assistant's home as it is now (for a
    reload: the rules, the registry)."""
    from hausgeist.config.load import validate_document
    from hausgeist.config.yaml_source import read_yaml_file
    from hausgeist.integration.homeassistant.registry import merge_into, read_home

    ha = _homeassistant_section(config_path)
    doc = read_yaml_file(config_path)
    assert isinstance(doc.data, dict)
    reading = read_home(link.snapshot(), exposed_only=ha is None or ha.exposed_only)
    doc.data = merge_into(doc.data, reading)
    config = validate_document(doc, str(config_path), os.environ)
    link.entities = frozenset(  # configured devices of the same id included
        d["id"] for d in reading.document["devices"] if d["id"] not in reading.refused
    )
    link.places = dict(reading.places)
    log.info("Home Assistant %s: %s", link.version, reading.summary())
    return config


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


REGISTRY_SETTLE_S = 1.0
"""Registry events come in bursts (an area made, then entities moved into it): read once."""


def follow_registry(
    link: HomeAssistantLink,
    config_path: Path,
    agent: Agent,
    then: Callable[[Config], None] = lambda _c: None,
) -> Callable[[], None]:
    """A listener for Home Assistant's registry events: a second after the last one, read its
    home again and have ``agent`` use it from the next request (its live states kept: the
    adapters and dispatchers share them), then ``then(config)``."""
    from hausgeist.devices.registry import DeviceRegistry
    from hausgeist.home import Home
    from hausgeist.understanding import Understanding

    pending: list[threading.Timer] = []

    def reread() -> None:
        try:
            config = read_again(link, config_path)
        except HausgeistError as exc:
            log.warning("Home Assistant's registry changed but could not be read again: %s", exc)
            return
        registry = DeviceRegistry.from_config(config)
        states = agent.states
        for device in registry:
            if device.entity_id not in states:
                states.set(device.entity_id, device.initial_state, dict(device.initial_attributes))
        agent.replace_home(Home(config, registry, states, Understanding(registry, config.policy)))
        then(config)
        log.info("Home Assistant's registry changed: %d devices now", len(config.devices))

    def changed() -> None:
        for timer in pending:
            timer.cancel()
        pending.clear()
        timer = threading.Timer(REGISTRY_SETTLE_S, reread)
        timer.daemon = True
        pending.append(timer)
        timer.start()

    return changed
