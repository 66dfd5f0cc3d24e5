"""The ServerApp: rounds of clipped sketches, summed, noised once, accounted with Flower's
RdpAccountant; the aggregate goes back to every home and to a file.

Central differential privacy: each home's sketch is clipped again here to the clip norm, so
adding or removing one home moves a round's sum by at most that much, and Gaussian noise of
``noise-multiplier`` times it is added to the sum before anything leaves this process. A
home that drops out of a round is simply not in that round's sum.
"""

from __future__ import annotations

import json
import logging
import math
import time
from pathlib import Path

import numpy as np
from flwr.app import ConfigRecord, Context, Message, RecordDict
from flwr.serverapp import (
    GaussianPrivacyEvent,
    Grid,
    PrivacyConfig,
    RdpAccountant,
    SamplingMethod,
    ServerApp,
)
from flwr.supercore.privacy_accounting import NeighboringRelation

ROWS = 3
CLIP = 1.0
DELTA = 1e-5
log = logging.getLogger("hausgeist.flower")
app = ServerApp()


def _settings(context: Context) -> dict[str, object]:
    c = context.run_config
    return {
        "width": int(c["width"]),
        "most": int(c["most"]),
        "salt": str(c["salt"]),
        "lexicon-size": int(c["lexicon-size"]),
        "noise-multiplier": float(c["noise-multiplier"]),
    }


def _homes(grid: Grid, least: int, wait: float) -> list[int]:
    deadline = time.monotonic() + wait
    while True:
        nodes = list(grid.get_node_ids())
        if len(nodes) >= least or time.monotonic() > deadline:
            return nodes
        time.sleep(0.5)


@app.main()
def main(grid: Grid, context: Context) -> None:
    rounds = int(context.run_config["rounds"])
    timeout = float(context.run_config["round-timeout"])
    least = int(context.run_config["min-homes"])
    settings = _settings(context)
    z = float(context.run_config["noise-multiplier"])
    width = int(context.run_config["width"])
    rng = np.random.default_rng()
    total = np.zeros((ROWS, width))
    homes: list[int] = []
    accountant: RdpAccountant | None = None
    report: list[dict[str, object]] = []
    for server_round in range(1, rounds + 1):
        started = time.monotonic()
        nodes = _homes(grid, least, timeout)
        if len(nodes) < least:
            log.warning("round %d: %d home(s) of the %d asked for", server_round, len(nodes), least)
        if len(nodes) < 2:  # a sum of one home is that home's sketch
            log.warning("round %d: fewer than 2 homes; stopping", server_round)
            break
        config = ConfigRecord({**settings, "round": server_round})  # type: ignore[dict-item]
        messages = [
            grid.create_message(RecordDict({"config": config}), "train", node, str(server_round))
            for node in nodes
        ]
        replies = list(grid.send_and_receive(messages, timeout=timeout))
        answered = (_sketch(r, width) for r in replies if not r.has_error())
        sketches = [s for s in answered if s is not None]
        if not sketches:
            log.warning("round %d: no home answered; nothing released", server_round)
            continue
        if accountant is None:
            # No amplification by sampling is claimed: the population is for the report only.
            population = max(least, len(nodes))
            accountant = RdpAccountant(
                PrivacyConfig(
                    DELTA,
                    population,
                    NeighboringRelation.ADD_OR_REMOVE_ONE,
                    SamplingMethod.NO_AMPLIFICATION,
                )
            )
        event_size = min(len(sketches), accountant.config.population_size)
        noisy = sum(sketches) + rng.normal(0.0, z * CLIP, (ROWS, width))
        accountant.compose(GaussianPrivacyEvent(z, event_size, accountant.config.population_size))
        total += noisy
        homes.append(len(sketches))
        spent = accountant.get_privacy_spent()
        report.append(
            {
                "round": server_round,
                "homes": len(sketches),
                "asked": len(nodes),
                "seconds": round(time.monotonic() - started, 2),
                "epsilon": spent.epsilon,
                "bytes_per_home": int(sketches[0].size * 4),
            }
        )
        log.warning(
            "round %d: %d of %d homes, ε %.2f",
            server_round,
            len(sketches),
            len(nodes),
            spent.epsilon,
        )
    if not homes:
        return
    aggregate = {
        "format": "hausgeist-federation/1",
        "kind": "aggregate",
        "shape": {"width": width, "most": settings["most"], "clip": CLIP, "salt": settings["salt"]},
        "lexicon": "wordfreq-en",
        "lexicon_size": settings["lexicon-size"],
        "rounds": len(homes),
        "homes": homes,
        "noise_std": z * CLIP * math.sqrt(len(homes)),
        "noise_multiplier": z,
        "epsilon": _one_round(z),
        "delta": DELTA,
        "cells": [[float(f"{v:.6g}") for v in row] for row in total],
    }
    text = json.dumps(aggregate)
    out = str(context.run_config["out"])
    if out:
        Path(out).write_text(text + "\n", encoding="utf-8")
        Path(out).with_suffix(".rounds.json").write_text(
            json.dumps(report, indent=1) + "\n", encoding="utf-8"
        )
    share = ConfigRecord({"aggregate": text})
    messages = [
        grid.create_message(RecordDict({"aggregate": share}), "query", node, "adopt")
        for node in grid.get_node_ids()
    ]
    list(grid.send_and_receive(messages, timeout=timeout))


def _one_round(z: float) -> float:
    accountant = RdpAccountant(
        PrivacyConfig(
            DELTA, 1, NeighboringRelation.ADD_OR_REMOVE_ONE, SamplingMethod.NO_AMPLIFICATION
        )
    )
    accountant.compose(GaussianPrivacyEvent(z, 1, 1))
    return float(accountant.get_privacy_spent().epsilon)


def _sketch(reply: Message, width: int) -> np.ndarray | None:
    try:
        record = reply.content.array_records["sketch"]
        sketch = np.asarray(record["cells"].numpy(), dtype=np.float64)
    except (KeyError, ValueError) as exc:
        log.warning("a home's reply holds no sketch (%s); left out", exc)
        return None
    if sketch.shape != (ROWS, width) or not np.isfinite(sketch).all():
        log.warning("a home's sketch has shape %s, not %s; left out", sketch.shape, (ROWS, width))
        return None
    norm = float(np.linalg.norm(sketch))
    return sketch if norm <= CLIP else sketch * (CLIP / norm)
