"""What other domains read of staff accounts, as plain values (issue 20 §2): who is active and how to reach them.

Other domains do not import `accounts.models`; the actor a staff member acts as is `accounts.access.StaffActor`,
made here as the login makes it (`accounts.staff.actor_for`)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from tongban.accounts.access import StaffActor
from tongban.accounts.models import StaffAccount
from tongban.accounts.staff import actor_for


@dataclass(frozen=True)
class StaffContact:
    """An active member of staff: where they work, their phone for SMS (None when not bound), what they may do."""

    id: int
    name: str
    agency_id: int | None
    region_code: str
    phone: str | None
    actor: StaffActor


def active_staff(*, db_session: Session) -> list[StaffContact]:
    """Every active staff account, by id, in one query."""
    accounts = db_session.scalars(select(StaffAccount).where(StaffAccount.status == "active").order_by(StaffAccount.id))
    return [StaffContact(id=a.id, name=a.name, agency_id=a.agency_id, region_code=a.region_code, phone=a.phone,
                         actor=actor_for(a)) for a in accounts]


def actor_by_username(*, db_session: Session, username: str) -> StaffActor | None:
    """The actor of the account with this user name (any status), None when there is none."""
    account = db_session.scalar(select(StaffAccount).where(StaffAccount.username == username))
    return actor_for(account) if account is not None else None
