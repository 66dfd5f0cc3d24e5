"""The ClientApp: each round, this home's clipped sketch from ``hausgeist federate export``
(which picks its patterns, checks the message with the scanner and records the round's ε);
at the end, the aggregate handed to ``hausgeist federate import``.

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
from flwr.app import Array, ArrayRecord, Context, Message, MetricRecord, RecordDict
from flwr.clientapp import ClientApp

log = logging.getLogger("hausgeist.flower")
app = ClientApp()
TIMEOUT_S = 300


def _hausgeist(context: Context, *args: str) -> subprocess.CompletedProcess[str]:
    node = context.node_config
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


@app.train()
def train(msg: Message, context: Context) -> Message:
    config = msg.content.config_records["config"]
    expect = "/".join(str(config[k]) for k in ("width", "most", "salt", "lexicon-size"))
    args = [
        "federate", "export", "--out", "-",
        "--server-noise", str(config["noise-multiplier"]),
        "--expect", expect,
        "--to", "flower round " + str(config["round"]),
    ]  # fmt: skip
    done = _hausgeist(context, *args)
    payload = json.loads(done.stdout)
    cells = np.asarray(payload["cells"], dtype=np.float32)
    content = RecordDict(
        {
            "sketch": ArrayRecord({"cells": Array(cells)}),
            "metrics": MetricRecord({"num-examples": 1}),
        }
    )
    return Message(content=content, reply_to=msg)


@app.query()
def adopt(msg: Message, context: Context) -> Message:
    text = str(msg.content.config_records["aggregate"]["aggregate"])
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "aggregate.json"
        path.write_text(text, encoding="utf-8")
        done = _hausgeist(context, "federate", "import", str(path))
    log.warning("%s", done.stdout.strip().splitlines()[0] if done.stdout.strip() else "adopted")
    return Message(content=RecordDict({"metrics": MetricRecord({"adopted": 1})}), reply_to=msg)
