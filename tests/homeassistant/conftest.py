"""The Home Assistant tests run against a real core, started once per session on a free
port (``make test`` installs it with scripts/install-homeassistant)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from benchmarks.ha_core import HA_PYTHON, HomeAssistant, free_port
from hausgeist.integration.homeassistant.link import HomeAssistantLink

pytestmark = pytest.mark.homeassistant


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.homeassistant)


@pytest.fixture(scope="session")
def homeassistant(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HomeAssistant]:
    if not HA_PYTHON.exists():
        pytest.fail(
            "no Home Assistant core in .ha/: run scripts/install-homeassistant (make test does)"
        )
    ha = HomeAssistant(tmp_path_factory.mktemp("homeassistant"), free_port())
    ha.prepare()
    ha.start()
    with HomeAssistantLink.open(ha.url, ha.token) as link:
        _arrange(link)
    yield ha
    ha.remove()


def _arrange(link: HomeAssistantLink) -> None:
    """Areas with aliases, entities in them, exposure as a household would set it."""
    for name, aliases in (("Kitchen", []), ("Living Room", ["lounge"]), ("Bedroom", [])):
        link.command({"type": "config/area_registry/create", "name": name, "aliases": aliases})
    for entity_id, area in (
        ("light.kitchen_ceiling", "kitchen"),
        ("switch.coffee_machine", "kitchen"),
        ("light.living_room_lamp", "living_room"),
        ("sensor.living_room_temperature", "living_room"),
        ("light.bedroom_lamp", "bedroom"),
    ):
        link.command(
            {"type": "config/entity_registry/update", "entity_id": entity_id, "area_id": area}
        )
    link.command(
        {
            "type": "config/entity_registry/update",
            "entity_id": "light.living_room_lamp",
            "aliases": ["big lamp", "floor lamp"],
        }
    )
    for entity_ids, expose in (
        (["light.garage_light"], False),
        (["input_boolean.guest_mode"], True),
    ):
        link.command(
            {
                "type": "homeassistant/expose_entity",
                "assistants": ["conversation"],
                "entity_ids": entity_ids,
                "should_expose": expose,
            }
        )
