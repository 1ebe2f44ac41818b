"""Demo data of cross-region service: handling places of a few 全省通办 items, liaisons of 广安区 and 成都市锦江区,
and one remote-window intake (广安区's window takes in 刘洋's application for a 广安市 item)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from tongban.accounts import reads as accounts_reads
from tongban.baselib.service import TableBaseLibrary
from tongban.cases import forms
from tongban.cases.files import Upload
from tongban.catalog import reads as catalog_reads
from tongban.catalog import regions
from tongban.catalog import service as catalog
from tongban.catalog.enums import DeliveryMethod, FormFieldKind
from tongban.core.clock import Clock
from tongban.core.errors import DomainError
from tongban.crossregion import window
from tongban.crossregion.enums import HandlingPlace, Side
from tongban.crossregion.models import Handover, HandlingPlaceRecord, Liaison

GUANGAN = "11511602697417411B"  # 广安区行政审批局 (the demo window's agency)
JINJIANG = ("11510104MB1E771351", "成都市锦江区行政审批局", "510104", "成都市锦江区工业园区毕昇路2号")
APPLICANT = ("刘洋", "510104199904302485", "13900000005")  # household 510104 (成都市锦江区), in the demo population
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
LIAISONS = [
    (GUANGAN, "赵丽", "0826-2333101", "跨区域通办窗口", ["食品经营许可", "个体工商户登记", "社会保障卡申领"]),
    (JINJIANG[0], "陈红", "028-86610888", "跨区域通办窗口", ["户口迁移", "食品经营许可", "社会保障卡申领"]),
]


def seed_demo(*, db_session: Session, clock: Clock) -> str:
    """Idempotent; answers one line for the console, or "" when there was nothing to add."""
    guangan = catalog_reads.agency_by_code(db_session=db_session, code=GUANGAN)
    if guangan is None:
        return ""  # no catalog yet
    done = []
    places = _places(db_session, clock)
    if places:
        done.append(f"办理地 {places} 项")
    liaisons = _liaisons(db_session, clock)
    if liaisons:
        done.append(f"联络员 {liaisons} 位")
    intake = _intake(db_session, clock)
    if intake:
        done.append(intake)
    db_session.flush()
    return f"跨域通办：{'，'.join(done)}" if done else ""


def _places(db_session: Session, clock: Clock) -> int:
    rows, _ = catalog.list_items(db_session=db_session, filters=catalog.ItemFilter(
        handling_scope="province", region_code="511602", status="active"), limit=3)
    added = 0
    for item, place in zip(rows, (HandlingPlace.household, HandlingPlace.residence, HandlingPlace.anywhere)):
        if db_session.scalar(select(HandlingPlaceRecord.id).where(HandlingPlaceRecord.item_id == item.id)) is None:
            db_session.add(HandlingPlaceRecord(item_id=item.id, place=place.value, note="演示数据", updated_by="demo",
                                               updated_at=clock.now()))
            added += 1
    return added


def _liaisons(db_session: Session, clock: Clock) -> int:
    code, name, region, address = JINJIANG
    if regions.region_exists(db_session=db_session, code=region):
        regions.upsert_agency(db_session=db_session, code=code, name=name, region_code=region, level="county",
                              address=address, consult_phone="028-86610888", hours="工作日 9:00-17:00")
    added = 0
    for agency_code, contact, phone, post, items in LIAISONS:
        agency = catalog_reads.agency_by_code(db_session=db_session, code=agency_code)
        if agency is None or db_session.scalar(select(Liaison.id).where(Liaison.agency_id == agency.id)) is not None:
            continue
        db_session.add(Liaison(agency_id=agency.id, region_code=agency.region_code, contact_name=contact, phone=phone,
                               post=post, items=items, items_text="\n".join(items), note="演示数据", updated_by="demo",
                               created_at=clock.now(), updated_at=clock.now()))
        added += 1
    return added


def _value(field, name: str, phone: str) -> str:
    if field.kind is FormFieldKind.phone:
        return phone
    if field.kind is FormFieldKind.number:
        return "1"
    if field.kind is FormFieldKind.date:
        return date(2026, 12, 1).isoformat()
    if field.kind is FormFieldKind.choice:
        return field.options[0] if field.options else ""
    if "name" in field.key or "申请人" in field.label:
        return name
    return "演示"[: field.max_length]


def _intake(db_session: Session, clock: Clock) -> str:
    """One 异地收件 by the demo window: a 广安市 全省通办 item for a person, the result posted to the window."""
    actor = accounts_reads.actor_by_username(db_session=db_session, username="window")
    if actor is None or db_session.scalar(select(Handover.id).where(Handover.side == Side.sent.value).limit(1)):
        return ""
    rows, _ = catalog.list_items(db_session=db_session, filters=catalog.ItemFilter(
        handling_scope="province", region_code="511600", audience="person", status="active"), limit=50)
    name, number, phone = APPLICANT
    for item in rows:
        try:
            _, content = window.remote_item(db_session=db_session, actor=actor, item_id=item.id)
        except DomainError:
            continue
        offered = set(content.result.delivery)
        choice = ("receiving_window" if DeliveryMethod.post in offered
                  else "electronic" if DeliveryMethod.online_download in offered else None)
        if choice is None:
            continue
        form = {f.key: _value(f, name, phone) for f in forms.form_for(content) if f.required}
        uploads = [Upload(m.key, f"{m.name}.pdf", PDF) for m in content.materials if not m.e_form]
        intake = window.RemoteIntake(item_id=item.id, name=name, id_kind="resident_id", id_number=number, phone=phone,
                                     form=form, uploads=uploads, delivery_choice=choice)
        try:
            with db_session.begin_nested():
                row = window.intake(db_session=db_session, clock=clock, library=TableBaseLibrary(db_session),
                                    actor=actor, intake=intake, key="demo-crossregion-0001")
        except DomainError:
            continue
        return f"异地收件 1 件（{row.item_name}，属地办件 {row.case_number}）"
    return ""
