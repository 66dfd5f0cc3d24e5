"""``hausgeist model tune``: distil this home's language into the local model.

Flags (the ``model tune`` subparser adds them with :func:`add_arguments`)::

    --config FILE        the home (as everywhere)
    --minutes M          budget of the whole run, default 30: training gets what data,
                         export and evaluation leave (a ~50-device home on 2 cores)
    --steps N            the goal: stop after N steps (--minutes stays the cap); after its
                         first steps the run says what a step costs on this box and how
                         many steps the budget buys
    --batch N            requests per step (default 24)
    --lr F --alpha F --smoothing F --layers N --threads N --seed N
    --quantize Q4_K_M,Q5_K_M,Q8_0   formats to write and test (default all three)
    --use FORMAT         only this format may be activated (default: the gate chooses)
    --margin P           points a tuned file must beat the stock model by on the held-back
                         and hand-over requests together, with no wrong action and no new
                         refusal, to be activated (default 5)
    --examples N         in-context examples in the training prompts (default 0)
    --device-list        keep the device list in the prompts (default: the model learns
                         this home's devices, and its prompts are shorter)
    --eval N             held-back requests, and as many hand-over requests (held-back ones
                         with slips the core cannot read), each model is asked (default 24)
    --history N          read the N latest requests for the household's own examples: what
                         corrections, answers and feedback showed its words to mean, and
                         what its core carried out that nobody took back (default 2000;
                         0: none)
    --prune F            zero the smallest F of block weights before export (measured)
    --no-activate        measure, but activate nothing
    --keep-f16           keep the F16 export
    --fresh              ignore a checkpoint of an interrupted run
    --stock              deactivate the tuned model of this home and exit

Ctrl-C saves a checkpoint; the same command later goes on from it.
"""

from __future__ import annotations

import argparse
import shutil
from typing import Self

from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from hausgeist.commands.common import EXIT_OK, UsageError, load
from hausgeist.errors import ModelError
from hausgeist.llm_runtime.tuned_store import Manifest, ModelStore, home_fingerprint
from hausgeist.tune import curve
from hausgeist.tune.curve import Need
from hausgeist.tune.data import DataOptions
from hausgeist.tune.export import QUANTIZATIONS
from hausgeist.tune.options import StepReport, TrainOptions
from hausgeist.tune.pipeline import TuneOptions

EXIT_INTERRUPTED = 130
MEASURED_STEPS = 3
"""Steps timed before the run says what a step costs and how many the budget buys."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The flags of ``model tune`` (``--config`` is added by the caller)."""
    parser.add_argument(
        "--minutes", type=float, default=30.0, help="budget of the whole run (default 30)"
    )
    parser.add_argument("--steps", type=int, help="stop after this many steps")
    parser.add_argument("--batch", type=int, default=24, help="requests per step (default 24)")
    parser.add_argument("--lr", type=float, default=1.5e-4, help="peak learning rate")
    parser.add_argument("--alpha", type=float, default=0.5, help="CE weight against KL (0-1)")
    parser.add_argument("--smoothing", type=float, default=0.1, help="label smoothing")
    parser.add_argument("--layers", type=int, default=16, help="top blocks trained (default 16)")
    parser.add_argument("--threads", type=int, default=2, help="CPU threads (default 2)")
    parser.add_argument("--seed", type=int, default=0, help="data and order seed")
    parser.add_argument(
        "--quantize", default="Q4_K_M,Q5_K_M,Q8_0", help="formats to write and test"
    )
    parser.add_argument("--use", help="only this format may be activated (default: the best)")
    parser.add_argument(
        "--margin", type=float, default=5.0, help="points over the stock model needed (5)"
    )
    parser.add_argument("--examples", type=int, default=0, help="in-context examples in prompts")
    parser.add_argument(
        "--device-list",
        action="store_true",
        help="keep the device list in the prompts (default: the model learns the devices)",
    )
    parser.add_argument("--eval", type=int, default=24, help="held-out requests asked at the end")
    parser.add_argument(
        "--history", type=int, default=2000, help="read N history entries (0: none)"
    )
    parser.add_argument("--prune", type=float, default=0.0, help="share of weights zeroed")
    parser.add_argument("--no-activate", action="store_true", help="keep the stock model")
    parser.add_argument("--keep-f16", action="store_true", help="keep the F16 export")
    parser.add_argument("--fresh", action="store_true", help="ignore an interrupted run")
    parser.add_argument("--stock", action="store_true", help="go back to the stock model")


def run(args: argparse.Namespace) -> int:
    """Tune, export, quantize, evaluate and activate; print a before/after table."""
    config, _ = load(args.config)
    store = ModelStore.of(config)
    home = home_fingerprint(config)
    console = Console()
    if args.stock:
        store.deactivate(home)
        console.print("This home uses the stock model again.")
        return EXIT_OK
    options = _options(args)
    try:
        from hausgeist.tune.pipeline import tune_home
    except ImportError as exc:
        raise ModelError(
            f"tuning needs torch and gguf ({exc.name} is missing): pip install 'hausgeist[tune]'"
        ) from exc
    if args.fresh:
        shutil.rmtree(store.work_dir(home), ignore_errors=True)
    with _Bars(console, _need(store, home, options.train.batch)) as bars:
        try:
            outcome = tune_home(config, options, bars, store=store)
        except KeyboardInterrupt:
            bars.stop()
            console.print(
                "Interrupted. The last checkpoint is kept: run the same command to go on."
            )
            return EXIT_INTERRUPTED
    console.print(summary(outcome.manifest))
    if outcome.table:
        console.print(outcome.table, markup=False, highlight=False)
    where = outcome.active.path if outcome.active else outcome.run
    console.print(f"{outcome.reason}: {where}", markup=False, highlight=False)
    return EXIT_OK


def _need(store: ModelStore, home: str, batch: int) -> Need:
    """The steps a useful tune of this home needs (:mod:`hausgeist.tune.curve`): from its
    own earlier tunes' validation curves, else the reference curve."""
    curves = []
    for run in store.runs(home):
        try:
            manifest = store.load(run)
        except ModelError:  # store.load's only error: a missing or broken manifest
            continue  # a damaged manifest says nothing about steps
        train = manifest.options.get("train")
        size = train.get("batch") if isinstance(train, dict) else None
        if isinstance(size, int) and manifest.val_curve:
            curves.append((f"{manifest.created:%Y-%m-%d}", size, manifest.val_curve))
    return curve.needed(curves, batch)


def _options(args: argparse.Namespace) -> TuneOptions:
    kinds = tuple(k.strip() for k in args.quantize.split(",") if k.strip())
    if "Q4_1" in kinds or args.use == "Q4_1":
        raise UsageError(
            "--quantize Q4_1 would put the tuned weights back on the stock model's grid "
            "and erase the tune; use Q4_K_M, Q5_K_M or Q8_0"
        )
    unknown = [k for k in kinds if k not in QUANTIZATIONS]
    if unknown or not kinds:
        raise UsageError(
            f"--quantize {args.quantize}: formats are {', '.join(QUANTIZATIONS)} (comma-separated)"
        )
    if args.use is not None and args.use not in kinds:
        raise UsageError(f"--use {args.use} is not among --quantize {args.quantize}")
    if not -100 <= args.margin <= 100:
        raise UsageError("--margin is in points, between -100 and 100")
    if not 0 < args.minutes <= 24 * 60:
        raise UsageError("--minutes must be between 0 and 1440")
    train = TrainOptions(
        minutes=args.minutes,
        max_steps=args.steps,
        batch=args.batch,
        lr=args.lr,
        alpha=args.alpha,
        smoothing=args.smoothing,
        trained_layers=args.layers,
        threads=args.threads,
        seed=args.seed,
    )
    return TuneOptions(
        train=train,
        minutes=args.minutes,
        data=DataOptions(seed=args.seed),
        quantizations=kinds,
        use=args.use,
        margin=args.margin,
        prompt_examples=args.examples,
        device_list=args.device_list,
        eval_requests=args.eval,
        history=args.history,
        activate=not args.no_activate,
        keep_f16=args.keep_f16,
        prune=args.prune,
    )


def summary(manifest: Manifest) -> Table:
    """The before/after table of a run."""
    table = Table(title=f"Tuned in {manifest.tune_seconds / 60:.1f} min ({manifest.steps} steps)")
    for column in ("model", "format", "right", "valid", "p50 ms", "p95 ms", "size MB"):
        table.add_column(column, justify="left" if column in {"model", "format"} else "right")
    for e in manifest.evaluations:
        entry = manifest.file(e.quantization) if e.model == "tuned" else None
        size = f"{entry.size_bytes / 1e6:.0f}" if entry else ""
        table.add_row(
            e.model,
            e.quantization,
            f"{e.accuracy:.0%}",
            f"{e.valid:.0%}",
            f"{e.p50_ms:.0f}",
            f"{e.p95_ms:.0f}",
            size,
        )
    before, after = manifest.val_loss
    if before is not None and after is not None:
        table.caption = (
            f"validation loss {before:.3f} -> {after:.3f}; "
            f"{manifest.examples[0]} training / {manifest.examples[1]} held-out examples"
        )
    return table


class _Bars:
    """Rich progress bars for the phases of a run."""

    def __init__(self, console: Console, need: Need) -> None:
        self.need = need
        self.progress = Progress(
            TextColumn("{task.description:<10}"),
            BarColumn(),
            TextColumn("{task.fields[note]}"),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=console,
        )
        self.task: TaskID | None = None

    def __enter__(self) -> Self:
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        self.progress.stop()

    def phase(self, name: str, total: float | None = None) -> None:
        if self.task is not None:
            task = self.progress.tasks[self.task]
            self.progress.update(self.task, completed=task.total or 1, total=task.total or 1)
        self.task = self.progress.add_task(name, total=total, note="")

    def advance(self, done: float, note: str = "") -> None:
        if self.task is not None:
            self.progress.update(self.task, completed=done, note=note)

    def step(self, report: StepReport) -> None:
        if self.task is None:
            return
        total = self.progress.tasks[self.task].total or 1.0
        val = f", val {report.val_loss:.3f}" if report.val_loss is not None else ""
        cost = ""
        if report.step >= MEASURED_STEPS and report.elapsed_s > 0 and report.progress > 0:
            per_step = report.elapsed_s / report.step
            steps = round(report.step / report.progress)
            cost = f" ({per_step:.1f} s/step here: ~{steps} steps in this run)"
        self.progress.update(
            self.task,
            completed=report.progress * total,
            note=f"step {report.step}, loss {report.loss:.3f}{val}{cost}",
        )
        if report.step == MEASURED_STEPS and cost:
            per_step = report.elapsed_s / report.step
            steps = round(report.step / report.progress)
            self.progress.console.print(
                f"A training step takes {per_step:.1f} s on this box: this run will do about "
                f"{steps} steps; {curve.advice(per_step, steps, self.need)}",
                markup=False,
                highlight=False,
            )
