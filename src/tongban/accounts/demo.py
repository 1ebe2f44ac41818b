"""Demo base libraries, staff accounts and one registered person, so `make run` can be tried at once (seed data)."""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from tongban.accounts import agreements, organisations, persons, policies, staff
from tongban.accounts.access import PersonActor
from tongban.accounts.models import StaffAccount
from tongban.accounts.passwords import hash_password
from tongban.baselib.service import TableBaseLibrary, import_legal_persons, import_population
from tongban.catalog import reads as catalog_reads
from tongban.core.clock import Clock

# Demo only: documented in the README; a real installation opens staff accounts with `tongban staff create`.
DEMO_PASSWORD = "tongban-demo1"
CASE_AGENCY = "11511602697417411B"  # 广安区政务服务中心: its items (食品经营许可 …) are handled by the demo posts
# Catalog changes go to the same-level management agency (003 事项管理动态化): the editor works in an ordinary
# 广安区 department, `reviewer` in 广安区's management agency (CASE_AGENCY), `cityreviewer` in 广安市's.
EDIT_AGENCY = "11511602829200012W"  # 广安区人力资源和社会保障局
CITY_MANAGEMENT = "11511600082550128X"  # 广安市政务服务和公共资源交易服务中心
DEMO_STAFF = [
    ("admin", "系统管理员（演示）", ["admin"], None, "13800000001"),
    ("manager", "管理部门负责人（演示）", ["manager"], None, "13800000002"),
    ("window", "大厅窗口人员（演示）", ["acceptor", "consultant", "dispatcher"], CASE_AGENCY, "13800000003"),
    ("examiner", "审查人（演示）", ["reviewer"], CASE_AGENCY, "13800000006"),
    ("decider", "决定人（演示）", ["decider"], CASE_AGENCY, "13800000007"),
    ("editor", "事项编辑（演示）", ["catalog_editor"], EDIT_AGENCY, "13800000004"),
    ("reviewer", "事项审核（演示）", ["catalog_reviewer", "supervisor"], CASE_AGENCY, "13800000005"),
    ("cityreviewer", "市级事项审核（演示）", ["catalog_reviewer"], CITY_MANAGEMENT, "13800000009"),
]
DEMO_PERSON = ("李梅", "511602198507261174", "13900000002")
DEMO_ORG = "92511602MA6CN8QK55"  # 广安区李梅便利店, 李梅 its legal representative


@cache
def _demo_password_hash() -> str:
    """One hash (its own salt) for every demo account: they share a published password anyway, and each argon2
    hash costs about half a second, which every demo seeding (make run, the e2e tests) would pay twenty times."""
    return hash_password(DEMO_PASSWORD)


def _demo_file(name: str) -> Path:
    return Path(str(resources.files("tongban.data").joinpath("demo").joinpath(name)))


def ensure_demo_staff(*, db_session: Session, clock: Clock, username: str, name: str, roles: list[str],
                      agency_id: int | None, region_code: str, phone: str) -> bool:
    """A demo staff account with the demo password, unless one of that user name exists (other domains' demo data
    opens theirs here too). Whether it was created."""
    if db_session.scalar(select(StaffAccount.id).where(StaffAccount.username == username)):
        return False
    account, _ = staff.create(db_session=db_session, clock=clock, by=None, by_ref="demo",
                              staff_in=staff.StaffIn(username=username, name=name, roles=roles, agency_id=agency_id,
                                                     region_code=region_code, phone=phone))
    account.password_hash, account.must_change_password = _demo_password_hash(), False
    return True


def seed_demo(*, db_session: Session, clock: Clock, region_code: str = "510000") -> dict[str, int]:
    """Idempotent: libraries are upserted, accounts only created when missing."""
    population = import_population(db_session=db_session, clock=clock, path=_demo_file("population.csv"))
    legal = import_legal_persons(db_session=db_session, clock=clock, path=_demo_file("legal_persons.csv"))
    policies.ensure_defaults(db_session=db_session, clock=clock)
    created = 0
    for username, name, roles, agency, phone in DEMO_STAFF:
        post = catalog_reads.agency_by_code(db_session=db_session, code=agency) if agency else None
        if agency and post is None:
            continue  # no catalog yet: agency posts wait for the next seed
        created += ensure_demo_staff(db_session=db_session, clock=clock, username=username, name=name, roles=roles,
                                     agency_id=post.id if post else None,
                                     region_code=post.region_code if post else region_code, phone=phone)
    name, number, phone = DEMO_PERSON
    if persons.find_by_document(db_session=db_session, kind="resident_id", number=number) is None:
        library = TableBaseLibrary(db_session)
        person, _ = persons.register_at_window(db_session=db_session, clock=clock, library=library,
                                               actor=None, name=name, id_kind="resident_id", id_number=number, phone=phone)
        person.password_hash, person.must_change_password = _demo_password_hash(), False
        if organisations.find_by_uscc(db_session=db_session, uscc=DEMO_ORG) is None:
            organisations.register_online(db_session=db_session, clock=clock, library=library,
                                          actor=PersonActor(person.id, person.name, person.id_kind), uscc=DEMO_ORG,
                                          agreement_version=agreements.current("org").version)
        created += 1
    db_session.flush()
    return {"population": population.added + population.updated, "legal_persons": legal.added + legal.updated,
            "accounts": created}
