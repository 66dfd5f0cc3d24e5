"""The store of tuned models: manifest, activation per home, fall-back to the stock model."""

from __future__ import annotations

import json
import re
import shutil
from datetime import UTC, datetime

import pytest

from hausgeist.cli import main as cli_main
from hausgeist.config.models import LlmConfig
from hausgeist.errors import ModelError
from hausgeist.llm_runtime import resolve_model
from hausgeist.llm_runtime.tuned_store import (
    Evaluation,
    Manifest,
    ModelStore,
    TunedFile,
    active_model,
    active_tune,
    effective_llm,
    home_fingerprint,
)
from hausgeist.root import Root
from tests.tune.conftest import OTHER_HOME, TINY_HOME, write_home


def _run(
    store: ModelStore,
    home: str,
    quantization: str = "Q4_K_M",
    device_list: bool = True,
    min_confidence: float | None = None,
):
    run = store.new_run(home, datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC))
    (run / f"model-{quantization}.gguf").write_bytes(b"GGUF" + bytes(60))
    manifest = Manifest(
        created=datetime.now(UTC), home=home, base_model="stock.gguf", steps=3, seconds=1.5,
        tune_seconds=2.0, train_loss=(1.8, 0.2), val_loss=(1.9, 0.3), examples=(90, 10),
        prompt_examples=0, device_list=device_list, min_confidence=min_confidence,
        files=(TunedFile(quantization=quantization, file=f"model-{quantization}.gguf", size_bytes=64),),
        evaluations=(Evaluation(model="tuned", quantization=quantization, accuracy=0.9, valid=1.0,
                                asked=10, p50_ms=200, p95_ms=300),),
    )  # fmt: skip
    store.save(run, manifest)
    return run, manifest


def test_no_tune_means_the_stock_model(tiny_config, data_dir):
    assert active_model(tiny_config) is None


def test_an_activated_run_is_this_homes_model(tiny_config, data_dir):
    store = ModelStore.of(tiny_config)
    home = home_fingerprint(tiny_config)
    run, manifest = _run(store, home)
    assert store.load(run) == manifest
    store.activate(run, "Q4_K_M")
    assert active_model(tiny_config) == run / "model-Q4_K_M.gguf"
    tune = active_tune(tiny_config)
    assert tune is not None
    assert tune.manifest.steps == 3
    store.deactivate(home)
    assert active_model(tiny_config) is None


def test_another_home_does_not_get_it(tiny_config, tmp_path, data_dir):
    store = ModelStore.of(tiny_config)
    run, _ = _run(store, home_fingerprint(tiny_config))
    store.activate(run, "Q4_K_M")
    other = write_home(tmp_path, OTHER_HOME, "other.yaml")
    assert active_model(other) is None


def test_a_changed_registry_falls_back_to_the_stock_model(tiny_config, tmp_path, data_dir):
    store = ModelStore.of(tiny_config)
    run, _ = _run(store, home_fingerprint(tiny_config))
    store.activate(run, "Q4_K_M")
    renamed = {
        **TINY_HOME,
        "devices": [{**TINY_HOME["devices"][0], "name": "Cooker Light"}, *TINY_HOME["devices"][1:]],
    }
    assert active_model(write_home(tmp_path, renamed, "renamed.yaml")) is None


def test_other_prompt_settings_fall_back_to_the_stock_model(tiny_config, data_dir):
    store = ModelStore.of(tiny_config)
    run, manifest = _run(store, home_fingerprint(tiny_config))
    store.save(run, manifest.model_copy(update={"max_devices": 7}))
    store.activate(run, "Q4_K_M")
    assert active_model(tiny_config) is None


def test_a_deleted_file_falls_back_to_the_stock_model(tiny_config, data_dir):
    store = ModelStore.of(tiny_config)
    run, _ = _run(store, home_fingerprint(tiny_config))
    store.activate(run, "Q4_K_M")
    (run / "model-Q4_K_M.gguf").unlink()
    assert active_model(tiny_config) is None


def test_activating_a_missing_format_is_an_error(tiny_config, data_dir):
    store = ModelStore.of(tiny_config)
    run, _ = _run(store, home_fingerprint(tiny_config))
    with pytest.raises(ModelError, match="no Q8_0 file"):
        store.activate(run, "Q8_0")
    assert store.runs(home_fingerprint(tiny_config)) == [run]


def test_the_agent_runs_on_the_active_tune(tiny_config, data_dir):
    store = ModelStore.of(tiny_config)
    run, _ = _run(store, home_fingerprint(tiny_config))
    assert Root.from_config(tiny_config).tuned is None
    store.activate(run, "Q4_K_M")
    root = Root.from_config(tiny_config)
    assert root.tuned is not None
    assert root.llm is not None
    assert root.llm.config.model == str(run / "model-Q4_K_M.gguf")
    assert root.llm.config.examples == 0  # the prompt it was trained with
    assert root.llm.config.device_list  # an older tune's manifest: prompts with the list
    llm, tune = effective_llm(tiny_config)
    assert tune is not None
    assert llm.model == str(tune.path)


def test_a_tune_that_learned_the_devices_runs_without_the_list(tiny_config, data_dir):
    store = ModelStore.of(tiny_config)
    run, _ = _run(store, home_fingerprint(tiny_config), device_list=False)
    store.activate(run, "Q4_K_M")
    llm, tune = effective_llm(tiny_config)
    assert tune is not None
    assert not llm.device_list
    assert tiny_config.llm.device_list  # the stock model, should the tune go, keeps its list


def test_the_gate_takes_the_threshold_calibrated_for_the_tune(tiny_config, data_dir):
    store = ModelStore.of(tiny_config)
    run, _ = _run(store, home_fingerprint(tiny_config), min_confidence=0.3)
    store.activate(run, "Q4_K_M")
    llm, _ = effective_llm(tiny_config)
    assert llm.min_confidence == 0.3
    stage = Root.from_config(tiny_config).llm
    assert stage is not None
    assert stage.thresholds.min_confidence == 0.3
    by_hand = tiny_config.model_copy(
        update={"llm": LlmConfig.model_validate({"min_confidence": 0.6})}
    )
    llm, tune = effective_llm(by_hand)
    assert tune is not None
    assert llm.min_confidence == 0.6  # a threshold written in the configuration wins


def test_a_configured_model_wins_over_the_tune(tiny_config, data_dir):
    store = ModelStore.of(tiny_config)
    run, _ = _run(store, home_fingerprint(tiny_config))
    store.activate(run, "Q4_K_M")
    chosen = tiny_config.model_copy(
        update={"llm": tiny_config.llm.model_copy(update={"model": "/models/big.gguf"})}
    )
    llm, tune = effective_llm(chosen)
    assert tune is None
    assert llm.model == "/models/big.gguf"
    stage = Root.from_config(chosen).llm
    assert stage is not None
    assert stage.config.model == "/models/big.gguf"


def test_model_info_says_the_tune_is_active(tiny_config, tmp_path, data_dir, capsys):
    """`hausgeist model info` on a home with an active tune: which file, when, its evaluation."""
    store = ModelStore.of(tiny_config)
    run, _ = _run(store, home_fingerprint(tiny_config), min_confidence=0.35)
    shutil.copyfile(resolve_model(None).path, run / "model-Q4_K_M.gguf")  # a loadable file
    store.activate(run, "Q4_K_M")
    path = tmp_path / "home.yaml"  # where tiny_config was written
    assert cli_main(["model", "info", "--config", str(path), "--json"]) == 0
    described = json.loads(capsys.readouterr().out)
    assert described["path"] == str(run / "model-Q4_K_M.gguf")
    assert described["tuned"]["quantization"] == "Q4_K_M"
    assert described["tuned"]["steps"] == 3
    assert described["tuned"]["evaluations"][0]["accuracy"] == 0.9
    assert described["tuned"]["device_list"] is True
    assert cli_main(["model", "info", "--config", str(path)]) == 0
    table = capsys.readouterr().out
    assert "this home's tuned model (Q4_K_M" in table
    assert "evaluation tuned Q4_K_M held-back  90% right" in table
    assert "listed in the prompt" in table
    assert re.search(r"confidence gate +0\.35, calibrated", table)
    store.deactivate(home_fingerprint(tiny_config))
    assert cli_main(["model", "info", "--config", str(path)]) == 0
    assert "the stock model" in capsys.readouterr().out
