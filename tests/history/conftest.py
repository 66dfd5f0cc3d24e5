"""Fixtures of the history tests: entries, a SQLite and a PostgreSQL backend, a TCP proxy."""

from __future__ import annotations

import contextlib
import itertools
import socket
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from hausgeist.history import HistoryEntry, SqlHistory

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)

EntryFactory = Callable[..., HistoryEntry]


@pytest.fixture
def make_entry() -> EntryFactory:
    """New entries, one second apart; keyword arguments override fields."""
    counter = itertools.count()

    def make(**fields: Any) -> HistoryEntry:
        n = next(counter)
        values: dict[str, Any] = {
            "request_id": uuid.uuid4().hex,
            "time": T0 + timedelta(seconds=n),
            "text": f"turn off the kitchen light ({n})",
            "channel": "cli",
            "status": "done",
            "source": "core",
            "reply": "Turned off the kitchen light.",
            "actions": [{"service": "light.turn_off", "entity_id": "light.kitchen", "data": {}}],
            "pending": [],
            "latency_ms": 3.5,
        }
        values.update(fields)
        return HistoryEntry(**values)

    return make


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def postgres_url(postgres_server: str) -> Iterator[str]:
    """A URL whose tables land in a fresh schema, dropped (with all it holds) afterwards."""
    schema = f"hausgeist_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(postgres_server)
    with admin.begin() as connection:
        connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    url = sa.make_url(postgres_server).update_query_dict({"options": f"-csearch_path={schema}"})
    yield url.render_as_string(hide_password=False)
    with admin.begin() as connection:
        connection.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
    admin.dispose()


@dataclass(frozen=True)
class Backend:
    """Where a test's history lives."""

    url: str | None
    """What SqlHistory.open is given (None: the default SQLite file)."""
    direct_url: str
    """The same database, for reading it behind the store's back."""

    def request_ids(self) -> list[str]:
        """The request id of every row in the requests table, in insertion order."""
        engine = sa.create_engine(self.direct_url)
        try:
            with engine.connect() as connection:
                query = "SELECT request_id FROM requests ORDER BY id"
                return [row[0] for row in connection.exec_driver_sql(query)]
        finally:
            engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest, data_dir: Path) -> Backend:
    if request.param == "sqlite":
        return Backend(None, f"sqlite:///{data_dir / 'history.db'}")
    url = request.getfixturevalue("postgres_url")
    return Backend(url, url)


@pytest.fixture
def open_history(data_dir: Path) -> Iterator[Callable[[str | None], SqlHistory]]:
    """Opens histories in ``data_dir`` and closes them after the test."""
    opened: list[SqlHistory] = []

    def open_(url: str | None) -> SqlHistory:
        history = SqlHistory.open(url, data_dir)
        opened.append(history)
        return history

    yield open_
    for history in opened:
        history.close(timeout=0.5)


class TcpProxy:
    """Forwards a local port to ``upstream``; `stop` cuts every connection, `start` resumes."""

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self.port = 0
        self._sockets: list[socket.socket] = []
        self._threads: list[threading.Thread] = []
        self._stopping = threading.Event()

    def start(self) -> None:
        self._stopping.clear()
        self._listener = socket.create_server(("127.0.0.1", self.port))  # SO_REUSEADDR
        self._listener.settimeout(0.05)
        self.port = self._listener.getsockname()[1]
        self._acceptor = threading.Thread(target=self._accept, name="proxy-accept", daemon=True)
        self._acceptor.start()

    def stop(self) -> None:
        self._stopping.set()
        self._acceptor.join()
        self._listener.close()
        for sock in self._sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
        for thread in self._threads:
            thread.join()
        self._sockets.clear()
        self._threads.clear()

    @property
    def running(self) -> bool:
        return not self._stopping.is_set()

    def _accept(self) -> None:
        while not self._stopping.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            client.settimeout(None)
            server = socket.create_connection(self.upstream)
            self._sockets += [client, server]
            for source, target in ((client, server), (server, client)):
                thread = threading.Thread(target=self._pump, args=(source, target), daemon=True)
                self._threads.append(thread)
                thread.start()

    @staticmethod
    def _pump(source: socket.socket, target: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass
        finally:
            with contextlib.suppress(OSError):
                target.shutdown(socket.SHUT_WR)


@pytest.fixture
def tcp_proxy(postgres_server: str) -> Iterator[TcpProxy]:
    """A started proxy to the PostgreSQL server."""
    url = sa.make_url(postgres_server)
    proxy = TcpProxy((url.host or "127.0.0.1", url.port or 5432))
    proxy.start()
    yield proxy
    if proxy.running:
        proxy.stop()
