"""The receiving window (异地受理、接件, XREG-03; 002 9.2.2.1 b, 9.2.2.3; 004 省内通办、跨省通办): check the
applicant's identity and the form, take the materials, choose how the result comes back, and hand the case over to
the handling region; later, hand the result to the person when it was sent to this window."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from tongban.accounts import identity
from tongban.accounts.access import Permission, StaffActor, region_prefix
from tongban.cases import files, forms
from tongban.cases.files import Upload
from tongban.catalog import reads as catalog_reads
from tongban.catalog import service as catalog
from tongban.catalog.enums import DeliveryMethod, Necessity
from tongban.catalog.schemas import ItemContent
from tongban.core import audit
from tongban.core.clock import Clock
from tongban.core.errors import Conflict, Forbidden, InvalidInput
from tongban.core.security import sm3_hex
from tongban.core.text import clean_text
from tongban.crossregion import handover, records, transport
from tongban.crossregion.enums import DeliveryChoice, HandoverState, Side
from tongban.crossregion.models import Handover
from tongban.crossregion.places import CROSS_SCOPES

# What the handling region's case records for each choice. A result for the receiving window travels there by post
# (寄递至收件地窗口), so the handling region must offer post for that choice.
CASE_DELIVERY = {
    DeliveryChoice.post: DeliveryMethod.post,
    DeliveryChoice.receiving_window: DeliveryMethod.post,
    DeliveryChoice.electronic: DeliveryMethod.online_download,
}


@dataclass(frozen=True)
class RemoteIntake:
    """What the receiving window types and scans for the handling region's item."""

    item_id: int
    name: str
    id_kind: str
    id_number: str
    phone: str
    form: dict[str, object]
    uploads: list[Upload] = field(default_factory=list)
    delivery_choice: str = ""
    delivery_address: str = ""


def require_window(actor: StaffActor) -> None:
    actor.require(Permission.case_accept)
    if actor.agency_id is None:
        raise Forbidden("WINDOW_AGENCY_REQUIRED", "异地收件须由跨区域通办窗口所在机构的工作人员办理")


def remote_item(*, db_session: Session, actor: StaffActor, item_id: int) -> tuple[catalog_reads.ItemFacts, ItemContent]:
    """An item of another region that this window may take in: published, active, and 全省通办 (跨省通办 when the
    region lies in another province)."""
    item = catalog_reads.item(db_session=db_session, item_id=item_id)
    if item.status != "active" or item.live_version_id is None:
        raise InvalidInput("ITEM_NOT_AVAILABLE", "该事项目前不能申请（未发布、暂停或已停止办理）")
    if item.region_code.startswith(region_prefix(actor.region_code)):
        raise InvalidInput("SAME_REGION", "该事项属本地区办理，请使用“窗口代为申报”，无需异地收件")
    scope = catalog_reads.handling_scopes(db_session=db_session, item_ids=[item.id]).get(item.id, "")
    if scope not in CROSS_SCOPES:
        raise InvalidInput("NOT_CROSS_REGION", "该事项不是全省通办或跨省通办事项，不能异地收件，请引导申请人到属地办理")
    if item.region_code[:2] != actor.region_code[:2] and scope != "cross_province":
        raise InvalidInput("NOT_CROSS_PROVINCE", "该事项只在本省内通办，不能跨省收件")
    content = catalog.content_and_digest(db_session=db_session, version_id=item.live_version_id)[0]
    return item, content


def _check_identity(library, intake: RemoteIntake) -> tuple[str, str, str]:
    """身份核验: a valid document found in the population library under the same name; answers (kind, number, name)."""
    name = " ".join((intake.name or "").split())
    if not name or len(name) > 100:
        raise InvalidInput("NAME_REQUIRED", "请填写申请人姓名（100 字以内）")
    kind = identity.parse_kind(intake.id_kind or "resident_id").value
    number = identity.validate(kind, intake.id_number, nationality="XXX").number
    check = library.check_person(kind, number, name)
    if not check.found:
        raise InvalidInput("IDENTITY_NOT_FOUND", "人口库中查无此证件号码，身份核验未通过，不能异地收件")
    if not check.name_matches:
        raise InvalidInput("IDENTITY_NAME_MISMATCH", "申请人姓名与人口库登记不一致，身份核验未通过")
    if check.status and check.status != "normal":
        raise InvalidInput("IDENTITY_STATUS", "该证件在人口库中的状态异常，身份核验未通过，请申请人到属地办理")
    return kind, number, name


def _check_materials(content: ItemContent, uploads: list[Upload]) -> list[Upload]:
    """形式审查 of the materials: every file is a readable document of one of the item's materials, and every
    required material the window has to take is there (a case handed over is complete, 002 9.2.2.3)."""
    if len(uploads) > files.MAX_FILES:
        raise InvalidInput("TOO_MANY_FILES", f"一次最多上传 {files.MAX_FILES} 个文件")
    names = {m.key: m.name for m in content.materials}
    for upload in uploads:
        if upload.material_key not in names:
            raise InvalidInput("UNKNOWN_MATERIAL", "上传的文件不属于该事项的申请材料")
        files.check(upload, names[upload.material_key])
    given = {u.material_key for u in uploads}
    missing = [m.name for m in content.materials if m.necessity is Necessity.required and not m.e_form and m.key not in given]
    if missing:
        raise InvalidInput("MATERIALS_MISSING", f"形式审查未通过，还缺少以下材料：{'、'.join(missing)}", details=missing)
    return uploads


def _check_delivery(content: ItemContent, choice: str, address: str) -> tuple[DeliveryChoice, str]:
    try:
        chosen = DeliveryChoice((choice or "").strip())
    except ValueError:
        raise InvalidInput("DELIVERY_CHOICE", "请选择结果领取方式：快递邮寄、到收件地窗口领取或线上获取") from None
    offered = set(content.result.delivery)
    if CASE_DELIVERY[chosen] not in offered:
        reason = {DeliveryChoice.electronic: "该事项不提供线上获取办理结果，请选择其他领取方式",
                  DeliveryChoice.post: "该事项不提供邮寄送达，请选择其他领取方式",
                  DeliveryChoice.receiving_window: "该事项不提供邮寄送达，办理结果无法寄至本窗口，请选择其他领取方式"}
        raise InvalidInput("DELIVERY_NOT_OFFERED", reason[chosen])
    text = ""
    if chosen is DeliveryChoice.post:
        text = clean_text(address, what="邮寄地址", limit=300, code="ADDRESS")
    return chosen, text


def _envelope_id(actor: StaffActor, key: str) -> str:
    """The same window key gives the same hand-over (a double click, a retry)."""
    if not 8 <= len(key or "") <= 80 or not all(c.isalnum() or c in "-_" for c in key):
        raise InvalidInput("IDEMPOTENCY_KEY", "提交编号无效，请刷新页面后重新提交")
    return sm3_hex(f"{handover.installation()}|{actor.ref}|{key}".encode())[:32]


def intake(*, db_session: Session, clock: Clock, library, actor: StaffActor, intake: RemoteIntake, key: str) -> Handover:
    """异地收件: checked here, then handed over as a signed envelope to the handling region, which files the case
    (in this installation at once, in this transaction). Answers the receiving side's record."""
    require_window(actor)
    envelope_id = _envelope_id(actor, key)
    existing = records.by_envelope(db_session=db_session, envelope_id=envelope_id, side=Side.sent)
    if existing is not None:
        again = catalog_reads.find_item(db_session=db_session, item_id=intake.item_id)
        if again is None or again.implementation_code != existing.item_code:
            raise Conflict("IDEMPOTENCY_KEY_REUSED", "这个提交编号已用于另一项异地收件，请刷新页面后重新提交")
        return existing
    item, content = remote_item(db_session=db_session, actor=actor, item_id=intake.item_id)
    kind, number, name = _check_identity(library, intake)
    phone = identity.normalize_phone(intake.phone) if (intake.phone or "").strip() else ""
    if not phone:
        raise InvalidInput("PHONE_REQUIRED", "请填写申请人手机号码，用于告知办理进度和领取结果")
    form = forms.check(forms.form_for(content), intake.form)
    uploads = _check_materials(content, intake.uploads)
    choice, address = _check_delivery(content, intake.delivery_choice, intake.delivery_address)
    agency = catalog_reads.agency(db_session=db_session, agency_id=actor.agency_id)
    now = clock.now()
    body = {
        "kind": handover.INTAKE, "id": envelope_id, "issued_at": handover.stamp(now),
        "origin": {"installation": handover.installation(), "region_code": actor.region_code, "agency_code": agency.code,
                   "agency_name": agency.name, "address": agency.address, "staff_ref": actor.ref,
                   "staff_name": actor.name},
        "target": {"region_code": item.region_code, "item_code": item.implementation_code, "item_name": item.name},
        "applicant": {"name": name, "id_kind": kind, "id_number": number, "phone": phone,
                      "identity_checked": "population_library"},
        "form": form,
        "delivery": {"choice": choice.value, "address": address or (agency.address if choice is DeliveryChoice.receiving_window else "")},
        "files": handover.files_out(uploads),
    }
    envelope = handover.seal(body)
    row = Handover(
        envelope_id=envelope_id, side=Side.sent.value, state=HandoverState.sent.value,
        origin_installation=handover.installation(), origin_region=actor.region_code, origin_agency_code=agency.code,
        origin_agency_name=agency.name, origin_address=agency.address, handling_region=item.region_code,
        item_code=item.implementation_code, item_name=item.name, local_agency_id=agency.id, case_id=None,
        case_number="", applicant_name=name, applicant_hash=records.applicant_hash(number), applicant_phone=phone,
        delivery_choice=choice.value, delivery_address=body["delivery"]["address"],
        materials=[{k: f[k] for k in ("material_key", "filename", "sha256")} for f in body["files"]],
        envelope_sha256=handover.digest(envelope), filed_by=actor.ref, filed_by_name=actor.name,
        steps=[{"at": handover.stamp(now), "state": HandoverState.sent.value, "note": f"{agency.name}异地收件"}],
        feedback_note="", created_at=now, updated_at=now,
    )
    db_session.add(row)
    db_session.flush()
    audit.record(db_session=db_session, clock=clock, actor=actor.ref, action="crossregion.intake", object_kind="handover",
                 object_id=str(row.id), details={"item": item.implementation_code, "to": item.region_code,
                                                 "envelope": row.envelope_sha256})
    transport.send_intake(db_session=db_session, clock=clock, library=library, envelope=envelope, filer=actor)
    db_session.flush()
    return row


def hand_over(*, db_session: Session, clock: Clock, actor: StaffActor, handover_id: int, id_kind: str,
              id_number: str) -> Handover:
    """The result sent to this window is handed to the person, whose document must be the applicant's; the handling
    region is told (送达信息反馈)."""
    row = records.get(db_session=db_session, actor=actor, handover_id=handover_id)
    actor.require(Permission.case_accept, agency_id=row.local_agency_id, region_code=row.origin_region)
    if row.side != Side.sent.value:
        raise Conflict("NOT_RECEIVING_SIDE", "只有收件地窗口可以向申请人交付结果")
    if row.state != HandoverState.at_window.value:
        raise Conflict("NOT_AT_WINDOW", f"该件当前状态为“{HandoverState(row.state).label}”，结果尚未寄至本窗口，不能交付")
    kind = identity.parse_kind(id_kind or "resident_id").value
    number = identity.validate(kind, id_number, nationality="XXX").number
    if records.applicant_hash(number) != row.applicant_hash:
        raise Forbidden("ID_MISMATCH", "领取人证件与申请人不一致，不能领取")
    from tongban.crossregion import feedback

    now = clock.now()
    note = f"{row.origin_agency_name}窗口已交付申请人（已核验证件 {identity.mask(kind, number)}）"
    row.handed_over_at, row.handed_over_by = now, actor.ref
    feedback.record_step(row, clock, HandoverState.handed_over, note)
    feedback.send(db_session=db_session, clock=clock, row=row, to_side=Side.received, state=HandoverState.handed_over,
                  note=note)
    audit.record(db_session=db_session, clock=clock, actor=actor.ref, action="crossregion.hand_over",
                 object_kind="handover", object_id=str(row.id), details={"case_number": row.case_number})
    db_session.flush()
    return row
