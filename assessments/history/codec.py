"""DataFrames as compact, exact bytes for the history store.

A stored table is zlib-compressed: a JSON header (column names, kinds, row count), then the
numeric columns as one float64 block, then the text columns as JSON. Numbers come back bit for
bit (no text round trip), so a stored wave's scores equal the scores computed from its file.

>>> import pandas as pd
>>> df = pd.DataFrame({"site": ["A", None], "score": [3.25, float("nan")], "n": [4, 2]})
>>> back = unpack(pack(df))
>>> back["score"].equals(df["score"]), back["n"].dtype.name, back["site"].tolist()
(True, 'int64', ['A', None])
"""

from __future__ import annotations

import json
import zlib

import numpy as np
import pandas as pd

MAGIC = b"RAT1"


def pack(df: pd.DataFrame, level: int = 1) -> bytes:
    """Bytes of ``df``: numbers as float64 (integer and boolean columns come back as such),
    everything else as text. ``level`` is zlib's (0 stores without compressing: fastest to
    read back)."""
    kinds: list[str] = []
    numeric: list[np.ndarray] = []
    text: list[list[str | None]] = []
    for col in df.columns:
        s = df[col]
        if pd.api.types.is_bool_dtype(s.dtype) and not s.isna().any():
            kinds.append("b")
            numeric.append(s.to_numpy(dtype=float))
        elif pd.api.types.is_integer_dtype(s.dtype) and not s.isna().any():
            kinds.append("i")  # exact up to 2**53, far beyond any row count or score count
            numeric.append(s.to_numpy(dtype=float))
        elif pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype):
            kinds.append("f")
            numeric.append(s.to_numpy(dtype=float, na_value=np.nan))
        else:
            kinds.append("s")
            text.append([None if pd.isna(v) else str(v) for v in s.tolist()])
    header = json.dumps(
        {"columns": [str(c) for c in df.columns], "kinds": kinds, "rows": len(df)}
    ).encode()
    block = np.column_stack(numeric).astype("<f8").tobytes() if numeric else b""
    body = json.dumps(text, ensure_ascii=False).encode()
    raw = b"".join(
        [len(header).to_bytes(8, "little"), header, len(block).to_bytes(8, "little"), block, body]
    )
    return MAGIC + zlib.compress(raw, level)


def unpack(data: bytes) -> pd.DataFrame:
    """The DataFrame :func:`pack` stored (numeric columns as float64, text as object)."""
    if not data.startswith(MAGIC):
        raise ValueError("not a stored table")
    raw = zlib.decompress(data[len(MAGIC) :])
    size = int.from_bytes(raw[:8], "little")
    header = json.loads(raw[8 : 8 + size])
    at = 8 + size
    block_size = int.from_bytes(raw[at : at + 8], "little")
    block = raw[at + 8 : at + 8 + block_size]
    text = json.loads(raw[at + 8 + block_size :])
    rows = header["rows"]
    n_num = sum(k != "s" for k in header["kinds"])
    values = np.frombuffer(block, dtype="<f8").reshape(rows, n_num) if n_num else None
    cols: dict[str, object] = {}
    i_num = i_text = 0
    for name, kind in zip(header["columns"], header["kinds"], strict=True):
        if kind != "s" and values is not None:
            col = values[:, i_num].copy()
            cols[name] = (
                col.astype(np.int64) if kind == "i" else col.astype(bool) if kind == "b" else col
            )
            i_num += 1
        else:
            cols[name] = pd.Series(text[i_text], dtype=object)
            i_text += 1
    return pd.DataFrame(cols, index=pd.RangeIndex(rows))
