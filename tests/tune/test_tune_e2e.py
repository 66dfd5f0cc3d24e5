"""The whole path on the real default model and a tiny home: teacher data, a few steps of
fine-tuning, a GGUF with the source's tokenizer, llama.cpp's Q8_0 quantizer, and the file
loaded through LlamaRuntime answering under the home's grammar. Also the command line."""

from __future__ import annotations

import argparse
import json

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("gguf")

from hausgeist.commands import tune as tune_command  # noqa: E402
from hausgeist.commands.common import UsageError  # noqa: E402
from hausgeist.errors import ModelError  # noqa: E402
from hausgeist.llm_runtime.tuned_store import active_model, home_fingerprint  # noqa: E402
from hausgeist.tune.export import quantize  # noqa: E402

pytestmark = pytest.mark.llm


def _args(config_path, *extra):
    parser = argparse.ArgumentParser()
    parser.add_argument("--config")
    tune_command.add_arguments(parser)
    return parser.parse_args(["--config", str(config_path), *extra])


def test_tune_exports_quantizes_and_answers(tmp_path, data_dir, tiny_config, capsys):
    config_path = tmp_path / "home.yaml"
    args = _args(
        config_path,
        "--steps",
        "3",
        "--batch",
        "4",
        "--quantize",
        "Q8_0",
        "--use",
        "Q8_0",
        "--eval",
        "3",
    )
    assert tune_command.run(args) == 0
    said = " ".join(capsys.readouterr().out.split())
    assert "A training step takes" in said  # after the third step: what a step costs here
    assert "this run will do about 3 steps" in said
    assert "a useful tune needs about" in said  # the reference curve's steps at batch 4
    assert "undertrained" in said
    runs = sorted(
        (data_dir / "models" / "tuned" / home_fingerprint(tiny_config)).glob("*/manifest.json")
    )
    manifest = json.loads(runs[-1].read_text())
    assert manifest["steps"] == 3
    assert [f["quantization"] for f in manifest["files"]] == ["Q8_0"]
    assert manifest["val_loss"][1] < manifest["val_loss"][0]  # three steps already help
    tuned = [e for e in manifest["evaluations"] if e["model"] == "tuned"]
    # The F16 file is not kept; Q8_0 is asked the held-back and the hand-over requests.
    assert [(e["quantization"], e["probes"]) for e in tuned] == [
        ("Q8_0", "held-back"),
        ("Q8_0", "hand-over"),
    ]
    assert all(e["valid"] == 1.0 for e in tuned)  # loads, answers the schema
    assert tuned[0]["asked"] == 3
    assert 1 <= tuned[1]["asked"] <= 3  # slips the core cannot read, as many as were found
    assert all(len(e["outcomes"]) == e["asked"] for e in manifest["evaluations"])
    assert manifest["device_list"] is False  # the model learns the devices: short prompts
    assert all(0.2 <= e["min_confidence"] <= 0.5 for e in tuned)  # calibrated on its answers
    assert manifest["margin"] == 5.0
    assert [step for step, _ in manifest["val_curve"]] == [0, 3]  # before, and at the end
    assert manifest["decision"].startswith(("activated Q8_0", "not activated"))
    if manifest["decision"].startswith("activated"):
        assert manifest["min_confidence"] == max(e["min_confidence"] for e in tuned)
    assert not list(runs[-1].parent.glob("*F16*"))  # the F16 export is not kept
    assert not (runs[-1].parent.parent / "work").exists()  # nor the checkpoint
    active = active_model(tiny_config)  # activated only if the gate let it through
    if manifest["decision"].startswith("activated"):
        assert active == runs[-1].parent / "model-Q8_0.gguf"
    else:
        assert active is None


def test_q4_1_is_refused(tmp_path, tiny_config):
    with pytest.raises(UsageError, match="erase the tune"):
        tune_command.run(_args(tmp_path / "home.yaml", "--quantize", "Q4_1", "--use", "Q4_1"))
    with pytest.raises(ModelError, match="Q4_1"):
        quantize(tmp_path / "in.gguf", tmp_path / "out.gguf", "Q4_1")


def test_stock_deactivates(tmp_path, data_dir, tiny_config, capsys):
    assert tune_command.run(_args(tmp_path / "home.yaml", "--stock")) == 0
    assert "stock model" in capsys.readouterr().out
    assert active_model(tiny_config) is None
