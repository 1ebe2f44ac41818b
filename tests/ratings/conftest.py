"""Served people for rating tests: a refused case, a closed help ticket, a handled hall visit, staff of the agency."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.cases.caseflow import Staff, case_item, submit
from tests.factories import make_actor, make_agency, make_hall, make_person
from tongban.appointments import calling, queue
from tongban.cases import handling
from tongban.helpdesk import closing, handling as help_handling, service as helpdesk


@dataclass
class World:
    agency: object
    item: object
    person: object
    other: object  # another citizen
    staff: Staff
    rectifier: object  # a manager of the agency (rectify)
    rectifier_token: str
    supervisor: object
    supervisor_token: str
    clerk: object  # a window clerk of the agency (no rectify)
    clerk_token: str
    db: object
    clock: object

    def closed_case(self, person=None):
        case = submit(self.db, self.clock, self.item, person or self.person)
        handling.refuse(db_session=self.db, clock=self.clock, actor=self.staff.acceptor, case=case, reasons="材料不符合要求")
        return case

    def open_case(self):
        return submit(self.db, self.clock, self.item, self.person)

    def closed_ticket(self, person=None):
        ticket = helpdesk.open_ticket(db_session=self.db, clock=self.clock, person=person or self.person_actor(),
                                      ticket_in=helpdesk.TicketIn(question="开饭馆要带什么？", item_id=self.item.id))
        consultant, _ = make_actor(self.db, self.clock, role="consultant", agency=self.agency)
        help_handling.take(db_session=self.db, clock=self.clock, actor=consultant, ticket_id=ticket.id)
        help_handling.reply(db_session=self.db, clock=self.clock, actor=consultant, ticket_id=ticket.id, body="请带执照。")
        closing.close(db_session=self.db, clock=self.clock, actor=consultant, ticket_id=ticket.id, outcome="got_result")
        return ticket

    def handled_visit(self, phone: str = "13900001111"):
        hall, group, windows = make_hall(self.db, self.clock, items=[self.item])
        clerk, _ = make_actor(self.db, self.clock, role="acceptor", agency=self.agency, region_code=hall.region_code)
        ticket = queue.walk_in(db_session=self.db, clock=self.clock, hall=hall, group_id=group.id, phone=phone)
        calling.call_next(db_session=self.db, clock=self.clock, actor=clerk, window_id=windows[0].id)
        calling.finish(db_session=self.db, clock=self.clock, actor=clerk, ticket_id=ticket.id, outcome="handled")
        return hall, windows[0], ticket

    def person_actor(self, person=None):
        from tongban.accounts.access import PersonActor

        person = person or self.person
        return PersonActor(person_id=person.id, name=person.name, id_kind="resident")


@pytest.fixture
def world(db_session, clock) -> World:
    item, agency = case_item(db_session, clock, agency=make_agency(db_session, region_code="511602", level="county"))
    staff = Staff(db_session, clock, agency)
    rectifier, rectifier_token = make_actor(db_session, clock, role="manager", agency=agency)
    supervisor, supervisor_token = make_actor(db_session, clock, role="supervisor", region_code="511600")
    clerk, clerk_token = make_actor(db_session, clock, role="acceptor", agency=agency)
    person = make_person(db_session, clock, name="李桂兰", phone="13912345678")
    other = make_person(db_session, clock, name="王五", phone="13987654321")
    db_session.commit()
    return World(agency, item, person, other, staff, rectifier, rectifier_token, supervisor, supervisor_token, clerk,
                 clerk_token, db_session, clock)


