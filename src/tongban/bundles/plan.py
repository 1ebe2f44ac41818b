"""What a bundle means for one person (BND-02 … 06): from their answers, the items that apply and why, one merged list
of materials, one merged form, the order of the items and the overall time limit.

This module's dataclasses are the contract between the bundle's pages (the question flow and the plan a person reads)
and its submission (`bundles.submission`), which turns a plan plus the merged form and uploads into sub-cases.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tongban.catalog.schemas import FormField


@dataclass(frozen=True)
class PlannedItem:
    item_id: int  # the live catalog item in the bundle's region with this implementation code
    code: str
    name: str
    agency_id: int
    agency_name: str
    why: str  # the rule (or "必办事项") that made it apply
    stage: int  # 1 starts at once; n starts when every item it follows is done (BND-05)
    after: tuple[str, ...]  # the codes it follows
    limit_days: int  # the item's promised limit, in working days


@dataclass(frozen=True)
class MergedMaterial:
    """One material the person hands in once, though several items need it (BND-04)."""

    key: str  # the merged key the form and uploads use
    name: str
    required: bool
    used_by: dict[str, str]  # item code → that item's own material key
    match_rule: str  # why these were treated as the same material (shown to the person)
    e_form: bool = False  # every item fills it in as an online form (the merged form), nothing to upload
    condition: str = ""  # when it is needed, for a material not always required (特定情形下必要)


@dataclass(frozen=True)
class MergedField:
    """One field of the merged form, asked once (BND-03)."""

    field: FormField  # with the merged key
    used_by: dict[str, str]  # item code → that item's own field key


@dataclass(frozen=True)
class Plan:
    bundle_id: int
    bundle_version_id: int
    answers: dict[str, str]
    items: tuple[PlannedItem, ...]  # in order of stage, then the order the bundle lists them
    materials: tuple[MergedMaterial, ...]
    form: tuple[MergedField, ...]
    overall_limit_days: int  # BND-06: parallel items overlap, sequential ones add
    notes: tuple[str, ...] = field(default_factory=tuple)  # e.g. excluded items and why
