"""Per-session workspaces of the local web page: uploaded files and choices, in a private folder.

A workspace is a folder named by a random id under one private temporary root (mode 700). A
file a person uploads is stored under a name the page chooses (``export.csv``); the name the
person gave is kept only as text to show. Workspaces older than :data:`MAX_AGE_S` are deleted
whenever a new one is made, and all of them when the server stops.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MAX_AGE_S = 4 * 3600
#: a report thread and a page may update one state at once (re-entrant: a check-then-update
#: holds it around ``update``)
STATE_LOCK = threading.RLock()
_ID = re.compile(r"^[A-Za-z0-9_-]{20,40}$")
SAFE_SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx", ".xlsm", ".xls", ".sav", ".zsav", ".yaml", ".yml")


def max_upload_bytes() -> int:
    """``ASSESS_MAX_UPLOAD_MB`` (default 50) in bytes."""
    try:
        mb = float(os.environ.get("ASSESS_MAX_UPLOAD_MB", "50"))
    except ValueError:
        mb = 50.0
    return int(mb * 1024 * 1024)


class Workspaces:
    """Every session's workspace under one private root."""

    def __init__(self, root: Path | None = None):
        self.root = Path(root) if root else Path(tempfile.mkdtemp(prefix="assess-serve-"))
        self.root.mkdir(parents=True, exist_ok=True)
        os.chmod(self.root, 0o700)

    def new(self) -> Workspace:
        self.sweep()
        wid = secrets.token_urlsafe(18)
        folder = self.root / wid
        folder.mkdir(mode=0o700)
        ws = Workspace(wid, folder)
        ws.save({"csrf": secrets.token_urlsafe(24), "created": time.time()})
        return ws

    def get(self, wid: str) -> Workspace | None:
        if not _ID.match(wid):
            return None
        folder = self.root / wid
        if not (folder / "state.json").is_file():
            return None
        return Workspace(wid, folder)

    def sweep(self, max_age: float = MAX_AGE_S) -> None:
        """Delete workspaces older than ``max_age`` seconds."""
        now = time.time()
        for folder in self.root.iterdir():
            try:
                if now - folder.stat().st_mtime > max_age:
                    shutil.rmtree(folder, ignore_errors=True)
            except OSError:
                continue

    def close(self) -> None:
        """Delete every workspace and the root."""
        shutil.rmtree(self.root, ignore_errors=True)


@dataclass
class Workspace:
    """One session: its folder and its state (``state.json``)."""

    id: str
    folder: Path

    def state(self) -> dict[str, Any]:
        return json.loads((self.folder / "state.json").read_text(encoding="utf-8"))

    def save(self, state: dict[str, Any]) -> None:
        tmp = self.folder / f"state.{threading.get_ident()}.tmp"
        tmp.write_text(json.dumps(state), encoding="utf-8")
        tmp.replace(self.folder / "state.json")

    def update(self, **changes: Any) -> dict[str, Any]:
        with STATE_LOCK:
            state = {**self.state(), **changes}
            self.save(state)
        return state

    def store_upload(self, role: str, filename: str, data: bytes) -> Path:
        """Keep an uploaded file as ``<role><suffix>``: the person's file name never becomes a
        path (only its suffix is used, and only a known one)."""
        suffix = Path(filename or "").suffix.lower()
        if suffix not in SAFE_SUFFIXES:
            suffix = ".bin"
        for old in self.folder.glob(f"{role}.*"):
            old.unlink()
        path = self.folder / f"{role}{suffix}"
        path.write_bytes(data)
        return path

    def path(self, name: str) -> Path:
        """A file of this workspace by the page's own name (never a user's)."""
        return self.folder / Path(name).name
