"""Accounts of a state network on one shared store: agencies, people and their roles, sign-in.

``assess serve --accounts`` runs the web page in network mode on a history store (PostgreSQL
for a real network): people sign in, and what each may see follows their role:

==========  ==================================================================================
role        may
==========  ==================================================================================
``agency``  upload, keep and report their own agency's waves, and nothing of another agency's
``analyst`` read the network's benchmarks and its report with agencies coded; never a
            respondent's row, never an agency's name
``admin``   create agencies, invite people, reset a password, sign a person out everywhere, read
            the audit log and the network report with agencies named
==========  ==================================================================================

Security: passwords are hashed with Argon2id (argon2-cffi, its recommended parameters) and
never stored or logged; an invitation or reset link is a random token of 256 bits of which
only a SHA-256 is stored, used once, and expires (72 hours; a reset 2 hours); a session is a
random token in a secure, HTTP-only, SameSite=Strict cookie, stored hashed, ending 12 hours
after sign-in, at sign-out, or when the person is signed out everywhere (a reset does that
too); five failed sign-ins for one address within 15 minutes refuse that address for 15
minutes, whatever the password; an unknown address costs the same time as a known one.
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import re
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .errors import AssessmentError, Problem

if TYPE_CHECKING:
    from .history.store import History

ROLES = ("admin", "analyst", "agency")
INVITE_HOURS = 72
RESET_HOURS = 2
SESSION_HOURS = 12
THROTTLE_FAILURES = 5
THROTTLE_MINUTES = 15
MIN_PASSWORD = 12
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,190}\.[^@\s]{2,}$")


class AccountError(AssessmentError):
    """A sign-in, invitation or account that cannot be used (the message says why)."""


@dataclass(frozen=True)
class User:
    """A signed-in person: their role, and for an agency user their agency."""

    id: int
    email: str
    role: str
    agency: str | None  # the agency's name (the history's organization)


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def _stamp(t: datetime.datetime) -> str:
    return t.isoformat(timespec="seconds")


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _hasher() -> Any:
    try:
        from argon2 import PasswordHasher
    except ModuleNotFoundError as err:
        raise AccountError(
            Problem(
                "missing-dependency",
                "accounts need argon2-cffi",
                hint='pip install "recovery-assessments[network]"',
            )
        ) from err
    return PasswordHasher()


def _tables(metadata: Any) -> dict[str, Any]:
    from sqlalchemy import Boolean, Column, ForeignKey, Integer, Table, Text

    return {
        "agencies": Table(
            "account_agencies",
            metadata,
            Column("id", Integer, primary_key=True, autoincrement=True),
            Column("name", Text, nullable=False, unique=True),
            Column("created_at", Text, nullable=False),
        ),
        "users": Table(
            "account_users",
            metadata,
            Column("id", Integer, primary_key=True, autoincrement=True),
            Column("email", Text, nullable=False, unique=True),
            Column("role", Text, nullable=False),
            Column("agency_id", Integer, ForeignKey("account_agencies.id")),
            Column("password_hash", Text),
            Column("session_version", Integer, nullable=False),
            Column("disabled", Boolean, nullable=False),
            Column("created_at", Text, nullable=False),
        ),
        "tokens": Table(  # invitations and password resets
            "account_tokens",
            metadata,
            Column("digest", Text, primary_key=True),
            Column("user_id", Integer, ForeignKey("account_users.id"), nullable=False),
            Column("purpose", Text, nullable=False),
            Column("expires_at", Text, nullable=False),
            Column("used_at", Text),
        ),
        "sessions": Table(
            "account_sessions",
            metadata,
            Column("digest", Text, primary_key=True),
            Column("user_id", Integer, ForeignKey("account_users.id"), nullable=False),
            Column("version", Integer, nullable=False),
            Column("expires_at", Text, nullable=False),
        ),
        "failures": Table(
            "account_failures",
            metadata,
            Column("id", Integer, primary_key=True, autoincrement=True),
            Column("email", Text, nullable=False),
            Column("at", Text, nullable=False),
        ),
    }


class Accounts:
    """The accounts of a network, kept in the history store's database (tables ``account_*``).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from assessments.history.store import History
    >>> accounts = Accounts(History(pathlib.Path(tempfile.mkdtemp()) / "network.sqlite"))
    >>> _ = accounts.create_agency("Harbor House")
    >>> link = accounts.invite("pat@harbor.example", "agency", agency="Harbor House")
    >>> accounts.accept(link, "a long passphrase here").agency
    'Harbor House'
    >>> token, user = accounts.sign_in("pat@harbor.example", "a long passphrase here")
    >>> accounts.user_of(token) == user
    True
    """

    def __init__(self, history: History, *, clock: Any = None) -> None:
        from sqlalchemy import MetaData

        self.history = history
        self.clock = clock or _now
        self.metadata = MetaData()
        self.tables = _tables(self.metadata)
        with history._transaction(write=True) as conn:
            self.metadata.create_all(conn, checkfirst=True)
        self._dummy: str | None = None

    # ------------------------------------------------------------------ agencies, people
    def create_agency(self, name: str) -> int:
        """A new agency; its name is the organization its waves are kept under."""
        from sqlalchemy import select

        from .history.store import check_names

        name = name.strip()
        check_names(name, "-")
        t = self.tables["agencies"]
        with self.history._transaction(write=True) as conn:
            if conn.execute(select(t.c.id).where(t.c.name == name)).first() is not None:
                raise AccountError(Problem("agency-exists", f"there is already an agency {name!r}"))
            return int(
                conn.execute(
                    t.insert().values(name=name, created_at=_stamp(self.clock()))
                ).inserted_primary_key[0]
            )

    def agencies(self) -> list[str]:
        from sqlalchemy import select

        t = self.tables["agencies"]
        with self.history._transaction() as conn:
            return [r.name for r in conn.execute(select(t.c.name).order_by(t.c.name))]

    def users(self) -> list[dict[str, Any]]:
        """Every person: email, role, agency, whether they have set a password, disabled."""
        from sqlalchemy import select

        u, a = self.tables["users"], self.tables["agencies"]
        q = select(u.c.id, u.c.email, u.c.role, a.c.name, u.c.password_hash, u.c.disabled)
        q = q.select_from(u.outerjoin(a, u.c.agency_id == a.c.id)).order_by(u.c.email)
        with self.history._transaction() as conn:
            return [
                {"id": r.id, "email": r.email, "role": r.role, "agency": r.name,
                 "active": r.password_hash is not None, "disabled": bool(r.disabled)}
                for r in conn.execute(q)
            ]  # fmt: skip

    def invite(self, email: str, role: str, *, agency: str | None = None) -> str:
        """Create a person (or re-invite one who has not accepted) and return the invitation
        token for their link; it works once, for :data:`INVITE_HOURS` hours."""
        from sqlalchemy import select

        email = email.strip().lower()
        if not _EMAIL.match(email):
            raise AccountError(Problem("bad-email", f"{email!r} is not an email address"))
        if role not in ROLES:
            raise AccountError(
                Problem("bad-role", f"no role {role!r}", expected="one of " + ", ".join(ROLES))
            )
        if (role == "agency") != (agency is not None):
            raise AccountError(
                Problem(
                    "bad-role",
                    "an agency user needs their agency; an analyst or administrator has none",
                )
            )
        u, a = self.tables["users"], self.tables["agencies"]
        with self.history._transaction(write=True) as conn:
            agency_id = None
            if agency is not None:
                row = conn.execute(select(a.c.id).where(a.c.name == agency)).first()
                if row is None:
                    raise AccountError(
                        Problem(
                            "unknown-agency", f"there is no agency {agency!r}", hint="create it"
                        )
                    )
                agency_id = row.id
            found = conn.execute(select(u.c.id, u.c.password_hash).where(u.c.email == email))
            existing = found.first()
            if existing is not None and existing.password_hash is not None:
                raise AccountError(
                    Problem(
                        "user-exists",
                        f"{email} already has an account",
                        hint="send a password reset link instead",
                    )
                )
            if existing is None:
                user_id = conn.execute(
                    u.insert().values(
                        email=email, role=role, agency_id=agency_id, password_hash=None,
                        session_version=0, disabled=False, created_at=_stamp(self.clock()),
                    )
                ).inserted_primary_key[0]  # fmt: skip
            else:
                user_id = existing.id
                conn.execute(
                    u.update().where(u.c.id == user_id).values(role=role, agency_id=agency_id)
                )
            return self._token(conn, int(user_id), "invite", INVITE_HOURS)

    def reset_link(self, email: str) -> str:
        """A password-reset token for ``email`` (valid :data:`RESET_HOURS` hours, once)."""
        user = self._user_by_email(email)
        if user is None:
            raise AccountError(Problem("unknown-user", f"there is no account for {email}"))
        with self.history._transaction(write=True) as conn:
            return self._token(conn, user["id"], "reset", RESET_HOURS)

    def _token(self, conn: Any, user_id: int, purpose: str, hours: int) -> str:
        t = self.tables["tokens"]
        token = secrets.token_urlsafe(32)
        expires = self.clock() + datetime.timedelta(hours=hours)
        conn.execute(
            t.insert().values(
                digest=_digest(token),
                user_id=user_id,
                purpose=purpose,
                expires_at=_stamp(expires),
                used_at=None,
            )
        )
        return token

    def link_works(self, token: str) -> bool:
        """Whether an invitation or reset link can still be used (not used, not expired); it
        is not used up by asking."""
        from sqlalchemy import select

        t = self.tables["tokens"]
        with self.history._transaction() as conn:
            row = conn.execute(select(t).where(t.c.digest == _digest(token))).first()
        return row is not None and row.used_at is None and row.expires_at > _stamp(self.clock())

    def accept(self, token: str, password: str) -> User:
        """Set the password of the person an invitation or reset token is for; the token is
        then used up, and every session of that person ends."""
        from sqlalchemy import select

        if len(password) < MIN_PASSWORD:
            raise AccountError(
                Problem(
                    "weak-password",
                    f"the password has {len(password)} characters; it needs at least "
                    f"{MIN_PASSWORD}",
                    hint="a passphrase of several words is easy to remember",
                )
            )
        t, u = self.tables["tokens"], self.tables["users"]
        now = self.clock()
        with self.history._transaction(write=True) as conn:
            row = conn.execute(select(t).where(t.c.digest == _digest(token))).first()
            if row is None or row.used_at is not None or row.expires_at <= _stamp(now):
                raise AccountError(
                    Problem(
                        "link-expired",
                        "this link has expired or was used already",
                        hint="ask your network's administrator for a new one",
                    )
                )
            conn.execute(t.update().where(t.c.digest == row.digest).values(used_at=_stamp(now)))
            conn.execute(
                u.update()
                .where(u.c.id == row.user_id)
                .values(
                    password_hash=_hasher().hash(password),
                    session_version=u.c.session_version + 1,
                )
            )
            conn.execute(
                self.tables["sessions"]
                .delete()
                .where(self.tables["sessions"].c.user_id == row.user_id)
            )
        user = self._user_by_id(int(row.user_id))
        assert user is not None  # the row was just updated
        return user

    # ------------------------------------------------------------------------ sign-in
    def sign_in(self, email: str, password: str) -> tuple[str, User]:
        """A new session token and its person, or :class:`AccountError` (the same message for
        a wrong address and a wrong password)."""
        from sqlalchemy import func, select

        email = email.strip().lower()
        f = self.tables["failures"]
        now = self.clock()
        since = _stamp(now - datetime.timedelta(minutes=THROTTLE_MINUTES))
        with self.history._transaction() as conn:
            recent = conn.execute(
                select(func.count()).where(f.c.email == email, f.c.at > since)
            ).scalar()
        if recent is not None and recent >= THROTTLE_FAILURES:
            raise AccountError(
                Problem(
                    "throttled",
                    f"too many failed sign-ins for this address: try again in "
                    f"{THROTTLE_MINUTES} minutes",
                )
            )
        found = self._user_by_email(email, with_hash=True)
        hasher = _hasher()
        ok = False
        if found is None or found["password_hash"] is None:
            self._dummy = self._dummy or hasher.hash("not a real password")
            # the same work as a real check: no address is told apart by its timing
            with contextlib.suppress(Exception):
                hasher.verify(self._dummy, password + "x")
        else:
            try:
                ok = bool(hasher.verify(found["password_hash"], password))
            except Exception:  # argon2's VerifyMismatchError, or a damaged hash
                ok = False
        if not ok or found is None or found["disabled"]:
            with self.history._transaction(write=True) as conn:
                conn.execute(f.insert().values(email=email, at=_stamp(now)))
            raise AccountError(
                Problem("sign-in-failed", "the email address or the password is not right")
            )
        token = secrets.token_urlsafe(32)
        s = self.tables["sessions"]
        with self.history._transaction(write=True) as conn:
            conn.execute(
                s.insert().values(
                    digest=_digest(token), user_id=found["id"], version=found["session_version"],
                    expires_at=_stamp(now + datetime.timedelta(hours=SESSION_HOURS)),
                )
            )  # fmt: skip
        user = self._user_by_id(found["id"])
        assert user is not None
        return token, user

    def user_of(self, token: str | None) -> User | None:
        """The person a session token belongs to, or None (unknown, expired, signed out, or
        the person signed out everywhere or disabled since)."""
        from sqlalchemy import select

        if not token:
            return None
        s, u = self.tables["sessions"], self.tables["users"]
        with self.history._transaction() as conn:
            row = conn.execute(
                select(s.c.user_id, s.c.version, s.c.expires_at, u.c.session_version,
                       u.c.disabled)
                .select_from(s.join(u, s.c.user_id == u.c.id))
                .where(s.c.digest == _digest(token))
            ).first()  # fmt: skip
        if row is None or row.disabled or row.version != row.session_version:
            return None
        if row.expires_at <= _stamp(self.clock()):
            return None
        return self._user_by_id(int(row.user_id))

    def sign_out(self, token: str) -> None:
        s = self.tables["sessions"]
        with self.history._transaction(write=True) as conn:
            conn.execute(s.delete().where(s.c.digest == _digest(token)))

    def sign_out_everywhere(self, email: str) -> None:
        """End every session of a person (after a lost laptop, or when they leave)."""
        u, s = self.tables["users"], self.tables["sessions"]
        user = self._user_by_email(email)
        if user is None:
            raise AccountError(Problem("unknown-user", f"there is no account for {email}"))
        with self.history._transaction(write=True) as conn:
            conn.execute(
                u.update().where(u.c.id == user["id"])
                .values(session_version=u.c.session_version + 1)
            )  # fmt: skip
            conn.execute(s.delete().where(s.c.user_id == user["id"]))

    def disable(self, email: str) -> None:
        """Stop a person from signing in (their sessions end)."""
        u = self.tables["users"]
        self.sign_out_everywhere(email)
        with self.history._transaction(write=True) as conn:
            conn.execute(u.update().where(u.c.email == email.strip().lower()).values(disabled=True))

    # ------------------------------------------------------------------------ lookups
    def _user_by_email(self, email: str, *, with_hash: bool = False) -> dict[str, Any] | None:
        from sqlalchemy import select

        u = self.tables["users"]
        with self.history._transaction() as conn:
            row = conn.execute(select(u).where(u.c.email == email.strip().lower())).first()
        if row is None:
            return None
        out = dict(row._mapping)
        if not with_hash:
            out.pop("password_hash")
        return out

    def _user_by_id(self, user_id: int) -> User | None:
        from sqlalchemy import select

        u, a = self.tables["users"], self.tables["agencies"]
        with self.history._transaction() as conn:
            row = conn.execute(
                select(u.c.id, u.c.email, u.c.role, a.c.name)
                .select_from(u.outerjoin(a, u.c.agency_id == a.c.id))
                .where(u.c.id == user_id)
            ).first()
        return None if row is None else User(int(row.id), row.email, row.role, row.name)
