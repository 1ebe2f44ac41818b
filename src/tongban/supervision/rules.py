"""Warning thresholds per item (SUP-03): the installation's settings, overridden for an item by a supervisor."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from tongban.accounts.access import Permission, StaffActor, region_prefix
from tongban.catalog import reads as catalog_reads
from tongban.catalog import service as catalog
from tongban.core import audit
from tongban.core.clock import Clock
from tongban.core.errors import InvalidInput, NotFound
from tongban.supervision.models import WarningRule
from tongban.supervision.scope import require_supervisor
from tongban.supervision.thresholds import Thresholds

MAX_DAYS = 60


class ThresholdBook:
    """Thresholds for a batch of cases: every item's rule loaded once, the settings for the rest."""

    def __init__(self, db_session: Session, default: Thresholds | None = None) -> None:
        self.default = default or Thresholds.from_settings()
        self.rules = {r.item_id: Thresholds(share=r.share, days=r.days) for r in db_session.scalars(select(WarningRule))}

    def for_item(self, item_id: int) -> Thresholds:
        return self.rules.get(item_id, self.default)


def _check_item(db_session: Session, actor: StaffActor, item_id: int):
    require_supervisor(actor)
    item = catalog.get_item(db_session=db_session, item_id=item_id)
    actor.require(Permission.supervise, agency_id=item.agency_id, region_code=item.region_code)
    return item


def set_rule(*, db_session: Session, clock: Clock, actor: StaffActor, item_id: int, share: float, days: int) -> WarningRule:
    """Yellow when at most ``share`` of the limit or ``days`` days remain, for this item's cases (0 switches a rule off)."""
    _check_item(db_session, actor, item_id)
    if not 0 <= share < 1:
        raise InvalidInput("WARN_SHARE_INVALID", "剩余时限比例应在 0 到 1 之间（如 0.2 表示剩余两成时预警）")
    if not 0 <= days <= MAX_DAYS:
        raise InvalidInput("WARN_DAYS_INVALID", f"剩余天数应在 0 到 {MAX_DAYS} 之间")
    if share == 0 and days == 0:
        raise InvalidInput("WARN_RULE_EMPTY", "比例和天数不能都为 0：那样该事项永远不会预警")
    rule = db_session.scalar(select(WarningRule).where(WarningRule.item_id == item_id))
    if rule is None:
        rule = WarningRule(item_id=item_id)
        db_session.add(rule)
    rule.share, rule.days, rule.updated_by, rule.updated_at = float(share), int(days), actor.ref, clock.now()
    db_session.flush()
    audit.record(db_session=db_session, clock=clock, actor=actor.ref, action="supervision.warning_rule", object_kind="service_item",
                 object_id=item_id, details={"share": rule.share, "days": rule.days})
    return rule


def delete_rule(*, db_session: Session, clock: Clock, actor: StaffActor, item_id: int) -> None:
    _check_item(db_session, actor, item_id)
    rule = db_session.scalar(select(WarningRule).where(WarningRule.item_id == item_id))
    if rule is None:
        raise NotFound("WARN_RULE_NOT_FOUND", "该事项没有单独的预警阈值")
    db_session.delete(rule)
    audit.record(db_session=db_session, clock=clock, actor=actor.ref, action="supervision.warning_rule", object_kind="service_item",
                 object_id=item_id, details={"deleted": True})
    db_session.flush()


def rules_in_scope(*, db_session: Session, actor: StaffActor) -> list[tuple[WarningRule, catalog_reads.ItemFacts]]:
    """The item rules the actor may see, with their items, in two queries: every rule (one per item given its own
    threshold, as `ThresholdBook` reads them all), then their items in the actor's reach."""
    require_supervisor(actor)
    rules = db_session.scalars(select(WarningRule).order_by(WarningRule.updated_at.desc(), WarningRule.id.desc())).all()
    items = catalog_reads.items_by_id(db_session=db_session, item_ids=[r.item_id for r in rules],
                                      region_prefix=region_prefix(actor.region_code), agency_id=actor.agency_id)
    return [(rule, items[rule.item_id]) for rule in rules if rule.item_id in items]


def item_by_code(*, db_session: Session, actor: StaffActor, code: str) -> catalog_reads.ItemFacts:
    """The item with this implementation code in the actor's reach: codes are unique per code scheme only, so
    another region may use the same code for its own item."""
    text = (code or "").strip()
    if not text:
        raise InvalidInput("ITEM_CODE_REQUIRED", "请填写事项实施编码")
    item = catalog_reads.item_by_code(db_session=db_session, implementation_code=text,
                                      region_prefix=region_prefix(actor.region_code), agency_id=actor.agency_id)
    if item is None:
        raise NotFound("ITEM_NOT_FOUND", f"本地区没有实施编码为 {text[:40]} 的事项")
    return item
