"""Signing a person or a member of staff in for a test: a bearer token for the API, session cookies for pages."""

from __future__ import annotations

import re

from tongban.accounts import sessions


def auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def person_headers(db_session, clock, person) -> dict:
    """A bearer session for the person, committed so the app's own sessions see it."""
    new = sessions.open_session(db_session=db_session, clock=clock, subject_kind="person", subject_id=person.id,
                                transport="bearer")
    db_session.commit()
    return auth(new.token)


def sign_in_person(client, db_session, clock, person) -> str:
    """Cookies for the person, as after logging in; returns the CSRF token forms carry."""
    new = sessions.open_session(db_session=db_session, clock=clock, subject_kind="person", subject_id=person.id)
    db_session.commit()
    client.cookies.clear()
    client.cookies.update({"tb_session": new.token, "tb_csrf": new.csrf_token})
    return new.csrf_token


def sign_in_staff(client, db_session, clock, staff_id: int) -> str:
    new = sessions.open_session(db_session=db_session, clock=clock, subject_kind="staff", subject_id=staff_id)
    db_session.commit()
    client.cookies.clear()
    client.cookies.update({"tb_staff": new.token, "tb_csrf": new.csrf_token})
    return new.csrf_token


def page_csrf(client, path: str) -> str:
    """The CSRF token of a page's form (for a visitor who is not signed in)."""
    return re.search(r'name="csrf" value="([^"]+)"', client.get(path).text).group(1)
