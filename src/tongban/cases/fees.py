"""Fees from the item's fee rules, in integer fen: fixed, per unit, tiered (CASE-13; 002 8.6.1)."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from tongban.catalog.enums import FeeRule
from tongban.catalog.schemas import Fee
from tongban.core.errors import InvalidInput


@dataclass(frozen=True)
class FeeLine:
    name: str
    rule: str
    units: int
    amount_fen: int
    basis: str

    def as_dict(self) -> dict:
        return asdict(self)


def units_of(fee: Fee, form: dict[str, str]) -> int:
    if fee.rule is FeeRule.fixed:
        return 1
    if not fee.units_field:
        return 1  # the item names no form field for the quantity: one unit per application (每件)
    raw = form.get(fee.units_field, "")
    if not raw:
        raise InvalidInput("FEE_UNITS_MISSING", f"收费“{fee.name}”按{fee.unit or '数量'}计费，请在申请表中填写数量")
    try:
        units = int(float(raw))
    except ValueError:
        raise InvalidInput("FEE_UNITS_INVALID", f"收费“{fee.name}”的数量应为整数") from None
    if units < 0 or units != float(raw):
        raise InvalidInput("FEE_UNITS_INVALID", f"收费“{fee.name}”的数量应为不小于 0 的整数")
    return units


def tiered_amount(fee: Fee, units: int) -> int:
    """Marginal tiers: each unit is charged at the price of the tier it falls in (tier amounts are per unit)."""
    total = 0
    lower = 0
    for tier in fee.tiers:
        upper = tier.up_to if tier.up_to is not None else units
        if units <= lower:
            break
        in_tier = min(units, upper) - lower
        if in_tier > 0:
            total += in_tier * tier.amount_fen
        lower = upper
        if tier.up_to is None:
            break
    if units > lower:  # beyond the last bounded tier: charge at the last tier's price
        total += (units - lower) * fee.tiers[-1].amount_fen
    return total


def assess(fees: list[Fee], form: dict[str, str]) -> list[FeeLine]:
    lines: list[FeeLine] = []
    for fee in fees:
        units = units_of(fee, form)
        if fee.rule is FeeRule.fixed:
            amount = fee.amount_fen
        elif fee.rule is FeeRule.per_unit:
            amount = fee.amount_fen * units
        else:
            amount = tiered_amount(fee, units)
        lines.append(FeeLine(name=fee.name, rule=fee.rule.value, units=units, amount_fen=amount, basis=fee.basis))
    return lines


def yuan(fen: int) -> str:
    """¥12.50 for people; arithmetic stays in fen."""
    return f"{fen // 100}.{fen % 100:02d} 元"
