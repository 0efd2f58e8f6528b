"""Shared fixtures: paths to test data and small helpers."""

from __future__ import annotations

import textwrap
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
