"""A Mosquitto process of a test's own (never the system one on 1883)."""

from __future__ import annotations

import getpass
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

MOSQUITTO = Path(os.environ.get("HAUSGEIST_TEST_MOSQUITTO", "/usr/sbin/mosquitto"))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Mosquitto:
    """A Mosquitto process on a port of its own that tests may kill and restart.

    Persistence is on (as in a real home); kill -9 loses what was not saved, a clean
    ``stop()`` saves everything, which ``snapshot()`` uses to give later restarts the
    sessions of the clients connected at that moment."""

    host = "127.0.0.1"

    def __init__(self, workdir: Path, port: int | None = None, *, settings: str = "") -> None:
        self.workdir = workdir
        self.port = port or free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.log = workdir / "mosquitto.log"
        self.conf = workdir / "mosquitto.conf"
        self.starts = 0
        data = workdir / "persistence"
        data.mkdir(parents=True, exist_ok=True)
        self.conf.write_text(
            f"listener {self.port} 127.0.0.1\n"
            + (settings or "allow_anonymous true\n")
            # Run as ourselves: as root Mosquitto would switch to the `mosquitto` user,
            # which cannot write the log or the persistence file into our temp dir.
            + f"user {getpass.getuser()}\n"
            # Nagle off: with it on, a packet Mosquitto has acknowledged to its sender can
            # still sit in its send buffer to a subscriber, and kill -9 discards it. That is
            # a loss inside the broker, not the agent's to prevent.
            + "set_tcp_nodelay true\n"
            + "persistence true\n"
            f"persistence_location {data}/\n"
            "max_queued_messages 10000\n"
            "max_inflight_messages 100\n"
            "log_type error\nlog_type warning\nlog_type notice\n"
            f"log_dest file {self.log}\n"
        )

    def start(self) -> None:
        if self.process is not None and self.process.poll() is None:
            return
        self.process = subprocess.Popen(
            [str(MOSQUITTO), "-c", str(self.conf)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.starts += 1
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"mosquitto exited: {self.log.read_text(errors='replace')}")
            try:
                with socket.create_connection((self.host, self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.02)
        raise RuntimeError(f"mosquitto did not listen on {self.port}")

    def kill(self) -> None:
        """SIGKILL: no clean shutdown, nothing saved."""
        self._signal(signal.SIGKILL)

    def stop(self) -> None:
        """SIGTERM: Mosquitto saves its state and exits."""
        self._signal(signal.SIGTERM)

    def restart(self) -> None:
        """Kill (if running) and start again on the same port."""
        self.kill()
        self.start()

    def snapshot(self) -> None:
        """Save the current sessions (clean stop) and start again from them."""
        self.stop()
        self.start()

    def _signal(self, sig: signal.Signals) -> None:
        process = self.process
        if process is None or process.poll() is not None:
            return
        process.send_signal(sig)
        process.wait(timeout=10)

    def close(self) -> None:
        self.kill()
