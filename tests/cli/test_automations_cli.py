"""`hausgeist automations replay` and `check` through the real program, as the contract
(CONTRACT.md section 5) drives them: events as JSON lines in, actions out; bad rules exit 2
with key path and line; bad event lines are said on stderr and the replay goes on."""

from __future__ import annotations

import json
from pathlib import Path

from cli_support import ROOT, Hausgeist

RULES = """\
- id: hall_light
  alias: Hall light on motion
  triggers:
    - trigger: mqtt
      topic: zigbee2mqtt/Hall Motion
      value_template: "{{ value_json.occupancy }}"
      payload: "True"
  actions:
    - action: light.turn_on
      target: {entity_id: light.hall}
    - delay: "00:05:00"
    - action: light.turn_off
      target: {entity_id: light.hall}
  mode: restart
- id: notify
  trigger:
    platform: state
    entity_id: binary_sensor.door
    to: "on"
  action:
    - service: mqtt.publish
      data: {topic: notify/door, payload: "door {{ trigger.to_state.state }}"}
- id: follow
  triggers: [{trigger: state, entity_id: light.hall, to: "on"}]
  actions: [{action: switch.turn_on, target: {entity_id: switch.fan}}]
"""
EVENTS = [
    {
        "at": "2026-01-10T18:00:00+01:00",
        "mqtt": {"topic": "zigbee2mqtt/Hall Motion", "payload": '{"occupancy": true}'},
    },
    {
        "at": "2026-01-10T18:00:05+01:00",
        "state": {"entity_id": "binary_sensor.door", "state": "on", "attributes": {}},
    },
    {"at": "2026-01-10T18:10:00+01:00"},
]


def _lines(*events: object) -> str:
    return "".join(json.dumps(e) + "\n" for e in events)


def test_the_contracts_replay_without_a_home(hausgeist: Hausgeist, tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text(RULES, encoding="utf-8")
    run = hausgeist(
        "automations", "replay", "--rules", str(rules), "--json", "-", stdin=_lines(*EVENTS)
    )
    assert run.code == 0, run.err
    assert run.json_lines() == [
        {
            "at": "2026-01-10T18:00:00+01:00",
            "automation": "hall_light",
            "service": "light.turn_on",
            "entity_id": "light.hall",
            "data": {},
        },
        {
            "at": "2026-01-10T18:00:00+01:00",
            "automation": "follow",
            "service": "switch.turn_on",
            "entity_id": "switch.fan",
            "data": {},
        },
        {
            "at": "2026-01-10T18:00:05+01:00",
            "automation": "notify",
            "mqtt": {"topic": "notify/door", "payload": "door on"},
        },
        {
            "at": "2026-01-10T18:05:00+01:00",
            "automation": "hall_light",
            "service": "light.turn_off",
            "entity_id": "light.hall",
            "data": {},
        },
    ]


def test_replay_on_a_configured_home_with_its_time_zone(
    hausgeist: Hausgeist, tmp_path: Path
) -> None:
    config = (ROOT / "tests" / "automations" / "home.yaml").read_text(encoding="utf-8")
    config += """
automations:
  - id: dusk
    triggers: [{trigger: sun, event: sunset}]
    actions: [{action: light.turn_on, target: {area_id: garden}}]
  - id: unlock
    triggers: [{trigger: time, at: "07:00"}]
    actions: [{action: lock.unlock, target: {entity_id: lock.front}}]
"""
    path = tmp_path / "home.yaml"
    path.write_text(config, encoding="utf-8")
    events = _lines({"at": "2026-01-10T05:00:00Z"}, {"at": "2026-01-10T17:00:00Z"})
    run = hausgeist("automations", "replay", "--config", str(path), "--json", "-", stdin=events)
    assert run.code == 0, run.err
    got = run.json_lines()
    assert got[0]["automation"] == "unlock"
    assert got[0]["at"] == "2026-01-10T07:00:00+01:00"
    assert "policy: allow" in got[0]["error"]
    assert [(g["automation"], g.get("entity_id"), g["at"][:16]) for g in got[1:]] == [
        ("dusk", "light.porch", "2026-01-10T16:14"),
        ("dusk", "light.path", "2026-01-10T16:14"),
    ]


def test_bad_rules_exit_2_with_key_path_and_line(hausgeist: Hausgeist, tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text(
        """\
- id: a
  triggers:
    - trigger: state
      entity_id: light.hall
      to: "on"
    - trigger: time
      at: "25:00"
      for: "00:01:00"
  actions:
    - delay: "soon"
    - action: "light.turn_{{ 'on' }}"
- id: b
  triggers: [{trigger: teleport}]
  actions: [{action: light.turn_on, target: {entity_id: light.hall}, data: {x: "{{ (1 }}"}}]
""",
        encoding="utf-8",
    )
    config = tmp_path / "home.yaml"
    config.write_text(
        (ROOT / "tests" / "automations" / "home.yaml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    run = hausgeist("automations", "check", "--config", str(config), "--rules", str(rules))
    assert run.code == 2
    for path, said, line in (
        ("[0].triggers[1].at", "'25:00' is not a time of day", 7),
        ("[0].triggers[1].for", "a time trigger takes no 'for'", 8),
        ("[0].actions[0].delay", "'soon' is not a duration", 10),
        ("[0].actions[1].action", "a service name cannot be a template", 11),
        ("[1].triggers[0]", "unknown trigger platform 'teleport'", 13),
        ("[1].actions[0].data.x", "the template does not compile", 14),
    ):
        found = [x for x in run.err.splitlines() if x.strip().startswith(f"{path}: {said}")]
        assert found, run.err
        assert f"(line {line})" in found[0], found[0]


def test_unknown_entity_in_a_configured_home(hausgeist: Hausgeist, tmp_path: Path) -> None:
    config = tmp_path / "home.yaml"
    config.write_text(
        (ROOT / "tests" / "automations" / "home.yaml").read_text(encoding="utf-8")
        + "automations:\n  - triggers: [{trigger: state, entity_id: light.hal}]\n    actions: [{action: light.turn_on, target: {entity_id: light.hall}}]\n",
        encoding="utf-8",
    )
    run = hausgeist("automations", "check", "--config", str(config))
    assert run.code == 2
    assert "automations[0].triggers[0].entity_id: unknown entity 'light.hal'" in run.err


def test_bad_event_lines_are_said_and_the_replay_goes_on(
    hausgeist: Hausgeist, tmp_path: Path
) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text(RULES, encoding="utf-8")
    stdin = (
        _lines(EVENTS[1])
        + "not json\n"
        + '{"at": "yesterday"}\n'
        + '{"at": "2026-01-10T17:00:00+01:00"}\n'
        + '{"at": "2026-01-10T18:00:06+01:00", "state": {"state": "on"}}\n'
        + '{"at": "2026-01-10T18:01:00+01:00", "mqtt": {"topic": "zigbee2mqtt/Hall Motion", "payload": "\\u0000\\u00ff{{{"}}\n'
        + _lines(
            {
                "at": "2026-01-10T18:02:00+01:00",
                "state": {"entity_id": "binary_sensor.door", "state": "off"},
            },
            {
                "at": "2026-01-10T18:03:00+01:00",
                "state": {"entity_id": "binary_sensor.door", "state": "on"},
            },
        )
    )
    run = hausgeist("automations", "replay", "--rules", str(rules), "--json", "-", stdin=stdin)
    assert run.code == 0
    assert [g.get("automation") for g in run.json_lines()] == ["notify", "notify"]
    for said in (
        "line 2: not JSON",
        "line 3: 'at' is not an ISO 8601 time",
        "line 4: time goes back",
        "line 5:",
    ):
        assert said in run.err, run.err


def test_check_lists_the_rules(hausgeist: Hausgeist, tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text(RULES, encoding="utf-8")
    run = hausgeist("automations", "check", "--rules", str(rules))
    assert run.code == 0, run.err
    assert "hall_light: Hall light on motion [mqtt; mode restart]" in run.out
    assert "OK: 3 automations" in run.out
