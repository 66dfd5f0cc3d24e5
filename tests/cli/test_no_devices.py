"""A configuration without devices is valid YAML, but no home: the commands that need one say so."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_support import Hausgeist

EMPTY = {
    "empty file": "",
    "only comments": "# my home, to be filled in\n",
    "empty device list": "areas:\n  - {id: kitchen, name: Kitchen}\ndevices: []\n",
}


@pytest.mark.parametrize("text", EMPTY.values(), ids=EMPTY.keys())
@pytest.mark.parametrize(
    "command",
    [["check"], ["devices"], ["ask", "--dry-run", "turn on the light"], ["run"]],
    ids=["check", "devices", "ask", "run"],
)
def test_no_devices_is_an_error_that_says_what_to_do(
    hausgeist: Hausgeist, tmp_path: Path, text: str, command: list[str]
) -> None:
    config = tmp_path / "home.yaml"
    config.write_text(text, encoding="utf-8")
    run = hausgeist(command[0], "--config", str(config), *command[1:])
    assert run.code == 2, run.out + run.err
    assert "OK" not in run.out
    assert "has no devices" in run.err
    assert "devices:" in run.err
    assert "hausgeist discover" in run.err
    assert "Traceback" not in run.err


def test_only_hidden_devices_is_no_home_either(hausgeist: Hausgeist, tmp_path: Path) -> None:
    config = tmp_path / "home.yaml"
    config.write_text("devices:\n  - {id: lock.safe, name: Safe, hidden: true}\n")
    run = hausgeist("check", "--config", str(config))
    assert run.code == 2
    assert "all 1 devices are hidden" in run.err


def test_history_needs_no_devices(hausgeist: Hausgeist, tmp_path: Path) -> None:
    config = tmp_path / "home.yaml"
    config.write_text("", encoding="utf-8")
    run = hausgeist("history", "--config", str(config))
    assert run.code == 0, run.err
