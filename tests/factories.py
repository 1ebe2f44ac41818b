"""Factories for catalog rows and staff actors used across the test suite."""

from __future__ import annotations

import itertools
from typing import Any

from sqlalchemy.orm import Session
from stdnum.cn import uscc

from tongban.accounts import staff as staff_service
from tongban.accounts.access import StaffActor
from tongban.catalog import directory, regions, service
from tongban.catalog.directory_schemas import EntryIn
from tongban.catalog.models import Agency, ServiceItem
from tongban.catalog.schemas import ItemContent, ItemDocument, ItemIdentity
from tongban.core.clock import Clock

_seq = itertools.count(1)


def make_uscc(region: str = "511600") -> str:
    n = next(_seq)
    base = f"11{region}{n:08d}0"
    return base + uscc.calc_check_digit(base)


def make_agency(db_session: Session, *, name: str | None = None, region_code: str = "511600", level: str = "city", **fields) -> Agency:
    n = next(_seq)
    return regions.upsert_agency(
        db_session=db_session,
        code=fields.pop("code", None) or make_uscc(region_code),
        name=name or f"测试局{n}",
        region_code=region_code,
        level=level,
        address=fields.pop("address", "广安市广安区金安大道二段2号"),
        consult_phone=fields.pop("consult_phone", "0826-2600315"),
        complaint_phone=fields.pop("complaint_phone", "0826-12345"),
        hours=fields.pop("hours", "工作日 9:00-17:30"),
        **fields,
    )


def content_dict(**overrides: Any) -> dict:
    data: dict[str, Any] = {
        "name": "食品经营许可（新办）",
        "aliases": ["开饭馆", "办食品许可证"],
        "item_type": "licensing",
        "level": "city",
        "audiences": ["org"],
        "legal_basis": [
            {
                "key": "b1",
                "title": "《中华人民共和国食品安全法》",
                "kind": "law",
                "article": "第三十五条",
                "text": "国家对食品生产经营实行许可制度。从事食品销售和餐饮服务，应当依法取得许可。",
            }
        ],
        "conditions": [{"text": "具有与经营的食品品种、数量相适应的经营场所", "basis": ["b1"]}],
        "materials": [
            {
                "key": "m1",
                "name": "食品经营许可申请书",
                "forms": ["original"],
                "source": "申请人自备",
                "original_count": 1,
                "acceptance_standard": "填写完整，签字盖章",
                "basis": ["b1"],
            },
            {
                "key": "m2",
                "name": "营业执照",
                "forms": ["copy", "electronic"],
                "source": "市场监督管理部门",
                "original_count": 0,
                "copy_count": 1,
                "basis": ["b1"],
            },
        ],
        "steps": [
            {"name": "申请", "actor": "applicant", "description": "网上或窗口提交申请"},
            {"name": "受理", "actor": "acceptor", "time_limit_days": 1, "review_points": ["材料是否齐全"]},
            {"name": "审查", "actor": "reviewer", "time_limit_days": 5, "review_points": ["场所是否符合要求"]},
            {"name": "决定", "actor": "decider", "time_limit_days": 2},
            {"name": "送达", "actor": "dispatcher", "time_limit_days": 1},
        ],
        "legal_limit_days": 20,
        "promised_limit_days": 10,
        "fees": [],
        "result": {"name": "食品经营许可证", "kind": "证照", "validity": "5年", "delivery": ["online_download", "window_pickup"]},
        "handling_form": "both",
        "channels": ["web", "window"],
        "handling_scope": "province",
        "address": "广安市广安区金安大道二段2号市政务服务中心",
        "hours": "工作日 9:00-17:30",
        "consult_phone": "0826-2600315",
        "complaint_phone": "0826-12345",
        "themes": ["operation_permit"],
        "life_stages": ["startup"],
        "tags": ["pledge"],
    }
    data.update(overrides)
    return data


def make_content(**overrides: Any) -> ItemContent:
    return ItemContent.model_validate(content_dict(**overrides))


def make_item(
    db_session: Session,
    clock: Clock,
    *,
    agency: Agency | None = None,
    code: str | None = None,
    basic_code: str = "",
    parent_code: str = "",
    relation: str = "main",
    **content_overrides: Any,
) -> ServiceItem:
    """A published item, created through the trusted upsert path."""
    agency = agency or make_agency(db_session)
    document = ItemDocument(
        identity=ItemIdentity(
            implementation_code=code or f"TEST-{next(_seq):05d}",
            basic_code=basic_code,
            agency_code=agency.code,
            region_code=agency.region_code,
            parent_code=parent_code,
            relation=relation,
        ),
        content=make_content(**{"level": agency.level, **content_overrides}),
    )
    if basic_code and directory.get_by_code(db_session=db_session, basic_code=basic_code) is None:
        make_directory_entry(db_session, clock, basic_code=basic_code, content=document.content)
    item, _ = service.upsert_published(db_session=db_session, clock=clock, document=document, by="测试")
    db_session.flush()
    return item


CITED = "TEST-DIRECTORY-0001"  # the basic code of `cite_directory`'s entry


def cite_directory(db_session: Session, clock: Clock, content: ItemContent | None = None, *, basic_code: str = CITED) -> str:
    """The basic code of a published national directory entry with `content`'s name, type and basis: what an item
    created by staff must cite (003 §四(二)). Made once per code."""
    if directory.get_by_code(db_session=db_session, basic_code=basic_code) is None:
        make_directory_entry(db_session, clock, basic_code=basic_code, content=content)
    return basic_code


def make_directory_entry(db_session: Session, clock: Clock, *, basic_code: str, content: ItemContent | None = None,
                         region_code: str = "000000", level: str = "national", **elements: Any):
    """A published directory entry (national by default) with the elements of the given content."""
    content = content or make_content()
    entry_in = EntryIn(
        basic_code=basic_code, region_code=region_code, level=level,
        **{"name": content.name, "item_type": content.item_type, "legal_basis": content.legal_basis, **elements},
    )
    entry, _ = directory.seed_entry(db_session=db_session, clock=clock, entry_in=entry_in, by="测试")
    return entry


def make_staff(db_session: Session, clock: Clock, *, roles: list[str], agency: Agency | None = None,
               region_code: str | None = None, phone: str | None = None):
    """A staff account (and its initial password) scoped to the agency, or to a region when agency is None."""
    n = next(_seq)
    account, password = staff_service.create(
        db_session=db_session, clock=clock, by=None, by_ref="test",
        staff_in=staff_service.StaffIn(
            username=f"staff{n}", name=f"工作人员{n}", roles=roles, agency_id=agency.id if agency else None,
            region_code=region_code or (agency.region_code if agency else "510000"), phone=phone,
        ),
    )
    return account, password


def make_actor(db_session: Session, clock: Clock, *, role: str, agency: Agency | None = None,
               region_code: str | None = None) -> tuple[StaffActor, str]:
    """A staff actor with one role and an API token for it."""
    account, _ = make_staff(db_session, clock, roles=[role], agency=agency, region_code=region_code)
    row, clear = staff_service.create_token(db_session=db_session, clock=clock, staff_id=account.id, label="test")
    return staff_service.actor_for(account, token_id=row.id), clear


def resident_id(birth: str = "19900307", region: str = "110105", serial: str | None = None) -> str:
    """A valid 18-digit resident ID number (check digit computed by python-stdnum)."""
    from stdnum.cn import ric

    body = f"{region}{birth}{serial or f'{next(_seq) % 1000:03d}'}"
    return body + ric.calc_check_digit(body + "0")  # stdnum expects a placeholder check digit


def last_code(sms, phone: str) -> str:
    """The latest SMS code sent to a phone through the development gateway."""
    import re

    for row in reversed(sms.messages(phone)):
        match = re.search(r"验证码 (\d{6})", row["text"])
        if match:
            return match.group(1)
    raise AssertionError(f"no code sent to {phone}")


def add_population(db_session: Session, clock: Clock, tmp_path, rows: list[dict]) -> None:
    """Load people into the population library through its real CSV import."""
    import csv

    from tongban.baselib.service import POPULATION_COLUMNS, import_population

    path = tmp_path / f"population-{next(_seq)}.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=POPULATION_COLUMNS)
        writer.writeheader()
        for row in rows:
            writer.writerow({"id_kind": "resident_id", "status": "normal", **row})
    result = import_population(db_session=db_session, clock=clock, path=path)
    assert not result.errors, result.errors


def make_person(db_session: Session, clock: Clock, *, name: str = "张三", phone: str | None = None,
                id_number: str | None = None, password: str = "Passw0rd!x"):
    """A registered, active person with a known password (opened at a window, then password set)."""
    from tongban.accounts import persons
    from tongban.accounts.passwords import hash_password
    from tongban.baselib.service import TableBaseLibrary

    n = next(_seq)
    person, _ = persons.register_at_window(
        db_session=db_session, clock=clock, library=TableBaseLibrary(db_session), actor=None, name=name,
        id_kind="resident_id", id_number=id_number or resident_id(serial=f"{n % 1000:03d}"),
        phone=phone or f"139{n:08d}",
    )
    person.password_hash, person.must_change_password = hash_password(password), False
    db_session.flush()
    return person


def make_hall(db_session: Session, clock: Clock, *, items: list[ServiceItem] | None = None, windows: int = 2,
              avg_minutes: int = 15, booking_share: int = 50, saturday: bool = False, extended: bool = False,
              region_code: str = "511602", latitude: float | None = 30.4565, longitude: float | None = 106.6333,
              booking_required: bool = False, **fields):
    """A hall with workday hours (09:00–12:00, 13:30–17:30), one window group handling `items`, and its windows.
    Returns (hall, group, [windows])."""
    from tongban.appointments import halls
    from tongban.appointments.schemas import GroupIn, HallIn, SessionIn, WindowIn

    n = next(_seq)
    hall = halls.save_hall(db_session=db_session, clock=clock, actor=None, hall_in=HallIn(
        code=fields.pop("code", f"HALL-{n}"), name=fields.pop("name", f"测试政务服务中心{n}"), level=fields.pop("level", "county"),
        region_code=region_code, address=fields.pop("address", "广安市广安区渠江北路2号"), latitude=latitude,
        longitude=longitude, phone=fields.pop("phone", "0826-2223456"), email=fields.pop("email", "zwfw@example.gov.cn"),
        fax=fields.pop("fax", "0826-2223457"), **fields))
    sessions = [SessionIn(days="workday", start_minute=540, end_minute=720), SessionIn(days="workday", start_minute=810, end_minute=1050)]
    if saturday:
        sessions.append(SessionIn(days="saturday", start_minute=540, end_minute=720, extended=True, label="周末不打烊"))
    if extended:
        sessions.append(SessionIn(days="workday", start_minute=1050, end_minute=1140, extended=True, label="延时服务"))
    halls.set_sessions(db_session=db_session, clock=clock, actor=None, hall=hall, sessions=sessions)
    group = halls.save_group(db_session=db_session, clock=clock, actor=None, hall=hall, group_in=GroupIn(
        name="综合窗口", ticket_prefix="A", avg_minutes=avg_minutes, booking_share=booking_share,
        booking_required=booking_required, item_ids=[i.id for i in items or []]))
    made = [halls.save_window(db_session=db_session, clock=clock, actor=None, hall=hall,
                              window_in=WindowIn(number=k + 1, group_id=group.id)) for k in range(windows)]
    db_session.flush()
    return hall, group, made
