"""Flower's processes for ``hausgeist federate server`` and ``federate join``: a SuperLink
and a run of the Flower App on it, or a SuperNode that runs this home's ClientApp.

Separate processes, as Flower runs in production; no runtime dependency installation (the
SuperLink would otherwise run ``uv sync`` against the package index); ``--insecure`` only
where no certificate is given.
"""

from __future__ import annotations

import logging
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from hausgeist.config.models import FederationConfig
from hausgeist.errors import FederationError

log = logging.getLogger("hausgeist.federation")
APP = Path(__file__).parent / "app"
"""The Flower App (its ``pyproject.toml`` and the ServerApp and ClientApp)."""
ENV = "HAUSGEIST_FLOWER"
"""A Flower environment's folder (or its ``bin``), when not ``.flower`` beside the source."""


def flower_bin() -> Path:
    """Where Flower's programs are: ``$HAUSGEIST_FLOWER``, ``.flower`` of this checkout
    (``scripts/install-flower``), or the PATH."""
    candidates: list[Path] = []
    if os.environ.get(ENV):
        base = Path(os.environ[ENV])
        candidates += [base / "bin", base]
    candidates.append(Path(__file__).resolve().parents[3] / ".flower" / "bin")
    found = shutil.which("flower-superlink")
    if found:
        candidates.append(Path(found).parent)
    for folder in candidates:
        if (folder / "flower-superlink").exists() and (folder / "flwr").exists():
            return folder
    raise FederationError(
        "Flower is not installed: run scripts/install-flower (its own environment in "
        f".flower/), or set {ENV} to a folder with flwr 1.42 installed"
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_port(host: str, port: int, process: subprocess.Popen[bytes], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise FederationError(f"Flower's process ended with code {process.returncode}")
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise FederationError(f"Flower did not listen on {host}:{port} within {seconds:.0f} s")


def _env(binaries: Path, home: Path | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = f"{binaries}{os.pathsep}{env.get('PATH', '')}"
    env.pop("PYTHONPATH", None)  # Flower's environment, not this one
    if home is not None:
        env["FLWR_HOME"] = str(home)
    return env


@dataclass(frozen=True)
class Tls:
    """Certificates for Flower's connections; None everywhere means ``--insecure``."""

    certfile: Path | None = None
    keyfile: Path | None = None
    ca: Path | None = None


@dataclass(frozen=True)
class ServerOptions:
    host: str = "127.0.0.1"
    port: int = 9092
    rounds: int = 3
    min_homes: int = 2
    round_timeout_s: float = 120.0
    out: Path | None = None
    tls: Tls = Tls()


def serve(options: ServerOptions, settings: FederationConfig, log_to: Path | None = None) -> int:
    """Start a SuperLink, run the Flower App's rounds on it, stop it; the run's exit code."""
    binaries = flower_bin()
    with tempfile.TemporaryDirectory(prefix="hausgeist-flower-") as folder:
        home = Path(folder)
        insecure = options.tls.certfile is None
        link_args = [
            str(binaries / "flower-superlink"),
            "--disable-runtime-dependency-installation",
            "--host", options.host, "--port", str(options.port),
            "--database", str(home / "state.db"),
        ]  # fmt: skip
        if insecure:
            link_args.append("--insecure")
        else:
            link_args += ["--ssl-certfile", str(options.tls.certfile)]
            link_args += ["--ssl-keyfile", str(options.tls.keyfile)]
            link_args += ["--ssl-ca-certfile", str(options.tls.ca)]
        out = Path(log_to or os.devnull).open("ab")  # noqa: SIM115 - lives as long as the process
        link = subprocess.Popen(link_args, stdout=out, stderr=out, env=_env(binaries, home))  # noqa: S603
        try:
            local = options.host if options.host not in {"0.0.0.0", "::"} else "127.0.0.1"  # noqa: S104
            wait_for_port(local, options.port, link, 60)
            connection = [
                "[superlink]",
                'default = "hausgeist"',
                "[superlink.hausgeist]",
                f'address = "127.0.0.1:{options.port}"',
            ]
            connection.append(
                "insecure = true" if insecure else f'root-certificates = "{options.tls.ca}"'
            )
            (home / "config.toml").write_text("\n".join(connection) + "\n", encoding="utf-8")
            config = {
                "rounds": options.rounds,
                "min-homes": options.min_homes,
                "round-timeout": options.round_timeout_s,
                "noise-multiplier": settings.noise_multiplier,
                "width": settings.width,
                "most": settings.most,
                "salt": settings.salt,
                "lexicon-size": settings.lexicon_size,
                "out": str(options.out or ""),
            }
            run = subprocess.run(  # noqa: S603
                [
                    str(binaries / "flwr"),
                    "run",
                    str(APP),
                    "hausgeist",
                    "--stream",
                    "--run-config",
                    _toml(config),
                ],
                env=_env(binaries, home),
                check=False,
            )
            return run.returncode
        finally:
            link.terminate()
            try:
                link.wait(10)
            except subprocess.TimeoutExpired:
                link.kill()
            out.close()


def _toml(values: Mapping[str, object]) -> str:
    parts = []
    for key, value in values.items():
        if isinstance(value, str):
            parts.append(f"{key}={_quoted(value)}")
        elif isinstance(value, float):
            parts.append(f"{key}={value!r}")
        else:
            parts.append(f"{key}={value}")
    return " ".join(parts)


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


@dataclass(frozen=True)
class Member:
    """This home's side of a federation."""

    server: str
    """``HOST:PORT`` of the SuperLink."""
    config: Path | None
    data_dir: Path | None
    tls: Tls = Tls()


def join(member: Member, log_to: Path | None = None) -> subprocess.Popen[bytes]:
    """Start a SuperNode that answers the SuperLink's rounds with this home's contributions
    (the caller waits for it, or stops it)."""
    binaries = flower_bin()
    program = Path(sys.executable).with_name("hausgeist")
    if not program.exists():
        found = shutil.which("hausgeist")
        if found is None:
            raise FederationError("cannot find the hausgeist program for Flower to call")
        program = Path(found)
    node = {"hausgeist": str(program)}
    if member.config is not None:
        node["config"] = str(member.config.resolve())
    if member.data_dir is not None:
        node["data-dir"] = str(member.data_dir.resolve())
    args = [
        str(binaries / "flower-supernode"),
        "--superlink", member.server,
        "--port", str(free_port()),
        "--node-config", " ".join(f"{k}={_quoted(v)}" for k, v in node.items()),
    ]  # fmt: skip
    args += ["--insecure"] if member.tls.ca is None else ["--root-certificates", str(member.tls.ca)]
    out = Path(log_to or os.devnull).open("ab")  # noqa: SIM115 - handed to the process
    return subprocess.Popen(args, stdout=out, stderr=out, env=_env(binaries))  # noqa: S603
