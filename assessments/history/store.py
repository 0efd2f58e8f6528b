"""The assessment history: every scored wave kept in a database (SQLite or PostgreSQL).

A stored wave is one scored assessment of one organization: its instrument definition and key
as they were (text and SHA-256), the mapping used, the wave label and date, the scores, coded
item answers and answer status of every respondent with the metadata columns chosen to keep,
the excluded rows with their reasons, and the import summary. Waves are immutable: a label is
stored once per organization and instrument, and replacing it is explicit (and logged).
Respondent ids are not stored unless asked for (``keep_ids``, needed for paired comparisons):
without them, respondents are numbered 1..n in the order of the file.

Tables (SQLAlchemy Core, the same on both engines): ``schema_version``, ``waves`` (one row per
wave, with the texts and summary), ``wave_tables`` (the wave's tables as exact bytes, see
:mod:`assessments.history.codec`) and, since schema 2, ``events`` (adds, replacements and
removals with their time). Every change is one transaction: an interrupted add leaves the
store as it was. On SQLite a writer waits up to 10 s for another to finish, then reports that
the store is busy.

Examples
--------
>>> import tempfile, pathlib
>>> from assessments import score
>>> from assessments.demo import demo_responses
>>> store = History(pathlib.Path(tempfile.mkdtemp()) / "history.sqlite")
>>> wave = store.add(score(demo_responses("oric", n=60), "oric", on_invalid="missing"),
...                  org="Example Agency", wave="2026")
>>> store.waves()[["org", "instrument", "wave", "n_scored"]]
              org instrument  wave  n_scored
0  Example Agency       oric  2026        58
>>> store.load("Example Agency", "2026").n_scored
58
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import re
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import AssessmentError, Problem

if TYPE_CHECKING:
    import pandas as pd

    from ..perspectives import Perspectives
    from ..scoring import Scores

SCHEMA_VERSION = 3
APP = "recovery-assessments"
TABLES = ("scores", "items", "status", "excluded", "invalid", "recodes")
WAVE_COLUMNS = (
    "org",
    "instrument",
    "version",
    "wave",
    "date",
    "added_at",
    "n_scored",
    "n_excluded",
    "keep_ids",
    "definition_hash",
)
TREND = "trend"  # scores and kept groups, uncompressed: what a trend over many waves reads
PART = "@"  # a perspective's table in a wave kept from several perspectives: "scores@provider"
PERSPECTIVES = "perspectives:"  # the version column of such a wave: "perspectives:provider,..."
MAX_KEPT_LEVELS = 50
# names are refused beyond these (never cut): they are shown on covers, in tables and sheets
MAX_ORG_CHARS = 200
MAX_WAVE_CHARS = 100
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


class HistoryError(AssessmentError):
    """The assessment history cannot do what was asked (unknown wave, a wave already stored,
    the store busy or unreachable)."""


def default_store() -> str:
    """``ASSESS_STORE`` if set, else ``history.sqlite`` in the user's data folder."""
    env = os.environ.get("ASSESS_STORE")
    if env:
        return env
    import platformdirs

    return str(platformdirs.user_data_path(APP) / "history.sqlite")


def _user_name() -> str:
    """The computer's user name, for the events log (``unknown`` where there is none)."""
    import getpass

    try:
        return getpass.getuser()
    except Exception:  # no user name in this environment (a container without one)
        return "unknown"


def _now() -> str:
    return datetime.datetime.now(tz=datetime.UTC).isoformat(timespec="seconds")


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _schema(metadata: Any, version: int) -> dict[str, Any]:
    from sqlalchemy import (
        Boolean,
        Column,
        Integer,
        LargeBinary,
        PrimaryKeyConstraint,
        Table,
        Text,
        UniqueConstraint,
    )

    tables = {
        "schema_version": Table(
            "schema_version", metadata, Column("version", Integer, nullable=False)
        ),
        "waves": Table(
            "waves",
            metadata,
            Column("id", Integer, primary_key=True, autoincrement=True),
            Column("org", Text, nullable=False),
            Column("instrument", Text, nullable=False),
            Column("version", Text, nullable=False),
            Column("label", Text, nullable=False),
            Column("wave_date", Text),
            Column("added_at", Text, nullable=False),
            Column("definition_name", Text, nullable=False),
            Column("definition", Text, nullable=False),
            Column("definition_hash", Text, nullable=False),
            Column("key_name", Text),
            Column("key_text", Text),
            Column("key_hash", Text),
            Column("drop_suggested", Boolean, nullable=False),
            Column("mapping", Text),
            Column("source_name", Text),
            Column("keep_ids", Boolean, nullable=False),
            Column("kept_columns", Text, nullable=False),
            Column("summary", Text, nullable=False),
            UniqueConstraint("org", "instrument", "label", name="one_label_per_org"),
        ),
        "wave_tables": Table(
            "wave_tables",
            metadata,
            Column("wave_id", Integer, nullable=False),
            Column("name", Text, nullable=False),
            Column("data", LargeBinary, nullable=False),
            PrimaryKeyConstraint("wave_id", "name"),
        ),
    }
    if version >= 2:
        tables["events"] = Table(
            "events",
            metadata,
            Column("id", Integer, primary_key=True, autoincrement=True),
            Column("at", Text, nullable=False),
            Column("org", Text, nullable=False),
            Column("instrument", Text, nullable=False),
            Column("label", Text, nullable=False),
            Column("action", Text, nullable=False),
            Column("detail", Text, nullable=False),
            *([Column("actor", Text)] if version >= 3 else []),
        )
    return tables


def mask(store: str | Path) -> str:
    """The store's location as it may be shown: a URL's password replaced by ``***``.

    >>> mask("postgresql://assess:s3cret@db.example.org/history")
    'postgresql://assess:***@db.example.org/history'
    >>> mask("history.sqlite")
    'history.sqlite'
    """
    text = str(store)
    if "://" not in text:
        return text
    scheme, rest = text.split("://", 1)
    netloc, sep, tail = rest.partition("/")
    if "@" not in netloc:
        return text
    userinfo, host = netloc.rsplit("@", 1)
    user, colon, _password = userinfo.partition(":")
    return f"{scheme}://{user}{':***' if colon else ''}@{host}{sep}{tail}"


def _password(store: str) -> str | None:
    if "://" not in store:
        return None
    netloc = store.split("://", 1)[1].partition("/")[0]
    if "@" not in netloc:
        return None
    _user, colon, password = netloc.rsplit("@", 1)[0].partition(":")
    return password if colon and password else None


def redact(text: str, store: str) -> str:
    """``text`` with the store's password (as written, and URL-decoded) replaced by ``***``."""
    from urllib.parse import unquote

    password = _password(store)
    if not password:
        return text
    for form in {password, unquote(password)}:
        text = text.replace(form, "***")
    return text


def _url(store: str | Path) -> tuple[str, Path | None]:
    text = str(store)
    if text.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + text.split("://", 1)[1], None
    if text.startswith("postgresql+"):
        return text, None
    if text.startswith("sqlite:///"):  # the URL form SQLAlchemy users write
        rest = text[len("sqlite:///") :]
        if not rest or rest.startswith(":memory:"):
            raise HistoryError(
                Problem(
                    "bad-store",
                    "an in-memory SQLite store would be lost when the command ends",
                    value=text,
                    expected="a file: sqlite:///history.sqlite or a plain path",
                )
            )
        path = Path(rest).expanduser()
        return f"sqlite:///{path}", path
    if "://" in text:
        raise HistoryError(
            Problem(
                "bad-store",
                f"not a history store location: {mask(text)!r}",
                value=mask(text),
                expected="a SQLite file (history.sqlite, sqlite:///path/history.sqlite) or "
                "postgresql://user@host/database",
            )
        )
    path = Path(text).expanduser()
    return f"sqlite:///{path}", path


def _create_private(path: Path) -> None:
    """An empty SQLite file readable and writable only by its owner (SQLite gives its journal
    the same permissions)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    if not path.exists():
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        os.close(fd)


@dataclass(frozen=True)
class WaveInfo:
    """What the history keeps about a wave (without its tables)."""

    org: str
    instrument: str
    version: str
    wave: str
    date: str | None
    added_at: str
    n_scored: int
    n_excluded: int
    rows_read: int
    definition_hash: str
    key_hash: str | None
    keep_ids: bool
    kept_columns: tuple[str, ...]
    source_name: str | None
    #: the perspectives (versions) of a wave kept from several files at once, else empty
    perspectives: tuple[str, ...] = ()


class History:
    """An organization's assessments across waves, in SQLite (a path) or PostgreSQL (a
    ``postgresql://`` URL). The schema is created on first use and migrated when older.

    Parameters
    ----------
    store
        A file path (SQLite; created readable only by its owner), a ``postgresql://user@host/db``
        URL, or None for :func:`default_store`.
    busy_timeout
        Seconds a writer waits for another writer (SQLite) before reporting the store busy.
    """

    def __init__(
        self,
        store: str | Path | None = None,
        *,
        busy_timeout: float = 10.0,
        create: bool = True,
        actor: str | None = None,
    ):
        from sqlalchemy import MetaData, create_engine, event
        from sqlalchemy.pool import NullPool

        #: who the events of this History are logged as: a signed-in person on the web page,
        #: else the computer's user name
        self.actor = actor or _user_name()
        self._location = str(store) if store is not None else default_store()
        #: where the store is, as it may be shown (a URL's password masked)
        self.store = mask(self._location)
        url, path = _url(self._location)
        self.is_sqlite = path is not None
        #: the SQLite file (None on PostgreSQL): no command may write its output over it
        self.file: Path | None = path
        if path is not None and not create and not path.is_file():
            raise HistoryError(
                Problem(
                    "no-store",
                    "there is no history store here",
                    file=str(path),
                    hint="check --store (or ASSESS_STORE); waves are kept with "
                    "assess history add, which creates the store",
                )
            )
        if path is not None:
            if path.is_dir():
                raise HistoryError(
                    Problem(
                        "not-a-file",
                        "the history store is a folder",
                        file=str(path),
                        hint="give a file name such as history.sqlite",
                    )
                )
            try:
                _create_private(path)
            except OSError as err:
                raise HistoryError(
                    Problem(
                        "store-unavailable",
                        f"the history store cannot be created: {err.strerror or err}",
                        file=str(path),
                        hint="choose a folder you may write to (--store)",
                    )
                ) from err
        # no pool: each operation opens and closes its connection, so nothing is left open
        # when a History is dropped, and a store is never held between commands
        kwargs: dict[str, Any] = {"poolclass": NullPool}
        if self.is_sqlite:
            kwargs["connect_args"] = {"timeout": busy_timeout}
        try:
            self.engine = create_engine(url, **kwargs)
        except ModuleNotFoundError as err:
            raise HistoryError(
                Problem(
                    "missing-driver",
                    f"the database driver {err.name!r} is not installed",
                    hint='pip install "recovery-assessments[postgres]"',
                )
            ) from err
        except Exception as err:  # sqlalchemy.exc.ArgumentError: not a database URL
            raise HistoryError(
                Problem(
                    "bad-store",
                    f"not a history store location: {self.store!r}",
                    expected="a file path or postgresql://user@host/database",
                    value=self.store,
                )
            ) from err
        if self.is_sqlite:

            @event.listens_for(self.engine, "connect")
            def _pragmas(dbapi_connection: Any, _record: Any) -> None:
                dbapi_connection.isolation_level = None  # SQLAlchemy's recipe: we emit BEGIN
                cursor = dbapi_connection.cursor()
                cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
                cursor.close()

            @event.listens_for(self.engine, "begin")
            def _begin(conn: Any) -> None:
                # a writer takes the write lock up front, so two writers queue instead of
                # failing half-way; readers do not block anyone
                conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.info.get("write") else "BEGIN")

        self.metadata = MetaData()
        self.tables = _schema(self.metadata, SCHEMA_VERSION)
        self._instruments: dict[tuple[Any, ...], Any] = {}
        self._prepare(create)

    # ------------------------------------------------------------------ schema and errors

    @contextmanager
    def _transaction(self, write: bool = False) -> Iterator[Any]:
        from sqlalchemy import exc

        try:
            with self.engine.connect() as conn:
                conn.info["write"] = write
                with conn.begin():
                    yield conn
        except exc.OperationalError as err:
            text = redact(str(err.orig) if err.orig is not None else str(err), self._location)
            if "locked" in text or "busy" in text:
                raise HistoryError(
                    Problem(
                        "store-busy",
                        "the history store is busy: another program is writing to it",
                        file=self.store,
                        hint="try again in a moment",
                    )
                ) from err
            raise HistoryError(
                Problem(
                    "store-unavailable",
                    f"the history store cannot be used: {text.strip().splitlines()[0]}",
                    file=self.store,
                    hint="check the path or URL, that the server runs and that you may write",
                )
            ) from err
        except exc.IntegrityError as err:
            raise HistoryError(
                Problem(
                    "wave-exists",
                    "another program stored the same wave at the same moment",
                    file=self.store,
                    hint="see assess history list; use --replace to replace it",
                )
            ) from err
        except exc.DatabaseError as err:
            text = redact(str(err.orig) if err.orig is not None else str(err), self._location)
            raise HistoryError(
                Problem(
                    "store-damaged",
                    f"the history store cannot be read: {text.strip().splitlines()[0]}",
                    file=self.store,
                    hint="is this a history store made by assess history?",
                )
            ) from err

    def _prepare(self, create: bool = True) -> None:
        from sqlalchemy import inspect, select, text

        with self._transaction(write=True) as conn:
            if not self.is_sqlite:  # two programs opening a new store: one creates the tables
                conn.execute(text("SELECT pg_advisory_xact_lock(2026120120)"))
            names = set(inspect(conn).get_table_names())
            if "schema_version" not in names:
                if names - {"schema_version"}:
                    raise HistoryError(
                        Problem(
                            "not-a-store",
                            "this database holds other tables and is not an assessment history",
                            file=self.store,
                            hint="give a new file or an empty database",
                        )
                    )
                if not create:
                    raise HistoryError(
                        Problem(
                            "no-store",
                            "there is no history store here (the database is empty)",
                            file=self.store,
                            hint="check --store (or ASSESS_STORE); waves are kept with "
                            "assess history add, which creates the store",
                        )
                    )
                self.metadata.create_all(conn)
                conn.execute(self.tables["schema_version"].insert(), {"version": SCHEMA_VERSION})
                return
            found = conn.execute(select(self.tables["schema_version"].c.version)).scalar()
            if found is not None and (not isinstance(found, int) or isinstance(found, bool)):
                try:
                    found = int(str(found), 10)
                except ValueError:
                    raise HistoryError(
                        Problem(
                            "store-damaged",
                            f"the history store's schema version is {str(found)[:40]!r}, not a "
                            "number",
                            file=self.store,
                            hint="is this a history store made by assess history? Restore it "
                            "from a backup",
                        )
                    ) from None
            if found is None or found > SCHEMA_VERSION:
                raise HistoryError(
                    Problem(
                        "newer-store",
                        f"the history store has schema version {found}; this toolkit knows up "
                        f"to {SCHEMA_VERSION}",
                        file=self.store,
                        hint="upgrade recovery-assessments",
                    )
                )
            if found < SCHEMA_VERSION:
                migrate(conn, self.tables, found)

    # ----------------------------------------------------------------------------- waves

    def add(
        self,
        scores: Scores | Perspectives,
        *,
        org: str,
        wave: str,
        date: str | None = None,
        mapping: str | None = None,
        source_name: str | None = None,
        keep: Sequence[str] | None = None,
        keep_ids: bool = False,
        replace: bool = False,
        drop_suggested: bool = False,
    ) -> WaveInfo:
        """Store a scored wave. Refuses a label already stored for this organization and
        instrument unless ``replace``; ``keep`` names the metadata columns to keep (default:
        those with at most 50 distinct values, such as site and role; never free text).

        ``scores`` may be :class:`~assessments.perspectives.Perspectives` (the RSA from several
        perspectives): the wave is then kept once with each perspective's tables, scored by its
        own version, and read back with :meth:`load_perspectives`."""
        from sqlalchemy import select

        from ..perspectives import Perspectives

        if isinstance(scores, Perspectives):
            multi: Perspectives | None = scores
            parts = scores.scores
            one = next(iter(parts.values()))
        else:
            multi, parts, one = None, {}, scores

        org, wave = str(org).strip(), str(wave).strip()
        if not org or not wave:
            raise HistoryError(
                Problem(
                    "bad-option",
                    "an organization name and a wave label are needed",
                    hint="--org 'Example Agency' --wave 2026",
                )
            )
        check_names(org, wave)
        inst = one.instrument
        definition_name, definition = _text_of(inst.source_file, "instrument definition")
        key_name, key_text = (None, None)
        if inst.key_text is not None:  # a key workbook: kept as the YAML it amounts to
            key_name, key_text = Path(inst.key_file or "key").stem + ".yaml", inst.key_text
        elif inst.key_file:
            key_name, key_text = _text_of(inst.key_file, "scoring key")
        if multi is None:
            kept = _kept_columns(one, keep)
            tables = _tables_to_store(one, kept, keep_ids)
            summary = _summary(one)
            version = inst.version or ""
        else:
            kept = list(dict.fromkeys(c for s in parts.values() for c in _kept_columns(s, keep)))
            tables = {}
            per: dict[str, Any] = {}
            for v, s in parts.items():
                mine = [c for c in kept if c in s.metadata_columns]
                for name, frame in _tables_to_store(s, mine, keep_ids).items():
                    tables[f"{name}{PART}{v}"] = frame
                per[v] = _summary(s)
            summary = {
                "rows_read": sum(x["rows_read"] for x in per.values()),
                "n_scored": sum(x["n_scored"] for x in per.values()),
                "n_excluded": sum(x["n_excluded"] for x in per.values()),
                "cell_counts": {},
                "notes": [],
                "perspectives": per,
                "practices": multi.practices,
                "key_source": multi.key_source,
            }
            version = PERSPECTIVES + ",".join(parts)  # one definition and key for all of them
        waves = self.tables["waves"]
        with self._transaction(write=True) as conn:
            old = conn.execute(
                select(waves.c.id).where(
                    waves.c.org == org, waves.c.instrument == inst.id, waves.c.label == wave
                )
            ).scalar()
            if old is not None and not replace:
                raise HistoryError(
                    Problem(
                        "wave-exists",
                        f"wave {wave!r} of {inst.id} is already stored for {org!r}",
                        expected="a new wave label",
                        hint="stored waves are kept as they are; use another label, or "
                        "--replace to replace it (recorded with the time)",
                    )
                )
            others = [
                {"wave": r.label, "date": r.wave_date}
                for r in conn.execute(
                    select(waves.c.label, waves.c.wave_date).where(
                        waves.c.org == org, waves.c.instrument == inst.id
                    )
                )
                if r.label != wave
            ]
            if old is not None and date is None:  # --replace keeps what it does not replace
                date = conn.execute(select(waves.c.wave_date).where(waves.c.id == old)).scalar()
            from .order import order_waves

            order_waves([*others, {"wave": wave, "date": date}])  # no single order: refused
            if old is not None:
                self._delete(conn, old)
            added = _now()
            new_id = conn.execute(
                waves.insert().values(
                    org=org,
                    instrument=inst.id,
                    version=version,
                    label=wave,
                    wave_date=date,
                    added_at=added,
                    definition_name=definition_name,
                    definition=definition,
                    definition_hash=_sha(definition),
                    key_name=key_name,
                    key_text=key_text,
                    key_hash=_sha(key_text) if key_text is not None else None,
                    drop_suggested=drop_suggested,
                    mapping=mapping,
                    source_name=source_name,
                    keep_ids=keep_ids,
                    kept_columns=json.dumps(kept),
                    summary=json.dumps(summary, default=str),
                )
            ).inserted_primary_key[0]
            self._write_tables(conn, new_id, tables)
            conn.execute(
                self.tables["events"]
                .insert()
                .values(
                    at=added,
                    org=org,
                    instrument=inst.id,
                    label=wave,
                    action="replace" if old is not None else "add",
                    detail=json.dumps({"n_scored": summary["n_scored"], "source": source_name}),
                    actor=self.actor,
                )
            )
        return self.info(org, wave, inst.id)

    def _write_tables(self, conn: Any, wave_id: int, tables: dict[str, pd.DataFrame]) -> None:
        from .codec import pack

        rows = [
            {"wave_id": wave_id, "name": k, "data": pack(v, level=0 if k == TREND else 1)}
            for k, v in tables.items()
        ]
        conn.execute(self.tables["wave_tables"].insert(), rows)

    def _delete(self, conn: Any, wave_id: int) -> None:
        wt, waves = self.tables["wave_tables"], self.tables["waves"]
        conn.execute(wt.delete().where(wt.c.wave_id == wave_id))
        conn.execute(waves.delete().where(waves.c.id == wave_id))

    def _row(self, conn: Any, org: str, wave: str, instrument: str | None) -> Any:
        from sqlalchemy import select

        waves = self.tables["waves"]
        q = select(waves).where(waves.c.org == org, waves.c.label == wave)
        if instrument is not None:
            q = q.where(waves.c.instrument == instrument)
        rows = conn.execute(q).fetchall()
        if not rows:
            known = self.rows(org)
            listed = ", ".join(f"{r['instrument']} {r['wave']}" for r in known) or "none"
            raise HistoryError(
                Problem(
                    "unknown-wave",
                    f"no wave {wave!r} stored for {org!r}"
                    + (f" and {instrument}" if instrument else ""),
                    expected=f"one of the stored waves ({listed})",
                    hint="see assess history list",
                )
            )
        if len(rows) > 1:
            raise HistoryError(
                Problem(
                    "ambiguous-wave",
                    f"{org!r} has wave {wave!r} for several instruments: "
                    + ", ".join(r.instrument for r in rows),
                    hint="name the instrument with -i",
                )
            )
        return rows[0]

    def info(self, org: str, wave: str, instrument: str | None = None) -> WaveInfo:
        """What is stored about one wave."""
        with self._transaction() as conn:
            return _info(self._row(conn, org, wave, instrument), self.store)

    def rows(
        self, org: str | None = None, instrument: str | None = None, *, strict: bool = True
    ) -> list[dict[str, Any]]:
        """Stored waves as plain dicts, each organization's waves of an instrument from the
        earliest to the latest (:func:`~assessments.history.order.order_waves`: collection
        dates, else the labels' natural order); what :meth:`waves` tabulates, without pandas
        (``assess history list`` starts fast).

        Raises :class:`~assessments.history.order.WaveOrderError` when the waves have no single
        order, unless ``strict`` is false: then they are listed as added, each row's ``order``
        saying ``"unknown"`` (a store written before the order was checked at ``add``)."""
        from sqlalchemy import select

        waves = self.tables["waves"]
        names = (
            "org",
            "instrument",
            "version",
            "label",
            "wave_date",
            "added_at",
            "summary",
            "keep_ids",
            "definition_hash",
        )
        q = select(*[waves.c[c] for c in names])
        if org is not None:
            q = q.where(waves.c.org == org)
        if instrument is not None:
            q = q.where(waves.c.instrument == instrument)
        with self._transaction() as conn:
            found = conn.execute(q).fetchall()
        out = [
            {
                "org": r.org,
                "instrument": r.instrument,
                "version": r.version,
                "wave": r.label,
                "date": r.wave_date,
                "added_at": r.added_at,
                **{
                    k: v
                    for k, v in _counts(r.summary, self.store, r.label).items()
                    if k != "rows_read"
                },
                "keep_ids": bool(r.keep_ids),
                "definition_hash": r.definition_hash[:12],
            }
            for r in found
        ]
        return _in_order(out, strict=strict)

    def waves(self, org: str | None = None, instrument: str | None = None) -> pd.DataFrame:
        """Stored waves, one row each, earliest first (see :meth:`rows`)."""
        import pandas as pd

        return pd.DataFrame(self.rows(org, instrument), columns=list(WAVE_COLUMNS))

    def load(
        self,
        org: str,
        wave: str,
        instrument: str | None = None,
        *,
        parts: Sequence[str] = TABLES,
        perspective: str | None = None,
    ) -> Scores:
        """The stored wave as :class:`Scores`, scored by its own stored definition and key.

        ``parts`` limits the tables read; the others are then empty. ``("trend",)`` reads
        only the score columns (into ``respondents``), as :meth:`series` does. A wave kept
        from several perspectives needs ``perspective`` (or use :meth:`load_perspectives`)."""
        with self._transaction() as conn:
            return self._load(conn, org, wave, instrument, parts, perspective)

    def load_many(
        self,
        waves: Sequence[tuple[str, str]],
        instrument: str,
        *,
        parts: Sequence[str] = TABLES,
    ) -> dict[tuple[str, str], Scores]:
        """Several waves (``(org, label)`` pairs) of one instrument, read in one transaction:
        what a network's benchmarks read (300 agencies: one connection, not 300)."""
        with self._transaction() as conn:
            return {
                (org, wave): self._load(conn, org, wave, instrument, parts, None)
                for org, wave in waves
            }

    def _load(
        self,
        conn: Any,
        org: str,
        wave: str,
        instrument: str | None,
        parts: Sequence[str],
        perspective: str | None,
    ) -> Scores:
        row = self._row(conn, org, wave, instrument)
        found = perspectives_of(row.version)
        if found and perspective is None:
            raise HistoryError(
                Problem(
                    "perspective-needed",
                    f"wave {wave!r} of {org!r} was kept from several perspectives: "
                    + ", ".join(found),
                    hint="name one, or read them all with load_perspectives()",
                )
            )
        if perspective is not None and perspective not in (found or (row.version,)):
            raise HistoryError(
                Problem(
                    "unknown-perspective",
                    f"wave {wave!r} of {org!r} has no {perspective} perspective",
                    expected="one of " + ", ".join(found or (row.version,)),
                )
            )
        suffix = f"{PART}{perspective}" if found else ""
        stored = self._stored(conn, row.id, [f"{p}{suffix}" for p in parts], suffix)
        return self._scores(row, stored, perspective if found else None)

    def _stored(
        self, conn: Any, wave_id: int, names: list[str], suffix: str
    ) -> dict[str, pd.DataFrame]:
        from sqlalchemy import select

        from .codec import unpack

        wt = self.tables["wave_tables"]
        rows = conn.execute(
            select(wt.c.name, wt.c.data).where(wt.c.wave_id == wave_id, wt.c.name.in_(names))
        )
        out = {}
        for r in rows:
            try:
                out[r.name.removesuffix(suffix)] = unpack(r.data)
            except Exception as err:  # zlib's checksum, a cut header: never a wrong number
                raise _damaged(self.store, f"the stored table {r.name!r}", err) from None
        return out

    def _scores(self, row: Any, stored: dict[str, pd.DataFrame], perspective: str | None) -> Scores:
        import pandas as pd

        from ..scoring import Scores

        version = perspective or row.version
        which = (row.instrument, version, row.definition_hash, row.key_hash, row.drop_suggested)
        if which not in self._instruments:  # instruments are immutable: one per definition
            if _sha(row.definition) != row.definition_hash or (
                row.key_text is not None and _sha(row.key_text) != row.key_hash
            ):
                raise _damaged(
                    self.store,
                    f"the definition kept with wave {row.label!r} (it no longer matches its "
                    "SHA-256)",
                )
            self._instruments[which] = _instrument_of(row, version)
        inst = self._instruments[which]
        summary = _json(row.summary, self.store, f"the summary of wave {row.label!r}")
        try:
            if perspective is not None:
                summary = summary["perspectives"][perspective]
            counts = (int(summary["rows_read"]), dict(summary["cell_counts"]))
        except (KeyError, TypeError, ValueError) as err:
            raise _damaged(self.store, f"the summary of wave {row.label!r}", err) from None
        empty = pd.DataFrame()
        return Scores(
            respondents=stored["scores"] if "scores" in stored else stored.get(TREND, empty),
            items=stored.get("items", empty),
            status=stored.get("status", empty),
            excluded=stored.get("excluded", empty),
            invalid=stored.get("invalid", empty),
            recodes=stored.get("recodes", empty),
            instrument=inst,
            rows_read=counts[0],
            cell_counts=counts[1],
            notes=tuple(summary.get("notes") or ()),
        )

    def load_perspectives(
        self,
        org: str,
        wave: str,
        instrument: str | None = None,
        *,
        parts: Sequence[str] = TABLES,
        min_group_size: int = 5,
    ) -> Perspectives:
        """A wave kept from several perspectives, as :class:`~assessments.perspectives.
        Perspectives` (each scored by its own version of the stored definition and key)."""
        from ..perspectives import Perspectives

        with self._transaction() as conn:
            row = self._row(conn, org, wave, instrument)
            found = perspectives_of(row.version)
            if not found:
                raise HistoryError(
                    Problem(
                        "one-perspective",
                        f"wave {wave!r} of {org!r} was kept from one file "
                        f"({row.version or 'one version'})",
                        hint="use load()",
                    )
                )
            stored = {
                v: self._stored(conn, row.id, [f"{p}{PART}{v}" for p in parts], f"{PART}{v}")
                for v in found
            }
        summary = _json(row.summary, self.store, f"the summary of wave {row.label!r}")
        try:
            practices = [
                {str(k): int(n) for k, n in g.items()} for g in summary.get("practices", [])
            ]
        except (AttributeError, TypeError, ValueError) as err:
            raise _damaged(self.store, f"the summary of wave {row.label!r}", err) from None
        return Perspectives(
            {v: self._scores(row, stored[v], v) for v in found},
            practices,
            min_group_size,
            str(summary.get("key_source", "")),
        )

    def series(
        self,
        org: str,
        instrument: str,
        until: str | None = None,
        *,
        version: str | None = None,
    ) -> dict[str, Scores]:
        """Every stored wave of one instrument, earliest first, up to ``until`` (its label),
        with their scores and kept groups read (no answers or counts): what the trend charts
        and the change of each group (site, role) need. (Waves stored before the groups were
        kept beside the scores give the organization's trend only.)

        With ``version``, only the waves of that version (perspective) are read: a one-version
        wave of it, or its part of a wave kept from several perspectives. A change is never
        computed between two different versions."""
        rows = self.rows(org, instrument)
        labels = [r["wave"] for r in rows]
        if until is not None:
            rows = rows[: labels.index(until) + 1]
        out: dict[str, Scores] = {}
        for r in rows:
            found = perspectives_of(r["version"])
            if version is None or (not found and r["version"] == version):
                if found:
                    continue  # a several-perspective wave has no one series without a version
                out[r["wave"]] = self.load(org, r["wave"], instrument, parts=(TREND,))
            elif version in found:
                out[r["wave"]] = self.load(
                    org, r["wave"], instrument, parts=(TREND,), perspective=version
                )
        return out

    def remove(self, org: str, wave: str, instrument: str | None = None) -> WaveInfo:
        """Delete a stored wave (logged with the time)."""
        with self._transaction(write=True) as conn:
            row = self._row(conn, org, wave, instrument)
            info = _info(row, self.store)
            self._delete(conn, row.id)
            conn.execute(
                self.tables["events"]
                .insert()
                .values(
                    at=_now(),
                    org=org,
                    instrument=row.instrument,
                    label=wave,
                    action="remove",
                    detail="{}",
                    actor=self.actor,
                )
            )
        return info

    def log(self, action: str, org: str, wave: str, instrument: str, **detail: Any) -> None:
        """Log that a wave was read: ``view`` (shown), ``report`` (reported), ``export``
        (written to a workbook), ``benchmark`` (read into network figures); adds,
        replacements and removals log themselves."""
        self.log_many(action, [(org, wave)], instrument, **detail)

    def log_many(
        self, action: str, waves: Sequence[tuple[str, str]], instrument: str, **detail: Any
    ) -> None:
        """:meth:`log` for several ``(org, wave)`` pairs at once, in one transaction."""
        if not waves:
            return
        at, text = _now(), json.dumps(detail, default=str)
        rows = [
            {"at": at, "org": org, "instrument": instrument, "label": wave, "action": action,
             "detail": text, "actor": self.actor}
            for org, wave in waves
        ]  # fmt: skip
        with self._transaction(write=True) as conn:
            conn.execute(self.tables["events"].insert(), rows)

    def events(self, org: str | None = None) -> pd.DataFrame:
        """The log: who added, replaced, removed, viewed, reported or exported which wave, and
        when (``actor`` is blank for events logged before schema 3)."""
        import pandas as pd
        from sqlalchemy import select

        ev = self.tables["events"]
        q = select(ev.c.at, ev.c.org, ev.c.instrument, ev.c.label, ev.c.action, ev.c.actor)
        q = q.order_by(ev.c.id)
        if org is not None:
            q = q.where(ev.c.org == org)
        with self._transaction() as conn:
            rows = conn.execute(q).fetchall()
        return pd.DataFrame(
            [tuple(r) for r in rows],
            columns=["at", "org", "instrument", "wave", "action", "actor"],
        )

    def export(self, org: str, path: str | Path, *, min_group_size: int = 5) -> Path:
        """An Excel workbook of one organization's history: ``waves``, ``scores`` (every wave,
        with a ``wave`` column), ``excluded`` (row and reason), ``events`` and ``notes``.

        It follows the reports' suppression rule: in each wave, a group of a kept column (site,
        role) with fewer than ``min_group_size`` respondents, and the next smallest when only
        one would be hidden, is written as ``suppressed``, so no small group is named beside
        its respondents' scores or can be worked out from the others; a perspective answered by
        fewer is left out; source row numbers are not written. The file is readable only by
        its owner."""
        import os

        import pandas as pd

        from ..io import write_workbook
        from ..render.suppression import mask_groups
        from ..stats._inputs import suppressed_groups

        # every stored wave, also from a store whose waves have no single order (as listed)
        table = pd.DataFrame(self.rows(org, strict=False), columns=list(WAVE_COLUMNS))
        if table.empty:
            raise HistoryError(
                Problem(
                    "unknown-org", f"nothing is stored for {org!r}", hint="see assess history list"
                )
            )
        scores, excluded, notes = [], [], []
        for inst_id, label, version in zip(
            table["instrument"], table["wave"], table["version"], strict=True
        ):
            parts = perspectives_of(str(version))
            loaded = (
                [
                    (v, self.load(org, str(label), str(inst_id), parts=("scores", "excluded"),
                                  perspective=v))
                    for v in parts
                ]
                if parts
                else [(None, self.load(org, str(label), str(inst_id),
                                       parts=("scores", "excluded")))]
            )  # fmt: skip
            for v, s in loaded:
                tag = {"instrument": str(inst_id), "wave": str(label)}
                if v is not None:
                    tag["perspective"] = v
                    if s.n_scored < min_group_size:
                        notes.append(
                            f"{label}: the {v} perspective ({s.n_scored} respondents, fewer "
                            f"than {min_group_size}) is left out"
                        )
                        continue
                resp = s.respondents.drop(columns=[c for c in ("row",) if c in s.respondents])
                kept = [c for c in s.metadata_columns if c in resp.columns and c != "row"]
                for col in kept:
                    sizes = {g: int(n) for g, n in resp[col].value_counts(dropna=True).items()}
                    hidden = suppressed_groups(sizes, min_group_size)
                    if hidden:
                        resp = mask_groups(resp, col, list(hidden), min_group_size)
                        notes.append(
                            f"{label}: {len(hidden)} group(s) of {col!r} written as suppressed "
                            f"(fewer than {min_group_size}, or what would reveal them)"
                        )
                scores.append(resp.assign(**tag))
                ex = s.excluded[[c for c in ("reason",) if c in s.excluded.columns]]
                excluded.append(ex.assign(**tag))
        sheets = {
            "waves": table,
            "scores": pd.concat(scores, ignore_index=True) if scores else pd.DataFrame(),
            "excluded": pd.concat(excluded, ignore_index=True) if excluded else pd.DataFrame(),
            "events": self.events(org),
            "notes": pd.DataFrame({"note": notes or ["no group was small enough to hide"]}),
        }
        written = Path(write_workbook(sheets, Path(path)))
        os.chmod(written, 0o600)
        for _, w in table.iterrows():
            self.log("export", org, str(w["wave"]), str(w["instrument"]), file=written.name)
        return written

    def close(self) -> None:
        """Release the engine (no connection is kept open between operations anyway)."""
        self.engine.dispose()

    def __enter__(self) -> History:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def migrate(conn: Any, tables: dict[str, Any], found: int) -> None:
    """Bring a store from schema ``found`` to :data:`SCHEMA_VERSION`, in the open transaction.

    1 → 2: the ``events`` log (existing waves are logged as added when they were).
    2 → 3: who did each event (``actor``; blank for the events before).
    """
    from sqlalchemy import select, text, update

    if found == 2:
        conn.execute(text("ALTER TABLE events ADD COLUMN actor TEXT"))
    if found < 2:
        tables["events"].create(conn)
        waves = tables["waves"]
        for r in conn.execute(
            select(waves.c.org, waves.c.instrument, waves.c.label, waves.c.added_at)
        ):
            conn.execute(
                tables["events"]
                .insert()
                .values(
                    at=r.added_at,
                    org=r.org,
                    instrument=r.instrument,
                    label=r.label,
                    action="add",
                    detail='{"migrated": true}',
                )
            )
    conn.execute(update(tables["schema_version"]).values(version=SCHEMA_VERSION))


def parse_date(text: str | None, label: str = "--date") -> str | None:
    """A collection date as ``YYYY-MM-DD`` (None when none is given), or a clear error."""
    if text is None or not str(text).strip():
        return None
    try:
        return datetime.date.fromisoformat(str(text).strip()).isoformat()
    except ValueError:
        raise HistoryError(
            Problem(
                "bad-option",
                f"{label} {str(text)[:40]!r} is not a date",
                expected="YYYY-MM-DD, e.g. 2026-04-01",
                value=str(text)[:40],
            )
        ) from None


def check_names(org: str, wave: str) -> None:
    """Refuse an organization name or wave label with a control character or beyond its limit
    (:data:`MAX_ORG_CHARS`, :data:`MAX_WAVE_CHARS`): names are stored exactly, never cut."""
    _check_name(str(org).strip(), "organization name", MAX_ORG_CHARS, "--org")
    _check_name(str(wave).strip(), "wave label", MAX_WAVE_CHARS, "--wave")


def _check_name(text: str, what: str, limit: int, option: str) -> None:
    """An organization or wave name is stored exactly as given, or refused: never cut."""
    bad = _CONTROL.search(text)
    if bad is not None:
        raise HistoryError(
            Problem(
                "bad-name",
                f"the {what} holds the control character U+{ord(bad.group()):04X}",
                value=text[:80],
                hint=f"give {option} without control characters",
            )
        )
    if len(text) > limit:
        raise HistoryError(
            Problem(
                "name-too-long",
                f"the {what} has {len(text):,} characters; at most {limit} are kept",
                value=text[:80] + "...",
                expected=f"at most {limit} characters",
                hint=f"give a shorter {option}",
            )
        )


def _damaged(store: str, what: str, err: Exception | None = None) -> HistoryError:
    """The store's content does not read as a history store wrote it."""
    detail = f": {type(err).__name__}" if err is not None else ""
    return HistoryError(
        Problem(
            "store-damaged",
            f"the history store is damaged: {what} cannot be read{detail}",
            file=store,
            hint="restore the store from a backup; the other waves may still be readable with "
            "assess history list and export",
        )
    )


def _json(text: Any, store: str, what: str) -> Any:
    try:
        return json.loads(text)
    except (TypeError, ValueError) as err:
        raise _damaged(store, what, err) from None


def _summary(scores: Scores) -> dict[str, Any]:
    return {
        "rows_read": scores.rows_read,
        "n_scored": scores.n_scored,
        "n_excluded": scores.n_excluded,
        "cell_counts": scores.cell_counts,
        "notes": list(scores.notes),
    }


def perspectives_of(version: str) -> tuple[str, ...]:
    """The perspectives of a stored wave's version field (empty for a one-version wave)."""
    if version.startswith(PERSPECTIVES):
        return tuple(version[len(PERSPECTIVES) :].split(","))
    return ()


def _counts(summary: Any, store: str, label: str) -> dict[str, int]:
    """A wave's stored counts (rows read, scored, excluded), its summary read once."""
    data = _json(summary, store, f"the summary of wave {label!r}")
    names = ("rows_read", "n_scored", "n_excluded")
    values = {k: data.get(k) for k in names} if isinstance(data, dict) else {}
    if not all(isinstance(values.get(k), int) for k in names):
        raise _damaged(store, f"the summary of wave {label!r}")
    return values  # type: ignore[return-value]


def _in_order(rows: list[dict[str, Any]], *, strict: bool) -> list[dict[str, Any]]:
    """Rows grouped by organization and instrument, each group from earliest to latest."""
    from .order import WaveOrderError, order_waves

    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for r in sorted(rows, key=lambda r: (r["org"], r["instrument"], r["added_at"])):
        groups.setdefault((r["org"], r["instrument"]), []).append(r)
    out: list[dict[str, Any]] = []
    for group in groups.values():
        try:
            out.extend({**r, "order": "known"} for r in order_waves(group))
        except WaveOrderError:
            if strict:
                raise
            out.extend({**r, "order": "unknown"} for r in group)
    return out


def _info(row: Any, store: str = "the history store") -> WaveInfo:
    where = f"the summary of wave {row.label!r}"
    kept = _json(row.kept_columns, store, where)
    counts = _counts(row.summary, store, row.label)
    try:
        return WaveInfo(
            org=row.org,
            instrument=row.instrument,
            version=row.version,
            wave=row.label,
            date=row.wave_date,
            added_at=row.added_at,
            n_scored=counts["n_scored"],
            n_excluded=counts["n_excluded"],
            rows_read=counts["rows_read"],
            definition_hash=row.definition_hash,
            key_hash=row.key_hash,
            keep_ids=bool(row.keep_ids),
            kept_columns=tuple(str(c) for c in kept),
            source_name=row.source_name,
            perspectives=perspectives_of(row.version),
        )
    except TypeError as err:
        raise _damaged(store, where, err) from None


def _text_of(path: str | None, what: str) -> tuple[str, str]:
    if not path:
        raise HistoryError(
            Problem(
                "no-definition",
                f"the {what} of these scores has no file to keep",
                hint="load the instrument with load_instrument() before scoring",
            )
        )
    p = Path(path)
    return p.name, p.read_text(encoding="utf-8")


def _instrument_of(row: Any, version: str | None = None) -> Any:
    """The instrument exactly as it was stored: the shipped one when its text is unchanged,
    else rebuilt from the stored definition and key texts."""
    from ..instruments import load_instrument

    version = version or row.version or None
    try:
        shipped = load_instrument(row.instrument, version, drop_suggested=row.drop_suggested)
    except AssessmentError:
        shipped = None
    if (
        shipped is not None
        and row.key_text is None
        and shipped.source_file
        and _sha(Path(shipped.source_file).read_text(encoding="utf-8")) == row.definition_hash
    ):
        return shipped
    with tempfile.TemporaryDirectory(prefix="assess-history-") as tmp:
        definition = Path(tmp) / row.definition_name
        definition.write_text(row.definition, encoding="utf-8")
        key = None
        if row.key_text is not None:
            key = Path(tmp) / (row.key_name or "key.yaml")
            key.write_text(row.key_text, encoding="utf-8")
        return load_instrument(definition, version, key=key, drop_suggested=row.drop_suggested)


def _kept_columns(scores: Scores, keep: Sequence[str] | None) -> list[str]:
    meta = scores.metadata_columns
    if keep is not None:
        unknown = [c for c in keep if c not in meta]
        if unknown:
            raise HistoryError(
                Problem(
                    "unknown-column",
                    "no metadata column " + ", ".join(map(repr, unknown)),
                    expected="one of " + (", ".join(meta) or "(the file has none)"),
                )
            )
        return list(keep)
    out = []
    for c in meta:
        values = scores.respondents[c]
        if values.nunique(dropna=True) <= MAX_KEPT_LEVELS:
            out.append(c)
    return out


def _tables_to_store(scores: Scores, kept: list[str], keep_ids: bool) -> dict[str, pd.DataFrame]:
    inst = scores.instrument
    dropped = [c for c in scores.metadata_columns if c not in kept]
    resp = scores.respondents.drop(columns=dropped).reset_index(drop=True)
    items = scores.items.reset_index(drop=True)
    excluded = scores.excluded.reset_index(drop=True)
    invalid = scores.invalid.reset_index(drop=True)
    if not keep_ids:
        numbered = [str(k) for k in range(1, len(resp) + 1)]
        if "respondent_id" in resp:
            resp["respondent_id"] = numbered
        if "respondent_id" in items:
            items["respondent_id"] = numbered
        excluded = excluded.drop(columns=[c for c in ("respondent_id",) if c in excluded])
        invalid = invalid.drop(columns=[c for c in ("respondent_id",) if c in invalid])
    return {
        "scores": resp,
        # the score columns and the kept groups (site, role), uncompressed: what trends and
        # the change of each group read from every wave
        TREND: resp[
            [
                *[c for c in kept if c in resp.columns],
                *[c for c in inst.score_ids if c in resp.columns],
            ]
        ],
        "items": items,
        "status": scores.status.reset_index(drop=True),
        "excluded": excluded,
        "invalid": invalid,
        "recodes": scores.recodes.reset_index(drop=True),
    }
