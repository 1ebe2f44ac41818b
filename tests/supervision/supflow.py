"""Helpers for supervision tests: cases accepted on a chosen day, supervisors and heads, clocks set to a day."""

from __future__ import annotations

from datetime import date, datetime, time, timezone

from tongban.cases import decisions, handling
from tongban.cases.enums import Opinion
from tongban.core.clock import SHANGHAI

from tests.cases.caseflow import Staff, case_item, submit
from tests.factories import make_actor, make_person, make_staff


def at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), SHANGHAI).astimezone(timezone.utc)


def set_day(clock, day: date, hour: int = 10) -> None:
    clock.set(at(day, hour))


class Desk:
    """One agency with its posts, an item (promised 5, legal 10 working days unless overridden) and an applicant."""

    def __init__(self, db_session, clock, *, agency=None, **item_overrides) -> None:
        self.db, self.clock = db_session, clock
        overrides = {"legal_limit_days": 10, "promised_limit_days": 5, **item_overrides}
        self.item, self.agency = case_item(db_session, clock, agency=agency, **overrides)
        self.staff = Staff(db_session, clock, self.agency)
        self.person = make_person(db_session, clock)

    def accepted(self, day: date, *, review: bool = True):
        """A case submitted and accepted on ``day`` (the clock is left there)."""
        set_day(self.clock, day)
        case = submit(self.db, self.clock, self.item, self.person)
        handling.accept(db_session=self.db, clock=self.clock, actor=self.staff.acceptor, case=case)
        if review:
            handling.start_review(db_session=self.db, clock=self.clock, actor=self.staff.reviewer, case=case)
        return case

    def decide(self, case, day: date):
        set_day(self.clock, day, 15)
        handling.record_opinion(db_session=self.db, clock=self.clock, actor=self.staff.reviewer, case=case,
                                opinion=Opinion.approve, reasons="符合审查标准")
        decisions.decide(db_session=self.db, clock=self.clock, actor=self.staff.decider, case=case, approve=True)
        return case

    def returned(self, day: date):
        """A case asked for a supplement, then refused."""
        set_day(self.clock, day)
        case = submit(self.db, self.clock, self.item, self.person)
        handling.request_supplement(db_session=self.db, clock=self.clock, actor=self.staff.acceptor, case=case,
                                    missing=[handling.Missing("m2", "平面图不清晰")])
        handling.refuse(db_session=self.db, clock=self.clock, actor=self.staff.acceptor, case=case, reasons="场所不符合要求")
        return case


def supervisor(db_session, clock, *, region_code: str = "511600", agency=None, phone: str | None = None):
    """A 管理专员 of a region (or of one agency) with an API token."""
    from tongban.accounts import staff as staff_service

    account, _ = make_staff(db_session, clock, roles=["supervisor"], agency=agency, region_code=region_code, phone=phone)
    row, token = staff_service.create_token(db_session=db_session, clock=clock, staff_id=account.id, label="test")
    return staff_service.actor_for(account, token_id=row.id), token, account


def manager(db_session, clock, agency, *, phone: str | None = None):
    account, _ = make_staff(db_session, clock, roles=["manager"], agency=agency, phone=phone)
    return account


def citizen_headers(db_session, clock):
    from tests.cases.caseflow import person_headers

    return person_headers(db_session, clock, make_person(db_session, clock))


__all__ = ["Desk", "at", "set_day", "supervisor", "manager", "make_actor", "citizen_headers"]
