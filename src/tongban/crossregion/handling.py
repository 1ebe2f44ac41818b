"""The handling region's side of a remote-window hand-over (属地接件, XREG-03; 002 9.2.2.1 b): a genuine intake
envelope becomes a case of the named item, filed as a window filing, and the receiving window is told its number."""

from __future__ import annotations

from sqlalchemy.orm import Session

from tongban.accounts.access import StaffActor
from tongban.cases import applicants, progress
from tongban.cases import service as cases
from tongban.cases.enums import CaseChannel
from tongban.cases.files import Upload
from tongban.catalog import reads as catalog_reads
from tongban.core import audit
from tongban.core.clock import Clock
from tongban.core.errors import InvalidInput, NotFound
from tongban.crossregion import handover, records
from tongban.crossregion.enums import DeliveryChoice, HandoverState, Side
from tongban.crossregion.models import Handover
from tongban.crossregion.window import CASE_DELIVERY


def _part(body: dict, name: str) -> dict:
    value = body.get(name)
    if not isinstance(value, dict):
        raise InvalidInput("ENVELOPE_FORMAT", "交接数据格式不正确")
    return value


def _text(part: dict, name: str, limit: int = 300) -> str:
    value = part.get(name, "")
    if not isinstance(value, str) or len(value) > limit:
        raise InvalidInput("ENVELOPE_FORMAT", "交接数据格式不正确")
    return value


def accept_intake(*, db_session: Session, clock: Clock, library, envelope: dict, filer: StaffActor):
    """File the case an intake envelope carries; the same envelope twice gives the same case. `filer` is the staff
    the case records as having filed it: the receiving window's own actor inside one installation, the exchange's
    service account when the envelope came from another installation."""
    body = handover.open_envelope(envelope, kind=handover.INTAKE)
    existing = records.by_envelope(db_session=db_session, envelope_id=body["id"], side=Side.received)
    if existing is not None:
        return cases.get(db_session=db_session, case_id=existing.case_id)
    origin, target, person, delivery = (_part(body, n) for n in ("origin", "target", "applicant", "delivery"))
    region = _text(target, "region_code", 12)
    item = catalog_reads.item_by_code(db_session=db_session, implementation_code=_text(target, "item_code", 100),
                                      region_prefix=region)
    if item is None or item.region_code != region:
        raise NotFound("XREG_ITEM_NOT_FOUND", "属地没有找到该事项，无法接件，请核对事项编码")
    try:
        choice = DeliveryChoice(_text(delivery, "choice", 20))
    except ValueError:
        raise InvalidInput("ENVELOPE_FORMAT", "交接数据中的领取方式无效") from None
    applicant = applicants.walk_in(db_session=db_session, name=_text(person, "name", 100),
                                   id_kind=_text(person, "id_kind", 30), id_number=_text(person, "id_number", 40),
                                   phone=_text(person, "phone", 20))
    form = body.get("form")
    if not isinstance(form, dict):
        raise InvalidInput("ENVELOPE_FORMAT", "交接数据中的申请表格式不正确")
    uploads = [Upload(key, name, data) for key, name, data in handover.files_in(body.get("files"))]
    installation = _text(origin, "installation", 60)
    case = cases.submit(
        db_session=db_session, clock=clock, library=library, applicant=applicant,
        submission=cases.Submission(item_id=item.id, form=form, exemptions={}, uploads=uploads,
                                    delivery_method=CASE_DELIVERY[choice].value),
        channel=CaseChannel.window, submitter_ref=f"xreg:{installation}"[:40], idempotency_key=body["id"],
        staff=filer,
    )
    now = clock.now()
    origin_name = _text(origin, "agency_name", 200)
    note = f"{origin_name}跨区域通办窗口异地收件，已流转至{catalog_reads.agency(db_session=db_session, agency_id=case.agency_id).name}"
    row = Handover(
        envelope_id=body["id"], side=Side.received.value, state=HandoverState.filed.value,
        origin_installation=installation, origin_region=_text(origin, "region_code", 12),
        origin_agency_code=_text(origin, "agency_code", 40), origin_agency_name=origin_name,
        origin_address=_text(origin, "address", 300), handling_region=item.region_code, item_code=item.implementation_code,
        item_name=item.name, local_agency_id=case.agency_id, case_id=case.id, case_number=case.case_number or "",
        applicant_name=applicant.name, applicant_hash=records.applicant_hash(applicant.identifier),
        applicant_phone=applicant.phone, delivery_choice=choice.value, delivery_address=_text(delivery, "address", 300),
        materials=[{"material_key": u.material_key, "filename": u.filename} for u in uploads],
        envelope_sha256=handover.digest(envelope), filed_by=_text(origin, "staff_ref", 100),
        filed_by_name=_text(origin, "staff_name", 100),
        steps=[{"at": handover.stamp(now), "state": HandoverState.filed.value, "note": note}],
        feedback_note="", created_at=now, updated_at=now,
    )
    db_session.add(row)
    db_session.flush()
    progress.push(db_session=db_session, clock=clock, case=case, step="异地收件已流转至属地", detail=note + "。")
    audit.record(db_session=db_session, clock=clock, actor=filer.ref, action="crossregion.accept_intake",
                 object_kind="case", object_id=str(case.id), details={"envelope": row.envelope_sha256,
                                                                       "from": row.origin_region})
    from tongban.crossregion import feedback

    feedback.send(db_session=db_session, clock=clock, row=row, to_side=Side.sent, state=HandoverState.filed,
                  note=f"属地已接件，办件编号 {case.case_number}")
    return case
