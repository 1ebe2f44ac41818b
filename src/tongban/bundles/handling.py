"""Handling a bundle case (BND-07): one acceptance by the lead window, each agency deciding its own sub-case, the
bundle following its parts, and who may see a bundle case.

**One acceptance (一次受理).** A member of staff of the lead agency (牵头部门, the bundle's `lead_agency_id`), or of
the comprehensive window (综合窗口) of the region's management agency (政务服务中心 / 行政审批局, or region-wide staff),
holding the acceptance post, accepts the bundle once:
every part that may start (stage 1, or a later stage whose items are all approved) is accepted through
`cases.handling.accept`, which issues each part's own acceptance notice and starts its own clock. A lead window
cannot act on another agency's cases under `cases.applicants.require_staff`; for a bundle's parts it acts under the
bundle's joint acceptance (一窗受理, the cooperating agencies' commission to the lead window written into the bundle
definition): `accept` hands `cases.handling.accept` the lead window's actor scoped to the part's agency
(`commissioned`), only for the parts of a bundle it is the lead window of (`is_lead_window`) and only in the
bundle's region. Every event still names the real member of staff. The step guard refuses any other acceptance of a part
(the agency's own window cannot accept it alone), and refuses a later-stage part before its items are approved.

**Later stages.** When the last item a part follows is approved, the part is accepted by itself under the bundle's
acceptance (the lead window's name on its notice), unless something needs a person first (a material missing, an
on-site check of originals to arrange): then it waits in the lead window's queue for the same action.

**Holds.** A part in supplement, refused, or denied holds the bundle: the bundle case names the part, its agency and
the reason, and the person is told once per change. When the part is supplemented the hold lifts.

**Together.** A part's result is not handed over alone (`cases.hooks.register_delivery_hold`); the bundle is ready
when every part is finished, and `bundles.together` hands all results over at once.
"""

from __future__ import annotations

import contextlib
import dataclasses
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from tongban.accounts.access import Permission, PersonActor, StaffActor, region_prefix
from tongban.accounts import persons
from tongban.bundles.models import BundleCase, BundlePart
from tongban.cases import applicants, hooks, lifecycle
from tongban.cases import handling as case_handling
from tongban.cases import service as cases
from tongban.cases.enums import CaseState, EventKind, MaterialStatus
from tongban.catalog import reads as catalog_reads
from tongban.core.clock import Clock
from tongban.core.errors import Conflict, DomainError, Forbidden, NotFound
from tongban.notify import inbox

S = CaseState
FINISHED = frozenset({S.approved.value, S.delivered.value, S.denied.value, S.refused.value, S.withdrawn.value})
DONE = frozenset({S.approved.value, S.delivered.value})  # a part that a later part may follow
HOLDING = {S.supplement_requested.value: "待补正材料", S.refused.value: "不予受理", S.denied.value: "不予许可"}
_REASON_KINDS = {S.supplement_requested.value: EventKind.supplement_requested.value, S.refused.value: EventKind.refused.value,
                 S.denied.value: EventKind.denied.value}

STATE_LABELS = {
    "submitted": "已提交，待牵头部门统一受理", "accepted": "已受理，各部门并联办理中", "held": "暂停：有事项需要处理",
    "ready": "全部办结，待统一送达", "delivered": "已统一送达", "refused": "未能办成", "withdrawn": "已撤回",
}

ENDED = {S.refused.value: "不予受理", S.denied.value: "不予许可", S.withdrawn.value: "已撤回"}
_ACCEPTING = "bundles.accepting"  # db_session.info: the case ids the bundle's one acceptance is accepting now
_ENDING = "bundles.ending"  # the case ids a withdrawal of the bundle, or of parts that can no longer start, is closing
_DELIVERING = "bundles.delivering"  # the case ids `bundles.together` is handing over now


@contextlib.contextmanager
def _allowing(db_session: Session, flag: str, case_ids: set[int]):
    held = db_session.info.setdefault(flag, set())
    held |= case_ids
    try:
        yield
    finally:
        held -= case_ids


def delivering(db_session: Session, case_ids: set[int]):
    """While `bundles.together` hands these parts over, the delivery hold lets them through."""
    return _allowing(db_session, _DELIVERING, case_ids)


@dataclass(frozen=True)
class PartView:
    part: BundlePart
    case: object  # cases' Case
    item_name: str
    agency_name: str
    state_label: str
    waiting_for: tuple[str, ...]  # the names of items it follows that are not approved yet
    hold: str  # why this part holds the bundle, or ""


# --- reading -------------------------------------------------------------------------------------------------

_PART = BundlePart.__table__
_PART_OF_CASE = select(_PART.c.id, _PART.c.bundle_case_id).where(_PART.c.case_id == bindparam("case_key"))


def part_of_case(db_session: Session, case_id: int) -> BundlePart | None:
    """The bundle part a case is, or None (one indexed read: every case step asks)."""
    row = db_session.connection().execute(_PART_OF_CASE, {"case_key": case_id}).first()
    return None if row is None else db_session.get(BundlePart, row.id)


def parts_of(*, db_session: Session, bundle_case_id: int) -> list[BundlePart]:
    return list(db_session.scalars(select(BundlePart).where(BundlePart.bundle_case_id == bundle_case_id)
                                   .order_by(BundlePart.stage, BundlePart.id)))


def get(*, db_session: Session, bundle_case_id: int) -> BundleCase:
    row = db_session.get(BundleCase, bundle_case_id)
    if row is None:
        raise NotFound("BUNDLE_CASE_NOT_FOUND", "没有找到这个一件事办件")
    return row


def by_number(*, db_session: Session, number: str) -> BundleCase:
    row = db_session.scalar(select(BundleCase).where(BundleCase.number == (number or "").strip().upper()))
    if row is None:
        raise NotFound("BUNDLE_CASE_NOT_FOUND", "没有找到这个一件事办件")
    return row


def person_may_see(*, db_session: Session, clock: Clock, actor: PersonActor, bundle_case: BundleCase) -> bool:
    if bundle_case.subject_kind == "org":
        return bundle_case.organisation_id is not None and bundle_case.organisation_id in applicants.acting_for(
            db_session=db_session, clock=clock, actor=actor)
    if bundle_case.person_id == actor.person_id:
        return True
    person = persons.get(db_session=db_session, person_id=actor.person_id)
    return bundle_case.applicant_hash == applicants.applicant_hash(person.id_number)


def for_person(*, db_session: Session, clock: Clock, actor: PersonActor, number: str) -> BundleCase:
    """The person's own bundle case; another's answers 404, never confirming that it exists."""
    try:
        row = by_number(db_session=db_session, number=number)
    except NotFound:
        row = None
    if row is None or not person_may_see(db_session=db_session, clock=clock, actor=actor, bundle_case=row):
        raise NotFound("BUNDLE_CASE_NOT_FOUND", "没有找到这个一件事办件")
    return row


def mine(*, db_session: Session, clock: Clock, actor: PersonActor, limit: int = 50) -> list[BundleCase]:
    person = persons.get(db_session=db_session, person_id=actor.person_id)
    orgs = applicants.acting_for(db_session=db_session, clock=clock, actor=actor)
    where = (((BundleCase.subject_kind == "person") & ((BundleCase.person_id == person.id)
              | (BundleCase.applicant_hash == applicants.applicant_hash(person.id_number))))
             | ((BundleCase.subject_kind == "org") & BundleCase.organisation_id.in_(orgs or [-1])))
    return list(db_session.scalars(select(BundleCase).where(where).order_by(BundleCase.created_at.desc(), BundleCase.id.desc())
                                   .limit(limit)))


def _management_window(db_session: Session, actor: StaffActor) -> bool:
    """The actor works at their region's management agency (政务服务中心 / 行政审批局): its comprehensive window (综合窗口)
    accepts and hands over every bundle of the region, whichever department leads it."""
    if actor.agency_id is None:
        return True  # region-wide staff
    agency = catalog_reads.find_agency(db_session=db_session, agency_id=actor.agency_id)
    return agency is not None and agency.is_management


def is_lead_window(*, db_session: Session, actor: StaffActor, bundle_case: BundleCase) -> bool:
    """The bundle's lead department's window, or the comprehensive window of its region's management agency."""
    if not bundle_case.region_code.startswith(region_prefix(actor.region_code)):
        return False
    return actor.agency_id == bundle_case.lead_agency_id or _management_window(db_session, actor)


def require_lead(db_session: Session, actor: StaffActor, bundle_case: BundleCase,
                 permission: Permission = Permission.case_accept) -> None:
    if not actor.has(permission):
        raise Forbidden("NOT_PERMITTED", "您的岗位没有这项操作的权限")
    if not is_lead_window(db_session=db_session, actor=actor, bundle_case=bundle_case):
        raise Forbidden("NOT_LEAD_WINDOW", "一件事由牵头部门或政务服务中心综合窗口统一受理和出件，您不是这件事的受理窗口")


def for_staff(*, db_session: Session, actor: StaffActor, bundle_case_id: int) -> BundleCase:
    """The lead window sees the bundle; a cooperating agency sees it too (its part is on its own queue)."""
    row = get(db_session=db_session, bundle_case_id=bundle_case_id)
    if not any(actor.has(p) for p in applicants.CASE_PERMISSIONS):
        raise Forbidden("NOT_PERMITTED", "您的岗位不能查看办件")
    if is_lead_window(db_session=db_session, actor=actor, bundle_case=row):
        return row
    if actor.agency_id is not None and row.region_code.startswith(region_prefix(actor.region_code)) \
            and any(p.agency_id == actor.agency_id for p in parts_of(db_session=db_session, bundle_case_id=row.id)):
        return row
    raise NotFound("BUNDLE_CASE_NOT_FOUND", "没有找到这个一件事办件")


def _queue_scope(db_session: Session, actor: StaffActor):
    where = BundleCase.region_code.startswith(region_prefix(actor.region_code))
    if not _management_window(db_session, actor):
        where = where & (BundleCase.lead_agency_id == actor.agency_id)
    return where


def lead_queue(*, db_session: Session, actor: StaffActor, states: tuple[str, ...] | None = None, limit: int = 100) -> list[BundleCase]:
    """The lead window's bundle cases (a lead department's own; every one of the region at its management agency's
    comprehensive window), newest first."""
    if not any(actor.has(p) for p in applicants.CASE_PERMISSIONS):
        raise Forbidden("NOT_PERMITTED", "您的岗位不能查看办件")
    query = select(BundleCase).where(_queue_scope(db_session, actor))
    if states:
        query = query.where(BundleCase.state.in_(states))
    return list(db_session.scalars(query.order_by(BundleCase.created_at.desc(), BundleCase.id.desc()).limit(limit)))


def count_waiting(*, db_session: Session, actor: StaffActor) -> int:
    """Bundle cases waiting for the lead window's acceptance (for a to-do count)."""
    query = select(func.count(BundleCase.id)).where(BundleCase.state == "submitted", _queue_scope(db_session, actor))
    return db_session.scalar(query) or 0


def _reason(db_session: Session, case, state: str) -> str:
    kind = _REASON_KINDS.get(state)
    if kind is None:
        return ""
    events = [e for e in lifecycle.events_of(db_session=db_session, case_id=case.id) if e.kind == kind]
    return events[-1].reason if events else ""


def views(*, db_session: Session, bundle_case: BundleCase) -> list[PartView]:
    """Each part as the bundle's pages show it: its item, agency, state, what it waits for and what holds it."""
    names = {i["code"]: (i["name"], i.get("agency_name", ""), i.get("after", [])) for i in bundle_case.items}
    parts = parts_of(db_session=db_session, bundle_case_id=bundle_case.id)
    by_code = {p.item_code: p for p in parts}
    found = []
    for part in parts:
        case = cases.get(db_session=db_session, case_id=part.case_id)
        name, agency, after = names.get(part.item_code, (case.item_name, "", []))
        waiting = tuple(names.get(c, (c,))[0] for c in after if c in by_code and by_code[c].state not in DONE)
        hold = ""
        if case.state in HOLDING:
            why = _reason(db_session, case, case.state)
            hold = f"“{name}”（{agency}）{HOLDING[case.state]}" + (f"：{why}" if why else "")
        found.append(PartView(part, case, name, agency, S(case.state).label, waiting, hold))
    return found


# --- telling the person ------------------------------------------------------------------------------------------

def tell(*, db_session: Session, clock: Clock, bundle_case: BundleCase, step: str, detail: str = "") -> None:
    """One in-app message about the bundle as a whole (each sub-case's own steps are told by cases)."""
    if bundle_case.person_id is None:
        return
    name = _bundle_name(bundle_case)
    inbox.post(db_session=db_session, clock=clock, person_id=bundle_case.person_id, kind="case_progress",
               title=f"一件事 {bundle_case.number}：{step}", body=f"您申请的“{name}”{step}。{detail}".strip(),
               link=f"/bundles/cases/{bundle_case.number}")


def _bundle_name(bundle_case: BundleCase) -> str:
    from sqlalchemy.orm import object_session

    from tongban.bundles.models import Bundle

    session = object_session(bundle_case)
    bundle = session.get(Bundle, bundle_case.bundle_id) if session is not None else None
    return bundle.name if bundle is not None else "一件事"


def bundle_name(bundle_case: BundleCase) -> str:
    return _bundle_name(bundle_case)


# --- following the parts -------------------------------------------------------------------------------------

def refresh(*, db_session: Session, clock: Clock, bundle_case: BundleCase) -> str:
    """Work out the bundle's state from its parts; tell the person when it changed. Answers the new state."""
    parts = views(db_session=db_session, bundle_case=bundle_case)
    for view in parts:
        view.part.state = view.case.state
    states = [v.case.state for v in parts]
    holds = [v.hold for v in parts if v.hold]
    before, note_before = bundle_case.state, bundle_case.state_note
    if bundle_case.state == "withdrawn":
        return "withdrawn"
    if all(s in FINISHED for s in states):
        approved = [s for s in states if s in DONE]
        if all(s == S.withdrawn.value for s in states):
            state = "withdrawn"
        elif not approved:
            state = "refused"
        elif all(s == S.delivered.value for s in approved):
            state = "delivered"
        else:
            state = "ready"
    elif holds:
        state = "held"
    elif bundle_case.accepted_at is None or _startable(db_session, bundle_case):
        state = "submitted"  # waiting for the lead window's acceptance (of the bundle or of a later stage)
    else:
        state = "accepted"
    note = "；".join(holds)
    bundle_case.state, bundle_case.state_note = state, note
    if state != before or note != note_before:
        bundle_case.updated_at = clock.now()
        if state == "held":
            tell(db_session=db_session, clock=clock, bundle_case=bundle_case, step="暂停办理",
                 detail=f"{note}。其他事项继续办理，全部办结后统一送达。")
        elif state == "ready":
            extra = f"其中：{note}。" if note else ""
            approved = [v.case for v in parts if v.case.state == S.approved.value]
            online = sum(1 for c in approved if (c.delivery_method or "online_download") == "online_download")
            ways = []
            if online:
                ways.append(f"电子结果 {online} 项请在一件事办件页面一次领取")
            if len(approved) - online:
                ways.append(f"纸质结果 {len(approved) - online} 项由综合出件窗口一次交付（当面领取或邮寄）")
            tell(db_session=db_session, clock=clock, bundle_case=bundle_case, step="全部办结",
                 detail=f"{extra}全部办理结果统一送达：{'；'.join(ways) or '无需送达的结果'}。")
        elif state == "refused":
            tell(db_session=db_session, clock=clock, bundle_case=bundle_case, step="未能办成", detail=note)
        elif state == "withdrawn":
            tell(db_session=db_session, clock=clock, bundle_case=bundle_case, step="已撤回", detail="各事项均已撤回。")
        elif state in ("accepted", "submitted") and before == "held":
            tell(db_session=db_session, clock=clock, bundle_case=bundle_case, step="恢复办理", detail="暂停的事项已处理。")
    db_session.flush()
    return state


def _startable(db_session: Session, bundle_case: BundleCase) -> list[BundlePart]:
    """Parts not yet accepted whose items they follow are all approved (stage 1 parts follow none)."""
    parts = parts_of(db_session=db_session, bundle_case_id=bundle_case.id)
    by_code = {p.item_code: p for p in parts}
    after = {i["code"]: i.get("after", []) for i in bundle_case.items}
    return [p for p in parts if p.state == S.submitted.value
            and all(by_code[c].state in DONE for c in after.get(p.item_code, []) if c in by_code)]


def commissioned(actor: StaffActor, agency_id: int) -> StaffActor:
    """The lead window acting on a cooperating agency's part under the bundle's joint acceptance (see above); the
    caller has checked that the actor is the bundle's lead window (`require_lead`)."""
    if actor.agency_id is None:
        return actor  # the region's management window already covers every agency of the region
    return dataclasses.replace(actor, agency_id=agency_id)


def accept(*, db_session: Session, clock: Clock, actor: StaffActor, bundle_case: BundleCase, on_site: str = "",
           on_site_at: datetime | None = None) -> BundleCase:
    """统一受理: accept every part that may start now, each through `cases.handling.accept` (its notice, its clock).
    Where items check originals on site (CASE-10), the one place and time (`on_site`, `on_site_at`) are given to each
    of them: the person brings the originals once. A part whose materials are missing (or that needs the on-site
    time not given) refuses the whole acceptance with its name; nothing is accepted then."""
    require_lead(db_session, actor, bundle_case)
    if bundle_case.state in ("delivered", "ready", "refused", "withdrawn"):
        raise Conflict("BUNDLE_STATE", f"该一件事办件{STATE_LABELS[bundle_case.state]}，不能受理")
    in_supplement = [v.hold for v in views(db_session=db_session, bundle_case=bundle_case)
                     if v.case.state == S.supplement_requested.value]
    if in_supplement:
        raise Conflict("BUNDLE_HELD", f"一件事暂停办理，待补正后再统一受理：{'；'.join(in_supplement)}")
    startable = _startable(db_session, bundle_case)
    if not startable:
        waiting = [v.hold for v in views(db_session=db_session, bundle_case=bundle_case) if v.hold]
        raise Conflict("NOTHING_TO_ACCEPT", "没有可以受理的事项" + (f"：{'；'.join(waiting)}" if waiting else ""))
    names = {i["code"]: i["name"] for i in bundle_case.items}
    with _allowing(db_session, _ACCEPTING, {p.case_id for p in startable}):
        for part in startable:
            case = cases.get(db_session=db_session, case_id=part.case_id)
            try:
                needs_check = case_handling.content_of(db_session, case).on_site_verification
                case_handling.accept(db_session=db_session, clock=clock, actor=commissioned(actor, part.agency_id), case=case,
                                     on_site=on_site if needs_check else "", on_site_at=on_site_at if needs_check else None)
            except DomainError as error:
                raise type(error)(error.code, f"“{names.get(part.item_code, case.item_name)}”：{error.message}",
                                  details=error.details) from error
    if bundle_case.accepted_at is None:
        bundle_case.accepted_at, bundle_case.accepted_by = clock.now(), actor.ref
        tell(db_session=db_session, clock=clock, bundle_case=bundle_case, step="已统一受理",
             detail=f"{len(startable)} 个事项已受理，各部门并联办理。")
    refresh(db_session=db_session, clock=clock, bundle_case=bundle_case)
    return bundle_case


def needs_on_site(*, db_session: Session, bundle_case: BundleCase) -> list[str]:
    """The names of the parts that may start now and check originals on site: the acceptance form asks for a time."""
    names = {i["code"]: i["name"] for i in bundle_case.items}
    return [names.get(p.item_code, p.item_code) for p in _startable(db_session, bundle_case)
            if case_handling.content_of(db_session, cases.get(db_session=db_session, case_id=p.case_id)).on_site_verification]


def pending_originals(*, db_session: Session, bundle_case: BundleCase) -> list:
    """The parts' cases whose on-site check of originals is set and not yet recorded."""
    found = []
    for part in parts_of(db_session=db_session, bundle_case_id=bundle_case.id):
        case = cases.get(db_session=db_session, case_id=part.case_id)
        if CaseState(case.state) in case_handling.CHECKABLE:
            check = case_handling.originals_check(db_session=db_session, case=case)
            if check is not None and not check.done:
                found.append(case)
    return found


def originals_checked(*, db_session: Session, clock: Clock, actor: StaffActor, bundle_case: BundleCase, note: str = "") -> int:
    """The lead window saw the originals once: recorded on every part that asked for the check (CASE-10)."""
    require_lead(db_session, actor, bundle_case)
    waiting = pending_originals(db_session=db_session, bundle_case=bundle_case)
    if not waiting:
        raise Conflict("ORIGINALS_CHECK_NOT_SET", "没有需要记录原件核验的事项")
    for case in waiting:
        case_handling.record_originals_checked(db_session=db_session, clock=clock, actor=commissioned(actor, case.agency_id),
                                               case=case, note=note or "申请材料原件已在一件事综合窗口当面核验")
    return len(waiting)


def _lead_actor(db_session: Session, bundle_case: BundleCase) -> StaffActor | None:
    if not bundle_case.accepted_by.startswith("staff:"):
        return None
    from tongban.accounts import staff as staff_accounts

    try:
        account = staff_accounts.get(db_session=db_session, staff_id=int(bundle_case.accepted_by[6:]))
    except (NotFound, ValueError):
        return None
    return staff_accounts.actor_for(account) if account.status == "active" else None


def _start_later_stages(db_session: Session, clock: Clock, bundle_case: BundleCase) -> None:
    """After a part is approved: the parts now free to start are accepted under the bundle's acceptance, where nothing
    needs a person first; the others wait in the lead window's queue."""
    if bundle_case.accepted_at is None:
        return
    actor = _lead_actor(db_session, bundle_case)
    for part in _startable(db_session, bundle_case):
        case = cases.get(db_session=db_session, case_id=part.case_id)
        rows = cases.material_lines_of(db_session=db_session, case_id=case.id)
        if actor is None or any(r.required and r.status == MaterialStatus.missing.value for r in rows) \
                or case_handling.content_of(db_session, case).on_site_verification:
            continue
        with _allowing(db_session, _ACCEPTING, {case.id}):
            case_handling.accept(db_session=db_session, clock=clock, actor=commissioned(actor, part.agency_id), case=case)
        part.state = case.state


# --- ending parts: what can no longer start, and the whole bundle withdrawn ---------------------------------------

def followers(items: list[dict], code: str) -> set[str]:
    """The item codes that follow `code`, directly or through others (the bundle's order, BND-05)."""
    after = {i["code"]: set(i.get("after", [])) for i in items}
    found, frontier = set(), {code}
    while frontier:
        frontier = {c for c, before in after.items() if before & frontier} - found
        found |= frontier
    return found


def _end_followers(db_session: Session, clock: Clock, bundle_case: BundleCase, part: BundlePart) -> None:
    """A part refused, denied or withdrawn: the parts that follow it can never start. They are closed now, with the
    reason, instead of waiting for ever, so that the bundle finishes with what could be done (delivered together)."""
    behind = followers(bundle_case.items, part.item_code)
    if not behind:
        return
    name = next((i["name"] for i in bundle_case.items if i["code"] == part.item_code), part.item_code)
    reason = f"前置事项“{name}”{ENDED[part.state]}，本事项无法继续办理，已终止"
    for other in parts_of(db_session=db_session, bundle_case_id=bundle_case.id):
        if other.item_code not in behind or other.case_id is None:
            continue
        case = cases.get(db_session=db_session, case_id=other.case_id)
        if not lifecycle.allowed(S(case.state), S.withdrawn):
            continue
        with _allowing(db_session, _ENDING, {case.id}):
            cases.withdraw(db_session=db_session, clock=clock, case=case, actor_ref="system", actor_name="系统",
                           reason=reason)
        other.state = case.state


def withdraw(*, db_session: Session, clock: Clock, actor: PersonActor, bundle_case: BundleCase, reason: str = "") -> BundleCase:
    """撤回 the whole bundle: every part not yet decided is withdrawn (CASE-22, each through cases); results already
    decided are still delivered together. Refused once nothing is left to withdraw."""
    if not person_may_see(db_session=db_session, clock=clock, actor=actor, bundle_case=bundle_case):
        raise NotFound("BUNDLE_CASE_NOT_FOUND", "没有找到这个一件事办件")
    reason = (reason or "").strip()
    open_parts = [v.case for v in views(db_session=db_session, bundle_case=bundle_case)
                  if lifecycle.allowed(S(v.case.state), S.withdrawn)]
    if bundle_case.state not in ("submitted", "accepted", "held") or not open_parts:
        raise Conflict("BUNDLE_NOT_WITHDRAWABLE", "这件事的各事项均已作出决定或已办结，不能撤回")
    with _allowing(db_session, _ENDING, {c.id for c in open_parts}):
        for case in open_parts:
            cases.withdraw(db_session=db_session, clock=clock, case=case, actor_ref=actor.ref, actor_name=actor.name,
                           reason=reason or "申请人撤回一件事")
    for part in parts_of(db_session=db_session, bundle_case_id=bundle_case.id):
        part.state = cases.get(db_session=db_session, case_id=part.case_id).state
    refresh(db_session=db_session, clock=clock, bundle_case=bundle_case)
    return bundle_case


# --- the hooks into cases ------------------------------------------------------------------------------------

ACCEPTING_STATES = frozenset({S.accepted, S.accepted_with_deficiency})


def guard_step(*, db_session: Session, case, from_state: CaseState, to_state: CaseState, kinds) -> None:
    """A part is accepted only by the bundle's one acceptance, and only once the items it follows are approved."""
    if to_state == from_state or to_state not in ACCEPTING_STATES or from_state != S.submitted:
        return
    part = part_of_case(db_session, case.id)
    if part is None:
        return
    bundle_case = get(db_session=db_session, bundle_case_id=part.bundle_case_id)
    names = {i["code"]: i["name"] for i in bundle_case.items}
    after = next((i.get("after", []) for i in bundle_case.items if i["code"] == part.item_code), [])
    others = {p.item_code: p for p in parts_of(db_session=db_session, bundle_case_id=bundle_case.id)}
    waiting = [names.get(c, c) for c in after if c in others and others[c].state not in DONE]
    if waiting:
        raise Conflict("BUNDLE_ORDER", f"该办件属于一件事“{_bundle_name(bundle_case)}”，须待{'、'.join(waiting)}办结后才能受理")
    if case.id not in db_session.info.get(_ACCEPTING, set()):
        raise Conflict("BUNDLE_ONE_ACCEPTANCE",
                       f"该办件属于一件事“{_bundle_name(bundle_case)}”（{bundle_case.number}），由牵头部门综合窗口统一受理")


def follow_event(*, db_session: Session, clock: Clock, case, from_state: CaseState, to_state: CaseState, kinds) -> None:
    """A part moved: mirror its state, start later stages it frees, and work out the bundle's state."""
    if to_state == from_state:
        return
    part = part_of_case(db_session, case.id)
    if part is None:
        return
    part.state = case.state
    bundle_case = get(db_session=db_session, bundle_case_id=part.bundle_case_id)
    if case.id in db_session.info.get(_ENDING, set()):
        return  # closed by the bundle's own action, which refreshes once at the end
    if to_state == S.approved:
        db_session.flush()
        _start_later_stages(db_session, clock, bundle_case)
    elif to_state.value in ENDED:
        _end_followers(db_session, clock, bundle_case, part)
    if case.id in db_session.info.get(_ACCEPTING, set()) or case.id in db_session.info.get(_DELIVERING, set()):
        return  # the bundle's own action refreshes once when all its parts have moved
    refresh(db_session=db_session, clock=clock, bundle_case=bundle_case)


def hold_delivery(*, db_session: Session, case) -> str | None:
    """A part's result goes out only with the others', through the bundle's unified delivery."""
    if case.id in db_session.info.get(_DELIVERING, set()):
        return None
    part = part_of_case(db_session, case.id)
    if part is None:
        return None
    bundle_case = get(db_session=db_session, bundle_case_id=part.bundle_case_id)
    if bundle_case.state == "ready":
        return f"该办件属于一件事“{_bundle_name(bundle_case)}”，全部办理结果请在一件事办件 {bundle_case.number} 统一领取"
    return (f"该办件属于一件事“{_bundle_name(bundle_case)}”（{bundle_case.number}），"
            "全部事项办结后由牵头部门统一送达，不单独送达")


def register() -> None:
    hooks.register_step_guard(guard_step)
    hooks.register_after_event(follow_event)
    hooks.register_delivery_hold(hold_delivery)
