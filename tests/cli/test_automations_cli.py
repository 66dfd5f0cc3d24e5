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


def _home_with_rules(tmp_path: Path) -> Path:
    config = (ROOT / "tests" / "automations" / "home.yaml").read_text(encoding="utf-8")
    config += "automations:\n" + "".join(f"  {line}\n" for line in RULES.splitlines())
    path = tmp_path / "home.yaml"
    path.write_text(config, encoding="utf-8")
    return path


def _keep_runs(data: Path, *runs: dict[str, object]) -> None:
    from datetime import datetime

    from hausgeist.history import SqlHistory
    from hausgeist.history.runs import AutomationRun

    with SqlHistory.open(None, data) as history:
        for i, fields in enumerate(runs):
            values: dict[str, object] = {
                "run_id": f"run{i}",
                "automation": "hall_light",
                "alias": "Hall light on motion",
                "started": datetime.fromisoformat(f"2026-01-10T18:0{i}:00+01:00"),
                "finished": datetime.fromisoformat(f"2026-01-10T18:0{i}:30+01:00"),
                "result": "finished",
                "trigger": {"platform": "mqtt", "id": "0", "topic": "zigbee2mqtt/Hall Motion"},
                "steps": [
                    {
                        "at": f"2026-01-10T18:0{i}:00+01:00",
                        "step": "call",
                        "service": "light.turn_on",
                        "entity_id": "light.hall",
                    },
                    {
                        "at": f"2026-01-10T18:0{i}:00+01:00",
                        "step": "delay",
                        "until": f"2026-01-10T18:0{i}:30+01:00",
                    },
                ],
                **fields,
            }
            history.record_run(AutomationRun(**values))  # type: ignore[arg-type]
        assert history.flush(10) == 0


def test_list_show_and_trace_read_the_runs_back(hausgeist: Hausgeist, tmp_path: Path) -> None:
    path = _home_with_rules(tmp_path)
    _keep_runs(
        tmp_path / "data",
        {},
        {"result": "error", "error": "light.turn_on light.hall: unavailable", "steps": []},
    )
    listed = hausgeist("automations", "list", "--config", str(path))
    assert listed.code == 0, listed.err
    assert (
        "on  hall_light: Hall light on motion [mqtt; mode restart] last 2026-01-10 18:01:00 error, 2 runs"
        in listed.out
    )
    assert "on  notify: notify [state; mode single] never ran" in listed.out
    as_json = hausgeist("automations", "list", "--config", str(path), "--json").json_lines()
    assert [(r["id"], r["runs"]) for r in as_json] == [
        ("hall_light", 2),
        ("notify", 0),
        ("follow", 0),
    ]
    shown = hausgeist("automations", "show", "--config", str(path), "hall_light")
    assert shown.code == 0, shown.err
    assert "- id: hall_light" in shown.out
    assert "In words:" in shown.out
    assert "2026-01-10 18:01:00 error: light.turn_on light.hall: unavailable (run1)" in shown.out
    traced = hausgeist("automations", "trace", "--config", str(path), "hall_light")
    assert traced.code == 0, traced.err
    assert "  18:00:00 call light.turn_on light.hall" in traced.out
    assert "  18:00:00 delay until 18:00:30" in traced.out
    assert traced.out.index("run run0") < traced.out.index("run run1")  # oldest first
    assert "  result: error: light.turn_on light.hall: unavailable" in traced.out
    one = hausgeist(
        "automations", "trace", "--config", str(path), "hall_light", "--last", "1", "--json"
    )
    assert [r["run_id"] for r in one.json_lines()] == ["run1"]


def test_unknown_ids_are_said_with_the_known_ones(hausgeist: Hausgeist, tmp_path: Path) -> None:
    path = _home_with_rules(tmp_path)
    for action in ("show", "trace", "enable", "disable", "test"):
        run = hausgeist("automations", action, "--config", str(path), "hall_lite")
        assert run.code == 2, (action, run.out)
        assert (
            "no automation has the id 'hall_lite' (the ids: hall_light, notify, follow)" in run.err
        )


def test_disable_and_enable_switch_a_rule(hausgeist: Hausgeist, tmp_path: Path) -> None:
    path = _home_with_rules(tmp_path)
    off = hausgeist("automations", "disable", "--config", str(path), "notify")
    assert off.code == 0, off.err
    assert "notify is off" in off.out
    assert "off notify" in hausgeist("automations", "list", "--config", str(path)).out
    events = _lines(*EVENTS)
    replayed = hausgeist(
        "automations", "replay", "--config", str(path), "--json", "-", stdin=events
    )
    assert "notify" not in {r["automation"] for r in replayed.json_lines()}
    on = hausgeist("automations", "enable", "--config", str(path), "notify")
    assert on.code == 0, on.err
    replayed = hausgeist(
        "automations", "replay", "--config", str(path), "--json", "-", stdin=events
    )
    assert "notify" in {r["automation"] for r in replayed.json_lines()}
    (tmp_path / "data" / "automation-switches.json").write_text("[1, 2")
    damaged = hausgeist("automations", "list", "--config", str(path))
    assert damaged.code == 0
    assert "cannot be read" in damaged.err


def test_test_runs_one_rule_alone_and_sends_nothing(hausgeist: Hausgeist, tmp_path: Path) -> None:
    path = _home_with_rules(tmp_path)
    event = json.dumps(EVENTS[0])
    run = hausgeist("automations", "test", "--config", str(path), "hall_light", "--event", event)
    assert run.code == 0, run.err
    lines = run.out.splitlines()
    assert lines[:2] == [
        "2026-01-10 18:00:00 hall_light: light.turn_on light.hall",
        "2026-01-10 18:05:00 hall_light: light.turn_off light.hall",
    ]
    assert "follow" not in run.out  # the rule that follows the light is not run
    assert "  result: finished" in lines
    as_json = hausgeist(
        "automations",
        "test",
        "--config",
        str(path),
        "notify",
        "--json",
        "--events",
        "-",
        stdin=_lines(*EVENTS),
    ).json_lines()
    assert as_json[0]["automation"] == "notify"
    assert as_json[-1]["trace"]["result"] == "finished"
    nothing = hausgeist("automations", "test", "--config", str(path), "notify")
    assert nothing.code == 2
    assert "--event" in nothing.err
