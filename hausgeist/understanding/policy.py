"""The safety policy, outside any model: which actions need a yes, a PIN, or are never done."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from hausgeist.config.models import PolicyConfig, PolicyLevel
from hausgeist.devices.actions import ServiceCall
from hausgeist.devices.registry import DeviceRegistry
from hausgeist.domains.capabilities import WHOLE_COVER_CLASSES

_RANK = {PolicyLevel.ALLOW: 0, PolicyLevel.CONFIRM: 1, PolicyLevel.PIN: 2, PolicyLevel.DENY: 3}
_OPENING = frozenset(
    {"open_cover", "toggle", "set_cover_position", "open_cover_tilt", "set_cover_tilt_position"}
)


def is_sensitive(call: ServiceCall, registry: DeviceRegistry) -> bool:
    """Unlocking, opening a garage door, door or gate, disarming an alarm."""
    if call.domain == "lock":
        return call.name in {"unlock", "open"}
    if call.domain == "alarm_control_panel":
        return call.name == "alarm_disarm"
    if call.domain == "cover" and call.name in _OPENING:
        device = registry.get(call.entity_id)
        return device is not None and device.device_class in WHOLE_COVER_CLASSES
    return False


@dataclass(frozen=True)
class Verdict:
    """What the policy says about a list of actions."""

    level: PolicyLevel
    """The strictest level among them."""
    denied: tuple[ServiceCall, ...] = field(default=())
    """Actions that are never allowed."""
    guarded: tuple[ServiceCall, ...] = field(default=())
    """Actions that need a yes or a PIN."""


class Policy:
    """Judges actions by device setting, then domain setting, then the built-in defaults."""

    def __init__(self, config: PolicyConfig, registry: DeviceRegistry) -> None:
        self.pin = config.pin
        self.domains: Mapping[str, PolicyLevel] = dict(config.domains)
        self.registry = registry

    def level(self, call: ServiceCall) -> PolicyLevel:
        """The level for one action."""
        device = self.registry.get(call.entity_id)
        sensitive = is_sensitive(call, self.registry)
        configured = (
            device.policy
            if device is not None and device.policy is not None
            else self.domains.get(call.domain)
        )
        if configured is None:
            level = PolicyLevel.CONFIRM if sensitive else PolicyLevel.ALLOW
        else:
            level = configured  # a device's or domain's own setting applies to all its actions
        if level is PolicyLevel.PIN and not self.pin:
            level = PolicyLevel.CONFIRM  # no PIN configured: fall back to a plain yes
        return level

    def judge(self, calls: Sequence[ServiceCall]) -> Verdict:
        """The verdict on all actions of one request."""
        levels = [(call, self.level(call)) for call in calls]
        worst = max((lvl for _, lvl in levels), key=_RANK.__getitem__, default=PolicyLevel.ALLOW)
        return Verdict(
            worst,
            tuple(c for c, lvl in levels if lvl is PolicyLevel.DENY),
            tuple(c for c, lvl in levels if lvl in {PolicyLevel.CONFIRM, PolicyLevel.PIN}),
        )
