"""Shared fixtures: paths to test data and small helpers."""

from __future__ import annotations

import os
import textwrap
import uuid
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"
REFERENCE = DATA / "reference"


@pytest.fixture
def write_yaml(tmp_path: Path):
    """Write dedented YAML text to a file in a temporary folder and return its path."""

    def write(text: str, name: str = "instrument.yaml") -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return path

    return write


#: a PostgreSQL server whose role may create databases (``.ci/run`` starts one and sets it)
PG = os.environ.get("ASSESS_TEST_POSTGRES")


def pg_admin(sql: str) -> None:
    """Run ``sql`` on the test server outside a transaction (CREATE / DROP DATABASE)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool

    assert PG is not None
    admin = create_engine(
        "postgresql+psycopg://" + PG.split("://", 1)[1],
        isolation_level="AUTOCOMMIT",
        poolclass=NullPool,
    )
    with admin.connect() as conn:
        conn.execute(text(sql))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path):
    """A history store on SQLite, then on PostgreSQL (a database of its own per test). CI sets
    ``ASSESS_REQUIRE_POSTGRES=1`` so that a missing server fails instead of skipping."""
    if request.param == "sqlite":
        yield str(tmp_path / "history.sqlite")
        return
    if not PG:
        if os.environ.get("ASSESS_REQUIRE_POSTGRES"):
            pytest.fail("ASSESS_TEST_POSTGRES is not set but PostgreSQL tests are required")
        pytest.skip("PostgreSQL not configured: set ASSESS_TEST_POSTGRES (see .ci/run)")
    name = f"assess_{uuid.uuid4().hex[:12]}"
    pg_admin(f'CREATE DATABASE "{name}"')
    yield PG.rsplit("/", 1)[0] + "/" + name
    pg_admin(f'DROP DATABASE "{name}" WITH (FORCE)')


@pytest.fixture
def web_client(tmp_path: Path):
    """The web page in a test client, its workspaces and history in a temporary folder."""
    from starlette.testclient import TestClient

    from assessments.web.app import create_app

    app = create_app(root=tmp_path / "sessions", store=str(tmp_path / "history.sqlite"))
    with TestClient(app, base_url="http://127.0.0.1:8765") as c:
        yield c
