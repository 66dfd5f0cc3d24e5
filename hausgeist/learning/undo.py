"""Service calls that put devices back the way they were before the agent changed them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from hausgeist.devices.actions import ServiceCall
from hausgeist.devices.state import EntityState, StateStore

_ON_OFF = frozenset(
    {"switch", "fan", "input_boolean", "media_player", "humidifier", "siren", "light"}
)
_ALARM = {
    "disarmed": "alarm_disarm",
    "armed_home": "alarm_arm_home",
    "armed_away": "alarm_arm_away",
    "armed_night": "alarm_arm_night",
    "armed_vacation": "alarm_arm_vacation",
}
_SIMPLE: Mapping[tuple[str, str], str] = {
    ("lock", "locked"): "lock.lock",
    ("lock", "unlocked"): "lock.unlock",
    ("cover", "open"): "cover.open_cover",
    ("cover", "closed"): "cover.close_cover",
    ("valve", "open"): "valve.open_valve",
    ("valve", "closed"): "valve.close_valve",
    ("vacuum", "docked"): "vacuum.return_to_base",
    ("vacuum", "cleaning"): "vacuum.start",
    ("vacuum", "paused"): "vacuum.pause",
    ("vacuum", "idle"): "vacuum.stop",
    ("media_player", "playing"): "media_player.media_play",
    ("media_player", "paused"): "media_player.media_pause",
}


def restore(
    changed: Sequence[ServiceCall],
    before: Mapping[str, EntityState],
    now: StateStore | None = None,
) -> tuple[list[ServiceCall], list[str]]:
    """Calls that undo ``changed`` given the states ``before`` it; and the entity ids that
    cannot be put back (their earlier state is unknown, or no service sets it). A device
    ``now`` shows as it was before is left alone."""
    calls: list[ServiceCall] = []
    stuck: list[str] = []
    seen: set[str] = set()
    for call in changed:
        if call.entity_id in seen:
            continue
        seen.add(call.entity_id)
        found = before.get(call.entity_id)
        if found is not None and now is not None and _same(found, now.get(call.entity_id)):
            continue
        back = _back(call, found) if found is not None and found.state is not None else None
        if back is None:
            stuck.append(call.entity_id)
        else:
            calls.extend(back)
    return calls, stuck


def _back(call: ServiceCall, old: EntityState) -> list[ServiceCall] | None:
    domain, state, attrs = call.domain, str(old.state), old.attributes
    entity = call.entity_id
    if domain == "light":
        return [
            _call(
                "light", "turn_off" if state == "off" else "turn_on", entity, _light(attrs, state)
            )
        ]
    if domain == "climate":
        out = [_call("climate", "set_hvac_mode", entity, {"hvac_mode": state})]
        if isinstance(attrs.get("temperature"), int | float) and "temperature" in call.data:
            out.append(
                _call("climate", "set_temperature", entity, {"temperature": attrs["temperature"]})
            )
        return out
    if domain == "alarm_control_panel":
        service = _ALARM.get(state)
        return None if service is None else [_call(domain, service, entity, {})]
    if (
        domain == "cover"
        and isinstance(attrs.get("current_position"), int)
        and "position" in call.data
    ):
        return [
            _call("cover", "set_cover_position", entity, {"position": attrs["current_position"]})
        ]
    if (
        domain == "fan"
        and "percentage" in call.data
        and isinstance(attrs.get("percentage"), int | float)
    ):
        return [_call("fan", "set_percentage", entity, {"percentage": attrs["percentage"]})]
    if domain == "media_player" and "volume_level" in call.data:
        volume = attrs.get("volume_level")
        return (
            None
            if not isinstance(volume, int | float)
            else [_call(domain, "volume_set", entity, {"volume_level": volume})]
        )
    if (service := _SIMPLE.get((domain, state))) is not None:
        return [ServiceCall(service=service, entity_id=entity, data={})]
    if domain in _ON_OFF or state in {"on", "off"}:
        if state not in {"on", "off"}:
            return None
        return [_call(domain, f"turn_{state}", entity, {})]
    return None


def _same(before: EntityState, now: EntityState) -> bool:
    return before.state == now.state and dict(before.attributes) == dict(now.attributes)


def _light(attrs: Mapping[str, Any], state: str) -> dict[str, Any]:
    if state == "off":
        return {}
    data: dict[str, Any] = {}
    brightness = attrs.get("brightness")
    if isinstance(brightness, int | float) and brightness > 0:
        data["brightness_pct"] = round(brightness / 255 * 100)
    kelvin = attrs.get("color_temp_kelvin")
    if isinstance(kelvin, int | float) and attrs.get("color_mode") in {None, "color_temp"}:
        data["color_temp_kelvin"] = int(kelvin)
    return data


def _call(domain: str, name: str, entity: str, data: dict[str, Any]) -> ServiceCall:
    return ServiceCall(service=f"{domain}.{name}", entity_id=entity, data=data)
