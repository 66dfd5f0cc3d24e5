"""Every bad configuration gives one clear problem per mistake: key path, line and hint."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from hausgeist.config import load_config, load_config_text
from hausgeist.errors import ConfigError

CASES: list[dict[str, Any]] = yaml.safe_load(
    (Path(__file__).parent / "bad_configs.yaml").read_text(encoding="utf-8")
)


def _problems(text: str) -> ConfigError:
    # Only ConfigError may come out: anything else is a traceback for the user.
    with pytest.raises(ConfigError) as caught:
        load_config_text(text)
    return caught.value


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_bad_config_gives_exactly_the_expected_problems(case: dict[str, Any]) -> None:
    error = _problems(case["config"])
    got = [(p.path, p.line) for p in error.problems]
    want = [(p["path"], p["line"]) for p in case["problems"]]
    assert got == want, str(error)
    for problem, expected in zip(error.problems, case["problems"], strict=True):
        assert expected["message"] in problem.message, str(problem)
        if expected["hint"] is None:
            assert problem.hint is None, str(problem)
        else:
            assert problem.hint is not None, str(problem)
            assert expected["hint"] in problem.hint, str(problem)


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_message_names_path_and_line(case: dict[str, Any]) -> None:
    error = _problems(case["config"])
    text = str(error)
    assert f"{len(error.problems)} configuration problem" in text
    for problem in error.problems:
        line = str(problem)
        if problem.path:
            assert line.startswith(f"{problem.path}: ")
        assert f"(line {problem.line})" in line
        assert line in text


def test_problem_reads_like_the_contract() -> None:
    text = (
        "areas:\n  - {id: kitchen, name: Kitchen}\n"
        "devices:\n  - {id: light.a, name: A, area: kitchn}\n"
    )
    [problem] = _problems(text).problems
    assert str(problem) == (
        "devices[0].area: unknown area 'kitchn' (line 4); did you mean 'kitchen'?"
    )


def test_the_source_heads_the_message() -> None:
    with pytest.raises(ConfigError) as caught:
        load_config_text("floors: 3\n", source="home.yaml")
    assert caught.value.source == "home.yaml"
    assert str(caught.value).startswith("home.yaml: 1 configuration problem:")


def test_problems_are_sorted_by_line() -> None:
    text = (
        "devices:\n"
        "  - {id: light.a, name: A, area: nowhere}\n"
        "  - {id: Light.B, name: B}\n"
        "mqtt: {port: 0}\n"
    )
    lines = [p.line for p in _problems(text).problems]
    assert lines == [2, 3, 4]


def test_every_device_mistake_is_reported_not_just_the_first() -> None:
    devices = "".join(f"  - {{id: light.l{i}, name: L{i}, area: room{i}}}\n" for i in range(5))
    problems = _problems("devices:\n" + devices).problems
    assert [p.path for p in problems] == [f"devices[{i}].area" for i in range(5)]
    assert [p.line for p in problems] == [2, 3, 4, 5, 6]


def test_unknown_tag_is_a_config_problem() -> None:
    error = _problems("areas: []\ndevices: !env_var DEVICES\n")
    [problem] = error.problems
    assert problem.line == 2
    assert "!env_var" in problem.message


def test_a_missing_include_is_a_config_problem() -> None:
    error = _problems("areas: []\ndevices: !include devices.yaml\n")
    [problem] = error.problems
    assert problem.line == 2
    assert "cannot include devices.yaml" in problem.message


def test_include_and_include_dir_lists(tmp_path: Path) -> None:
    (tmp_path / "devices.yaml").write_text("- {id: light.a, name: A}\n", encoding="utf-8")
    (tmp_path / "more").mkdir()
    (tmp_path / "more" / "b.yaml").write_text("- {id: light.b, name: B}\n", encoding="utf-8")
    (tmp_path / "more" / "c.yaml").write_text("- {id: light.c, name: C}\n", encoding="utf-8")
    (tmp_path / "config.yaml").write_text(
        "devices: !include devices.yaml\nautomations: !include_dir_merge_list more\n",
        encoding="utf-8",
    )
    config = load_config(tmp_path / "config.yaml", env={})
    assert [d.id for d in config.devices] == ["light.a"]
    assert [a["id"] for a in config.automations] == ["light.b", "light.c"]


def test_merge_key_is_understood_or_reported() -> None:
    text = (
        "x-light: &zigbee {area: kitchen}\n"
        "areas: [{id: kitchen, name: Kitchen}]\n"
        "devices:\n"
        "  - id: light.kitchen\n"
        "    name: Kitchen Light\n"
        "    <<: *zigbee\n"
    )
    with pytest.raises(ConfigError) as caught:
        load_config_text(text)
    # 'x-light' is an unknown top-level key; the merge itself must not crash.
    assert [p.path for p in caught.value.problems] == ["x-light"]


def test_non_text_mqtt_type_is_a_config_problem() -> None:
    text = "devices:\n  - id: light.a\n    name: A\n    mqtt: {type: 5, topic: x}\n"
    [problem] = _problems(text).problems
    assert problem.path == "devices[0].mqtt.type"
    assert problem.line == 4


def test_unknown_key_of_a_tasmota_device_suggests_its_own_keys() -> None:
    text = "devices:\n  - id: switch.a\n    name: A\n    mqtt: {type: tasmota, topic: a, rely: 2}\n"
    [problem] = _problems(text).problems
    assert problem.path == "devices[0].mqtt.rely"
    assert problem.hint == "did you mean 'relay'?"
