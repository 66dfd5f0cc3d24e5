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
_HOST = "127.0.0.1"


def free_port(host: str = _HOST) -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        port: int = probe.getsockname()[1]
        return port


class EmbeddedBroker:
    """``async with EmbeddedBroker(port=None) as broker``: a broker on ``broker.port``."""

    def __init__(self, port: int | None = None) -> None:
        self.host = _HOST
        """Where it listens."""
        self.port = port or free_port()
        """The port it listens on."""
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
        """Start listening; IntegrationError when the port is taken."""
        from amqtt.broker import Broker
        from amqtt.errors import BrokerError

        for name in ("amqtt", "transitions"):
            logging.getLogger(name).setLevel(logging.WARNING)
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
        log.info("embedded MQTT broker (MQTT 3.1.1) on mqtt://%s:%d", self.host, self.port)

    async def stop(self) -> None:
        """Stop it (idempotent)."""
        broker, self._broker = self._broker, None
        if broker is not None:
            await broker.shutdown()
