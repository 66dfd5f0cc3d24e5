"""Real Flower processes: a SuperLink with the ServerApp, a SuperNode per home, two rounds
of secure aggregation (SecAgg+); the homes' contributions go through this program's own
export (scanner, accountant) and the aggregate comes back to each home to adopt."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hausgeist.errors import FederationError
from hausgeist.integration.flower import processes

pytest.importorskip("wordfreq")
pytestmark = [pytest.mark.flower, pytest.mark.process, pytest.mark.timeout(600)]
HOME = Path(__file__).resolve().parents[1] / "understanding" / "home.yaml"
FEDERATION = "federation: {noise_multiplier: 0.05, budget_epsilon: 5000, k: 2}\n"


@pytest.fixture(scope="module")
def flower() -> Path:
    try:
        return processes.flower_bin()
    except FederationError as exc:
        if os.environ.get("CI") or os.environ.get("HAUSGEIST_REQUIRE_POSTGRES"):
            raise
        pytest.skip(str(exc))


def hausgeist(data: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HAUSGEIST_")}
    env["HAUSGEIST_DATA_DIR"] = str(data)
    return subprocess.run(
        [sys.executable, "-m", "hausgeist", *args],
        input=stdin, capture_output=True, text=True, env=env, timeout=300, check=False,
    )  # fmt: skip


@pytest.fixture
def homes(tmp_path: Path, flower: Path) -> tuple[Path, list[Path]]:
    del flower
    config = tmp_path / "home.yaml"
    config.write_text(HOME.read_text() + FEDERATION)
    datas = [tmp_path / f"home{i}" for i in range(3)]
    lines = [
        {"text": "turn on the mood light", "session": "s", "area": "living_room"},
        {"text": "I meant the ceiling light", "session": "s", "area": "living_room"},
    ]
    for data in datas[:2]:  # two homes learn the phrase; the third never heard it
        done = hausgeist(data, "ask", "--config", str(config), "--json", "-",
                         stdin="\n".join(json.dumps(x) for x in lines))  # fmt: skip
        assert done.returncode == 0, done.stderr
    return config, datas


def certificates(folder: Path) -> tuple[list[str], list[str]]:
    """A throwaway CA and a server certificate for 127.0.0.1: the server's and the homes'
    flags."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")

    def run(*args: str) -> None:
        subprocess.run(["openssl", *args], cwd=folder, check=True, capture_output=True)

    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt",
        "-days", "1", "-subj", "/CN=hausgeist test CA")  # fmt: skip
    run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr",
        "-subj", "/CN=127.0.0.1")  # fmt: skip
    (folder / "ext.cnf").write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    run("x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
        "-CAcreateserial", "-out", "server.crt", "-days", "1", "-extfile", "ext.cnf")  # fmt: skip
    server = ["--certfile", str(folder / "server.crt"), "--keyfile", str(folder / "server.key")]
    return [*server, "--ca", str(folder / "ca.crt")], ["--ca", str(folder / "ca.crt")]


@pytest.mark.parametrize("tls", [False, True], ids=["insecure", "tls"])
def test_three_homes_two_rounds_and_the_third_adopts(
    homes: tuple[Path, list[Path]], tmp_path: Path, *, tls: bool
) -> None:
    config, datas = homes
    server_tls, home_tls = certificates(tmp_path) if tls else ([], [])
    port = processes.free_port()
    out = tmp_path / "aggregate.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith("HAUSGEIST_")}
    server = subprocess.Popen(
        [sys.executable, "-m", "hausgeist", "federate", "server", "--config", str(config),
         "--port", str(port), "--rounds", "2", "--min-homes", "3", "--out", str(out),
         "--log", str(tmp_path / "link.log"), *server_tls],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    nodes = []
    try:
        time.sleep(1)
        for i, data in enumerate(datas):
            nodes.append(
                subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "hausgeist",
                        "federate",
                        "join",
                        "--config",
                        str(config),
                        "--server",
                        f"127.0.0.1:{port}",
                        "--log",
                        str(tmp_path / f"node{i}.log"),
                        *home_tls,
                    ],
                    env={**env, "HAUSGEIST_DATA_DIR": str(data)},
                )
            )
        # A command of the home answers while the federation's rounds run beside it.
        asked = hausgeist(datas[0], "ask", "--config", str(config), "--area", "kitchen",
                          "--dry-run", "--json", "turn on the kitchen pendant")  # fmt: skip
        assert json.loads(asked.stdout)["status"] == "done"
        _, err = server.communicate(timeout=480)
        assert server.returncode == 0, err + (tmp_path / "link.log").read_text()[-3000:]
    finally:
        for node in nodes:
            node.terminate()
            node.wait(20)
        if server.poll() is None:
            server.kill()
    aggregate = json.loads(out.read_text())
    assert aggregate["rounds"] == 2
    assert aggregate["homes"] == [3, 3]
    # The server summed each round under SecAgg+: it never held a single home's sketch.
    assert aggregate["secure_aggregation"] == "SecAgg+"
    rounds = json.loads(out.with_suffix(".rounds.json").read_text())
    assert [r["homes"] for r in rounds] == [3, 3]
    assert rounds[1]["epsilon"] > rounds[0]["epsilon"] > 0
    for data in datas:
        status = hausgeist(data, "federate", "status", "--config", str(config)).stdout
        assert "Rounds contributed in 365 days: 2" in status
        # Flower's accountant and this home's agree on what the two rounds spent.
        assert f"{rounds[1]['epsilon']:.2f} of 5000" in status
    third = hausgeist(datas[2], "ask", "--config", str(config), "--area", "bedroom", "--dry-run",
                      "--json", "turn on the mood light")  # fmt: skip
    assert [a["entity_id"] for a in json.loads(third.stdout)["actions"]] == [
        "light.bedroom_ceiling"
    ]
    assert "mood" not in out.read_text()
