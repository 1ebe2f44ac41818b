"""送达信息反馈 (XREG-03; 002 9.2.2.4; 004): each step of a handed-over case goes back to the receiving window as a
signed feedback envelope, and the receiving window's hand-over of the result goes back to the handling region."""

from __future__ import annotations

from sqlalchemy.orm import Session

from tongban.cases import delivery as case_delivery
from tongban.cases import lifecycle
from tongban.cases.enums import CaseChannel, CaseState
from tongban.catalog import reads as catalog_reads
from tongban.catalog.enums import DeliveryMethod
from tongban.core.clock import Clock
from tongban.core.errors import InvalidInput, NotFound
from tongban.crossregion import handover, records, transport
from tongban.crossregion.enums import DeliveryChoice, HandoverState, Side
from tongban.crossregion.models import Handover
from tongban.notify import service as notify

S = CaseState
_ENDED = {S.refused: "属地不予受理", S.denied: "属地作出不予许可（不予办理）决定", S.withdrawn: "申请人已撤回申请"}


def record_step(row: Handover, clock: Clock, state: HandoverState, note: str, step_id: str = "") -> None:
    now = clock.now()
    row.state, row.feedback_note, row.feedback_at, row.updated_at = state.value, note, now, now
    row.steps = [*(row.steps or []), {"at": handover.stamp(now), "state": state.value, "note": note, "id": step_id}]


def _delivered_note(db_session: Session, case, row: Handover) -> tuple[HandoverState, str]:
    """The delivery as the case's last event tells it (the carrier and tracking number are in its reason: the
    delivery row is completed after the event)."""
    found = case_delivery.of(db_session=db_session, case_id=case.id)
    method = DeliveryMethod(found.method) if found is not None else None
    if method is DeliveryMethod.post:
        posted = lifecycle.events_of(db_session=db_session, case_id=case.id)[-1].reason
        if row.delivery_choice == DeliveryChoice.receiving_window.value:
            return HandoverState.at_window, f"办理结果{posted}，寄往{row.origin_agency_name}，请到件后通知申请人领取"
        return HandoverState.delivered, f"办理结果{posted}，直接寄送申请人"
    label = method.label if method else "送达"
    return HandoverState.delivered, f"办理结果已送达申请人（{label}）"


def _step_for(db_session: Session, case, row: Handover, to_state: CaseState) -> tuple[HandoverState, str] | None:
    if to_state in (S.accepted, S.accepted_with_deficiency):
        return HandoverState.accepted, "属地已受理"
    if to_state is S.supplement_requested:
        return HandoverState.filed, "属地要求补正材料，已一次性告知申请人"
    if to_state is S.approved:
        return HandoverState.result_ready, "属地已办结，准予办理，待送达"
    if to_state is S.delivered:
        return _delivered_note(db_session, case, row)
    if to_state in _ENDED:
        return HandoverState.ended, _ENDED[to_state]
    return None


def after_event(*, db_session: Session, clock: Clock, case, from_state, to_state, kinds, **_) -> None:
    """`cases.hooks` after-event: a step of a case filed from another region's window is fed back to that window."""
    if from_state == to_state or case.channel != CaseChannel.window.value:
        return  # a handed-over case is always filed as a window filing (crossregion.handling): no read for the rest
    row = records.by_case(db_session=db_session, case_id=case.id)
    if row is None:
        return
    step = _step_for(db_session, case, row, CaseState(to_state))
    if step is None:
        return
    state, note = step
    record_step(row, clock, state, note)
    send(db_session=db_session, clock=clock, row=row, to_side=Side.sent, state=state, note=note)


def send(*, db_session: Session, clock: Clock, row: Handover, to_side: Side, state: HandoverState, note: str) -> None:
    body = {"kind": handover.FEEDBACK, "id": handover.new_id(), "issued_at": handover.stamp(clock.now()),
            "handover_id": row.envelope_id, "to_side": to_side.value, "state": state.value, "note": note,
            "case_number": row.case_number, "from": handover.installation()}
    transport.send_feedback(db_session=db_session, clock=clock, envelope=handover.seal(body))


def accept(*, db_session: Session, clock: Clock, envelope: dict) -> Handover:
    """Record a feedback envelope on this side's record (once per envelope) and tell who needs to know."""
    body = handover.open_envelope(envelope, kind=handover.FEEDBACK)
    try:
        side, state = Side(body.get("to_side")), HandoverState(body.get("state"))
    except ValueError:
        raise InvalidInput("ENVELOPE_FORMAT", "反馈数据格式不正确") from None
    row = records.by_envelope(db_session=db_session, envelope_id=str(body.get("handover_id", "")), side=side)
    if row is None:
        raise NotFound("HANDOVER_NOT_FOUND", "没有找到反馈所对应的跨域通办件")
    if any(step.get("id") == body["id"] for step in row.steps or []):
        return row
    note = str(body.get("note", ""))[:500]
    if body.get("case_number") and not row.case_number:
        row.case_number = str(body["case_number"])[:40]
    record_step(row, clock, state, note, step_id=body["id"])
    if side is Side.sent:
        _tell_receiving_side(db_session, clock, row, state, note)
    db_session.flush()
    return row


def _tell_receiving_side(db_session: Session, clock: Clock, row: Handover, state: HandoverState, note: str) -> None:
    """The receiving agency by e-mail (when it has one) at every step; the applicant by SMS when the result waits at
    this window."""
    agency = catalog_reads.agency_by_code(db_session=db_session, code=row.origin_agency_code)
    title = f"跨域通办件 {row.case_number or row.envelope_id[:8]}：{state.label}"
    if agency is not None and agency.email:
        notify.notify(db_session=db_session, clock=clock, kind="notice", email=agency.email, channels=("email",),
                      fields={"title": title, "body": f"{row.item_name}（{row.handling_region}）：{note}"})
    if state is HandoverState.at_window and row.applicant_phone:
        notify.notify(db_session=db_session, clock=clock, kind="notice", phone=row.applicant_phone, channels=("sms",),
                      fields={"title": title,
                              "body": f"您在{row.origin_agency_name}申请的{row.item_name}办理结果已寄往该窗口，"
                                      "到件后请携带本人有效身份证件领取。"})
