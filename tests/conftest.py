"""Fixtures every test folder may use: the PostgreSQL server of the machine, and the test home
(``tests/understanding/home.yaml``) with its understanding core and state."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from hausgeist.config import Config, load_config
from hausgeist.devices import DeviceRegistry, StateStore
from hausgeist.understanding import Understanding

POSTGRES_URL = os.environ.get(
    "HAUSGEIST_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test of tests/cli runs the program as a process (``make test-fast`` leaves them out)."""
    cli = Path(__file__).parent / "cli"
    for item in items:
        if item.path.is_relative_to(cli):
            item.add_marker(pytest.mark.process)


@pytest.fixture(autouse=True, scope="session")
def _own_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Agents built in tests keep their files (kept prompts, tuned models) in a temporary
    data directory, never in the user's."""
    if "HAUSGEIST_DATA_DIR" in os.environ:
        yield
        return
    os.environ["HAUSGEIST_DATA_DIR"] = str(tmp_path_factory.mktemp("data"))
    yield
    del os.environ["HAUSGEIST_DATA_DIR"]


@pytest.fixture(scope="session")
def postgres_server() -> str:
    """The PostgreSQL URL, or a skip when no server answers."""
    engine = sa.create_engine(POSTGRES_URL, connect_args={"connect_timeout": 2})
    try:
        with engine.connect():
            pass
    except sa.exc.OperationalError as exc:
        if os.environ.get("HAUSGEIST_REQUIRE_POSTGRES"):
            pytest.fail(f"PostgreSQL not reachable at {POSTGRES_URL}: {exc.orig}")
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES_URL}: {exc.orig}")
    finally:
        engine.dispose()
    return POSTGRES_URL


TEST_HOME = Path(__file__).parent / "understanding" / "home.yaml"


@pytest.fixture(scope="session")
def home_config() -> Config:
    return load_config(TEST_HOME, env={})


@pytest.fixture(scope="session")
def core(home_config: Config) -> Understanding:
    return Understanding(DeviceRegistry.from_config(home_config), home_config.policy)


@pytest.fixture
def states(core: Understanding) -> StateStore:
    return StateStore.from_registry(core.registry)
