"""The ClientApp: each round, this home's clipped sketch from ``hausgeist federate export``
(which picks its patterns, checks the message with the scanner and records the round's ε),
masked by Flower's ``secaggplus_mod`` so the server only ever learns the round's sum; at the
end, the aggregate handed to ``hausgeist federate import``.

It runs in the SuperNode's environment and reaches the home only through the command line
named in the SuperNode's ``--node-config`` (``hausgeist``, ``config``, ``data-dir``).
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import tempfile
from pathlib import Path

import numpy as np
from flwr.app import Context
from flwr.client import Client, ClientApp, NumPyClient
from flwr.client.mod import secaggplus_mod
from flwr.common import NDArrays, Scalar

log = logging.getLogger("hausgeist.flower")
TIMEOUT_S = 300


def _hausgeist(node: dict[str, Scalar], *args: str) -> subprocess.CompletedProcess[str]:
    command = [str(node["hausgeist"]), *args]
    if node.get("config"):
        command[3:3] = ["--config", str(node["config"])]
    env = dict(os.environ)
    if node.get("data-dir"):
        env["HAUSGEIST_DATA_DIR"] = str(node["data-dir"])
    # The command is this home's own program, named by whoever started its SuperNode.
    done = subprocess.run(  # noqa: S603
        command, capture_output=True, text=True, env=env, timeout=TIMEOUT_S, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args[:2])} failed: {done.stderr.strip()[-500:]}")
    return done


class Home(NumPyClient):
    """One home of the federation, seen through its own command line."""

    def __init__(self, node: dict[str, Scalar]) -> None:
        self.node = node

    def fit(
        self, parameters: NDArrays, config: dict[str, Scalar]
    ) -> tuple[NDArrays, int, dict[str, Scalar]]:
        del parameters  # nothing comes from the server but the round's settings
        expect = "/".join(str(config[k]) for k in ("width", "most", "salt", "lexicon-size"))
        args = [
            "federate", "export", "--out", "-",
            "--server-noise", str(config["noise-multiplier"]),
            "--expect", expect,
            "--to", "flower round " + str(config["round"]),
        ]  # fmt: skip
        done = _hausgeist(self.node, *args)
        payload = json.loads(done.stdout)
        return [np.asarray(payload["cells"], dtype=np.float64)], 1, {}

    def evaluate(
        self, parameters: NDArrays, config: dict[str, Scalar]
    ) -> tuple[float, int, dict[str, Scalar]]:
        del parameters
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "aggregate.json"
            path.write_text(str(config["aggregate"]), encoding="utf-8")
            done = _hausgeist(self.node, "federate", "import", str(path))
        lines = done.stdout.strip().splitlines()
        log.warning("%s", lines[0] if lines else "adopted")
        return 0.0, 1, {"adopted": 1}


def _home(context: Context) -> Client:
    return Home(dict(context.node_config)).to_client()


app = ClientApp(client_fn=_home, mods=[secaggplus_mod])
