"""Fixtures every test folder may use: the PostgreSQL server of the machine."""

from __future__ import annotations

import os

import pytest
import sqlalchemy as sa

POSTGRES_URL = os.environ.get(
    "HAUSGEIST_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


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
