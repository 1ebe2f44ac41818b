"""The merged application form of a bundle for one person (BND-03, 04, 07): the plan's fields pre-filled from the
account and licences as each item's own form would be (`cases.presenters.application_form`), and each merged material
with the ways it may be left out that hold for every item that needs it."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from tongban.baselib.service import BaseLibrary
from tongban.bundles import submission
from tongban.bundles.plan import MergedField, MergedMaterial, Plan
from tongban.cases import forms, presenters
from tongban.core.clock import Clock


@dataclass(frozen=True)
class Exemption:
    kind: str
    label: str
    ref: str


@dataclass(frozen=True)
class MaterialLine:
    material: MergedMaterial
    items: tuple[str, ...]  # the names of the items that need it
    exemptions: tuple[Exemption, ...]  # ways to leave it out that hold for every one of those items
    acceptance_standard: str


@dataclass(frozen=True)
class BundleForm:
    plan: Plan
    fields: tuple[MergedField, ...]
    prefill: dict[str, str]  # merged field key → value from the account / licences
    materials: tuple[MaterialLine, ...]
    delivery_methods: tuple[dict[str, str], ...]  # value, label
    applicant_name: str
    subject_kind: str


def application_form(*, db_session: Session, clock: Clock, library: BaseLibrary, applicant: forms.Applicant, plan: Plan) -> BundleForm:
    names = {p.code: p.name for p in plan.items}
    per_item = {p.code: presenters.application_form(db_session=db_session, clock=clock, library=library, applicant=applicant,
                                                    item_id=p.item_id) for p in plan.items}
    prefill: dict[str, str] = {}
    for merged in plan.form:
        for code, own in merged.used_by.items():
            value = per_item[code].prefill.get(own) if code in per_item else None
            if value:
                prefill[merged.field.key] = value
                break
    lines = []
    for merged in plan.materials:
        shared: dict[str, Exemption] | None = None
        standard = ""
        for code, own in merged.used_by.items():
            found = next((m for m in per_item[code].materials if m.key == own), None) if code in per_item else None
            if found is None:
                shared = {}
                continue
            standard = standard or found.acceptance_standard
            # the pledge is an item's own written undertaking: a bundle asks for files or shared exemptions only
            offered = {e.kind: Exemption(e.kind, e.label, e.ref) for e in found.exemptions if e.kind != "pledge"}
            shared = offered if shared is None else {k: v for k, v in shared.items() if k in offered}
        lines.append(MaterialLine(merged, tuple(names.get(c, c) for c in merged.used_by), tuple((shared or {}).values()),
                                  standard))
    methods = submission.delivery_choices(db_session=db_session, plan=plan)
    return BundleForm(plan=plan, fields=plan.form, prefill=prefill, materials=tuple(lines),
                      delivery_methods=tuple({"value": m.value, "label": m.label} for m in methods),
                      applicant_name=applicant.name, subject_kind=applicant.subject_kind)
