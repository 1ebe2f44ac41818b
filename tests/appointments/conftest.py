"""Fixtures of the appointments tests: a published item, a hall that handles it, people who book."""

from __future__ import annotations

import pytest

from tests.factories import make_hall, make_item, make_person


@pytest.fixture
def item(db_session, clock):
    return make_item(db_session, clock)


@pytest.fixture
def hall_setup(db_session, clock, item):
    """(hall, group, windows): 2 windows, 15 minutes a case, half for bookings → 2 per half-hour slot."""
    hall, group, windows = make_hall(db_session, clock, items=[item])
    db_session.commit()
    return hall, group, windows


@pytest.fixture
def person(db_session, clock):
    row = make_person(db_session, clock, name="王小明")
    db_session.commit()
    return row


@pytest.fixture
def actor(person):
    from tongban.accounts.access import PersonActor

    return PersonActor(person.id, person.name, person.id_kind)


@pytest.fixture
def enroll_kiosk(db_session, clock):
    """Enroll a ticket machine for a hall as its region's window staff would; returns (device, clear token)."""
    from tongban.accounts import staff
    from tongban.appointments import kiosks
    from tests.factories import make_staff

    def enroll(hall, name: str = "一楼大厅取号机"):
        account, _ = make_staff(db_session, clock, roles=["consultant"], region_code=hall.region_code)
        new = kiosks.enroll(db_session=db_session, clock=clock, actor=staff.actor_for(account), hall=hall, name=name)
        db_session.commit()
        return new.device, new.token

    return enroll


def kiosk_cookie(client, hall, token: str) -> None:
    """The machine's cookie, as the enrollment page sets it: only for this hall's kiosk pages."""
    client.cookies.set("tb_kiosk", token, path=f"/halls/{hall.id}/kiosk")
