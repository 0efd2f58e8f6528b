"""Issue 34: accounts of a network (library level), on SQLite and PostgreSQL. Passwords are
Argon2id hashes, links and sessions are stored hashed, used once and expire, failed sign-ins are
throttled, and signing out everywhere ends every session."""

from __future__ import annotations

import datetime

import pytest
from sqlalchemy import select

from assessments.accounts import (
    INVITE_HOURS,
    SESSION_HOURS,
    THROTTLE_FAILURES,
    AccountError,
    Accounts,
)
from assessments.history.store import History

PASSWORD = "correct horse battery staple"


class Clock:
    def __init__(self) -> None:
        self.t = datetime.datetime(2026, 12, 7, 9, 0, tzinfo=datetime.UTC)

    def __call__(self) -> datetime.datetime:
        return self.t

    def advance(self, **kw: float) -> None:
        self.t += datetime.timedelta(**kw)


@pytest.fixture
def accounts(store):
    clock = Clock()
    a = Accounts(History(store), clock=clock)
    a.create_agency("Harbor House")
    a.create_agency("Cedar Grove")
    return a, clock


def codes(err) -> list[str]:
    return err.value.codes


def test_an_invitation_sets_a_password_once_and_nothing_is_stored_in_clear(accounts):
    a, _ = accounts
    link = a.invite("Pat@Harbor.example", "agency", agency="Harbor House")
    with pytest.raises(AccountError) as err:
        a.accept(link, "short")
    assert codes(err) == ["weak-password"]
    user = a.accept(link, PASSWORD)
    assert (user.email, user.role, user.agency) == ("pat@harbor.example", "agency", "Harbor House")
    with pytest.raises(AccountError) as err:
        a.accept(link, PASSWORD)  # used up
    assert codes(err) == ["link-expired"]
    with a.history._transaction() as conn:
        stored = conn.execute(select(a.tables["users"].c.password_hash)).scalar()
        tokens = [r.digest for r in conn.execute(select(a.tables["tokens"]))]
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored
    assert link not in tokens  # only its SHA-256


def test_an_invitation_expires(accounts):
    a, clock = accounts
    link = a.invite("sam@cedar.example", "agency", agency="Cedar Grove")
    clock.advance(hours=INVITE_HOURS, seconds=1)
    with pytest.raises(AccountError) as err:
        a.accept(link, PASSWORD)
    assert codes(err) == ["link-expired"]


def test_sign_in_sessions_expire_and_sign_out_everywhere_ends_them(accounts):
    a, clock = accounts
    a.accept(a.invite("ana@network.example", "analyst"), PASSWORD)
    first, user = a.sign_in("ana@network.example", PASSWORD)
    second, _ = a.sign_in("ANA@network.example ", PASSWORD)
    assert a.user_of(first) == user
    assert user.role == "analyst"
    assert user.agency is None
    a.sign_out(first)
    assert a.user_of(first) is None
    assert a.user_of(second) == user
    a.sign_out_everywhere("ana@network.example")
    assert a.user_of(second) is None
    third, _ = a.sign_in("ana@network.example", PASSWORD)
    clock.advance(hours=SESSION_HOURS, seconds=1)
    assert a.user_of(third) is None
    assert a.user_of("a guessed token") is None
    assert a.user_of(None) is None


def test_failed_sign_ins_are_throttled_and_alike_for_unknown_addresses(accounts):
    a, clock = accounts
    a.accept(a.invite("pat@harbor.example", "agency", agency="Harbor House"), PASSWORD)
    with pytest.raises(AccountError) as unknown:
        a.sign_in("nobody@harbor.example", PASSWORD)
    for _ in range(THROTTLE_FAILURES):
        with pytest.raises(AccountError) as wrong:
            a.sign_in("pat@harbor.example", "wrong password here")
    assert str(unknown.value) == str(wrong.value)  # nothing tells the two apart
    with pytest.raises(AccountError) as err:
        a.sign_in("pat@harbor.example", PASSWORD)  # right, but refused for now
    assert codes(err) == ["throttled"]
    clock.advance(minutes=16)
    _, user = a.sign_in("pat@harbor.example", PASSWORD)
    assert user.agency == "Harbor House"


def test_a_reset_link_ends_every_session_and_disabled_people_cannot_sign_in(accounts):
    a, _ = accounts
    a.accept(a.invite("pat@harbor.example", "agency", agency="Harbor House"), PASSWORD)
    token, _ = a.sign_in("pat@harbor.example", PASSWORD)
    a.accept(a.reset_link("pat@harbor.example"), "another long passphrase")
    assert a.user_of(token) is None
    with pytest.raises(AccountError):
        a.sign_in("pat@harbor.example", PASSWORD)  # the old password no longer works
    token, _ = a.sign_in("pat@harbor.example", "another long passphrase")
    a.disable("pat@harbor.example")
    assert a.user_of(token) is None
    with pytest.raises(AccountError):
        a.sign_in("pat@harbor.example", "another long passphrase")


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (("not an email", "agency"), "bad-email"),
        (("x@y.example", "superuser"), "bad-role"),
        (("x@y.example", "agency"), "bad-role"),  # an agency user needs their agency
        (("x@y.example", "analyst", "Harbor House"), "bad-role"),
        (("x@y.example", "agency", "Nowhere"), "unknown-agency"),
    ],
)
def test_bad_invitations_are_refused(accounts, args, code):
    a, _ = accounts
    email, role, *agency = args
    with pytest.raises(AccountError) as err:
        a.invite(email, role, agency=agency[0] if agency else None)
    assert codes(err) == [code]
