"""``--version``, ``check``, ``devices`` and ``history`` through the real program."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from cli_support import HOME, ROOT, Hausgeist

from hausgeist import __version__


def test_version(hausgeist: Hausgeist) -> None:
    run = hausgeist("--version")
    assert run.code == 0
    assert __version__ in run.out


def test_check_lists_what_it_found(hausgeist: Hausgeist) -> None:
    run = hausgeist("check", "--config", str(ROOT / "config.example.yaml"))
    assert run.code == 0, run.err
    assert "OK" in run.out
    assert "8 areas on 2 floors" in run.out


def test_devices_prints_the_registry(hausgeist: Hausgeist) -> None:
    run = hausgeist("devices", "--config", str(HOME))
    assert run.code == 0, run.err
    assert "light.kitchen_pendant" in run.out
    assert "Kitchen Pendant" in run.out
    assert "lock.safe" not in run.out, "hidden devices are not shown"


def test_ask_without_config_uses_the_embedded_example(
    hausgeist: Hausgeist, tmp_path: object
) -> None:
    run = hausgeist("ask", "--json", "--dry-run", "lock the front door")
    assert run.code == 0, run.err
    assert '"lock.lock"' in run.out


def test_a_request_shows_in_history_on_sqlite(hausgeist: Hausgeist) -> None:
    hausgeist("ask", "--config", str(HOME), "turn on the desk lamp")
    run = hausgeist("history", "--config", str(HOME))
    assert run.code == 0, run.err
    assert "turn on the desk lamp" in run.out
    assert "light.turn_on light.office_desk" in run.out


def test_history_shows_this_home_unless_all_homes_are_asked_for(
    hausgeist: Hausgeist, tmp_path: Path
) -> None:
    """Two homes in one data directory (the default one of a user) share one database."""
    cottage = tmp_path / "cottage.yaml"
    cottage.write_text(HOME.read_text(encoding="utf-8"), encoding="utf-8")
    flat = tmp_path / "flat.yaml"
    flat.write_text("home: the flat\n" + HOME.read_text(encoding="utf-8"), encoding="utf-8")
    hausgeist("ask", "--config", str(cottage), "turn on the desk lamp")
    hausgeist("ask", "--config", str(flat), "turn off the desk lamp")
    ours = hausgeist("history", "--config", str(cottage))
    assert ours.code == 0, ours.err
    assert "turn on the desk lamp" in ours.out
    assert "turn off the desk lamp" not in ours.out
    theirs = hausgeist("history", "--config", str(flat)).out
    assert "turn off the desk lamp" in theirs
    assert "turn on the desk lamp" not in theirs
    every = hausgeist("history", "--config", str(flat), "--all-homes").out.splitlines()
    assert every[0].split()[:2] == ["HOME", "TIME"]
    assert any(line.startswith(f"{cottage} ") and "turn on" in line for line in every)
    assert any(line.startswith("the flat ") and "turn off" in line for line in every)


@pytest.mark.postgres
def test_a_request_shows_in_history_on_postgresql(
    hausgeist: Hausgeist, postgres_server: str
) -> None:
    import sqlalchemy as sa

    engine = sa.create_engine(postgres_server)
    schema = f"cli_{os.getpid()}"
    with engine.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
    try:
        scoped = sa.make_url(postgres_server).update_query_dict(
            {"options": f"-csearch_path={schema}"}
        )
        env = {"HAUSGEIST_HISTORY__URL": scoped.render_as_string(hide_password=False)}
        hausgeist("ask", "--config", str(HOME), "turn on the big lamp", extra_env=env)
        run = hausgeist("history", "--config", str(HOME), extra_env=env)
        assert run.code == 0, run.err
        assert "turn on the big lamp" in run.out
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


_HOME_ASSISTANT_HOME = """\
areas:
  - {id: hall, name: Hall}
devices:
  - {id: light.hall, name: Hall Light, area: hall}
  - {id: weather.home, name: Home, state: sunny}
  - {id: person.anna, name: Anna, state: home}
  - {id: sun.sun, name: Sun, state: above_horizon}
  - {id: button.doorbell_chime, name: Doorbell Chime, area: hall}
"""


def test_check_notes_entities_kept_only_for_questions(hausgeist: Hausgeist, tmp_path: Path) -> None:
    config = tmp_path / "home.yaml"
    config.write_text(_HOME_ASSISTANT_HOME, encoding="utf-8")
    run = hausgeist("check", "--config", str(config))
    assert run.code == 0, run.err
    assert "OK" in run.out
    [note] = [line for line in run.out.splitlines() if line.startswith("note:")]
    assert "only for questions" in note
    for entity_id in ("weather.home", "person.anna", "sun.sun"):
        assert entity_id in note
    assert "button.doorbell_chime" not in note, "a button can be pressed"
    assert "light.hall" not in note
