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
