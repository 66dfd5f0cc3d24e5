"""``hausgeist federate``: one home shares what it learned, another adopts it, and takes it
back; bad files and spent budgets say what to do."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_support import HOME, Hausgeist

pytest.importorskip("wordfreq")

FEDERATION = """
federation:
  noise_multiplier: 0.05   # next to no noise: a test of the plumbing, not of the privacy
  budget_epsilon: 5000
  k: 5
"""


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "home.yaml"
    path.write_text(HOME.read_text() + FEDERATION)
    return path


def teach(hausgeist: Hausgeist, config: Path) -> None:
    lines = [
        {"text": "turn on the mood light", "session": "s", "area": "living_room"},
        {"text": "I meant the ceiling light", "session": "s", "area": "living_room"},
    ]
    run = hausgeist(
        "ask", "--config", str(config), "--json", "-", stdin="\n".join(map(json.dumps, lines))
    )
    assert run.code == 0, run.err
    assert run.json_lines()[1]["actions"][0]["entity_id"] == "light.living_room_ceiling"


def test_a_home_adopts_what_six_homes_share_and_reverts_it(
    hausgeist: Hausgeist, config: Path, tmp_path: Path
) -> None:
    teach(hausgeist, config)
    out = tmp_path / "c.json"
    run = hausgeist("federate", "export", "--config", str(config), "--out", str(out))
    assert run.code == 0, run.err
    assert "1 pattern(s)" in run.err
    sent = json.loads(out.read_text())
    assert sent["kind"] == "contribution"
    assert sent["epsilon"] > 0
    assert "snug" not in out.read_text()
    agg = tmp_path / "agg.json"
    run = hausgeist("federate", "aggregate", *[str(out)] * 6, "--out", str(agg))
    assert run.code == 0, run.err

    other = {"HAUSGEIST_DATA_DIR": str(tmp_path / "other")}
    before = hausgeist(
        "ask", "--config", str(config), "--area", "bedroom", "--json", "--dry-run",
        "turn on the mood light", extra_env=other,
    )  # fmt: skip
    assert before.json_lines()[0]["actions"] == []
    run = hausgeist("federate", "import", "--config", str(config), str(agg), extra_env=other)
    assert run.code == 0, run.err
    assert "'mood light' for light:ceiling light" in run.out
    after = hausgeist(
        "ask", "--config", str(config), "--area", "bedroom", "--json", "--dry-run",
        "turn on the mood light", extra_env=other,
    )  # fmt: skip
    assert [a["entity_id"] for a in after.json_lines()[0]["actions"]] == ["light.bedroom_ceiling"]
    learned = hausgeist("learned", "--config", str(config), "--json", extra_env=other)
    origins = {i.get("origin") for i in json.loads(learned.out)}
    assert len(origins - {None}) == 1

    status = hausgeist("federate", "status", "--config", str(config), extra_env=other)
    assert "Adopted phrases: 2" in status.out
    run = hausgeist("federate", "revert", "--config", str(config), extra_env=other)
    assert run.code == 0, run.err
    status = hausgeist("federate", "status", "--config", str(config), extra_env=other)
    assert "Adopted phrases: 0" in status.out
    again = hausgeist(
        "ask", "--config", str(config), "--area", "bedroom", "--json", "--dry-run",
        "turn on the mood light", extra_env=other,
    )  # fmt: skip
    assert again.json_lines()[0]["actions"] == []


def test_bad_files_and_a_contribution_in_place_of_an_aggregate(
    hausgeist: Hausgeist, config: Path, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "hausgeist-federation/2", "kind": "aggregate"}')
    run = hausgeist("federate", "import", "--config", str(config), str(bad))
    assert run.code != 0
    assert "is not a hausgeist federation file" in run.err
    run = hausgeist("federate", "import", "--config", str(config), str(tmp_path / "none.json"))
    assert "cannot read" in run.err
    out = tmp_path / "c.json"
    assert hausgeist("federate", "export", "--config", str(config), "--out", str(out)).code == 0
    run = hausgeist("federate", "import", "--config", str(config), str(out))
    assert run.code != 0
    assert "one home's contribution" in run.err


def test_a_spent_budget_stops_the_export(hausgeist: Hausgeist, tmp_path: Path) -> None:
    config = tmp_path / "tight.yaml"
    config.write_text(HOME.read_text() + "federation: {noise_multiplier: 1.0, budget_epsilon: 5}\n")
    out = tmp_path / "c.json"
    assert hausgeist("federate", "export", "--config", str(config), "--out", str(out)).code == 0
    run = hausgeist(
        "federate", "export", "--config", str(config), "--out", str(tmp_path / "d.json")
    )
    assert run.code != 0
    assert "privacy budget is spent" in run.err
    assert not (tmp_path / "d.json").exists()
    status = hausgeist("federate", "status", "--config", str(config))
    assert "ε spent (δ = 1e-5): 4.73 of 5" in status.out
