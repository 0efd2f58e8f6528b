"""Answers mapped onto an instrument: the model that reading (:mod:`assessments.io`) produces
and scoring (:mod:`assessments.scoring`) consumes, so that neither imports the other."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .errors import Problem, ResponseError
from .instruments import Instrument
from .scoring.coding import STATUS_NAMES, Coder


@dataclass(frozen=True)
class Responses:
    """Answers mapped onto an instrument, ready to validate and score.

    ``data`` has one column per mapped item (named by item id, answers as exported after the
    logged translations) and the metadata columns kept (platform bookkeeping is dropped);
    ``rows`` the spreadsheet row of each data row; ``columns`` maps item id -> export column;
    ``translations`` logs import recodes (``column``, ``item``, ``original``, ``new``,
    ``reason``, ``count``); ``raw`` is the table as read.
    """

    data: pd.DataFrame
    rows: np.ndarray
    file: str
    source: str
    instrument: Instrument
    columns: dict[str, str]
    methods: dict[str, str]
    dropped: list[str]
    header_rows: int
    translations: pd.DataFrame
    raw: pd.DataFrame
    notices: list[str] = field(default_factory=list)

    @property
    def metadata_columns(self) -> list[str]:
        """The non-item columns kept."""
        return [c for c in self.data.columns if c not in self.columns]

    def split_waves(self, column: str) -> dict[str, Responses]:
        """The rows of each wave named in ``column``, oldest first: numbers in numeric order,
        other labels in sorted order (``2024``, ``2025``, ``2026-spring``). Rows whose wave is
        blank are an error naming them, as is a file with fewer than two waves.

        >>> import pathlib, tempfile
        >>> from assessments import read_responses
        >>> from assessments.demo import demo_responses
        >>> df = demo_responses("oric", n=40).assign(wave=["2025"] * 20 + ["2026"] * 20)
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "answers.csv"
        >>> df.to_csv(path, index=False)
        >>> waves = read_responses(path, "oric").split_waves("wave")
        >>> {label: len(r.data) for label, r in waves.items()}
        {'2025': 20, '2026': 20}
        """
        from dataclasses import replace

        if column not in self.data.columns:
            raise ResponseError(
                Problem(
                    "unknown-column",
                    f"no column {column!r} names the waves",
                    file=self.file,
                    expected="one of " + ", ".join(map(str, self.metadata_columns)),
                )
            )
        raw = self.data[column]
        labels = raw.astype(object).where(raw.notna(), None)
        labels = labels.map(lambda v: None if v is None else str(v).strip() or None)
        blank = np.flatnonzero(labels.isna().to_numpy())
        if len(blank):
            raise ResponseError(
                Problem(
                    "blank-wave",
                    f"{len(blank)} row(s) name no wave",
                    file=self.file,
                    row=int(self.rows[blank[0]]),
                    column=column,
                    hint="fill in the wave of every row, or remove those rows",
                )
            )
        values = list(dict.fromkeys(labels))
        numeric = pd.to_numeric(pd.Series(values), errors="coerce")
        order = (
            sorted(values, key=lambda v: float(v))
            if numeric.notna().all()
            else sorted(values, key=str)
        )
        if len(order) < 2:
            raise ResponseError(
                Problem(
                    "one-wave",
                    f"column {column!r} names only one wave ({order[0]!r})",
                    file=self.file,
                    column=column,
                    hint="a trend needs at least two waves; add --wave-file for earlier ones",
                )
            )
        out = {}
        for label in order:
            mask = (labels == label).to_numpy()
            out[label] = replace(
                self,
                data=self.data[mask].drop(columns=[column]).reset_index(drop=True),
                rows=self.rows[mask],
            )
        return out

    def drop_answers(self, items: Sequence[str] | None = None) -> None:
        """Remove the answer columns of ``items`` (default: all) from ``data`` and ``raw`` in
        place, once they are scored, so that their memory is freed (``score(..., consume=True)``
        calls it item by item); the metadata columns stay. :meth:`cell_log` and
        :meth:`recoded_cells` need the answers: call them first."""
        for item in self.columns if items is None else items:
            for frame, name in ((self.data, item), (self.raw, self.columns.get(item))):
                if name is not None and name in frame.columns:
                    del frame[name]

    def cell_log(self) -> pd.DataFrame:
        """Every cell whose answer was translated on its way to a code, with its original value.

        Covers both the import translations (value labels, platform codes, mapping file) and the
        labels and missing markers the scorer reads. Columns: ``row``, ``column``, ``item``,
        ``original`` (as in the file), ``code`` (NaN unless a scored answer) and ``status``.
        """
        parts = []
        for item, col in self.columns.items():
            coder = Coder(self.instrument.item_scale(self.instrument.item(item)))
            values, status, recoded = coder.code_column(self.data[item])
            changed = recoded | self._imported(item)
            if changed.any():
                parts.append(
                    self._changed(item, col, changed).assign(
                        code=values[changed], status=[STATUS_NAMES[s] for s in status[changed]]
                    )
                )
        return _cells(parts, ["row", "column", "item", "original", "code", "status"], sort=True)

    def recoded_cells(self) -> pd.DataFrame:
        """Every import-translated cell: ``row``, ``column``, ``item``, ``original``, ``new``."""
        parts = []
        for item, col in self.columns.items():
            changed = self._imported(item)
            if changed.any():
                parts.append(
                    self._changed(item, col, changed).assign(
                        new=self.data[item].to_numpy()[changed]
                    )
                )
        return _cells(parts, ["row", "column", "item", "original", "new"])

    def _changed(self, item: str, col: str, changed: np.ndarray) -> pd.DataFrame:
        """The changed cells of one item: ``row``, ``column``, ``item``, ``original``."""
        return pd.DataFrame(
            {
                "row": self.rows[changed],
                "column": col,
                "item": item,
                "original": self.raw[col].to_numpy()[changed],
            }
        )

    def _imported(self, item: str) -> np.ndarray:
        """Which cells of an item the import changed (value labels, codes, mapping file)."""
        raw = self.raw[self.columns[item]]
        return (raw.astype(str) != self.data[item].astype(str)).to_numpy() & raw.notna().to_numpy()


def _cells(parts: list[pd.DataFrame], columns: list[str], *, sort: bool = False) -> pd.DataFrame:
    if not parts:
        return pd.DataFrame(columns=columns)
    out = pd.concat(parts, ignore_index=True)
    return out.sort_values(["row", "column"], ignore_index=True) if sort else out
