"""An embedded MQTT broker (amqtt) for a configuration without an ``mqtt:`` section.

amqtt speaks MQTT 3.1.1 only, so the agent talks to it with ``MqttProtocol.V311``. It
listens on 127.0.0.1 only and keeps nothing on disk: it is for trying hausgeist out,
not for a home that already runs Mosquitto.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from types import TracebackType
from typing import Any, Self

from hausgeist.errors import IntegrationError
from hausgeist.integration.link import MqttProtocol

log = logging.getLogger(__name__)

PROTOCOL = MqttProtocol.V311
"""What the embedded broker speaks."""
DEFAULT_PORT = 1883
"""Where it listens when no port is asked for and this one is free (MQTT's own port)."""
_HOST = "127.0.0.1"


def free_port(host: str = _HOST) -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        port: int = probe.getsockname()[1]
        return port


def _bindable(host: str, port: int) -> bool:
    """Whether a server could listen on ``host:port`` now (as asyncio's would: reusing an
    address that only waits out an old connection)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
        return True


class EmbeddedBroker:
    """``async with EmbeddedBroker(port=None) as broker``: a broker on ``broker.port``.

    Without a ``port`` it takes ``preferred`` (1883), or a free port when that is taken
    (another broker on this machine), and says so in a warning: clients must then be told
    the port."""

    def __init__(self, port: int | None = None, *, preferred: int = DEFAULT_PORT) -> None:
        self.host = _HOST
        """Where it listens."""
        self.port = port or preferred
        """The port it listens on (once started)."""
        self._any_port = port is None
        self._broker: Any = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    async def start(self) -> None:
        """Start listening; IntegrationError when the port asked for is taken."""
        for name in ("amqtt", "transitions"):
            logging.getLogger(name).setLevel(logging.WARNING)
        try:
            await self._listen()
        except IntegrationError:
            if not self._any_port:
                raise
            taken, self.port = self.port, free_port(self.host)
            await self._listen()
            log.warning(
                "port %d is taken (another MQTT broker?), so the embedded broker listens on"
                " %s:%d: point devices and clients there, choose the port with"
                " --broker-port, or use your broker through an mqtt: section",
                taken,
                self.host,
                self.port,
            )
            return
        log.info("embedded MQTT broker (MQTT 3.1.1) on mqtt://%s:%d", self.host, self.port)

    async def _listen(self) -> None:
        from amqtt.broker import Broker
        from amqtt.errors import BrokerError

        if not _bindable(self.host, self.port):  # asked first: amqtt logs a traceback
            raise IntegrationError(
                f"cannot start the embedded MQTT broker on {self.host}:{self.port}: the port"
                " is taken; choose another port or configure an `mqtt:` broker"
            )
        config = {
            "listeners": {"default": {"type": "tcp", "bind": f"{self.host}:{self.port}"}},
            "plugins": {
                "amqtt.plugins.authentication.AnonymousAuthPlugin": {"allow_anonymous": True}
            },
        }
        self._broker = Broker(config, loop=asyncio.get_running_loop())
        try:
            await self._broker.start()
        except BrokerError as exc:
            self._broker = None
            raise IntegrationError(
                f"cannot start the embedded MQTT broker on {self.host}:{self.port}: {exc};"
                " choose another port or configure an `mqtt:` broker"
            ) from exc

    async def stop(self) -> None:
        """Stop it (idempotent)."""
        broker, self._broker = self._broker, None
        if broker is not None:
            await broker.shutdown()
