"""Applying: submit once (idempotently), upload and exempt materials, supplement, withdraw; find cases (002 8.3)."""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass

from sqlalchemy import bindparam, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tongban.accounts.access import Permission, PersonActor, StaffActor, region_prefix
from tongban.baselib.service import BaseLibrary
from tongban.cases import applicants, clocks, exemptions, fees, files, forms, hooks, lifecycle, progress
from tongban.cases.enums import CaseChannel, CaseState, EventKind, MaterialStatus
from tongban.cases.models import Case, CaseFile, CaseMaterial, CasePost
from tongban.catalog import service as catalog
from tongban.catalog.enums import Audience, HandlingForm, Necessity
from tongban.catalog import reads as catalog_reads
from tongban.catalog.schemas import ItemContent
from tongban.core import audit, limits
from tongban.core.clock import SHANGHAI, Clock
from tongban.core.crypto import keyring
from tongban.core.db import insert_persistent
from tongban.core.errors import Conflict, Forbidden, InvalidInput, NotFound

KEY_PATTERN = re.compile(r"^[A-Za-z0-9_\-]{8,80}$")
SELF_SERVICE_CHANNELS = (CaseChannel.web, CaseChannel.mobile, CaseChannel.terminal)


def declared_channel(value: str | None) -> CaseChannel:
    """The channel an applicant's client declares (CASE-18): the portal, the mobile app or a self-service terminal;
    nothing declared is the portal. A window filing is made by staff at the workbench, never claimed by a client."""
    text = (value or "").strip().lower()
    if not text:
        return CaseChannel.web
    try:
        channel = CaseChannel(text)
    except ValueError:
        raise InvalidInput("CHANNEL_UNKNOWN", "申报渠道无效：应为 web（政务服务网）、mobile（移动端）或 terminal（自助终端）") from None
    if channel not in SELF_SERVICE_CHANNELS:
        raise InvalidInput("CHANNEL_NOT_ALLOWED", "窗口代为申报须由窗口工作人员在工作台办理")
    return channel


@dataclass(frozen=True)
class Submission:
    """What an applicant hands in, on any channel."""

    item_id: int
    form: dict[str, object]
    exemptions: dict[str, str]  # material key → ExemptionKind chosen instead of a file
    uploads: list[files.Upload]
    pledge: bool = False
    delivery_method: str | None = None
    credit_opt_in: bool = False  # the applicant chose credit-based approval (信用审批, voluntary: CRED-06)


def get(*, db_session: Session, case_id: int) -> Case:
    case = db_session.get(Case, case_id)
    if case is None:
        raise NotFound("CASE_NOT_FOUND", "没有找到这个办件")
    return case


def by_number(*, db_session: Session, case_number: str) -> Case:
    case = db_session.scalar(select(Case).where(Case.case_number == (case_number or "").strip().upper()))
    if case is None:
        raise NotFound("CASE_NOT_FOUND", "没有找到这个办件编号，请核对")
    return case


def by_tracking(*, db_session: Session, token: str) -> Case:
    case = db_session.scalar(select(Case).where(Case.tracking_token == token))
    if case is None:
        raise NotFound("CASE_NOT_FOUND", "二维码无效或已过期")
    return case


def form_data(case: Case) -> dict[str, str]:
    return json.loads(case.form_data)


def materials_of(*, db_session: Session, case_id: int) -> list[CaseMaterial]:
    return list(db_session.scalars(select(CaseMaterial).where(CaseMaterial.case_id == case_id).order_by(CaseMaterial.id)))


_MATERIAL = CaseMaterial.__table__
_MATERIAL_LINES = (select(_MATERIAL.c.name, _MATERIAL.c.required, _MATERIAL.c.status, _MATERIAL.c.exemption_ref)
                   .where(_MATERIAL.c.case_id == bindparam("case_key")).order_by(_MATERIAL.c.id))


def material_lines_of(*, db_session: Session, case_id: int):
    """The materials as read-only rows (name, required, status, exemption_ref), for a step that only reads them."""
    return db_session.connection().execute(_MATERIAL_LINES, {"case_key": case_id}).all()


def file_of(*, db_session: Session, case_id: int, file_id: int) -> tuple[CaseFile, bytes]:
    row = db_session.get(CaseFile, file_id)
    if row is None or row.case_id != case_id:
        raise NotFound("FILE_NOT_FOUND", "没有找到这个材料文件")
    return row, keyring().decrypt_bytes(row.data)


def _live_item(db_session: Session, item_id: int) -> tuple[catalog_reads.ItemFacts, ItemContent, str]:
    """The item, its live content and that content's digest."""
    item = catalog_reads.item(db_session=db_session, item_id=item_id)
    if item.status != "active" or item.live_version_id is None:
        raise InvalidInput("ITEM_NOT_AVAILABLE", "该事项目前不能申请（未发布、暂停或已停止办理）")
    return item, *catalog.content_and_digest(db_session=db_session, version_id=item.live_version_id)


def _check_audience(content: ItemContent, applicant: forms.Applicant) -> None:
    wanted = Audience.org if applicant.subject_kind == "org" else Audience.person
    if wanted not in content.audiences:
        who = "法人和其他组织" if wanted is Audience.org else "个人"
        raise InvalidInput("WRONG_AUDIENCE", f"该事项不面向{who}办理")


_CASE = Case.__table__
_CASE_BY_KEY = select(_CASE.c.id).where(_CASE.c.submitter_ref == bindparam("ref"), _CASE.c.idempotency_key == bindparam("key"))


def _existing(db_session: Session, submitter_ref: str, key: str) -> Case | None:
    """The case this key already made; looked up as an id first, since nearly every key is new."""
    case_id = db_session.connection().execute(_CASE_BY_KEY, {"ref": submitter_ref, "key": key}).scalar()
    return None if case_id is None else db_session.get(Case, case_id)


def submit(
    *,
    db_session: Session,
    clock: Clock,
    library: BaseLibrary,
    applicant: forms.Applicant,
    submission: Submission,
    channel: CaseChannel,
    submitter_ref: str,
    idempotency_key: str,
    staff: StaffActor | None = None,
) -> Case:
    """One application becomes one case. The same key from the same submitter gives the same case,
    also when two requests race: the unique constraint decides and the loser reads the winner."""
    if not KEY_PATTERN.fullmatch(idempotency_key or ""):
        raise InvalidInput("IDEMPOTENCY_KEY", "提交编号无效（8–80 位字母、数字、- 或 _），请刷新页面后重新提交")
    existing = _existing(db_session, submitter_ref, idempotency_key)
    if existing is not None:
        return _same_submission(existing, submission)
    item, content, content_digest = _live_item(db_session, submission.item_id)
    routed = hooks.route(db_session=db_session, clock=clock, library=library, applicant=applicant, item=item,
                         channel=channel, staff=staff)
    if routed is not None and routed != item.id:
        item, content, content_digest = _live_item(db_session, routed)
    if channel is not CaseChannel.window and content.handling_form is HandlingForm.offline:
        raise InvalidInput("OFFLINE_ONLY", "该事项需到政务服务大厅窗口办理，不能网上申请")
    _check_audience(content, applicant)
    form = forms.form_for(content)
    clean = forms.check(form, submission.form)
    delivery = _delivery_choice(content, submission.delivery_method)
    fees.assess(content.fees, clean)  # a quantity the fee needs must be on the form now, not found missing at acceptance
    if submission.pledge and content.pledge is None:
        raise InvalidInput("PLEDGE_NOT_OFFERED", "该事项不实行告知承诺制")
    plan = exemptions.plan(
        db_session=db_session, clock=clock, library=library, applicant=applicant, content=content,
        chosen=submission.exemptions, pledge=submission.pledge,
    )
    renews = _licence_to_renew(db_session, clock, content, applicant)
    checked = _checked_uploads(content, submission.uploads)
    missing = [m.name for m in content.materials
               if m.necessity is Necessity.required and not m.e_form and m.key not in plan and m.key not in checked]
    if missing and channel is not CaseChannel.window:
        raise InvalidInput("MATERIALS_MISSING", f"还缺少以下材料：{'、'.join(missing)}。请上传或选择免提交方式", details=missing)
    hooks.before_submit(db_session=db_session, clock=clock, library=library, applicant=applicant, item=item,
                        content=content, submission=submission, channel=channel, staff=staff)
    now = clock.now()
    values = dict(
        case_number=None, tracking_token=secrets.token_urlsafe(24), submitter_ref=submitter_ref, idempotency_key=idempotency_key,
        item_id=item.id, item_version_id=item.live_version_id, item_content_sha256=content_digest, item_name=item.name, agency_id=item.agency_id,
        region_code=item.region_code, subject_kind=applicant.subject_kind, person_id=applicant.person_id,
        organisation_id=applicant.organisation_id, applicant_name=applicant.name, applicant_identifier=applicant.identifier,
        applicant_hash=applicants.applicant_hash(applicant.identifier), contact_phone=applicant.phone, channel=channel.value,
        filed_by_staff_id=staff.staff_id if staff else None, state=CaseState.submitted.value, version=1, event_seq=0,
        event_chain="", form_data=json.dumps(clean, ensure_ascii=False), pledge_signed=submission.pledge,
        limit_unit=content.limit_unit.value, legal_limit_days=content.legal_limit_days,
        promised_limit_days=content.promised_limit_days, legal_due=None, promised_due=None, supplement_deadline=None,
        deficiency_deadline=None, fee_fen=0, fee_detail=[], decision=None, decision_reasons="", delivery_method=delivery,
        licence_id=None, renews_licence_id=renews, submitted_at=now, accepted_at=None, decided_at=None, closed_at=None,
        updated_at=now, review_exemption="", decide_by=None,
    )
    try:
        # The case row is this transaction's first write, so losing the race undoes nothing else. One Core
        # INSERT: the unit of work's bookkeeping for this wide row cost several times the statement.
        case = insert_persistent(db_session, Case, values)
    except IntegrityError:
        db_session.rollback()
        existing = _existing(db_session, submitter_ref, idempotency_key)
        if existing is None:
            raise
        return _same_submission(existing, submission)
    case.case_number = _case_number(case, clock)  # written with the first event
    actor_ref, actor_name = (staff.ref, staff.name) if staff else (f"person:{applicant.person_id}", applicant.agent_name or applicant.name)
    lifecycle.record(
        db_session=db_session, clock=clock, case=case, kind=EventKind.submitted, to_state=CaseState.submitted,
        actor_ref=actor_ref, actor_name=actor_name, data={"channel": channel.value},
    )
    uploader = staff.ref if staff else f"person:{applicant.person_id}"
    _add_materials(db_session, clock, case, uploader, content.materials, plan, checked)
    if submission.pledge:
        progress.pledge(db_session=db_session, clock=clock, case=case, content=content, actor_ref=actor_ref, actor_name=actor_name)
    progress.push(db_session=db_session, clock=clock, case=case, step="已提交", detail="请留意受理结果。")
    hooks.after_submit(db_session=db_session, clock=clock, case=case, content=content, applicant=applicant,
                       submission=submission, channel=channel, staff=staff)
    db_session.flush()
    return case


def _licence_to_renew(db_session: Session, clock: Clock, content: ItemContent, applicant: forms.Applicant) -> int | None:
    """A renewal (延续) is of a licence still valid when the application comes in (CASE-17)."""
    if not content.renewal or not content.result.licence_type:
        return None
    from tongban.cases import licences

    licence = licences.find_valid(db_session=db_session, clock=clock, type_code=content.result.licence_type,
                                  holder_identifier=applicant.identifier)
    if licence is None:
        raise InvalidInput("NO_LICENCE_TO_RENEW", "没有查到您在有效期内的相应证照，延续须在有效期届满前申请")
    return licence.id


def _same_submission(case: Case, submission: Submission) -> Case:
    if case.item_id != submission.item_id:
        raise Conflict("IDEMPOTENCY_KEY_REUSED", "这个提交编号已用于另一项申请，请刷新页面后重新提交")
    return case


def _case_number(case: Case, clock: Clock) -> str:
    """Region, date and a serial: readable on the phone, unique because the serial is the row's id."""
    day = clock.now().astimezone(SHANGHAI).strftime("%Y%m%d")
    return f"{case.region_code[:6]}{day}{case.id:08d}"


def _delivery_choice(content: ItemContent, method: str | None) -> str | None:
    offered = [m.value for m in content.result.delivery]
    if not method:
        return offered[0] if offered else None
    if method not in offered:
        raise InvalidInput("DELIVERY_NOT_OFFERED", "该事项不提供所选的送达方式")
    return method


def _checked_uploads(content: ItemContent, uploads: list[files.Upload]) -> dict[str, files.CheckedFile]:
    if len(uploads) > files.MAX_FILES:
        raise InvalidInput("TOO_MANY_FILES", f"一次最多上传 {files.MAX_FILES} 个文件")
    names = {m.key: m.name for m in content.materials}
    checked: dict[str, files.CheckedFile] = {}
    for upload in uploads:
        if upload.material_key not in names:
            raise InvalidInput("UNKNOWN_MATERIAL", "上传的文件不属于该事项的申请材料")
        checked[upload.material_key] = files.check(upload, names[upload.material_key])
    return checked


_INSERT_FILE = CaseFile.__table__.insert()
_INSERT_MATERIAL = CaseMaterial.__table__.insert()


def _store_file(db_session: Session, clock: Clock, case: Case, applicant_ref: str, checked: files.CheckedFile) -> int:
    """The file, encrypted, as one INSERT now; its id."""
    from tongban.cases import org_seals

    seal_signature = seal_fingerprint = None
    if case.subject_kind == "org" and case.organisation_id is not None:
        seal_signature, seal_fingerprint = org_seals.seal_material(
            db_session=db_session, clock=clock, organisation_id=case.organisation_id, sha256=checked.sha256
        )
    result = db_session.connection().execute(_INSERT_FILE, {
        "case_id": case.id, "material_key": checked.material_key, "filename": checked.filename,
        "content_type": checked.content_type, "size": checked.size, "sha256": checked.sha256,
        "data": keyring().encrypt_bytes(checked.data), "seal_signature": seal_signature,
        "seal_fingerprint": seal_fingerprint, "uploaded_at": clock.now(), "uploaded_by": applicant_ref,
    })
    return result.inserted_primary_key[0]


def _add_materials(db_session, clock, case, uploader, materials, plan, checked) -> None:
    """Where each of the item's materials stands at submission: its files stored, then one INSERT of the rows."""
    rows = []
    for material in materials:
        exemption, upload = plan.get(material.key), checked.get(material.key)
        status, ref, file_id = MaterialStatus.missing, "", None
        if upload is not None:
            status = MaterialStatus.provided
            file_id = _store_file(db_session, clock, case, uploader, upload)
        elif exemption is not None:
            status, ref = MaterialStatus.exempted, exemption.ref
        elif material.e_form:
            status, ref = MaterialStatus.provided, "在线填报"
        rows.append({
            "case_id": case.id, "material_key": material.key, "name": material.name,
            "required": material.necessity is Necessity.required, "status": status.value,
            "exemption": exemption.kind.value if exemption and upload is None else None, "exemption_ref": ref,
            "file_id": file_id, "standard": material.acceptance_standard, "updated_at": clock.now(),
        })
    if rows:
        db_session.connection().execute(_INSERT_MATERIAL, rows)


def supplement(
    *, db_session: Session, clock: Clock, case: Case, uploads: list[files.Upload], actor_ref: str, actor_name: str,
) -> Case:
    """The applicant hands in what the supplement or deficiency notice asked for (CASE-06, CASE-07)."""
    lifecycle.require_state(case, CaseState.supplement_requested, CaseState.accepted_with_deficiency, action="补正材料")
    if not uploads:
        raise InvalidInput("NO_FILES", "请选择要补正的材料文件")
    content = catalog.content_of_version(db_session=db_session, version_id=case.item_version_id, digest=case.item_content_sha256)
    checked = _checked_uploads(content, uploads)
    rows = {m.material_key: m for m in materials_of(db_session=db_session, case_id=case.id)}
    for key, file in checked.items():
        row = rows[key]
        row.file_id = _store_file(db_session, clock, case, actor_ref, file)
        row.status, row.exemption, row.exemption_ref, row.updated_at = MaterialStatus.provided.value, None, "", clock.now()
    still = [r.name for r in rows.values() if r.status == MaterialStatus.missing.value and r.required]
    names = "、".join(m.name for k, m in rows.items() if k in checked)
    if still:
        lifecycle.record(db_session=db_session, clock=clock, case=case, kind=EventKind.supplemented, to_state=CaseState(case.state),
                         actor_ref=actor_ref, actor_name=actor_name, reason=f"已补：{names}；仍缺：{'、'.join(still)}")
        deadline = case.supplement_deadline or case.deficiency_deadline
        progress.push(db_session=db_session, clock=clock, case=case, step="已收到部分补正材料",
                      detail=f"仍缺：{'、'.join(still)}" + (f"，请在{deadline.year}年{deadline.month}月{deadline.day}日前补齐。" if deadline else "。"))
        db_session.flush()
        return case
    if case.state == CaseState.supplement_requested.value:
        _end_pauses(db_session, clock, case, kind="supplement")
        case.supplement_deadline = None
        lifecycle.record(db_session=db_session, clock=clock, case=case, kind=EventKind.supplemented, to_state=CaseState.submitted,
                         actor_ref=actor_ref, actor_name=actor_name, reason=f"已补正：{names}")
        progress.push(db_session=db_session, clock=clock, case=case, step="补正材料已收到", detail="请等待受理。")
    else:
        case.deficiency_deadline = None
        lifecycle.record(db_session=db_session, clock=clock, case=case, kind=EventKind.deficiency_fixed, to_state=CaseState.accepted,
                         actor_ref=actor_ref, actor_name=actor_name, reason=f"已补齐：{names}")
        progress.push(db_session=db_session, clock=clock, case=case, step="容缺材料已补齐", detail="办件继续办理。")
    db_session.flush()
    return case


def _end_pauses(db_session: Session, clock: Clock, case: Case, *, kind: str | None = None) -> None:
    clocks.end_pauses(db_session=db_session, clock=clock, case=case, kind=kind)


def withdraw(*, db_session: Session, clock: Clock, case: Case, actor_ref: str, actor_name: str, reason: str = "") -> Case:
    """撤回: allowed until a decision is made (CASE-22)."""
    if len(reason) > 500:
        raise InvalidInput("REASON_TOO_LONG", "撤回理由最多 500 字")
    lifecycle.require_state(
        case, CaseState.submitted, CaseState.supplement_requested, CaseState.accepted, CaseState.accepted_with_deficiency,
        CaseState.under_review, CaseState.special_procedure, action="撤回（已作出决定或已办结的办件不能撤回）",
    )
    _end_pauses(db_session, clock, case)
    lifecycle.record(db_session=db_session, clock=clock, case=case, kind=EventKind.withdrawn, to_state=CaseState.withdrawn,
                     actor_ref=actor_ref, actor_name=actor_name, reason=reason.strip())
    case.closed_at = clock.now()
    progress.push(db_session=db_session, clock=clock, case=case, step="已撤回", detail="")
    db_session.flush()
    return case


def list_mine(*, db_session: Session, clock: Clock, actor: PersonActor, limit: int = 50, offset: int = 0) -> tuple[list[Case], int]:
    where = applicants.mine_filter(db_session=db_session, clock=clock, actor=actor)
    total = db_session.scalar(select(func.count(Case.id)).where(where)) or 0
    rows = db_session.scalars(select(Case).where(where).order_by(Case.submitted_at.desc(), Case.id.desc()).limit(limit).offset(offset))
    return list(rows), total


def by_applicant_id(*, db_session: Session, identifier: str, limit: int = 20) -> list[Case]:
    """At a self-service terminal after the ID card is read, or by hotline staff (CASE-05)."""
    query = (select(Case).where(Case.applicant_hash == applicants.applicant_hash(identifier))
             .order_by(Case.submitted_at.desc()).limit(limit))
    return list(db_session.scalars(query))


def staff_lookup(*, db_session: Session, clock: Clock, actor: StaffActor, number: str | None = None,
                 identifier: str | None = None, limit: int = 20) -> list[Case]:
    """Staff look-up by case number or applicant ID (CASE-05), audited every time. The hotline and supervisors
    search their region; a window (acceptor) sees only the cases its own agency handles or co-handles."""
    wide = actor.has(Permission.consult_answer) or actor.has(Permission.supervise)
    if not (wide or actor.has(Permission.case_accept)):
        raise Forbidden("NOT_PERMITTED", "您的岗位不能查询办件")
    if not (number or identifier):
        raise InvalidInput("LOOKUP_EMPTY", "请输入办件编号或证件号码")
    query = select(Case).where(Case.region_code.startswith(region_prefix(actor.region_code)))
    if not wide and actor.agency_id is not None:
        co = select(CasePost.case_id).where(CasePost.agency_id == actor.agency_id)
        query = query.where((Case.agency_id == actor.agency_id) | Case.id.in_(co))
    if number:
        query = query.where(Case.case_number == number.strip().upper())
    else:
        query = query.where(Case.applicant_hash == applicants.applicant_hash(identifier))
    found = list(db_session.scalars(query.order_by(Case.submitted_at.desc()).limit(limit)))
    key = number.strip().upper() if number else f"{identifier[:4]}**********{identifier[-4:]}"
    audit.record(db_session=db_session, clock=clock, actor=actor.ref, action="case.staff_lookup", object_kind="case",
                 object_id=",".join(str(c.id) for c in found)[:40],
                 details={"by": "number" if number else "id_number", "key": key, "found": [c.case_number for c in found]})
    if number and not found:
        limits.refuse(db_session, NotFound("CASE_NOT_FOUND", "没有找到这个办件编号，请核对"))
    return found


