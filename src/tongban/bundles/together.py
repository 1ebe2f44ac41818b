"""统一出件: a bundle's results are handed over together, once every part is finished (BND-07).

Nothing of a bundle is handed over before every part is finished (`bundles.handling.hold_delivery` refuses any
part's delivery outside this module, before and after). Then the results go out in the way each case records (the
person chose one way for the whole bundle; an item that does not offer it keeps its own): each kind at once, through
`cases.delivery`, in one transaction, with the hold lifted for exactly those cases:
- every result to be downloaded: the person takes them all at once on the bundle case page (`take_all`);
- every paper result: the lead window hands them all over at once, checking the collector's ID once (统一出件窗口),
  or posts them in one parcel with one tracking number (`hand_over`).
A bundle whose items all deliver the same way (the usual case) is thus delivered in one act; the bundle is
`delivered` when every approved part is. A part refused or denied has its own decision notice and does not stop the
others' results from going out together once all are finished.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from tongban.accounts.access import Permission, PersonActor, StaffActor
from tongban.bundles import handling
from tongban.bundles.models import BundleCase
from tongban.cases import delivery
from tongban.cases import service as cases
from tongban.cases.enums import CaseState
from tongban.catalog.enums import DeliveryMethod
from tongban.core.clock import Clock
from tongban.core.errors import Conflict, InvalidInput, NotFound

DOWNLOAD = DeliveryMethod.online_download.value


def _waiting(db_session: Session, bundle_case: BundleCase) -> list:
    """The approved parts' cases whose results are still to be handed over; refuses unless the bundle is ready."""
    if bundle_case.state == "delivered":
        raise Conflict("BUNDLE_DELIVERED", "这件事的办理结果已经统一送达")
    if bundle_case.state != "ready":
        raise Conflict("BUNDLE_NOT_READY", "这件事还有事项未办结，全部办结后统一送达")
    return [cases.get(db_session=db_session, case_id=p.case_id)
            for p in handling.parts_of(db_session=db_session, bundle_case_id=bundle_case.id) if p.state == CaseState.approved.value]


def method_of(case) -> str:
    return case.delivery_method or DOWNLOAD


def take_all(*, db_session: Session, clock: Clock, actor: PersonActor, bundle_case: BundleCase) -> BundleCase:
    """The person takes every result that is theirs to download, at once, in their space."""
    if not handling.person_may_see(db_session=db_session, clock=clock, actor=actor, bundle_case=bundle_case):
        raise NotFound("BUNDLE_CASE_NOT_FOUND", "没有找到这个一件事办件")
    waiting = [c for c in _waiting(db_session, bundle_case) if method_of(c) == DOWNLOAD]
    if not waiting:
        raise Conflict("BUNDLE_DELIVERY_METHOD", "这件事的办理结果由综合出件窗口统一交付，请按通知领取")
    with handling.delivering(db_session, {c.id for c in waiting}):
        for case in waiting:
            delivery.downloaded(db_session=db_session, clock=clock, case=case, actor_ref=actor.ref, actor_name=actor.name)
    return _done(db_session, clock, bundle_case, f"已在个人空间一次领取全部电子办理结果（{len(waiting)} 项）")


def hand_over(
    *, db_session: Session, clock: Clock, actor: StaffActor, bundle_case: BundleCase, id_kind: str = "", id_number: str = "",
    carrier: str = "", tracking_number: str = "", address: str = "",
) -> BundleCase:
    """The lead window hands every paper result over at once: at the window with the collector's ID checked once, or
    in one parcel with one tracking number."""
    handling.require_lead(db_session, actor, bundle_case, Permission.case_dispatch)
    waiting = [c for c in _waiting(db_session, bundle_case) if method_of(c) != DOWNLOAD]
    if not waiting:
        raise Conflict("BUNDLE_DELIVERY_METHOD", "这件事的办理结果均由申请人在个人空间一次领取")
    methods = {method_of(c) for c in waiting}
    if DeliveryMethod.window_pickup.value in methods and not id_number.strip():
        raise InvalidInput("ID_REQUIRED", "请核验领取人的有效身份证件")
    if DeliveryMethod.post.value in methods and not tracking_number.strip():
        raise InvalidInput("TRACKING_NUMBER", "请填写寄递企业、运单号和收件地址")
    with handling.delivering(db_session, {c.id for c in waiting}):
        for case in waiting:
            part_actor = handling.commissioned(actor, case.agency_id)
            if method_of(case) == DeliveryMethod.window_pickup.value:
                delivery.pickup_at_window(db_session=db_session, clock=clock, actor=part_actor, case=case, id_kind=id_kind,
                                          id_number=id_number)
            elif method_of(case) == DeliveryMethod.post.value:
                delivery.post(db_session=db_session, clock=clock, actor=part_actor, case=case, carrier=carrier,
                              tracking_number=tracking_number, address=address)
            else:
                raise Conflict("DELIVERY_METHOD", f"“{case.item_name}”的办理结果放入自助柜，不能统一出件，请联系窗口")
    parts = []
    if DeliveryMethod.window_pickup.value in methods:
        parts.append("在综合出件窗口当面领取")
    if DeliveryMethod.post.value in methods:
        parts.append(f"已交{carrier.strip()}寄出，运单号 {tracking_number.strip().upper()}")
    return _done(db_session, clock, bundle_case, f"全部纸质办理结果（{len(waiting)} 项）" + "；".join(parts))


def _done(db_session: Session, clock: Clock, bundle_case: BundleCase, how: str) -> BundleCase:
    state = handling.refresh(db_session=db_session, clock=clock, bundle_case=bundle_case)
    if state == "delivered":
        bundle_case.delivered_at = clock.now()
        handling.tell(db_session=db_session, clock=clock, bundle_case=bundle_case, step="已统一送达", detail=how)
    else:
        handling.tell(db_session=db_session, clock=clock, bundle_case=bundle_case, step="部分结果已送达",
                      detail=f"{how}。其余结果请按一件事办件页面的提示一次领取。")
    db_session.flush()
    return bundle_case
