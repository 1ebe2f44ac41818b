"""The audit trail as people read it: every recorded action named in Chinese, who did it by name, and the case
steps from the case event record merged in by time (003 操作审计; ACC-08)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from tongban.accounts.access import ROLE_LABELS, Permission, StaffActor, StaffRole
from tongban.accounts.identity import mask_name
from tongban.accounts.models import Organisation, Person, StaffAccount
from tongban.cases import audit_feed
from tongban.core.models import AuditEntry

# Every action passed to core.audit.record, in Chinese. tests/accounts/test_audit_page.py reads the source and fails
# when an action is recorded that has no line here.
ACTION_LABELS: dict[str, str] = {
    # one-thing bundles (一件事) and cross-region service (跨域通办)
    "bundle.version.draft": "保存一件事草稿", "bundle.version.submit": "提交一件事审核",
    "bundle.version.reject": "退回一件事", "bundle.version.publish": "发布一件事", "bundle.version.import": "导入一件事",
    "bundle.restore": "恢复一件事", "bundle.withdraw": "停用一件事",
    "crossregion.accept_intake": "接收异地收件", "crossregion.intake": "异地收件转办",
    "crossregion.hand_over": "异地收件结果交付", "crossregion.place": "设置跨域通办办理地",
    "crossregion.liaison_create": "新增跨域通办联络员", "crossregion.liaison_update": "修改跨域通办联络员",
    "crossregion.liaison_delete": "删除跨域通办联络员", "crossregion.liaison_view": "查看跨域通办联络员电话",
    # credit-based approval (信用审批) and benefits without applying (免申即享)
    "credit.applied": "适用信用审批", "credit.list_add": "列入信用审批事项清单", "credit.list_remove": "移出信用审批事项清单",
    "credit.pledge_checked": "告知承诺事后核查", "credit.excluded": "不实承诺限制适用告知承诺",
    "credit.repair_applied": "申请信用修复", "credit.repair_reviewed": "审核信用修复",
    "benefit.created": "新建免申即享政策", "benefit.updated": "修改免申即享政策", "benefit.status": "暂停或恢复免申即享政策",
    "benefit.offered": "免申即享告知", "benefit.granted": "免申即享发放", "benefit.declined": "放弃免申即享待遇",
    # individual users (个人用户)
    "person.register": "个人用户注册",
    "person.link": "通过统一身份认证平台关联注册",
    "person.agreement": "签署用户服务协议",
    "person.login": "个人用户登录",
    "person.login_throttled": "个人用户登录失败次数过多，暂停登录",
    "person.qr_confirm": "扫码确认登录",
    "person.password_change": "个人用户修改密码",
    "person.password_reset": "个人用户找回密码",
    "person.phone_bind": "绑定手机号码",
    "person.phone_change": "更换手机号码",
    "person.staff_find": "工作人员按证件查找个人用户",
    "person.staff_view": "工作人员查看个人用户信息",
    "person.disable": "禁用个人用户账号",
    "person.enable_request": "申请解除个人用户账号禁用",
    "person.enable_approved": "批准解除个人用户账号禁用",
    "person.enable_rejected": "驳回解除个人用户账号禁用",
    # staff (工作人员)
    "staff.create": "开设工作人员账号",
    "staff.login": "工作人员登录",
    "staff.login_throttled": "工作人员登录失败次数过多，暂停登录",
    "staff.password_change": "工作人员修改密码",
    "staff.roles": "调整工作人员岗位",
    "staff.token_create": "签发接口令牌",
    "staff.token_revoke": "吊销接口令牌",
    "staff.disable": "禁用工作人员账号",
    "staff.enable_request": "申请解除工作人员账号禁用",
    "staff.enable_approved": "批准解除工作人员账号禁用",
    "staff.enable_rejected": "驳回解除工作人员账号禁用",
    # organisations and their agents (法人用户、授权委托)
    "org.register": "法人用户注册",
    "org.bind_legal_rep": "法人用户绑定法定代表人",
    "delegation.grant": "授权经办人",
    "delegation.request": "申请授权",
    "delegation.approve": "同意授权申请",
    "delegation.reject": "拒绝授权申请",
    "delegation.change": "变更授权",
    "delegation.revoke": "撤销授权",
    "policy.update": "修改应用访问策略",
    # catalog and publications (事项、政策公告)
    "catalog.version.draft": "编辑事项草稿",
    "catalog.version.submit": "提交事项审核",
    "catalog.version.approve": "事项审核通过",
    "catalog.version.return": "退回事项修改",
    "catalog.version.publish": "发布事项",
    "catalog.item.status": "变更事项状态",
    "publication.create": "新建政策法规或公告",
    "publication.update": "修改政策法规或公告",
    "publication.withdraw": "撤回政策法规或公告",
    "search.hot.hide": "隐藏热门检索词",
    "search.hot.show": "恢复显示热门检索词",
    # cases, halls and supervision (办件、大厅、电子监察)
    "case.staff_lookup": "工作人员查询办件",
    "appointment.book_for": "代群众预约",
    "kiosk.pairing": "生成自助终端登记码",
    "kiosk.enroll": "登记自助终端",
    "kiosk.revoke": "停用自助终端",
    "supervision.fault": "登记平台故障",
    "supervision.error": "登记办件差错",
    "supervision.warning_rule": "设置事项预警阈值",
    # working-day calendar (工作日历)
    "calendar.set_day": "设置工作日历",
    "calendar.delete_day": "删除工作日历设置",
    "calendar.year_complete": "确认年度工作日历",
    "calendar.import": "导入年度工作日历",
    # knowledge base (知识库)
    "faq.draft": "编辑常见问题草稿",
    "faq.submit": "常见问题送审",
    "faq.publish": "审核发布常见问题",
    "faq.return": "退回常见问题",
    "faq.withdraw": "撤下常见问题",
    "faq.propose": "高频问题生成草稿",
}

OBJECT_LABELS = {
    "bundle": "一件事", "bundle_version": "一件事版本", "handover": "跨域通办交接", "liaison": "跨域通办联络员",
    "credit_exclusion": "信用限制", "benefit_policy": "免申即享政策", "benefit_grant": "免申即享待遇",
    "person": "个人用户", "staff": "工作人员", "org": "法人用户", "organisation": "法人用户", "delegation": "授权",
    "policy": "访问策略", "item_version": "事项版本", "service_item": "事项", "publication": "政策公告",
    "hidden_search": "检索词", "case": "办件", "appointment": "预约", "hall": "大厅", "platform_fault": "平台故障",
    "calendar_day": "日历日期", "calendar_year": "日历年度", "faq_version": "常见问题版本",
}

DETAIL_LABELS = {
    "reason": "原因", "note": "说明", "transport": "登录方式", "via": "渠道", "limits": "触发限制", "roles": "岗位",
    "request_id": "申请编号", "sms": "已发短信", "title": "标题", "agency_id": "机构编号", "region_code": "区划",
    "username": "用户名", "token_id": "令牌编号", "label": "名称", "phone": "手机号", "from": "原值", "to": "新值",
    "id_number": "证件号码", "person_id": "用户编号", "organisation_id": "法人编号", "uscc": "统一社会信用代码",
    "letter": "授权书", "legal_rep_bound": "已绑定法定代表人", "in_library": "基础库已有记录", "phone_confirmed": "手机已验证",
    "factors": "核验要素", "issuer": "认证平台", "created": "新开账号", "version": "版本", "kind": "类型", "name": "名称",
    "item_id": "事项编号", "number": "编号", "query": "检索词", "share": "剩余比例", "days": "剩余天数", "deleted": "已删除",
    "complete": "已确认完整", "device_id": "终端编号", "enrolled_by": "登记人", "hall_id": "大厅编号", "slot_id": "时段编号",
    "channel": "渠道", "by": "查询方式", "key": "查询值", "found": "查到的办件", "before": "变更前", "after": "变更后",
    "depth": "层级", "parent_id": "上级授权", "may_redelegate": "可再授权", "clipped_by": "随上级授权收窄",
}
VALUE_LABELS = {
    "cookie": "网页", "bearer": "接口", "qr": "扫码", "online": "网上", "window": "窗口", "linked": "统一身份认证",
    "number": "办件编号", "id_number": "证件号码",
}
SYSTEM_ACTORS = {"system": "系统", "cli": "运维命令行", "demo": "演示数据初始化", "seed": "初始数据导入"}


def action_label(action: str) -> str:
    """The Chinese name of an action; an unknown one (a newer release's) says so rather than showing the code."""
    return ACTION_LABELS.get(action, "其他操作")


@dataclass(frozen=True)
class Row:
    """One line of the audit page: an audit entry or a case step."""

    at: datetime
    source: str  # "audit" or "case"
    seq: int | None
    who: str
    action: str  # the code, kept for people reading logs; the page shows `label`
    label: str
    target: str
    target_url: str = ""
    details: list[tuple[str, str]] = field(default_factory=list)


def _role_text(value: object) -> str:
    try:
        return ROLE_LABELS[StaffRole(value)]
    except (ValueError, KeyError):
        return str(value)


def _value_text(value: object) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    if value is None:
        return "无"
    if isinstance(value, list):
        return "、".join(_value_text(v) for v in value) or "无"
    if isinstance(value, dict):
        return "；".join(f"{DETAIL_LABELS.get(k, k)}：{_value_text(v)}" for k, v in value.items())
    return VALUE_LABELS.get(str(value), str(value))


def _details(text: str) -> list[tuple[str, str]]:
    try:
        data = json.loads(text or "{}")
    except ValueError:
        return [("详情", text)]
    if not isinstance(data, dict):
        return [("详情", _value_text(data))]
    return [(DETAIL_LABELS.get(key, key), "、".join(map(_role_text, value)) if key == "roles" and isinstance(value, list)
             else _value_text(value)) for key, value in data.items()]


class _Names:
    """Names of the accounts a page of entries mentions, loaded once per kind; citizens' names masked."""

    def __init__(self, db_session: Session, refs: set[tuple[str, str]]) -> None:
        def ids(kind: str) -> list[int]:
            return [int(i) for k, i in refs if k == kind and i.isdigit()]

        self.staff = {s.id: f"{s.name}（{s.username}）" for s in db_session.scalars(
            select(StaffAccount).where(StaffAccount.id.in_(ids("staff"))))}
        self.persons = {p.id: mask_name(p.name) for p in db_session.scalars(select(Person).where(Person.id.in_(ids("person"))))}
        self.orgs = {o.id: o.name for o in db_session.scalars(
            select(Organisation).where(Organisation.id.in_(ids("org") + ids("organisation"))))}

    def of(self, kind: str, key: str) -> str | None:
        if not key.isdigit():
            return None
        if kind == "staff":
            return self.staff.get(int(key))
        if kind == "person":
            return self.persons.get(int(key))
        if kind in ("org", "organisation"):
            return self.orgs.get(int(key))
        return None

    def actor(self, ref: str, fallback: str = "") -> str:
        kind, _, key = ref.partition(":")
        if not key:
            return SYSTEM_ACTORS.get(ref, fallback or ref or "系统")
        if kind == "kiosk":
            return f"自助终端 {key}"
        name = self.of(kind, key)
        if name is not None:
            return f"{'工作人员' if kind == 'staff' else OBJECT_LABELS.get(kind, kind)} {name}"
        return fallback or f"{OBJECT_LABELS.get(kind, kind)}（编号 {key}，已不存在）"


def _refs(entries: list[AuditEntry], steps: list[audit_feed.Step]) -> set[tuple[str, str]]:
    refs = {tuple(e.actor.split(":", 1)) for e in entries if ":" in e.actor}
    refs |= {(e.object_kind, e.object_id) for e in entries}
    refs |= {tuple(s.actor_ref.split(":", 1)) for s in steps if ":" in s.actor_ref}
    return refs  # type: ignore[return-value]


def _entry_row(entry: AuditEntry, names: _Names) -> Row:
    kind_label = OBJECT_LABELS.get(entry.object_kind, entry.object_kind)
    name = names.of(entry.object_kind, entry.object_id)
    target = f"{kind_label} {name}" if name else f"{kind_label} {entry.object_id}"
    return Row(at=entry.at, source="audit", seq=entry.seq, who=names.actor(entry.actor), action=entry.action,
               label=action_label(entry.action), target=target, details=_details(entry.details))


def _step_row(step: audit_feed.Step, names: _Names) -> Row:
    kind, _, _ = step.actor_ref.partition(":")
    # The event keeps the name as it was; a citizen's is masked here like everywhere staff read it.
    fallback = mask_name(step.actor_name) if kind == "person" else step.actor_name
    who = names.actor(step.actor_ref, fallback) if kind != "person" else f"申请人 {fallback}"
    details = [("说明", step.reason)] if step.reason else []
    return Row(at=step.at, source="case", seq=None, who=who, action=f"case.{step.kind}", label=step.label,
               target=f"办件 {step.case_number}", target_url=f"/staff/cases/{step.case_id}", details=details)


def trail(*, db_session: Session, actor: StaffActor, limit: int) -> list[Row]:
    """The latest `limit` lines: audit entries (all of them: the auditor's view of accounts and settings) and the steps
    of the cases the reader may see, newest first."""
    actor.require(Permission.audit_read)
    entries = list(db_session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(limit)))
    steps = audit_feed.recent_steps(db_session=db_session, actor=actor, limit=limit)
    names = _Names(db_session, _refs(entries, steps))
    rows = [_entry_row(e, names) for e in entries] + [_step_row(s, names) for s in steps]
    rows.sort(key=lambda r: r.at, reverse=True)
    return rows[:limit]
