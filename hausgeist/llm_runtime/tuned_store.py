"""Where tuned models live: ``<data dir>/models/tuned/<home fingerprint>/<run>/``.

Each run directory holds its GGUF files and a ``manifest.json`` (when, on which home,
how long, the losses, the evaluation, the files). ``active.json`` beside the runs
names the run and quantization this home uses. A tune belongs to the registry it was
trained on: once devices, names or areas change, the fingerprint differs, no tuned
model is active, and the stage falls back to the stock model.

The tuner (:mod:`hausgeist.tune`) files its runs here; serving only reads them: the agent
calls :func:`effective_llm` at start-up (nothing here imports torch). Stock models are
found by :mod:`~hausgeist.llm_runtime.model_store`.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from hausgeist.config.models import Config, LlmConfig
from hausgeist.devices.registry import DeviceRegistry
from hausgeist.errors import ModelError
from hausgeist.llm_stage.grammar import registry_fingerprint
from hausgeist.paths import data_dir

MANIFEST = "manifest.json"
ACTIVE = "active.json"


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class TunedFile(_Model):
    """One GGUF file of a run."""

    quantization: str
    """``F16``, ``Q8_0`` or ``Q4_K_M``."""
    file: str
    """File name inside the run directory."""
    size_bytes: int
    """Size on disk."""


class Evaluation(_Model):
    """How one model answered the held-out evaluation requests."""

    model: str
    """``stock`` or ``tuned``."""
    quantization: str
    """The file's format."""
    accuracy: float
    """Share of answers equal to the core's."""
    valid: float
    """Share of answers that parsed as schema answers."""
    asked: int
    """Requests asked."""
    p50_ms: float
    """Median latency."""
    p95_ms: float
    """95th-percentile latency."""
    min_confidence: float | None = None
    """The gate threshold these answers call for (:func:`~hausgeist.tune.evaluate.calibrate`)."""
    probes: str = "held-back"
    """The requests asked: ``held-back`` (generated, kept out of training) or ``hand-over``
    (held-back requests with slips the core cannot read)."""
    outcomes: str = ""
    """One letter per request (:mod:`hausgeist.tune.gate`): R right, W a wrong action,
    X refused or gave up where an action was right, M another mismatch, I invalid; as the
    model answered, before the stage's confidence gate."""
    confidences: tuple[float, ...] = ()
    """Per request: the confidence of an answer that acts (-1: an answer that does not);
    the gate declines one below its threshold."""


class Manifest(_Model):
    """What a tuning run made, and how well."""

    version: int = 1
    """Manifest format."""
    created: datetime
    """When the run finished (UTC)."""
    home: str
    """Registry fingerprint of the home it was trained on."""
    base_model: str
    """Path of the GGUF it started from."""
    steps: int
    """Optimizer steps."""
    seconds: float
    """Training time."""
    tune_seconds: float
    """The whole run: data, training, export, quantization, evaluation."""
    train_loss: tuple[float, float]
    """Training loss of the first and the last step."""
    val_loss: tuple[float | None, float | None]
    """Validation loss before and after."""
    examples: tuple[int, int]
    """Training and validation examples."""
    prompt_examples: int
    """In-context examples per request the model was trained with (use the same)."""
    min_confidence: float | None = None
    """The confidence gate's threshold calibrated on the held-out requests (None: the
    configured one)."""
    device_list: bool = True
    """Whether its prompts listed the devices (False: it learned them; the stage then
    writes its prompts without the list)."""
    max_devices: int | None = None
    """The ``llm.max_devices`` its prompts were written with (another value writes other
    prompts: the tune then does not apply)."""
    options: dict[str, Any] = Field(default_factory=dict)
    """The training options."""
    files: tuple[TunedFile, ...] = ()
    """The run's model files."""
    evaluations: tuple[Evaluation, ...] = ()
    """Stock and tuned models on the held-back and hand-over requests."""
    pruned: float = 0.0
    """Share of block weights set to zero before export."""
    margin: float | None = None
    """Points over the stock model a file had to be right more often to be activated."""
    decision: str = ""
    """What the gate decided, and why (:mod:`hausgeist.tune.gate`)."""
    val_curve: tuple[tuple[int, float], ...] = ()
    """Validation loss by step (every ``eval_every`` steps, and at the end): how far more
    steps would have taken it on this box."""

    def file(self, quantization: str) -> TunedFile | None:
        """The file of one quantization."""
        return next((f for f in self.files if f.quantization == quantization), None)


class ActiveTune(_Model):
    """The tuned model a home uses."""

    path: Path
    """The GGUF file."""
    quantization: str
    """Its format."""
    manifest: Manifest
    """The run it comes from."""


class ModelStore:
    """The tuned models under one data directory."""

    def __init__(self, root: Path) -> None:
        self.root = root

    @classmethod
    def of(cls, config: Config) -> ModelStore:
        """The store of a configuration's data directory."""
        return cls(data_dir(config) / "models" / "tuned")

    def home_dir(self, home: str) -> Path:
        """Where one home's runs live."""
        return self.root / home

    def work_dir(self, home: str) -> Path:
        """Where an unfinished run keeps its checkpoint."""
        return self.home_dir(home) / "work"

    def new_run(self, home: str, now: datetime | None = None) -> Path:
        """A fresh run directory."""
        stamp = (now or datetime.now(UTC)).strftime("%Y%m%d-%H%M%S")
        run = self.home_dir(home) / stamp
        run.mkdir(parents=True, exist_ok=True)
        return run

    def save(self, run: Path, manifest: Manifest) -> None:
        """Write a run's manifest."""
        _write(run / MANIFEST, manifest.model_dump_json(indent=2))

    def load(self, run: Path) -> Manifest:
        """Read a run's manifest; ModelError when it is missing or broken."""
        try:
            return Manifest.model_validate_json((run / MANIFEST).read_text(encoding="utf-8"))
        except (OSError, ValidationError) as exc:
            raise ModelError(f"cannot read the tuned model's manifest in {run}: {exc}") from exc

    def activate(self, run: Path, quantization: str) -> ActiveTune:
        """Make one file of a run the home's model."""
        manifest = self.load(run)
        if manifest.file(quantization) is None:
            raise ModelError(f"run {run.name} has no {quantization} file")
        _write(
            self.home_dir(manifest.home) / ACTIVE,
            json.dumps({"run": run.name, "quantization": quantization}),
        )
        active = self.active(manifest.home)
        if active is None:
            raise ModelError(f"the {quantization} file of run {run.name} is missing")
        return active

    def deactivate(self, home: str) -> None:
        """Go back to the stock model for this home."""
        (self.home_dir(home) / ACTIVE).unlink(missing_ok=True)

    def active(self, home: str) -> ActiveTune | None:
        """The home's tuned model, or None (none chosen, or its files are gone)."""
        try:
            chosen = json.loads((self.home_dir(home) / ACTIVE).read_text(encoding="utf-8"))
            run = self.home_dir(home) / str(chosen["run"])
            manifest = self.load(run)
        except (OSError, ValueError, KeyError, TypeError, ModelError):
            return None
        entry = manifest.file(str(chosen.get("quantization")))
        if entry is None or manifest.home != home or not (run / entry.file).is_file():
            return None
        return ActiveTune(path=run / entry.file, quantization=entry.quantization, manifest=manifest)

    def runs(self, home: str) -> list[Path]:
        """The home's finished runs, oldest first."""
        root = self.home_dir(home)
        if not root.is_dir():
            return []
        return sorted(p for p in root.iterdir() if (p / MANIFEST).is_file())


def home_fingerprint(config: Config) -> str:
    """The fingerprint tuned models of this configuration's home are filed under."""
    return registry_fingerprint(DeviceRegistry.from_config(config))


def active_tune(config: Config) -> ActiveTune | None:
    """The tuned model this home uses, with its manifest; None: use the stock model."""
    tune = ModelStore.of(config).active(home_fingerprint(config))
    if tune is None or tune.manifest.max_devices not in (None, config.llm.max_devices):
        return None
    return tune


def effective_llm(config: Config) -> tuple[LlmConfig, ActiveTune | None]:
    """The LLM settings this home runs with: its tuned model when one is active and no model
    is configured by hand (``llm.model`` always wins), else the configuration as written."""
    if config.llm.model is not None or not config.llm.enabled:
        return config.llm, None
    tune = active_tune(config)
    if tune is None:
        return config.llm, None
    settings = tuned_settings(tune.manifest, config.llm)
    return config.llm.model_copy(update={**settings, "model": str(tune.path)}), tune


def tuned_settings(manifest: Manifest, llm: LlmConfig) -> dict[str, Any]:
    """The ``llm`` settings a run's model is asked with: its prompt (examples, device list)
    and its calibrated gate, unless ``llm.min_confidence`` was set by hand. The model path
    is the caller's (one run has several files)."""
    settings: dict[str, Any] = {
        "examples": manifest.prompt_examples,
        "device_list": manifest.device_list,
    }
    if manifest.min_confidence is not None and "min_confidence" not in llm.model_fields_set:
        settings["min_confidence"] = manifest.min_confidence
    return settings


def active_model(config: Config) -> Path | None:
    """The GGUF of this home's tuned model, or None (the stock model then)."""
    tune = active_tune(config)
    return None if tune is None else tune.path


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.write_text(text, encoding="utf-8")
    partial.replace(path)
