"""Home Assistant's services as the agent's dispatcher: each call is ``call_service`` over
the WebSocket, and Home Assistant's own error is the reason the user hears."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from hausgeist.agent import Dispatcher
from hausgeist.devices.actions import ServiceCall
from hausgeist.devices.registry import Device, DeviceRegistry
from hausgeist.errors import IntegrationError
from hausgeist.integration.homeassistant.link import HomeAssistantError, HomeAssistantLink


class HomeAssistantDispatcher:
    """Carries the agent's calls out through Home Assistant (the agent's Dispatcher port)."""

    def __init__(self, link: HomeAssistantLink) -> None:
        self.link = link

    def reaches(self, device: Device) -> bool:
        """Home Assistant's entities (not one a configured device with an ``mqtt:`` section
        of its own stands for)."""
        return device.mqtt is None and device.entity_id in self.link.entities

    def dispatch(self, calls: Sequence[ServiceCall]) -> None:
        for call in calls:
            try:
                self.link.call_service(call)
            except HomeAssistantError as exc:
                raise IntegrationError(
                    f"Home Assistant refused {call.service} on {call.entity_id}: {exc}"
                ) from exc


class RoutedDispatcher:
    """Each call to the first of ``parts`` that reaches its device, in order; ``registry``
    gives the registry of now (it may be read again while the agent runs)."""

    def __init__(self, registry: Callable[[], DeviceRegistry], *parts: Dispatcher) -> None:
        self._registry = registry
        self.parts = parts

    @property
    def registry(self) -> DeviceRegistry:
        return self._registry()

    def reaches(self, device: Device) -> bool:
        return any(part.reaches(device) for part in self.parts)

    def dispatch(self, calls: Sequence[ServiceCall]) -> None:
        routed: dict[int, list[ServiceCall]] = {}
        for call in calls:
            device = self.registry.get(call.entity_id)
            for index, part in enumerate(self.parts):
                if device is not None and part.reaches(device):
                    routed.setdefault(index, []).append(call)
                    break
        for index, part_calls in sorted(routed.items()):
            self.parts[index].dispatch(part_calls)
