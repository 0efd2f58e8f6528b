"""Per-session workspaces of the local web page: uploaded files and choices, in a private folder.

A workspace is a folder named by a random id under one private root (mode 700). A file a person
uploads is stored under a name the page chooses (``export.csv``); the name the person gave is
kept only as text to show. ``assess serve`` keeps workspaces between visits for 30 days in the
user's data folder (:class:`Workspaces` with ``keep_days``); otherwise they are temporary:
older than :data:`MAX_AGE_S` deleted whenever a new one is made, all of them when the server
stops.
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


def default_root() -> Path:
    """Where kept workspaces live: ``workspaces`` in the user's data folder."""
    import platformdirs

    return platformdirs.user_data_path("recovery-assessments") / "workspaces"


class Workspaces:
    """Every session's workspace under one private root.

    With ``keep_days`` (``assess serve``: 30 by default) the workspaces are kept between
    visits, and between runs of the server, until the person deletes them or they have not
    changed for that many days (:meth:`sweep`, run when the server starts and every hour).
    Without it (the library's default) they last a few hours and are all deleted when the
    server stops."""

    def __init__(self, root: Path | None = None, *, keep_days: float | None = None):
        self.keep_days = keep_days
        if root is None and keep_days is not None:
            root = default_root()
        self.root = Path(root) if root else Path(tempfile.mkdtemp(prefix="assess-serve-"))
        self.open()

    def open(self) -> None:
        """Make the root (owner only), also again after :meth:`close` when the same app is
        started once more (a server embedded in a program, a test client)."""
        self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.chmod(self.root, 0o700)

    @property
    def max_age(self) -> float:
        return self.keep_days * 86400 if self.keep_days is not None else MAX_AGE_S

    def new(self, owner: int | None = None) -> Workspace:
        """A new workspace (in network mode, ``owner``'s: no one else may open it)."""
        self.sweep()
        wid = secrets.token_urlsafe(18)
        folder = self.root / wid
        folder.mkdir(mode=0o700)
        ws = Workspace(wid, folder)
        state: dict[str, Any] = {"csrf": secrets.token_urlsafe(24), "created": time.time()}
        if owner is not None:
            state["owner"] = owner
        ws.save(state)
        return ws

    def get(self, wid: str) -> Workspace | None:
        if not _ID.match(wid):
            return None
        folder = self.root / wid
        if not (folder / "state.json").is_file():
            return None
        return Workspace(wid, folder)

    def sweep(self, max_age: float | None = None) -> None:
        """Delete workspaces unchanged for longer than ``max_age`` seconds (default: the
        retention period)."""
        limit = self.max_age if max_age is None else max_age
        now = time.time()
        for folder in self.root.iterdir():
            try:
                # kept workspaces age from their last change (every step saves the state);
                # temporary ones from when their folder last changed
                state = folder / "state.json"
                kept = self.keep_days is not None and state.exists()
                changed = (state if kept else folder).stat().st_mtime
                if now - changed > limit:
                    shutil.rmtree(folder, ignore_errors=True)
            except OSError:
                continue

    def listed(self, owner: int | None = None) -> list[dict[str, Any]]:
        """The kept workspaces, most recently changed first: what the start page lists (in
        network mode only the signed-in person's: ``owner``)."""
        out = []
        for folder in self.root.iterdir():
            ws = self.get(folder.name)
            if ws is None:
                continue
            try:
                state = ws.state()
                changed = (folder / "state.json").stat().st_mtime
            except (OSError, ValueError):
                continue
            if owner is not None and state.get("owner") != owner:
                continue
            out.append(
                {
                    "id": ws.id,
                    "file": state.get("export_name") or "",
                    "instrument": state.get("instrument_title") or state.get("instrument") or "",
                    "scored": bool(state.get("scored")),
                    "csrf": state.get("csrf", ""),
                    "report": bool(state.get("report_files")),
                    "changed": time.strftime("%Y-%m-%d %H:%M", time.localtime(changed)),
                    "expires": time.strftime("%Y-%m-%d", time.localtime(changed + self.max_age)),
                    "_t": changed,
                }
            )
        return sorted(out, key=lambda w: -w["_t"])

    def delete(self, wid: str) -> bool:
        """Delete one workspace (by its id only); whether it was there."""
        ws = self.get(wid)
        if ws is None:
            return False
        shutil.rmtree(ws.folder, ignore_errors=True)
        return True

    def close(self) -> None:
        """When the server stops: delete every workspace and the root, unless they are kept
        between visits (``keep_days``)."""
        if self.keep_days is None:
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
