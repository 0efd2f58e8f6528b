"""The shipped instruments, and :func:`load_instrument` for shipped ids and users' files.

Examples
--------
>>> from assessments import load_instrument, list_instruments
>>> [i.id for i in list_instruments()][:2]
['oric', 'orca']
>>> load_instrument("orca").domain("research_evidence").min_items()
3
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from ..errors import InstrumentError, Problem
from .keys import apply_key
from .loader import read_instrument_file, shipped_file, shipped_files
from .model import Instrument


@lru_cache(maxsize=64)
def _load_cached(path: str, mtime_ns: int) -> Instrument:
    return read_instrument_file(path)


def _read(path: Path) -> Instrument:
    return _load_cached(str(path), path.stat().st_mtime_ns)


def list_instruments() -> list[Instrument]:
    """Load every shipped instrument (all versions), in display order."""
    return [_read(p) for p in shipped_files().values()]


def load_instrument(
    id_or_path: str | Path,
    version: str | None = None,
    *,
    key: str | Path | None = None,
    drop_suggested: bool = False,
) -> Instrument:
    """Load a shipped instrument by id, or a user's definition by path.

    Parameters
    ----------
    id_or_path
        A shipped id (``"oric"``, ``"orca"``, ``"rsa"``, ``"rsa-r"``) or a path to a YAML file.
    version
        Respondent version to narrow to (``"provider"``...). A one-version instrument selects its
        only version when ``version`` is None; a multi-version one is returned whole.
    key
        A scoring-key file filling in domains declared without items (status ``user``); needs a
        version.
    drop_suggested
        Leave out the items the instrument's developers suggest dropping (ORCA: 3d, 3e, 4d, 5a-5d).

    Raises
    ------
    InstrumentError
        Unknown id, missing file, or an invalid definition (every problem listed with its line).
    """
    text = str(id_or_path)
    path = Path(text)
    if text.endswith((".yaml", ".yml")) or path.exists() or "/" in text or "\\" in text:
        if not path.is_file():
            raise InstrumentError(
                Problem(
                    "file-not-found",
                    "no such instrument file",
                    file=text,
                    hint="check the path, or use a shipped id",
                )
            )
        instrument = read_instrument_file(path)
    else:
        instrument = _read(shipped_file(text))
    if version is not None or len(instrument.versions) == 1 or key is not None:
        instrument = instrument.select(version)
    if key is not None:
        instrument = apply_key(instrument, key)
    if drop_suggested:
        instrument = instrument.without_items(list(instrument.suggested_drop))
    return instrument
