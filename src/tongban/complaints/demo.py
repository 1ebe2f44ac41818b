"""Demo complaints and feedback: two complaints (one waiting, one answered), a 办不成事 entry, a content-error report
and a staff suggestion, so a newcomer sees each queue with something in it (written for this project)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from tongban.accounts import reads as account_reads
from tongban.catalog import reads as catalog_reads
from tongban.catalog.service import ItemFilter, list_items
from tongban.complaints import desk, feedback, service, suggestions
from tongban.complaints.models import Complaint
from tongban.core.clock import Clock

CASE_AGENCY = "11511602697417411B"  # 广安区政务服务中心 (the demo window posts)
EDIT_AGENCY = "11511602829200012W"  # 广安区人力资源和社会保障局 (the demo editor)


def seed_demo(*, db_session: Session, clock: Clock) -> str | None:
    """Idempotent: nothing happens once there is a complaint, or without the demo catalog and staff."""
    if db_session.scalar(select(Complaint.id).limit(1)) is not None:
        return None
    window = account_reads.actor_by_username(db_session=db_session, username="window")
    supervisor = account_reads.actor_by_username(db_session=db_session, username="reviewer")
    hall = catalog_reads.agency_by_code(db_session=db_session, code=CASE_AGENCY)
    hrss = catalog_reads.agency_by_code(db_session=db_session, code=EDIT_AGENCY)
    if None in (window, supervisor, hall, hrss):
        return None
    waiting = service.file_complaint(db_session=db_session, clock=clock, staff=window, complaint_in=service.ComplaintIn(
        content="来电反映：窗口要求提供已在网上提交过的材料，来回跑了两趟。", agency_id=hrss.id, channel="hotline",
        contact_name="张先生", contact_phone="13900000031"))
    answered = service.file_complaint(db_session=db_session, clock=clock, staff=window, complaint_in=service.ComplaintIn(
        content="来信反映：大厅取号机上午故障一小时无人处理。", agency_id=hall.id, channel="letter", contact_name="王女士",
        contact_phone="13900000032", disclose_identity=True))
    service.verify(db_session=db_session, clock=clock, actor=supervisor, complaint_id=answered.id, valid=True,
                   reason="调取大厅运行记录，情况属实")
    service.assign(db_session=db_session, clock=clock, actor=supervisor, complaint_id=answered.id)
    service.dispose(db_session=db_session, clock=clock, actor=supervisor, complaint_id=answered.id,
                    finding="取号机网络模块故障，值班人员未及时巡查", action="更换网络模块，增设每小时巡查")
    service.answer(db_session=db_session, clock=clock, actor=supervisor, complaint_id=answered.id,
                   to_complainant="经核实情况属实，已修复取号机并加强巡查，感谢您的监督。")
    desk.register(db_session=db_session, clock=clock, staff=window, matter_in=desk.MatterIn(
        matter="异地社保关系转移在原参保地被告知需本人回去办理", kind="general", contact_name="刘师傅",
        contact_phone="13900000033", agency_id=hrss.id))
    items, _ = list_items(db_session=db_session, filters=ItemFilter(agency_id=hrss.id), limit=1)
    if items:
        feedback.file_report(db_session=db_session, clock=clock, client_ip="demo", report_in=feedback.ReportIn(
            body="办事指南里的咨询电话已停用，请更新。", kind="content", item_id=items[0].id, page=f"/items/{items[0].id}"))
        suggestions.propose(db_session=db_session, clock=clock, actor=window, suggestion_in=suggestions.SuggestionIn(
            title="申请材料可免提交身份证复印件", body="身份已通过人口库核验，窗口常被问到为什么还要复印件，建议删去该材料。",
            topic="materials", item_id=items[0].id))
    db_session.flush()
    return (f"演示投诉：{waiting.number}（待核实）、{answered.number}（已反馈）；办不成事 1 件；问题反馈与工作人员建议各 1 条"
            "（工作人员 reviewer 办理投诉，window 登记办不成事，editor 答复反馈与建议）")
