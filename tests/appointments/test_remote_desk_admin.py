"""A hall administrator marks a window group as a remote help desk (远程帮办) on the hall page: from then on its slots
are working hours of working days only (no Saturday, no extended hours), and unmarking brings them back (CONS-12)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.factories import make_actor, make_hall, make_item
from tongban.appointments import halls, slots
from tongban.appointments.models import Slot, WindowGroup
from tongban.appointments.schemas import GroupIn


def _kinds(db_session, group_id: int) -> set[str]:
    """'weekend' when any slot of the group falls on a Saturday, 'late' when any starts at 17:30 or later."""
    rows = db_session.execute(select(Slot.day, Slot.start_minute).where(Slot.group_id == group_id, Slot.closed.is_(False))).all()
    return {"weekend" for day, _ in rows if day.weekday() == 5} | {"late" for _, start in rows if start >= 1050} | (
        {"any"} if rows else set())


@pytest.mark.req("CONS-12")
def test_marking_a_group_a_remote_desk_keeps_its_slots_to_working_hours(client, db_session, clock):
    item = make_item(db_session, clock)
    hall, group, _ = make_hall(db_session, clock, items=[item], saturday=True, extended=True)
    slots.open_slots(db_session=db_session, clock=clock, hall=hall)
    db_session.commit()
    assert _kinds(db_session, group.id) == {"any", "weekend", "late"}

    def save(remote: bool) -> None:
        halls.save_group(db_session=db_session, clock=clock, actor=None, hall=hall, group_id=group.id, group_in=GroupIn(
            name=group.name, ticket_prefix=group.ticket_prefix, item_ids=[item.id], remote_help=remote))
        slots.rebuild(db_session=db_session, clock=clock, hall=hall)
        db_session.commit()

    save(True)
    assert db_session.get(WindowGroup, group.id).remote_help and _kinds(db_session, group.id) == {"any"}
    save(False)
    assert _kinds(db_session, group.id) == {"any", "weekend", "late"}


def test_the_hall_page_offers_the_remote_desk_choice(client, db_session, clock):
    item = make_item(db_session, clock)
    hall, group, _ = make_hall(db_session, clock, items=[item])
    _, token = make_actor(db_session, clock, role="admin", region_code="511602")
    db_session.commit()
    page = client.get(f"/staff/halls/{hall.id}", headers={"Authorization": f"Bearer {token}"})
    assert page.status_code == 200 and 'name="remote_help"' in page.text
