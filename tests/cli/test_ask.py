"""``hausgeist ask`` as the contract (§3) describes it, through the real program."""

from __future__ import annotations

import json
from pathlib import Path

from cli_support import HOME, Hausgeist

CONFIG = ["--config", str(HOME)]


def test_json_answer_has_every_contract_key(hausgeist: Hausgeist) -> None:
    run = hausgeist("ask", *CONFIG, "--json", "--dry-run", "turn off the kitchen lights")
    assert run.code == 0, run.err
    [answer] = run.json_lines()
    assert answer["status"] == "done"
    assert {a["entity_id"] for a in answer["actions"]} == {
        "light.kitchen_ceiling",
        "light.kitchen_pendant",
    }
    assert all(a["service"] == "light.turn_off" and a["data"] == {} for a in answer["actions"])
    assert answer["pending"] == []
    assert isinstance(answer["reply"], str)
    assert answer["reply"]
    assert isinstance(answer["source"], str)
    assert answer["latency_ms"] >= 0


def test_every_status_exits_zero(hausgeist: Hausgeist) -> None:
    texts = {
        "done": "turn on the hallway light",
        "answer": "is the front door locked?",
        "confirm": "unlock the front door",
        "clarify": "turn on the ceiling light",
        "refused": "turn on the sauna",
        "not_understood": "sing me a song about cheese",
    }
    lines = "\n".join(json.dumps({"text": t}) for t in texts.values())
    run = hausgeist("ask", *CONFIG, "--json", "--dry-run", "-", stdin=lines)
    assert run.code == 0, run.err
    assert [a["status"] for a in run.json_lines()] == list(texts)


def test_area_flag_is_the_satellite(hausgeist: Hausgeist) -> None:
    run = hausgeist(
        "ask", *CONFIG, "--json", "--dry-run", "--area", "bedroom", "turn off the light"
    )
    [answer] = run.json_lines()
    assert [a["entity_id"] for a in answer["actions"]] == ["light.bedroom_ceiling"]


def test_device_flag_is_the_requesting_device(hausgeist: Hausgeist) -> None:
    run = hausgeist(
        "ask", *CONFIG, "--json", "--dry-run", "--device", "media_player.living_room_tv", "pause"
    )
    [answer] = run.json_lines()
    assert answer["actions"] == [
        {
            "service": "media_player.media_pause",
            "entity_id": "media_player.living_room_tv",
            "data": {},
        }
    ]


def test_state_file_overrides_known_state(hausgeist: Hausgeist, tmp_path: Path) -> None:
    state = tmp_path / "state.yaml"
    state.write_text("lock.front_door: {state: unlocked}\n", encoding="utf-8")
    run = hausgeist("ask", *CONFIG, "--json", "--state", str(state), "is the front door locked")
    [answer] = run.json_lines()
    assert answer["status"] == "answer"
    assert "unlocked" in answer["reply"].lower()


def test_json_lines_session_confirms_pending(hausgeist: Hausgeist) -> None:
    lines = [
        {"text": "unlock the back door", "session": "a"},
        {"text": "unlock the front door", "session": "b"},
        {"text": "yes", "session": "a"},
        {"text": "yes", "session": "c"},
    ]
    run = hausgeist(
        "ask", *CONFIG, "--json", "--dry-run", "-", stdin="\n".join(json.dumps(x) for x in lines)
    )
    first, second, confirmed, stranger = run.json_lines()
    assert first["status"] == "confirm"
    assert first["pending"] == [
        {"service": "lock.unlock", "entity_id": "lock.back_door", "data": {}}
    ]
    assert second["status"] == "confirm"
    assert confirmed["status"] == "done"
    assert confirmed["actions"] == first["pending"]
    assert stranger["status"] == "not_understood", "a yes in another session confirms nothing"


def test_json_lines_clarify_is_completed_by_the_answer(hausgeist: Hausgeist) -> None:
    lines = [
        {"text": "turn on the ceiling light", "session": "s"},
        {"text": "the bedroom one", "session": "s"},
    ]
    run = hausgeist(
        "ask", *CONFIG, "--json", "--dry-run", "-", stdin="\n".join(json.dumps(x) for x in lines)
    )
    clarify, done = run.json_lines()
    assert clarify["status"] == "clarify"
    assert done["status"] == "done"
    assert [a["entity_id"] for a in done["actions"]] == ["light.bedroom_ceiling"]


def test_bad_input_lines_are_answered_in_order(hausgeist: Hausgeist) -> None:
    stdin = '{"text": "turn on the hallway light"}\nnot json\n{"area": "kitchen"}\n{"text": "lock the back door"}\n'
    run = hausgeist("ask", *CONFIG, "--json", "--dry-run", "-", stdin=stdin)
    assert run.code == 0
    statuses = [a["status"] for a in run.json_lines()]
    assert statuses == ["done", "not_understood", "not_understood", "done"]
    bad = run.json_lines()[1:3]
    assert all("error" in b for b in bad)
    assert "text" in bad[1]["error"]


def test_id_is_echoed(hausgeist: Hausgeist) -> None:
    run = hausgeist(
        "ask",
        *CONFIG,
        "--json",
        "--dry-run",
        "-",
        stdin='{"text": "lock the back door", "id": "r-17"}\n',
    )
    [answer] = run.json_lines()
    assert answer["id"] == "r-17"


def test_unknown_area_flag_is_a_usage_error(hausgeist: Hausgeist) -> None:
    run = hausgeist("ask", *CONFIG, "--area", "kitchn", "lights on")
    assert run.code == 2
    assert "kitchn" in run.err
    assert "kitchen" in run.err


def test_bad_config_exits_2_with_every_problem(hausgeist: Hausgeist, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "areas:\n  - {id: kitchen, name: Kitchen}\n"
        "devices:\n"
        "  - {id: light.a, name: A, area: kitchn}\n"
        "  - {id: Light-B, name: B}\n"
        "  - {id: light.c, name: C, arae: kitchen}\n",
        encoding="utf-8",
    )
    run = hausgeist("check", "--config", str(bad))
    assert run.code == 2
    assert "3 configuration problems" in run.err
    assert "devices[0].area: unknown area 'kitchn' (line 4); did you mean 'kitchen'?" in run.err
    assert "(line 5)" in run.err
    assert "(line 6)" in run.err
    assert "Traceback" not in run.err


def test_missing_config_is_a_clear_error(hausgeist: Hausgeist, tmp_path: Path) -> None:
    run = hausgeist("ask", "--config", str(tmp_path / "nope.yaml"), "lights on")
    assert run.code == 2
    assert "file not found" in run.err
    assert "Traceback" not in run.err


def test_explain_shows_the_steps(hausgeist: Hausgeist) -> None:
    run = hausgeist(
        "ask", *CONFIG, "--explain", "--dry-run", "dim the kitchen pendant to 30 percent"
    )
    assert run.code == 0
    assert "action: set_pct" in run.out
    assert "call: light.turn_on light.kitchen_pendant brightness_pct=30" in run.out


def test_without_dry_run_a_virtual_device_changes_state_for_the_next_line(
    hausgeist: Hausgeist,
) -> None:
    lines = [{"text": "lock the back door"}, {"text": "is the back door locked?"}]
    run = hausgeist("ask", *CONFIG, "--json", "-", stdin="\n".join(json.dumps(x) for x in lines))
    done, answer = run.json_lines()
    assert done["status"] == "done"
    assert "yes" in answer["reply"].lower()


def test_a_stream_answers_every_line_while_the_model_loads_in_the_background(
    hausgeist: Hausgeist,
) -> None:
    # `ask -` loads the model and evaluates its prompt in a background thread; llama.cpp
    # must not silence the process's stdout meanwhile (with verbose=False it points file
    # descriptors 1 and 2 at /dev/null while it loads, and answers written then were lost).
    lines = [json.dumps({"text": "turn on the hallway light", "id": i}) for i in range(60)]
    run = hausgeist("ask", *CONFIG, "--json", "--dry-run", "-", stdin="\n".join(lines) + "\n")
    assert run.code == 0, run.err
    assert [a["id"] for a in run.json_lines()] == [str(i) for i in range(60)]
    assert "llama_model_loader" not in run.err  # its log is not for people
