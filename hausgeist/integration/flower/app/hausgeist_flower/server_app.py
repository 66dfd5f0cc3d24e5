"""The ServerApp: rounds of clipped sketches, summed under secure aggregation, noised once,
accounted with Flower's RdpAccountant; the aggregate goes back to every home and to a file.

Secure aggregation: each round runs Flower's SecAgg+ protocol (``SecAggPlusWorkflow``; the
homes' ClientApp wears ``secaggplus_mod``). Every home masks its sketch with pairwise masks
that cancel in the sum, so this process learns the round's sum and nothing of any single
home; a home that drops out after sharing its keys is unmasked from its neighbours' shares.

Central differential privacy: each home clips its own sketch to the clip norm (``hausgeist
federate export`` does, and SecAgg+ clips every cell to ``CLIP`` before quantizing), so adding
or removing one home moves a round's sum by at most that much; Gaussian noise of
``noise-multiplier`` times it is added to the sum before anything leaves this process.
"""

from __future__ import annotations

import json
import logging
import math
import time
from pathlib import Path

import numpy as np
from flwr.app import Context, Message, MessageType
from flwr.common import (
    EvaluateIns,
    EvaluateRes,
    FitIns,
    FitRes,
    Parameters,
    Scalar,
    ndarrays_to_parameters,
    parameters_to_ndarrays,
)
from flwr.compat.common.recorddict_compat import evaluateins_to_recorddict
from flwr.server import LegacyContext, ServerConfig
from flwr.server.client_manager import ClientManager
from flwr.server.client_proxy import ClientProxy
from flwr.server.strategy import Strategy
from flwr.server.workflow import DefaultWorkflow, SecAggPlusWorkflow
from flwr.server.workflow.secure_aggregation.secaggplus_workflow import WorkflowState
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
# SecAgg+ quantizes each cell of [-CLIP, CLIP] to one of 2**22 steps (~5e-7 apart, far below
# the noise) and masks modulo 2**32, so sums of up to 2**10 homes cannot wrap around.
QUANTIZATION = 2**22
log = logging.getLogger("hausgeist.flower")
app = ServerApp()
NONE = Parameters(tensors=[], tensor_type="numpy.ndarray")


class SketchSum(Strategy):
    """Asks every home for its sketch, and from the securely aggregated mean of a round makes
    the noised sum: the released total, the accountant's ε, a report per round."""

    def __init__(self, context: Context) -> None:
        c = context.run_config
        self.settings: dict[str, Scalar] = {
            "width": int(c["width"]),
            "most": int(c["most"]),
            "salt": str(c["salt"]),
            "lexicon-size": int(c["lexicon-size"]),
            "noise-multiplier": float(c["noise-multiplier"]),
        }
        self.width = int(c["width"])
        self.z = float(c["noise-multiplier"])
        self.least = int(c["min-homes"])
        self.timeout = float(c["round-timeout"])
        self.rng = np.random.default_rng()
        self.total = np.zeros((ROWS, self.width))
        self.homes: list[int] = []
        self.report: list[dict[str, object]] = []
        self.accountant: RdpAccountant | None = None
        self.started = time.monotonic()
        self.asked = 0

    def initialize_parameters(self, client_manager: ClientManager) -> Parameters | None:
        del client_manager
        return NONE  # nothing goes out to the homes but the round's settings

    def configure_fit(
        self, server_round: int, parameters: Parameters, client_manager: ClientManager
    ) -> list[tuple[ClientProxy, FitIns]]:
        del parameters
        self.started = time.monotonic()
        client_manager.wait_for(self.least, timeout=int(self.timeout))
        proxies = list(client_manager.all().values())
        if len(proxies) < self.least:
            log.warning("round %d: %d home(s) of the %d asked for", server_round, len(proxies),
                        self.least)  # fmt: skip
        if len(proxies) < 2:  # a sum of one home is that home's sketch
            log.warning("round %d: fewer than 2 homes; nothing asked", server_round)
            return []
        config = {**self.settings, "round": server_round}
        self.asked = len(proxies)
        return [(proxy, FitIns(NONE, config)) for proxy in proxies]

    def aggregate_fit(
        self,
        server_round: int,
        results: list[tuple[ClientProxy, FitRes]],
        failures: list[tuple[ClientProxy, FitRes] | BaseException],
    ) -> tuple[Parameters | None, dict[str, Scalar]]:
        if failures:
            log.warning("round %d: %d home(s) failed or dropped out", server_round, len(failures))
        if len(results) < 2:
            log.warning("round %d: fewer than 2 homes answered; nothing released", server_round)
            return None, {}
        # SecAgg+ hands every result the same parameters: the mean of the homes that answered,
        # each weighted 1. Only that mean is ever seen here.
        (mean,) = parameters_to_ndarrays(results[0][1].parameters)
        mean = np.asarray(mean, dtype=np.float64)
        if mean.shape != (ROWS, self.width) or not np.isfinite(mean).all():
            log.warning("round %d: the sum has shape %s, not %s; nothing released", server_round,
                        mean.shape, (ROWS, self.width))  # fmt: skip
            return None, {}
        count = len(results)
        if self.accountant is None:
            # No amplification by sampling is claimed: the population is for the report only.
            population = max(self.least, count)
            self.accountant = RdpAccountant(
                PrivacyConfig(
                    DELTA,
                    population,
                    NeighboringRelation.ADD_OR_REMOVE_ONE,
                    SamplingMethod.NO_AMPLIFICATION,
                )
            )
        size = self.accountant.config.population_size
        noisy = mean * count + self.rng.normal(0.0, self.z * CLIP, (ROWS, self.width))
        self.accountant.compose(GaussianPrivacyEvent(self.z, min(count, size), size))
        self.total += noisy
        self.homes.append(count)
        spent = self.accountant.get_privacy_spent()
        self.report.append(
            {
                "round": server_round,
                "homes": count,
                "asked": self.asked,
                "seconds": round(time.monotonic() - self.started, 2),
                "epsilon": spent.epsilon,
                "secure_aggregation": "SecAgg+",
                # the masked vector SecAgg+ sends: one 64-bit integer per cell
                "bytes_per_home": int(mean.size * 8),
            }
        )
        log.warning("round %d: %d home(s), ε %.2f", server_round, count, spent.epsilon)
        return ndarrays_to_parameters([self.total]), {}

    def configure_evaluate(
        self, server_round: int, parameters: Parameters, client_manager: ClientManager
    ) -> list[tuple[ClientProxy, EvaluateIns]]:
        del server_round, parameters, client_manager
        return []  # the aggregate goes out once, after the last round (see main)

    def aggregate_evaluate(
        self,
        server_round: int,
        results: list[tuple[ClientProxy, EvaluateRes]],
        failures: list[tuple[ClientProxy, EvaluateRes] | BaseException],
    ) -> tuple[float | None, dict[str, Scalar]]:
        del server_round, results, failures
        return None, {}

    def evaluate(
        self, server_round: int, parameters: Parameters
    ) -> tuple[float, dict[str, Scalar]] | None:
        del server_round, parameters
        return None

    def aggregate(self) -> dict[str, object]:
        return {
            "format": "hausgeist-federation/2",
            "kind": "aggregate",
            "shape": {
                "width": self.width,
                "most": self.settings["most"],
                "clip": CLIP,
                "salt": self.settings["salt"],
            },
            "lexicon": "wordfreq-en",
            "lexicon_size": self.settings["lexicon-size"],
            "rounds": len(self.homes),
            "homes": self.homes,
            "noise_std": self.z * CLIP * math.sqrt(len(self.homes)),
            "noise_multiplier": self.z,
            "epsilon": _one_round(self.z),
            "delta": DELTA,
            "secure_aggregation": "SecAgg+",
            "cells": [[float(f"{v:.6g}") for v in row] for row in self.total],
        }


class SecureSum(SecAggPlusWorkflow):
    """Flower's SecAgg+, with a home that never answered the setup left out of the round.

    Such a home (its SuperNode gone, the SuperLink not yet aware) shared no key and no one
    masks against it, but Flower 1.42 keeps it among the round's homes and then halts the
    round for want of its key shares. Here it is simply not part of the round, as if it had
    not been asked; a home that drops out later is unmasked from its neighbours' shares as
    SecAgg+ intends."""

    def setup_stage(self, grid: Grid, context: LegacyContext, state: WorkflowState) -> bool:
        ready = bool(super().setup_stage(grid, context, state))
        state.sampled_node_ids = set(state.active_node_ids)
        return ready


def _no_evaluation(grid: Grid, context: Context) -> None:
    del grid, context


@app.main()
def main(grid: Grid, context: Context) -> None:
    rounds = int(context.run_config["rounds"])
    timeout = float(context.run_config["round-timeout"])
    strategy = SketchSum(context)
    secure = SecureSum(
        num_shares=1.0,  # every home shares its keys with every other home of the round
        reconstruction_threshold=0.5,  # half of them unmask one that dropped out
        max_weight=1.0,  # each home counts once
        clipping_range=CLIP,
        quantization_range=QUANTIZATION,
        timeout=timeout,
    )
    workflow = DefaultWorkflow(fit_workflow=secure, evaluate_workflow=_no_evaluation)
    workflow(grid, LegacyContext(context, config=ServerConfig(num_rounds=rounds),
                                 strategy=strategy))  # fmt: skip
    if not strategy.homes:
        log.warning("no round released anything; no aggregate")
        return
    text = json.dumps(strategy.aggregate())
    out = str(context.run_config["out"])
    if out:
        Path(out).write_text(text + "\n", encoding="utf-8")
        Path(out).with_suffix(".rounds.json").write_text(
            json.dumps(strategy.report, indent=1) + "\n", encoding="utf-8"
        )
    share = evaluateins_to_recorddict(EvaluateIns(NONE, {"aggregate": text}), keep_input=True)
    messages = [
        Message(
            content=share, dst_node_id=node, message_type=MessageType.EVALUATE, group_id="adopt"
        )
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
